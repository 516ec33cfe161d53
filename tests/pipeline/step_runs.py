"""The DAGs' steps called in turn in one process, as the hospital's and a trial's tasks do."""

from __future__ import annotations

from pathlib import Path

from pipeline import steps
from pipeline.contract import EXTRACTS
from pipeline.snapshot import build_dir, published_snapshot, source_name


def validate_night(
    source_path: str | Path,
    landing_root: str | Path,
    as_of: str,
    snapshots_root: str | Path,
    previous: dict[str, int] | None = None,
) -> str:
    """extract and validate every extract (patients first), then publish_snapshot: the
    hospital DAG's tasks. Returns the published snapshot's path."""
    source_path = str(source_path)
    folder = str(build_dir(snapshots_root, source_name(source_path), as_of))
    for name in EXTRACTS:
        steps.extract(
            name,
            source_path=source_path,
            as_of=as_of,
            folder=folder,
            landing_root=str(landing_root),
        )
    validated = [
        steps.validate(
            name, source_path=source_path, as_of=as_of, folder=folder, previous=previous or {}
        )
        for name in EXTRACTS  # patients first: the contract lists them first
    ]
    steps.publish_snapshot(
        validated,
        source_path=source_path,
        as_of=as_of,
        folder=folder,
        snapshots_root=str(snapshots_root),
        keep=3,
    )
    return str(published_snapshot(snapshots_root, source_name(source_path), as_of))


def screen_night(
    snapshot: str, trial_path: str, n_shards: int, work_root: str | Path, reports_root: str | Path
) -> list[dict]:
    """screen_shard for every shard (results handed back in reverse order, as mapped results
    may come), then report and publish: a trial DAG's tasks. Returns every step's result."""
    shards = [
        steps.screen_shard(
            shard, n_shards, trial_path=trial_path, snapshot=snapshot, work_root=str(work_root)
        )
        for shard in range(n_shards)
    ]
    reported = steps.report(
        shards[::-1],
        trial_path=trial_path,
        snapshot=snapshot,
        work_root=str(work_root),
        reports_root=str(reports_root),
    )
    published = steps.publish(
        staging=reported["staging"],
        trial_id=reported["trial_id"],
        as_of=reported["as_of"],
        reports_root=str(reports_root),
    )
    return [*shards, reported, published]
