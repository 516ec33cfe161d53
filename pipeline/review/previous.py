"""Finding the report a run is compared with: the latest earlier as-of of the same trial."""

from __future__ import annotations

from datetime import date
from pathlib import Path

REQUIRED_FILE = "candidates.parquet"


def _as_of_of(folder: Path) -> date | None:
    """The as-of date a report folder stands for, or None for anything else."""
    if folder.name.startswith(".") or not folder.is_dir():
        return None
    try:
        return date.fromisoformat(folder.name)
    except ValueError:
        return None


def report_dirs(trial_root: Path) -> list[tuple[date, Path]]:
    """Published report folders of one trial (REPORTS/<trial>/<as-of>), oldest first.

    `<as-of>` is a symlink to its version folder (`pipeline.versions`), followed like a
    folder; dot-names (version folders, leftovers of an interrupted run, the run lock) are
    never reports.
    """
    if not trial_root.is_dir():
        return []
    found = [(_as_of_of(p), p) for p in trial_root.iterdir()]
    return sorted((d, p) for d, p in found if d is not None and (p / REQUIRED_FILE).is_file())


def previous_report_dir(target: Path) -> Path | None:
    """The latest complete report of the same trial dated strictly before `target`."""
    current = date.fromisoformat(target.name)
    earlier = [p for d, p in report_dirs(target.parent) if d < current]
    return earlier[-1] if earlier else None
