"""The run as steps that separate processes (Airflow tasks) can call in turn.

The hospital's night, once for every trial: check_source -> extract -> validate (patients
first) -> publish_snapshot (`pipeline.snapshot`). Each trial, from that snapshot: check_config
(trial and key, before any data) -> screen_shard (once per patient shard, in parallel) ->
report (merge the shards, write every report file) -> publish -> clean_work.

The hospital's steps build in the snapshot's owner-only build folder (raw extracts, then
validated and set-aside rows and data-quality results); a trial's steps read the published
snapshot and write their shards' partial tables under `<work_root>/<trial>/<as-of>/shards/`.
Steps return small dicts of paths, counts and hashes: the only thing that goes to XCom. The
CLI runs the same preparation and report code in one process, unsharded (`pipeline.run`); a
test checks both give the same report, byte for byte.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.compute as pc

from pipeline.as_of_cut import cut_columns
from pipeline.contract import EXTRACTS
from pipeline.errors import ScreeningError
from pipeline.io.files import (
    RawExtract,
    is_unavailable,
    open_extract_or_missing,
    unavailable_extract,
)
from pipeline.io.staging import ParquetSink, stage_raw, staged_raw
from pipeline.prepare import (
    ExtractAccount,
    PreparedExtracts,
    ValidatedExtract,
    ValidationSettings,
    assemble,
    patients_reference,
    set_aside_patients,
    validate_extract,
)
from pipeline.pseudonym import load_key
from pipeline.publish import owner_only, report_umask, sha256_file
from pipeline.quality.gx_runner import make_context
from pipeline.quality.suites import load_suites
from pipeline.rules.context import ScreeningData
from pipeline.run import build_report, newest_previous_row_counts, report_dir_for
from pipeline.run_lock import run_lock
from pipeline.sharding import (
    merge_shards,
    parquet_filter,
    partial_tables,
    publish_shard,
    shard_folder,
    shard_members,
    shard_selection,
)
from pipeline.snapshot import previous_row_counts as snapshot_previous_counts
from pipeline.snapshot import prune as prune_snapshots
from pipeline.snapshot import publish_snapshot as publish_snapshot_folder
from pipeline.snapshot import snapshot_meta, source_name
from pipeline.sources import SourceConfig, load_source_config
from pipeline.trial import load_trial
from pipeline.versions import new_version, publish_version, recover

# Under the run's work folder: one folder of partial report tables per shard.
SHARDS_FOLDER = "shards"


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


def check_source(*, source_path: str) -> dict[str, Any]:
    """Load the source config before any data is read: the hospital run's first task, so a
    wrong config stops the night with its one-line error instead of in every extract."""
    source = load_source_config(source_path)
    return {"source": source_name(source_path), "kind": source.kind}


def check_config(*, trial_path: str, snapshot: str) -> dict[str, Any]:
    """Load the trial and the pseudonym key, and read the night's snapshot's metadata, before
    any data is read: a wrong trial file, key or a night not validated yet stops the trial's
    run here, with its one-line error (the trial is otherwise first read by `screen_shard`).
    Returns only what identifies the trial and the snapshot (whose version folder the run's
    other tasks then read)."""
    trial = load_trial(trial_path)
    load_key()
    meta = snapshot_meta(Path(snapshot))
    return {
        "trial_id": trial.id,
        "criteria": len(trial.criteria),
        "sha256": trial.sha256,
        "source": meta["source"],
        "as_of": meta["as_of"],
        "snapshot": snapshot,
    }


def extract(
    extract_name: str,
    *,
    source_path: str,
    as_of: str,
    folder: str,
    landing_root: str | None = None,
    connection_uri: str | None = None,
) -> dict[str, Any]:
    """Read one extract (landing file, SQL, OMOP or FHIR) and stage it as text, in the
    hospital run's build folder, for validation."""
    source = load_source_config(source_path)
    spec = source.extracts[extract_name]
    if source.extract_unavailable(extract_name):
        raw = unavailable_extract(EXTRACTS[extract_name])
        digest = ""
    elif source.kind == "fhir":
        from pipeline.io.fhir import read_extract_fhir, require_rows

        if not landing_root:
            raise ValueError("a fhir source needs a landing folder")
        folder_in = Path(landing_root) / as_of
        raw = require_rows(
            read_extract_fhir(
                folder_in,
                extract_name,
                source.options.get("rxnorm_to_atc"),
                tuple(n for n in EXTRACTS if source.extract_unavailable(n)),
            ),
            folder_in,
            extract_name,
        )
        digest = raw.sha256
    elif source.kind == "omop":
        from pipeline.io.omop import read_extract_omop

        if not connection_uri:
            raise ValueError("an omop source needs a warehouse connection")
        raw = read_extract_omop(connection_uri, source, extract_name, as_of)
        digest = raw.sha256
    elif source.kind == "sql":
        from pipeline.io.sql import read_extract_sql

        if not connection_uri:
            raise ValueError("a sql source needs a warehouse connection")
        raw = read_extract_sql(connection_uri, source, extract_name, as_of)
        digest = raw.sha256
    else:
        if not landing_root:
            raise ValueError("a files source needs a landing folder")
        raw = open_extract_or_missing(Path(landing_root) / as_of, spec, EXTRACTS[extract_name])
        digest = "" if is_unavailable(raw.path) else sha256_file(Path(raw.path))
    folder = Path(folder)
    with owner_only():  # streamed block by block: a huge file never sits in memory whole
        stage_raw(raw, folder / "raw" / f"{extract_name}.parquet")
    meta = {
        "path": raw.path,
        "rows_read": raw.rows_read,
        "ignored_columns": raw.ignored_columns,
        "sha256": digest,  # the manifest's, taken once, here: the input is not read again
        "code_issues": raw.code_issues,
        "not_used": raw.not_used,
    }
    _write_json(meta, folder / "raw" / f"{extract_name}.json")
    return {
        "extract": extract_name,
        "rows_read": raw.rows_read,
        "sha256": digest,
        "input": raw.path,
        "path": str(folder / "raw" / f"{extract_name}.parquet"),
    }


def _staged_raw(folder: Path, name: str) -> RawExtract:
    meta = json.loads((folder / "raw" / f"{name}.json").read_text(encoding="utf-8"))
    path = folder / "raw" / f"{name}.parquet"
    return staged_raw(
        name,
        path,
        meta["path"],
        int(meta["rows_read"]),
        meta["ignored_columns"],
        meta.get("sha256", ""),
        code_issues=meta.get("code_issues", []),
        not_used=meta.get("not_used", {}),
    )


def _raw_to_validate(source: SourceConfig, folder: Path, name: str) -> RawExtract:
    """The staged extract; one unavailable (declared, or an optional extract not delivered)
    is staged empty and validated as the CLI does (one empty batch), under its own path."""
    if source.extract_unavailable(name):
        return unavailable_extract(EXTRACTS[name])
    meta = json.loads((folder / "raw" / f"{name}.json").read_text(encoding="utf-8"))
    if is_unavailable(meta["path"]):
        raw = unavailable_extract(EXTRACTS[name])
        raw.path = meta["path"]
        return raw
    return _staged_raw(folder, name)


def validate(
    extract_name: str,
    *,
    source_path: str,
    as_of: str,
    folder: str,
    previous: dict[str, int],
) -> dict[str, Any]:
    """Validate one staged extract with its suite; `patients` must be validated first.

    `previous` is the rows read per extract the night before (`previous_night_counts`), for
    the volume checks."""
    source = load_source_config(source_path)
    folder = Path(folder)
    settings = ValidationSettings(as_of=pd.Timestamp(as_of), previous_rows=previous)
    patients = None
    if extract_name != "patients":
        accepted = pd.read_parquet(folder / "validated" / "patients.parquet")
        set_aside = pd.read_parquet(folder / "quarantine" / "patients.parquet")
        patients = patients_reference(accepted, set_aside)
    with (
        owner_only(),
        ParquetSink(
            folder / "validated" / f"{extract_name}.parquet", keep_index=True
        ) as accepted_rows,
    ):
        result = validate_extract(
            _raw_to_validate(source, folder, extract_name),
            source,
            settings,
            load_suites()[extract_name],
            make_context(),
            patients,
            accepted_sink=accepted_rows,  # written batch by batch, never gathered
        )
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


def previous_night_counts(
    *, snapshots_root: str, source_path: str, as_of: str, report_targets: list[Path]
) -> dict[str, int]:
    """Rows read per extract the night before: the source's previous snapshot, else (the
    first night with snapshots) the newest earlier report of any of the trials."""
    counts = snapshot_previous_counts(snapshots_root, source_name(source_path), as_of)
    return counts if counts is not None else newest_previous_row_counts(report_targets)


def publish_snapshot(
    validated: list[dict[str, Any]],
    *,
    source_path: str,
    as_of: str,
    folder: str,
    snapshots_root: str,
    keep: int,
) -> dict[str, Any]:
    """Publish the night's validated extracts as the source's snapshot, in one rename, and
    drop the nights older than the `keep` newest.

    `validated` are the `validate` results of every extract: all must be there, so a
    snapshot never lacks an extract the contract lists."""
    done = sorted(v["extract"] for v in validated)
    if done != sorted(EXTRACTS):
        raise ScreeningError(f"cannot publish a snapshot of extracts {done}: every one is needed")
    name = source_name(source_path)
    meta = {
        "source": name,
        "source_path": source_path,
        "as_of": as_of,
        "rows_read": {v["extract"]: int(v["rows_read"]) for v in validated},
    }
    target = publish_snapshot_folder(Path(folder), snapshots_root, name, as_of, meta)
    removed = prune_snapshots(snapshots_root, name, keep)
    return {"snapshot": str(target), "source": name, "as_of": as_of, "pruned": removed}


def _validated(
    folder: Path,
    name: str,
    *,
    columns: list[str] | None = None,
    rows: pc.Expression | None = None,
) -> tuple[ValidatedExtract, dict[str, int]]:
    """One validated extract read back; `columns` prunes the accepted rows' columns and `rows`
    filters both accepted and set-aside rows (a shard's)."""
    audit = json.loads((folder / "dq" / f"{name}.json").read_text(encoding="utf-8"))
    item = ValidatedExtract(
        name=name,
        accepted=pd.read_parquet(
            folder / "validated" / f"{name}.parquet", columns=columns, filters=rows
        ),
        quarantine=pd.read_parquet(folder / "quarantine" / f"{name}.parquet", filters=rows),
        account=ExtractAccount(**audit["account"]),
        summary=audit["summary"],
        result_json=audit["result"],
    )
    return item, audit["previous_rows"]


def _shard_data(folder: Path, members: pd.Index, as_of: str) -> ScreeningData:
    """The screening data of a shard's patients, read with Parquet filters: a worker holds its
    shard's rows only (imaging studies first: lesions follow their study)."""
    studies = pd.read_parquet(
        folder / "validated" / "imaging_studies.parquet",
        columns=["study_id"],
        filters=parquet_filter({"patient_id": members}),
    )
    study_ids = pd.Index(studies["study_id"])
    validated = {
        name: _validated(
            folder, name, rows=parquet_filter(shard_selection(name, members, study_ids))
        )[0]
        for name in EXTRACTS
    }
    return assemble(validated, pd.Timestamp(as_of)).data


def screen_shard(
    shard: int, n_shards: int, *, trial_path: str, snapshot: str, work_root: str
) -> dict[str, Any]:
    """Screen one shard of the snapshot's patients and write its partial report tables.

    Only the patient ids are read whole (to find the shard's members); every other row is
    read for the shard's patients only, so a worker's memory follows its shard's size.
    """
    key = load_key()
    trial = load_trial(trial_path)
    night = Path(snapshot)
    as_of = snapshot_meta(night)["as_of"]
    ids = pd.read_parquet(night / "validated" / "patients.parquet", columns=["patient_id"])
    set_aside = pd.read_parquet(night / "quarantine" / "patients.parquet")
    exported = pd.Index(ids["patient_id"])
    exported = exported.append(set_aside_patients(set_aside, exported).index)
    members = shard_members(exported, key, shard, n_shards)
    tables = partial_tables(trial, _shard_data(night, members, as_of), key)
    folder = work_dir(work_root, trial.id, as_of)
    return publish_shard(tables, folder / SHARDS_FOLDER, shard, n_shards)


def _shard_folders(folder: Path, shards: list[dict[str, Any]]) -> list[Path]:
    """The partial-table folders of every shard; refuses a set of shards that is not exactly
    0..N-1 of one N (a merge of the wrong shards would silently drop or repeat patients)."""
    counts = sorted({int(s["n_shards"]) for s in shards})
    numbers = sorted(int(s["shard"]) for s in shards)
    if len(counts) != 1 or numbers != list(range(counts[0])):
        raise ScreeningError(
            f"cannot merge shards {numbers} of {counts} shards: "
            "the merge needs every shard 0..N-1 of one N"
        )
    n_shards = counts[0]
    return [shard_folder(folder / SHARDS_FOLDER, i, n_shards) for i in range(n_shards)]


# The columns `assemble` reads besides the as-of date column: the report step needs the
# accounting (rows after the as-of date) and the patient count, not the records.
_ASSEMBLY_IDS = {
    "patients": ["patient_id"],
    "imaging_studies": ["study_id"],
    "imaging_lesions": ["study_id"],
}


def _report_inputs(folder: Path, as_of: str) -> PreparedExtracts:
    """The audit parts of the prepared extracts (accounts, set-aside rows, data-quality
    results) through the same `assemble` as the CLI, from the few columns it reads."""
    loaded = {}
    for name, extract in EXTRACTS.items():
        dates = cut_columns(extract)
        loaded[name] = _validated(folder, name, columns=_ASSEMBLY_IDS.get(name, []) + dates)
    prepared = assemble({name: item for name, (item, _) in loaded.items()}, pd.Timestamp(as_of))
    prepared.previous_rows = loaded["patients"][1]
    return prepared


def report(
    shards: list[dict[str, Any]],
    *,
    trial_path: str,
    snapshot: str,
    work_root: str,
    reports_root: str,
) -> dict[str, Any]:
    """Merge the shards' partial tables and build the complete report in a staging folder.

    `shards` are the `screen_shard` results of every shard. The report is the CLI's, byte for
    byte: the same `build_report` writes it, given the merged tables, the snapshot's audit
    parts and the source config the snapshot was validated with.
    """
    key = load_key()
    trial = load_trial(trial_path)
    night = Path(snapshot)
    meta = snapshot_meta(night)
    as_of = meta["as_of"]
    source = load_source_config(meta["source_path"])
    folder = work_dir(work_root, trial.id, as_of)
    tables = merge_shards(trial, _shard_folders(folder, shards))
    prepared = _report_inputs(night, as_of)
    patients = len(prepared.data.index)
    if tables["candidates"].num_rows != patients:
        raise ScreeningError(
            f"the shards screened {tables['candidates'].num_rows} patients of {patients}"
        )
    target = report_dir_for(reports_root, trial.id, as_of)
    with run_lock(target), report_umask():
        recover(target)
        staging = new_version(target)
        try:
            counts = build_report(trial, prepared, source, staging, key, tables)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    return {
        "staging": str(staging),
        "trial_id": trial.id,
        "as_of": as_of,
        "patients": patients,
        "counts": counts,
    }


def publish(*, staging: str, trial_id: str, as_of: str, reports_root: str) -> dict[str, Any]:
    """Point the published path at the staged version in one rename, under the run lock, and
    remove the version it replaces.

    The lock cannot be held from the report task to this one (two processes): a CLI run of the
    same trial and date in between removes this run's staged version as a leftover. Then this
    step fails with a clear error and the published report stays as that run left it."""
    target = report_dir_for(reports_root, trial_id, as_of)
    version = Path(staging)
    with run_lock(target):
        if not version.is_dir():
            raise ScreeningError(
                f"{version}: the staged report is gone (another run of trial '{trial_id}' for "
                f"{as_of} replaced it); the published report is unchanged, run again"
            )
        publish_version(version, target)
        recover(target)
        manifest = sha256_file(target / "manifest.json")
    return {"report_dir": str(target), "manifest_sha256": manifest}


def clean_work(*, work_root: str, trial_id: str, as_of: str) -> None:
    """Remove a run's work folder (raw and validated extracts hold patient data)."""
    shutil.rmtree(Path(work_root) / trial_id / as_of, ignore_errors=True)
