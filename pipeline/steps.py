"""The run as four steps that separate processes (Airflow tasks) can call in turn.

extract -> validate (patients first) -> screen -> publish. Steps hand data over through a run
work folder, `<work_root>/<trial>/<as-of>/` (owner-only: it holds raw extracts), and return
small dicts of paths, counts and hashes: the only thing that goes to XCom. The CLI runs the
same preparation and report code in one process (`pipeline.run`); a test checks both give the
same report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.io.files import RawExtract, read_extract_file
from pipeline.prepare import (
    ExtractAccount,
    ValidatedExtract,
    ValidationSettings,
    assemble,
    patients_reference,
    validate_extract,
)
from pipeline.pseudonym import load_key
from pipeline.publish import new_staging, owner_only, report_umask, sha256_file, swap_in
from pipeline.quality.gx_runner import make_context
from pipeline.quality.suites import load_suites
from pipeline.run import build_report, previous_row_counts, report_dir_for
from pipeline.sources import load_source_config
from pipeline.trial import load_trial


def work_dir(work_root: str, trial_id: str, as_of: str) -> Path:
    """This run's private work folder."""
    folder = Path(work_root) / trial_id / as_of
    with owner_only():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _write_frame(frame: pd.DataFrame, path: Path) -> None:
    with owner_only():
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=True)


def _write_json(data: dict[str, Any], path: Path) -> None:
    with owner_only():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, sort_keys=True, default=str), encoding="utf-8")


def extract(
    extract_name: str,
    *,
    source_path: str,
    as_of: str,
    work_root: str,
    trial_id: str,
    landing_root: str | None = None,
    connection_uri: str | None = None,
) -> dict[str, Any]:
    """Read one extract (landing file or SQL pull) and stage it as text for validation."""
    source = load_source_config(source_path)
    spec = source.extracts[extract_name]
    if source.kind == "sql":
        from pipeline.io.sql import read_extract_sql

        if not connection_uri:
            raise ValueError("a sql source needs a warehouse connection")
        raw = read_extract_sql(connection_uri, source, extract_name, as_of)
        digest = ""
    else:
        if not landing_root:
            raise ValueError("a files source needs a landing folder")
        raw = read_extract_file(Path(landing_root) / as_of, spec, EXTRACTS[extract_name])
        digest = sha256_file(Path(raw.path))
    folder = work_dir(work_root, trial_id, as_of)
    _write_frame(raw.frame, folder / "raw" / f"{extract_name}.parquet")
    meta = {"path": raw.path, "rows_read": raw.rows_read, "ignored_columns": raw.ignored_columns}
    _write_json(meta, folder / "raw" / f"{extract_name}.json")
    return {
        "extract": extract_name,
        "rows_read": raw.rows_read,
        "sha256": digest,
        "path": str(folder / "raw" / f"{extract_name}.parquet"),
    }


def _staged_raw(folder: Path, name: str) -> RawExtract:
    meta = json.loads((folder / "raw" / f"{name}.json").read_text(encoding="utf-8"))
    frame = pd.read_parquet(folder / "raw" / f"{name}.parquet").reset_index(drop=True)
    return RawExtract(name, frame, meta["path"], int(meta["rows_read"]), meta["ignored_columns"])


def validate(
    extract_name: str,
    *,
    source_path: str,
    as_of: str,
    work_root: str,
    trial_id: str,
    reports_root: str,
) -> dict[str, Any]:
    """Validate one staged extract with its suite; `patients` must be validated first."""
    source = load_source_config(source_path)
    folder = work_dir(work_root, trial_id, as_of)
    previous = previous_row_counts(report_dir_for(reports_root, trial_id, as_of))
    settings = ValidationSettings(as_of=pd.Timestamp(as_of), previous_rows=previous)
    patients = None
    if extract_name != "patients":
        accepted = pd.read_parquet(folder / "validated" / "patients.parquet")
        patients = patients_reference(accepted)
    result = validate_extract(
        _staged_raw(folder, extract_name),
        source,
        settings,
        load_suites()[extract_name],
        make_context(),
        patients,
    )
    _write_frame(result.accepted, folder / "validated" / f"{extract_name}.parquet")
    _write_frame(result.quarantine, folder / "quarantine" / f"{extract_name}.parquet")
    account = result.account
    _write_json(
        {
            "account": account.__dict__,
            "summary": result.summary,
            "result": result.result_json,
            "previous_rows": previous,
        },
        folder / "dq" / f"{extract_name}.json",
    )
    return {
        "extract": extract_name,
        "rows_read": account.rows_read,
        "rows_accepted": account.rows_accepted,
        "rows_quarantined": account.rows_quarantined,
        "duplicates_removed": account.duplicates_removed,
    }


def _validated(folder: Path, name: str) -> tuple[ValidatedExtract, dict[str, int]]:
    audit = json.loads((folder / "dq" / f"{name}.json").read_text(encoding="utf-8"))
    item = ValidatedExtract(
        name=name,
        accepted=pd.read_parquet(folder / "validated" / f"{name}.parquet"),
        quarantine=pd.read_parquet(folder / "quarantine" / f"{name}.parquet"),
        account=ExtractAccount(**audit["account"]),
        summary=audit["summary"],
        result_json=audit["result"],
    )
    return item, audit["previous_rows"]


def screen(
    *, trial_path: str, source_path: str, as_of: str, work_root: str, reports_root: str
) -> dict[str, Any]:
    """Screen the validated extracts and build the complete report in a staging folder."""
    key = load_key()
    trial = load_trial(trial_path)
    source = load_source_config(source_path)
    folder = work_dir(work_root, trial.id, as_of)
    loaded = {name: _validated(folder, name) for name in EXTRACTS}
    prepared = assemble({name: item for name, (item, _) in loaded.items()}, pd.Timestamp(as_of))
    prepared.previous_rows = loaded["patients"][1]
    target = report_dir_for(reports_root, trial.id, as_of)
    with report_umask():
        staging = new_staging(target)
        try:
            counts = build_report(trial, prepared, source, staging, key)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return {"staging": str(staging), "patients": len(prepared.data.index), "counts": counts}


def publish(*, staging: str, trial_id: str, as_of: str, reports_root: str) -> dict[str, Any]:
    """Swap the staged report in at once; then drop the run's work folder (raw extracts)."""
    target = report_dir_for(reports_root, trial_id, as_of)
    swap_in(Path(staging), target)
    manifest = sha256_file(target / "manifest.json")
    return {"report_dir": str(target), "manifest_sha256": manifest}


def clean_work(*, work_root: str, trial_id: str, as_of: str) -> None:
    """Remove a run's work folder (raw and validated extracts hold patient data)."""
    shutil.rmtree(Path(work_root) / trial_id / as_of, ignore_errors=True)
