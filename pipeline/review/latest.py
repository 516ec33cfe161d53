"""Finding the newest review page of a trial, for `screening report`."""

from __future__ import annotations

import webbrowser
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.review.previous import report_dirs


def latest_review(reports: Path, trial_id: str) -> Path:
    """review.html of the latest as-of report of `trial_id` under the reports root."""
    pages = [p / "review.html" for _, p in report_dirs(Path(reports) / trial_id)]
    pages = [page for page in pages if page.is_file()]
    if not pages:
        root = Path(reports)
        trials = sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
        found = f"; trials with reports there: {', '.join(trials)}" if trials else ""
        raise ConfigError(f"no review.html for trial '{trial_id}' under {reports}{found}")
    return pages[-1]


def open_in_browser(page: Path) -> bool:
    """Open the page in the default browser; False when no browser could be started."""
    return webbrowser.open(page.resolve().as_uri())
