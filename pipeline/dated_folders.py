"""Folders named by a date (exports/<YYYY-MM-DD>, REPORTS/<trial>/<YYYY-MM-DD>), listed to
tell a user who gave the parent folder which dated folder to give instead."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.errors import InputFileError

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
EXAMPLE_DATE = "2026-11-24"


def dated_children(folder: Path) -> list[str]:
    """Names of the subfolders of `folder` named like a date, oldest first (dot-names, such
    as report version folders, never match)."""
    return sorted(c.name for c in folder.iterdir() if c.is_dir() and ISO_DATE.fullmatch(c.name))


def some(names: list[str], limit: int = 3) -> str:
    """The latest `limit` names, saying how many earlier ones are left out."""
    shown = ", ".join(names[-limit:])
    return shown + (f" and {len(names) - limit} earlier" if len(names) > limit else "")


def dated_reports_hint(folder: Path) -> str:
    """What a report folder is, and the dated reports under `folder` if it is a trial's."""
    shape = (
        "a report folder is REPORTS/<trial>/<YYYY-MM-DD> holding manifest.json, "
        "candidates.parquet and reidentification.parquet"
    )
    dated = dated_children(folder) if folder.is_dir() else []
    if dated:
        return f"{shape}; reports here: {some(dated)}, e.g. {folder / dated[-1]}"
    return shape


def check_export_folder(folder: Path) -> None:
    """Refuse a folder that is not one export date's landing folder, saying which to give.

    The exports root (a folder of dated folders, with no file of its own) is the usual slip:
    read as an export, all its extracts would be "not found"; the dated folders found are named
    instead. A missing folder is named as such, not by its first missing file.
    """
    if not folder.is_dir():
        what = "not a folder" if folder.exists() else "no such folder"
        raise InputFileError(
            str(folder),
            f"{what}; give the folder of one export date, e.g. exports/{EXAMPLE_DATE}",
        )
    dated = dated_children(folder)
    if dated and not any(child.is_file() for child in folder.iterdir()):
        raise InputFileError(
            str(folder),
            f"this folder holds dated exports ({some(dated)}), not one export; "
            f"give one of them, e.g. {folder / dated[-1]}",
        )
