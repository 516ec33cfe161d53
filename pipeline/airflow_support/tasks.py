"""Task bodies of the hospital and screening DAGs: read settings and the run's as-of date,
call a step.

Each returns exactly what `pipeline.steps` returns (paths, counts, hashes), which is all that
goes to XCom: never a patient value. Airflow is imported only inside functions that need it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.airflow_support.config import (
    SNAPSHOT_ASSET_URI,
    TIMEZONE,
    as_of_from_context,
    discover_trials,
    settings,
    settings_for,
    snapshot_source,
    source_kind,
)

# Sources pulled from a database at run time: nothing lands, a busy one is retried.
DATABASE_KINDS = ("sql", "omop")


def named(**names: str) -> dict:
    """The running task's context, with the names its `map_index_template` shows in the UI
    (`extract [labs]`, `screen_shard [shard 2 of 3]`)."""
    from airflow.sdk import get_current_context

    context = get_current_context()
    context.update(names)
    return context


def warehouse_uri(conn_id: str) -> str:
    """The warehouse URI of an Airflow connection (e.g. from AIRFLOW_CONN_HOSPITAL_WAREHOUSE).

    `get_uri()` says `postgres://`; pipeline.io.sql turns it into a psycopg URL.
    """
    from airflow.sdk import Connection

    return Connection.get(conn_id).get_uri()


def check_source(context: Mapping[str, Any]) -> dict:
    """Load the source config before any extract is read."""
    from pipeline import steps

    return steps.check_source(source_path=settings_for(context).source_path)


def _build_folder(context: Mapping[str, Any]) -> str:
    """The hospital run's build folder for its source and night."""
    from pipeline.snapshot import build_dir, source_name

    s = settings_for(context)
    return str(build_dir(s.snapshots_root, source_name(s.source_path), as_of_from_context(context)))


def _snapshot(context: Mapping[str, Any]) -> str:
    """The version folder of the published snapshot a trial's run screens, or the one-line
    error saying there is none. Found once, by `check_config`: the other tasks take it from
    there, so they all read the same version."""
    from pipeline.snapshot import published_snapshot

    root = settings_for(context).snapshots_root
    return str(published_snapshot(root, snapshot_source(context), as_of_from_context(context)))


def check_config(trial_path: str, context: Mapping[str, Any]) -> dict:
    """Load the trial file and the key, and find the night's snapshot, before any data."""
    from pipeline import steps

    return steps.check_config(trial_path=trial_path, snapshot=_snapshot(context))


def export_has_landed(context: Mapping[str, Any]) -> bool:
    """The landing sensor's poke: has this run's dated folder landed? A database source
    (sql, omop) has nothing to land."""
    import pendulum

    from pipeline.airflow_support.landing import export_has_landed, landing_deadline

    s = settings_for(context)
    if source_kind(s.source_path) in DATABASE_KINDS:
        return True
    return export_has_landed(
        s.landing_root,
        as_of_from_context(context),
        pendulum.now("UTC"),
        landing_deadline(),
        TIMEZONE,
    )


def extract(extract_name: str, context: Mapping[str, Any]) -> dict:
    """Stage one extract (landing file, SQL or OMOP pull) for this run's as-of date.

    A files source's folder has landed (the sensor waited for it): a file missing or broken
    in it will not mend itself, so it fails at once instead of being retried like a busy
    warehouse. The ScreeningError stays the cause, for the failure summary.
    """
    from airflow.sdk.exceptions import AirflowFailException

    from pipeline import steps
    from pipeline.errors import ScreeningError
    from pipeline.io.files import UNAVAILABLE_PREFIX

    s = settings_for(context)
    sql = source_kind(s.source_path) in DATABASE_KINDS
    uri = warehouse_uri(s.conn_id) if sql else None
    try:
        staged = steps.extract(
            extract_name,
            source_path=s.source_path,
            as_of=as_of_from_context(context),
            folder=_build_folder(context),
            landing_root=s.landing_root,
            connection_uri=uri,
        )
    except ScreeningError as exc:
        if sql:
            raise
        raise AirflowFailException(str(exc)) from exc
    if source_kind(s.source_path) == "files" and not staged["input"].startswith(UNAVAILABLE_PREFIX):
        _lineage(context, inputs=[staged["input"]])
    return staged


def _lineage(
    context: Mapping[str, Any], *, inputs: Sequence[str] = (), outputs: Sequence[str] = ()
) -> None:
    """Name the files a task read or wrote as lineage datasets (OpenLineage, when its provider
    is configured; nothing otherwise). Paths only: folders and file names hold no patient data."""
    from pathlib import Path

    from airflow.sdk.lineage import get_hook_lineage_collector

    collector = get_hook_lineage_collector()
    task = context.get("task")
    for path in inputs:
        collector.add_input_asset(task, uri=Path(path).absolute().as_uri())
    for path in outputs:
        collector.add_output_asset(task, uri=Path(path).absolute().as_uri())


def validate(extract_name: str, context: Mapping[str, Any]) -> dict:
    """Type and check one staged extract; rows that fail are set aside with a reason."""
    from pipeline import steps
    from pipeline.run import report_dir_for

    s = settings_for(context)
    as_of = as_of_from_context(context)
    previous = steps.previous_night_counts(
        snapshots_root=s.snapshots_root,
        source_path=s.source_path,
        as_of=as_of,
        report_targets=[report_dir_for(s.reports_root, t, as_of) for t in discover_trials()],
    )
    return steps.validate(
        extract_name,
        source_path=s.source_path,
        as_of=as_of,
        folder=_build_folder(context),
        previous=previous,
    )


def publish_snapshot(validated: Sequence[dict], context: Mapping[str, Any]) -> dict:
    """Publish the night's snapshot and say so on the snapshot asset, with the source and the
    as-of date in the event's extra: every trial's DAG is scheduled on it."""
    from airflow.sdk import Asset

    from pipeline import steps

    s = settings_for(context)
    published = steps.publish_snapshot(
        [validated[i] for i in range(len(validated))],
        source_path=s.source_path,
        as_of=as_of_from_context(context),
        folder=_build_folder(context),
        snapshots_root=s.snapshots_root,
        keep=s.snapshots_kept,
    )
    event = {"source": published["source"], "as_of": published["as_of"]}
    context["outlet_events"][Asset(SNAPSHOT_ASSET_URI)].extra = event
    return published


def shard_plan() -> list[dict[str, int]]:
    """One `{shard, n_shards}` per shard, with N read from SCREENING_SHARDS once, at run time.

    The mapped screening tasks take their shard count from here rather than from their own
    environment, so every shard of a run splits the patients the same way.
    """
    n_shards = settings().shards
    return [{"shard": shard, "n_shards": n_shards} for shard in range(n_shards)]


def screen_shard(
    shard: int, n_shards: int, snapshot: str, trial_path: str, context: Mapping[str, Any]
) -> dict:
    """Screen one shard of the snapshot's patients and write its partial report tables."""
    from pipeline import steps

    return steps.screen_shard(
        shard,
        n_shards,
        trial_path=trial_path,
        snapshot=snapshot,
        work_root=settings_for(context).work_root,
    )


def report(
    shards: Sequence[dict], snapshot: str, trial_path: str, context: Mapping[str, Any]
) -> dict:
    """Merge the shards and build the complete report in a staging folder."""
    from pipeline import steps

    s = settings_for(context)
    return steps.report(
        # By index within its length: iterating Airflow's lazy XCom sequence reads one offset
        # past the end and logs a "XCom not found" error for it.
        [shards[i] for i in range(len(shards))],
        trial_path=trial_path,
        snapshot=snapshot,
        work_root=s.work_root,
        reports_root=s.reports_root,
    )


def publish(staging: str, trial_id: str, context: Mapping[str, Any]) -> dict:
    """Swap the staged report into REPORTS/<trial>/<as-of>/ at once."""
    from pipeline import steps

    published = steps.publish(
        staging=staging,
        trial_id=trial_id,
        as_of=as_of_from_context(context),
        reports_root=settings_for(context).reports_root,
    )
    _lineage(context, outputs=[published["report_dir"]])
    return published


def clean_work(trial_id: str, context: Mapping[str, Any]) -> None:
    """After publishing, drop the run's work folder: staged raw extracts hold patient data."""
    from pipeline import steps

    steps.clean_work(
        work_root=settings_for(context).work_root,
        trial_id=trial_id,
        as_of=as_of_from_context(context),
    )


def portfolio(context: Mapping[str, Any]) -> dict:
    """Gather the newest night's portfolio beside the reports; counts and names only go to
    XCom (trial ids and the file's path, never a pseudonym)."""
    from pathlib import Path

    from pipeline.portfolio import build_portfolio, default_output, write_portfolio

    reports = Path(settings().reports_root)
    gathered = build_portfolio(reports)
    out = default_output(reports, gathered.as_of)
    write_portfolio(gathered, out)
    return {
        "path": str(out),
        "as_of": gathered.as_of.isoformat(),
        "trials": list(gathered.trials),
        "missing": list(gathered.missing),
        "patients": gathered.patients(),
    }
