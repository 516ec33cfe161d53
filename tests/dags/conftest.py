"""Fixtures of the DAG tests: a migrated SQLite metadata DB, the DAG, per-test settings."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import AS_OF
from tests.dags.airflow_env import (
    AIRFLOW_HOME,
    DAG_ID,
    DAGS,
    HOSPITAL_DAG_ID,
    REPO,
    airflow_bin,
    subprocess_env,
)


@pytest.fixture(scope="session", autouse=True)
def _remove_airflow_home() -> Iterator[None]:
    yield
    shutil.rmtree(AIRFLOW_HOME, ignore_errors=True)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """`airflow db migrate` once per session; returns the SQLite metadata DB's path."""
    done = subprocess.run(
        [airflow_bin(), "db", "migrate"],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return AIRFLOW_HOME / "airflow.db"


@pytest.fixture(scope="session")
def dag_bag(airflow_db: Path):
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag


@pytest.fixture(scope="session")
def screening_dag(dag_bag):
    return dag_bag.dags[DAG_ID]


@pytest.fixture(scope="session")
def hospital_dag(dag_bag):
    return dag_bag.dags[HOSPITAL_DAG_ID]


@pytest.fixture
def landing(small_hospital, tmp_path: Path) -> Path:
    """A private copy of the small hospital's landing folder (tests may damage it)."""
    root = tmp_path / "landing"
    shutil.copytree(small_hospital.exports, root / AS_OF)
    return root


@pytest.fixture
def run_env(landing: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """SCREENING_* settings for in-process `dag.test()` runs (tasks run in this process)."""
    paths = {
        "landing": landing,
        "reports": tmp_path / "reports",
        "work": tmp_path / "work",
        "snapshots": tmp_path / "work" / ".snapshots",
    }
    monkeypatch.setenv("SCREENING_LANDING_DIR", str(paths["landing"]))
    monkeypatch.setenv("SCREENING_REPORTS_DIR", str(paths["reports"]))
    monkeypatch.setenv("SCREENING_WORK_DIR", str(paths["work"]))
    monkeypatch.setenv("SCREENING_SOURCE", str(REPO / "sources" / "synthetic-chu.yaml"))
    monkeypatch.delenv("SCREENING_FAILURE_NOTIFIER", raising=False)
    return paths
