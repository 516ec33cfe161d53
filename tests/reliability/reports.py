"""Starting states of a trial's reports folder, and what the reliability tests check in it."""

from __future__ import annotations

import os
from pathlib import Path

from tests.reliability.crash import FILES, publish_small_report

TRIAL = "t"
AS_OF = "2026-11-24"
REID = "reidentification.parquet"


def write_report(folder: Path, tag: str) -> None:
    """A small report (the files of `crash.FILES`, each holding `tag`) written directly."""
    for name in FILES:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{tag}\n", encoding="utf-8")


def starting_state(root: Path, state: str) -> Path:
    """The report folder `root/TRIAL/AS_OF`, set up as `state`:

    - none: no report yet;
    - versioned: "old" published by this pipeline, plus a stale version folder;
    - legacy: "old" as a real folder (the earlier publish) with its `.staging-*` and
      `.previous-*` leftovers, each holding a copy of the re-identification table;
    - interrupted-legacy: the earlier publish killed between its two renames: no report at
      the path, the complete "old" one set aside as `.previous-*`.
    """
    target = root / TRIAL / AS_OF
    target.parent.mkdir(parents=True)
    if state == "versioned":
        publish_small_report(str(root), TRIAL, AS_OF, "old")
        write_report(target.parent / f".{AS_OF}.v-stale", "stale")
    elif state == "legacy":
        write_report(target, "old")
        write_report(target.parent / f".{AS_OF}.staging-1234abcd", "stale")
        write_report(target.parent / f".{AS_OF}.previous-5678abcd", "stale")
    elif state == "interrupted-legacy":
        write_report(target.parent / f".{AS_OF}.previous-5678abcd", "old")
    return target


def published_tag(target: Path) -> str | None:
    """The tag of the complete report at `target`, None if there is none; fails on a
    partial or mixed report."""
    if not os.path.lexists(target):
        return None
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    assert files == sorted(FILES), f"incomplete report: {files}"
    tags = {(target / name).read_text(encoding="utf-8").strip() for name in FILES}
    assert len(tags) == 1, f"files of different reports: {tags}"
    return tags.pop()


def reidentification_copies(trial_root: Path) -> list[str]:
    """Every re-identification table under a trial's folder, symlinks not followed."""
    found = []
    for folder, _dirs, files in os.walk(trial_root):
        found += [os.path.join(folder, name) for name in files if name == REID]
    return sorted(found)


def hidden_siblings(target: Path) -> list[str]:
    """Dot-entries beside the report other than its lock and the version it points to."""
    keep = {f".{target.name}.lock"}
    if target.is_symlink():
        keep.add(os.readlink(target))
    return sorted(
        p.name for p in target.parent.iterdir() if p.name.startswith(".") and p.name not in keep
    )
