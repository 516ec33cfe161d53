"""Task bodies of the screening DAG: read settings and the run's as-of date, call a step.

Each returns exactly what `pipeline.steps` returns (paths, counts, hashes), which is all that
goes to XCom: never a patient value. Airflow is imported only inside functions that need it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pipeline.airflow_support.config import as_of_from_context, settings, source_kind


def warehouse_uri(conn_id: str) -> str:
    """The warehouse URI of an Airflow connection (e.g. from AIRFLOW_CONN_HOSPITAL_WAREHOUSE).

    `get_uri()` says `postgres://`; pipeline.io.sql turns it into a psycopg URL.
    """
    from airflow.sdk import Connection

    return Connection.get(conn_id).get_uri()


def check_config(trial_path: str) -> dict:
    """Load the trial file, the source config and the key before any extract is read."""
    from pipeline import steps

    return steps.check_config(trial_path=trial_path, source_path=settings().source_path)


def extract(extract_name: str, trial_id: str, context: Mapping[str, Any]) -> dict:
    """Stage one extract (landing file, SQL or OMOP pull) for this run's as-of date."""
    from pipeline import steps

    s = settings()
    uri = warehouse_uri(s.conn_id) if source_kind(s.source_path) in ("sql", "omop") else None
    return steps.extract(
        extract_name,
        source_path=s.source_path,
        as_of=as_of_from_context(context),
        work_root=s.work_root,
        trial_id=trial_id,
        landing_root=s.landing_root,
        connection_uri=uri,
    )


def validate(extract_name: str, trial_id: str, context: Mapping[str, Any]) -> dict:
    """Type and check one staged extract; rows that fail are set aside with a reason."""
    from pipeline import steps

    s = settings()
    return steps.validate(
        extract_name,
        source_path=s.source_path,
        as_of=as_of_from_context(context),
        work_root=s.work_root,
        trial_id=trial_id,
        reports_root=s.reports_root,
    )


def shard_plan() -> list[dict[str, int]]:
    """One `{shard, n_shards}` per shard, with N read from SCREENING_SHARDS once, at run time.

    The mapped screening tasks take their shard count from here rather than from their own
    environment, so every shard of a run splits the patients the same way.
    """
    n_shards = settings().shards
    return [{"shard": shard, "n_shards": n_shards} for shard in range(n_shards)]


def screen_shard(shard: int, n_shards: int, trial_path: str, context: Mapping[str, Any]) -> dict:
    """Screen one shard of the patients and write its partial report tables."""
    from pipeline import steps

    s = settings()
    return steps.screen_shard(
        shard,
        n_shards,
        trial_path=trial_path,
        as_of=as_of_from_context(context),
        work_root=s.work_root,
    )


def report(shards: Sequence[dict], trial_path: str, context: Mapping[str, Any]) -> dict:
    """Merge the shards and build the complete report in a staging folder."""
    from pipeline import steps

    s = settings()
    return steps.report(
        # By index within its length: iterating Airflow's lazy XCom sequence reads one offset
        # past the end and logs a "XCom not found" error for it.
        [shards[i] for i in range(len(shards))],
        trial_path=trial_path,
        source_path=s.source_path,
        as_of=as_of_from_context(context),
        work_root=s.work_root,
        reports_root=s.reports_root,
    )


def publish(staging: str, trial_id: str, context: Mapping[str, Any]) -> dict:
    """Swap the staged report into REPORTS/<trial>/<as-of>/ at once."""
    from pipeline import steps

    return steps.publish(
        staging=staging,
        trial_id=trial_id,
        as_of=as_of_from_context(context),
        reports_root=settings().reports_root,
    )


def clean_work(trial_id: str, context: Mapping[str, Any]) -> None:
    """After publishing, drop the run's work folder: staged raw extracts hold patient data."""
    from pipeline import steps

    steps.clean_work(
        work_root=settings().work_root, trial_id=trial_id, as_of=as_of_from_context(context)
    )
