"""The run manifest: everything needed to reproduce and audit a report, and nothing personal."""

from __future__ import annotations

import os
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline import __version__
from pipeline.contract import CONTRACT_VERSION
from pipeline.prepare import ExtractAccount
from pipeline.publish import sha256_file
from pipeline.trial import Trial


@cache
def code_version() -> str:
    """Package version plus the git commit when run from a checkout."""
    override = os.environ.get("SCREENING_CODE_VERSION")
    if override:
        return override
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{__version__}+{commit}" if commit else __version__


def build_manifest(
    trial: Trial,
    as_of: pd.Timestamp,
    accounts: dict[str, ExtractAccount],
    input_hashes: dict[str, str],
    outputs: dict[str, int],
    source_name: str,
    patients: dict[str, int] | None = None,
    unavailable: dict[str, list[str] | str] | None = None,
) -> dict[str, Any]:
    """Manifest contents; deliberately without wall-clock times so reruns are identical.
    `patients`: exported (distinct ids of the patients extract), reported, and screened
    with their patients row set aside. `unavailable`: what the source declared it cannot
    provide (`all` of an extract, or its columns)."""
    return {
        "as_of": as_of.date().isoformat(),
        "trial": {"id": trial.id, "version": trial.version, "sha256": trial.sha256},
        "code_version": code_version(),
        "contract_version": CONTRACT_VERSION,
        "source": source_name,
        "unavailable": unavailable or {},
        "inputs": {
            name: {
                "file": Path(account.path).name,
                "sha256": input_hashes.get(name, ""),
                "rows": account.rows_read,
            }
            for name, account in accounts.items()
        },
        "extracts": {name: account.as_manifest() for name, account in accounts.items()},
        "patients": patients or {},
        "outputs": outputs,
    }


def hash_inputs(accounts: dict[str, ExtractAccount]) -> dict[str, str]:
    """SHA-256 of every input: a file's bytes, or a SQL pull's rows as pulled. An account that
    carries the digest (a pull's, or a file's taken by the DAG's extract task) is not read again."""
    return {
        name: a.sha256 or (sha256_file(Path(a.path)) if Path(a.path).is_file() else "")
        for name, a in accounts.items()
    }
