"""One screening run: read the exports, prepare them, screen, and publish the report directory.

The CLI and the Airflow DAG call the same functions; the DAG only splits them into tasks, and
screens patient shards in parallel whose merged tables it hands to the same `build_report`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa

from pipeline.contract import EXTRACTS
from pipeline.dated_folders import check_export_folder
from pipeline.engine import screen
from pipeline.errors import ConfigError
from pipeline.feedback import FEEDBACK_FILE, latest_decisions, with_decisions
from pipeline.io.files import (
    RawExtract,
    is_unavailable,
    open_extract_or_missing,
    unavailable_extract,
)
from pipeline.manifest import build_manifest, hash_inputs
from pipeline.memory import release_free_memory, tune_allocator
from pipeline.parallel import worker_count
from pipeline.prepare import (
    ExtractAccount,
    PreparedExtracts,
    ValidatedExtract,
    ValidationSettings,
    prepare_extracts,
)
from pipeline.progress import Stage, silent
from pipeline.pseudonym import load_key, pseudonymise
from pipeline.publish import owner_only, staged_directory, write_json, write_parquet
from pipeline.quality.audit import ReportContext, run_rule_texts, write_audit
from pipeline.reports import build_reports, quarantine_table
from pipeline.review import previous_report_dir, write_review_outputs
from pipeline.rules.context import ScreeningData
from pipeline.run_lock import run_lock
from pipeline.sources import SourceConfig
from pipeline.trial import Trial

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    report_dir: Path
    patients: int
    counts: dict[str, int]


# Sources delivered as a landing folder per export date (the others are databases).
FOLDER_KINDS = ("files", "fhir")


def read_exports(folder: Path, source: SourceConfig) -> dict[str, RawExtract]:
    """Open every extract of the contract in a landing folder: each file's structure is
    checked now (a broken export stops the run before any work), its rows are streamed
    batch by batch during validation."""
    return {
        name: unavailable_extract(extract)
        if source.extract_unavailable(name)
        else open_extract_or_missing(folder, source.extracts[name], extract)
        for name, extract in EXTRACTS.items()
    }


def read_source(
    source: SourceConfig, exports: Path | None, url: str | None, as_of: pd.Timestamp
) -> dict[str, RawExtract]:
    """Every extract of the contract from the source, whatever its kind: a landing folder
    (`files`), or a database (`sql`, `omop`) pulled at the as-of date."""
    if source.kind in FOLDER_KINDS:
        if exports is None:
            raise ConfigError(f"{source.path}: a {source.kind} source needs --exports FOLDER")
        if source.kind == "fhir":
            from pipeline.io.fhir import read_extracts_fhir

            return read_extracts_fhir(Path(exports), source)
        return read_exports(Path(exports), source)
    if not url:
        raise ConfigError(
            f"{source.path}: a {source.kind} source needs a database URL "
            "(--url or SCREENING_WAREHOUSE_URL)"
        )
    if source.kind == "omop":
        from pipeline.io.omop import read_extracts_omop

        return read_extracts_omop(url, source, as_of.date())
    from pipeline.io.sql import read_extracts_sql

    return read_extracts_sql(url, source, as_of.date())


def report_dir_for(out_root: Path | str, trial_id: str, as_of: str) -> Path:
    """REPORTS/<trial>/<as-of YYYY-MM-DD>: where a run publishes."""
    return Path(out_root) / trial_id / as_of


def screen_tables(
    trial: Trial, data: ScreeningData, key: bytes, workers: int = 1
) -> dict[str, pa.Table]:
    """Screen the patients of `data` and build the report tables (sorted by pseudonym).

    The only part of a report that reads patient records: a sharded run calls it once per
    shard and merges the results (`pipeline.sharding`) before `build_report` writes them.
    `workers` processes evaluate the criteria (a shard task of the DAG keeps to one).
    """
    criteria, overall = screen(trial, data, workers)
    return report_tables(trial, criteria, overall, data.index, data.as_of, key)


def report_tables(
    trial: Trial,
    criteria: pd.DataFrame,
    overall: pd.DataFrame,
    patients: pd.Index,
    as_of: pd.Timestamp,
    key: bytes,
) -> dict[str, pa.Table]:
    """The report tables of screened `patients`: reads the engine's verdicts, not the
    records, so a caller may free the records before building them."""
    ids = pd.Series(patients, index=patients)
    return build_reports(trial, criteria, overall, pseudonymise(ids, key), as_of)


def status_counts(candidates: pa.Table) -> dict[str, int]:
    """Patients per overall status, from the candidates table (whichever way it was built)."""
    counts = pd.Series(candidates["overall_status"].to_numpy(zero_copy_only=False))
    return {str(k): int(v) for k, v in counts.value_counts().items()}


def build_report(
    trial: Trial,
    prepared: PreparedExtracts,
    source: SourceConfig,
    staging: Path,
    key: bytes,
    tables: dict[str, pa.Table] | None = None,
) -> dict[str, int]:
    """Write every report file into `staging`; counts per status.

    Without `tables` the prepared data is screened here. With them (the CLI, which screened
    before freeing the records: `without_records`; the merged shards of the DAG) only the
    audit parts of `prepared` and its as-of date are read, so its screening data may hold
    only the columns `assemble` needs, or nothing.
    """
    as_of = prepared.data.as_of
    input_hashes = _hash_inputs_beside(prepared.accounts)
    if tables is None:
        tables = screen_tables(trial, prepared.data, key, worker_count())
    target = staging.parent / as_of.date().isoformat()
    # The team's decisions so far (`screening feedback import`), shown beside each patient.
    decisions = latest_decisions(target.parent, as_of.date())
    tables = {**tables, "candidates": with_decisions(tables["candidates"], decisions.latest)}
    outputs: dict[str, int] = {}
    for name, table in tables.items():
        with owner_only() if name == "reidentification" else contextlib.nullcontext():
            write_parquet(table, staging / f"{name}.parquet")
        outputs[f"{name}.parquet"] = table.num_rows
    for name, frame in prepared.quarantine.items():
        table = quarantine_table(frame, pseudonymise(frame["patient_id"], key))
        write_parquet(table, staging / "quarantine" / f"{name}.parquet")
        outputs[f"quarantine/{name}.parquet"] = table.num_rows
    settings = ValidationSettings(as_of=as_of, previous_rows=prepared.previous_rows)
    extracts = {name: account.as_manifest() for name, account in prepared.accounts.items()}
    parameters = {name: settings.parameters(name) for name in prepared.accounts}
    outputs |= write_audit(
        staging,
        prepared.summary,
        prepared.results,
        parameters,
        as_of,
        {name: a.code_issues for name, a in prepared.accounts.items() if a.code_issues},
        context=ReportContext(trial.title, extracts, prepared.previous_rows, target.parent),
    )
    outputs |= write_review_outputs(
        staging,
        tables,
        trial,
        previous_report_dir(target),
        as_of=as_of,
        extracts=extracts,
        rule_texts=run_rule_texts(parameters),
    )
    patients = prepared.reconcile_patients(tables["candidates"].num_rows)
    manifest = build_manifest(
        trial,
        as_of,
        prepared.accounts,
        input_hashes.result(),
        outputs,
        source.hospital,
        patients,
        unavailable_summary(source, prepared.accounts),
    )
    manifest["feedback"] = {
        "file": FEEDBACK_FILE,
        "sha256": decisions.sha256,
        "patients_with_a_decision": len(decisions.latest),
    }
    write_json(manifest, staging / "manifest.json")
    return status_counts(tables["candidates"])


def unavailable_summary(
    source: SourceConfig, accounts: dict[str, ExtractAccount]
) -> dict[str, list[str] | str]:
    """What the manifest lists as unavailable: what the source declares, and the optional
    extracts its landing folder did not deliver on this date (`open_extract_or_missing`)."""
    missing = {n: "all" for n, a in accounts.items() if a.unavailable and is_unavailable(a.path)}
    return dict(sorted({**source.unavailable_summary(), **missing}.items()))


def _hash_inputs_beside(accounts: dict[str, ExtractAccount]) -> Future[dict[str, str]]:
    """The inputs' SHA-256 (`hash_inputs`) on a thread while the report is written: hashlib
    and file reads release the GIL, so the hashing (seconds at a million patients) takes a
    core the single-threaded writes leave idle."""
    hashing = ThreadPoolExecutor(1, thread_name_prefix="input-hashes")
    try:
        return hashing.submit(hash_inputs, accounts)
    finally:
        hashing.shutdown(wait=False)  # its one job still runs; the thread ends after it


def screen_and_publish(
    trial: Trial,
    prepared: PreparedExtracts,
    source: SourceConfig,
    out_root: Path,
    key: bytes,
    tables: dict[str, pa.Table] | None = None,
) -> RunResult:
    """Screen prepared data (unless its `tables` are given) and publish the report
    directory atomically, holding the run lock of its trial and as-of date."""
    target = report_dir_for(out_root, trial.id, prepared.data.as_of.date().isoformat())
    with run_lock(target):
        return _publish(trial, prepared, source, target, key, tables)


def _publish(
    trial: Trial,
    prepared: PreparedExtracts,
    source: SourceConfig,
    target: Path,
    key: bytes,
    tables: dict[str, pa.Table] | None,
) -> RunResult:
    """`screen_and_publish` for a caller that holds the run lock of `target`."""
    with staged_directory(target) as staging:
        counts = build_report(trial, prepared, source, staging, key, tables)
    log.info("published %s: %s", target, ", ".join(f"{n} {s}" for s, n in counts.items()))
    patients = len(prepared.data.index) if tables is None else tables["candidates"].num_rows
    return RunResult(target, patients, counts)


def without_records(prepared: PreparedExtracts) -> PreparedExtracts:
    """The audit parts of `prepared` only: once the report tables are built, the accepted
    records (most of a run's memory) are no longer needed to write the report."""
    data = replace(
        prepared.data,
        patients=prepared.data.patients.iloc[:0],
        extracts={},
        quarantined={},
    )
    return replace(prepared, data=data)


def run_screening(
    trial: Trial,
    exports: Path | None,
    source: SourceConfig,
    as_of: pd.Timestamp,
    out_root: Path,
    stage: Stage = silent,
    url: str | None = None,
) -> RunResult:
    """The whole run of one trial (`run_trials` with one trial)."""
    return run_trials([trial], exports, source, as_of, out_root, stage, url)[0]


def run_trials(
    trials: list[Trial],
    exports: Path | None,
    source: SourceConfig,
    as_of: pd.Timestamp,
    out_root: Path,
    stage: Stage = silent,
    url: str | None = None,
) -> list[RunResult]:
    """Screen several trials on one read and one validation of the night's exports; nothing
    is published unless every step of every trial succeeds.

    A hospital runs many trials on the same export: reading and validating it once per trial
    would repeat the run's largest cost. Each trial's report is the one a run of that trial
    alone publishes (tested byte for byte), the data-quality results included: validation
    does not depend on the trial, and the volume check compares with the newest earlier
    report of any of the trials (the hospital's previous export).

    The run locks of every trial's report for the as-of date are held from start to end
    (`pipeline.run_lock`): a second run of one of them fails at once instead of racing this
    one, and the previous reports this run compares with cannot change under it.

    The records are freed as soon as the last trial's criteria are evaluated: the report
    tables are built from the verdicts alone. Freed memory goes back to the system after
    validation and after the records are freed, so that the next stage's peak does not stack
    on the last one's leftovers. `stage` times each step for a person watching
    (`pipeline.progress`)."""
    ids = [trial.id for trial in trials]
    if not trials or len(set(ids)) != len(ids):
        raise ConfigError(f"a run screens one or more different trials, not {ids}")
    tune_allocator()
    key = load_key()
    if source.kind in FOLDER_KINDS:  # before the lock leaves a file under `out_root`
        if exports is None:
            raise ConfigError(f"{source.path}: a {source.kind} source needs --exports FOLDER")
        check_export_folder(Path(exports))
    targets = [report_dir_for(out_root, trial.id, as_of.date().isoformat()) for trial in trials]
    with contextlib.ExitStack() as locks:
        for target in targets:
            locks.enter_context(run_lock(target))
        with stage("checking export files" if source.kind in FOLDER_KINDS else "pulling extracts"):
            raws = read_source(source, None if exports is None else Path(exports), url, as_of)
        with stage("reading and validating extracts") as done:
            finished: list[int] = []

            def validated(extract: ValidatedExtract) -> None:
                finished.append(extract.account.rows_read)
                done.partial(f"{extract.name} ({len(finished)} of {len(raws)})", sum(finished))

            prepared = prepare_extracts(
                raws,
                source,
                as_of,
                newest_previous_row_counts(targets),
                lab_analytes=lab_analytes_read(trials),
                on_validated=validated,
            )
            done.rows = sum(account.rows_read for account in prepared.accounts.values())
        release_free_memory()
        verdicts = []
        for number, trial in enumerate(trials, start=1):
            what = "screening patients" + (
                f" ({trial.id}, {number} of {len(trials)})" if len(trials) > 1 else ""
            )
            with stage(what) as done:
                criteria, overall = screen(trial, prepared.data, worker_count())
                verdicts.append((criteria, overall))
                done.rows, done.unit = len(prepared.data.index), "patients"
        patients, as_of = prepared.data.index, prepared.data.as_of
        prepared = without_records(prepared)  # the only reference: the records are freed here
        release_free_memory()
        results = []
        for trial, target in zip(trials, targets, strict=True):
            with stage(
                "writing the report" + (f" ({trial.id})" if len(trials) > 1 else "")
            ) as done:
                criteria, overall = verdicts.pop(0)
                tables = report_tables(trial, criteria, overall, patients, as_of, key)
                del criteria, overall  # the review outputs read the tables only
                results.append(_publish(trial, prepared, source, target, key, tables))
                done.rows, done.unit = results[-1].patients, "patients"
        return results


def lab_analytes_read(trials: list[Trial]) -> frozenset[str] | None:
    """The lab analytes any of the trials can read (None: every lab row is kept)."""
    analytes: set[str] = set()
    for trial in trials:
        read = trial.lab_analytes_read()
        if read is None:
            return None
        analytes |= read
    return frozenset(analytes)


def newest_previous_row_counts(targets: list[Path]) -> dict[str, int]:
    """`previous_row_counts` of the newest earlier report among the trials' (the first
    trial's on a tie): the hospital's previous export, whichever trial reported it."""
    found = [(previous_report_dir(target), target) for target in targets]
    dated = [(p.name, -i, t) for i, (p, t) in enumerate(found) if p is not None]
    if not dated:
        return {}
    return previous_row_counts(max(dated)[2])


def previous_row_counts(target: Path) -> dict[str, int]:
    """Rows read per extract in the previous report of this trial, for the volume checks."""
    previous = previous_report_dir(target)
    if previous is None:
        return {}
    manifest = json.loads((previous / "manifest.json").read_text(encoding="utf-8"))
    return {name: int(e["rows_read"]) for name, e in manifest.get("extracts", {}).items()}
