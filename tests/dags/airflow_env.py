"""Airflow for the DAG tests: a throw-away AIRFLOW_HOME, set before Airflow is first imported.

Kept out of conftest.py so that test modules import these names from one module instance
(importing a conftest by name would run it again and pick a second AIRFLOW_HOME). Byte-code
caching is switched back on, into a folder outside the venv: importing Airflow compiles about
1000 modules otherwise.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from tests.conftest import repo_root

REPO = repo_root()
DAGS = REPO / "dags"
TRIAL = "lutathera-retreatment"
DAG_ID = f"screening_{TRIAL}"
HOSPITAL_DAG_ID = "hospital_snapshot"
PYCACHE = Path(tempfile.gettempdir()) / "screening-test-pycache"
AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="screening-airflow-"))

AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    # Retries wait 1 s, 2 s, 4 s instead of 5, 10, 20 minutes.
    "SCREENING_EXTRACT_RETRY_DELAY_SECONDS": "1",
}
os.environ.update(AIRFLOW_ENV)
if os.environ.get("PYTHONDONTWRITEBYTECODE"):
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(PYCACHE)


def subprocess_env(**extra: str) -> dict[str, str]:
    """Environment for Airflow subprocesses: ours, plus the byte-code cache speed-up."""
    env = {**os.environ, **AIRFLOW_ENV, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    # `airflow standalone` starts its components as `airflow ...` from PATH.
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def airflow_bin() -> str:
    return str(Path(sys.executable).with_name("airflow"))
