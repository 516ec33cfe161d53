"""The night's validated snapshot of one hospital source: validated once, screened by every trial.

A hospital runs tens of trials; each used to pull and validate the whole night again. Now the
hospital's DAG lands and validates the night into a build folder, and `publish_snapshot` makes
it the snapshot of that source and night in one rename; every trial's DAG then screens from it.

    <snapshots root>/<source>/<as-of>           symlink to the published version
    <snapshots root>/<source>/.<as-of>.v-<id>/  validated/, quarantine/, dq/, raw/*.json,
                                                snapshot.json
    <snapshots root>/<source>/.<as-of>.build/   the hospital run in progress

The same versioned-symlink swap as the reports (`pipeline.versions`): a trial reads either the
complete previous snapshot of that night or the complete new one, never a half-validated one,
and a failed hospital run leaves the published snapshot as it was. Everything here holds
patient data (validated rows, set-aside rows): owner-only, like the landing folder. The staged
raw text of the extracts is dropped on publishing (validation is done with it); their metadata
(input path, digest, rows read, code issues) stays for the manifest.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from pipeline.config_yaml import SAFE_NAME
from pipeline.errors import ConfigError, ScreeningError
from pipeline.publish import owner_only
from pipeline.run_lock import RunLockedError, run_lock
from pipeline.versions import new_version, publish_version, recover

META = "snapshot.json"
BUILD_SUFFIX = ".build"
# Published nights kept per source: a trial may still be reading the night before.
DEFAULT_KEEP = 3


def source_name(source_path: str | Path) -> str:
    """A source's name in folders and asset events: its config file's stem (no patient data)."""
    return Path(source_path).stem


def snapshot_path(root: str | Path, source: str, as_of: str) -> Path:
    """Where the published snapshot of `source` for `as_of` is (a symlink once published).

    Both names may come from an asset event's extra: anything but a plain name is refused,
    so no event can point a run at a folder elsewhere."""
    for what, name in (("source", source), ("as-of date", as_of)):
        if not SAFE_NAME.fullmatch(name):
            raise ConfigError(f"snapshot {what} {name!r}: not a plain name")
    return Path(root) / source / as_of


def build_dir(root: str | Path, source: str, as_of: str) -> Path:
    """The hospital run's private folder for `source` and `as_of`, created owner-only.

    Fixed, not random, so that every task of the run (separate processes) finds it; a rerun of
    the same night rebuilds it."""
    folder = snapshot_path(root, source, as_of).with_name(f".{as_of}{BUILD_SUFFIX}")
    with owner_only():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def published_snapshot(root: str | Path, source: str, as_of: str) -> Path:
    """The version folder of the published snapshot, or a one-line error that says which run
    makes it.

    The version, not the link: every task of a trial's run then reads the same night even if
    the hospital republishes it meanwhile (the replaced version is removed, and a task that
    still needed it fails: `snapshot_meta`), never half of one version and half of another."""
    target = snapshot_path(root, source, as_of)
    if not (target / META).is_file():
        raise ScreeningError(
            f"no validated snapshot of source '{source}' for {as_of} in {Path(root)}: "
            "the hospital DAG (hospital_snapshot) validates that night first"
        )
    return target.resolve()


def snapshot_meta(folder: Path) -> dict[str, Any]:
    """What a published snapshot says about itself: source config, as-of date, row counts."""
    if not (folder / META).is_file():
        raise ScreeningError(
            f"{folder}: the snapshot this run screens was replaced or removed meanwhile "
            "(the night was validated again); run the trial again"
        )
    return json.loads((folder / META).read_text(encoding="utf-8"))


def publish_snapshot(
    build: Path, root: str | Path, source: str, as_of: str, meta: dict[str, Any]
) -> Path:
    """Make the finished build folder the snapshot of `source` for `as_of`, in one rename.

    Under the lock of that snapshot: two hospital runs of one night cannot interleave. The
    staged raw text goes first (validated rows are what trials read). Returns the target."""
    if not build.is_dir():
        raise ScreeningError(f"{build}: the hospital run's build folder is gone; run it again")
    target = snapshot_path(root, source, as_of)
    for raw in (build / "raw").glob("*.parquet"):
        raw.unlink()
    with owner_only():
        (build / META).write_text(json.dumps(meta, sort_keys=True), encoding="utf-8")
    try:
        with run_lock(target), owner_only():
            recover(target)
            version = new_version(target)
            version.rmdir()
            build.rename(version)  # same folder: one rename
            publish_version(version, target)
            recover(target)
    except RunLockedError:
        raise ScreeningError(
            f"another run is publishing the snapshot of source '{source}' for {as_of}; "
            "this one left it alone"
        ) from None
    return target


def previous_snapshot(root: str | Path, source: str, as_of: str) -> Path | None:
    """The newest published snapshot of `source` before `as_of`, if any."""
    folder = Path(root) / source
    if not folder.is_dir():
        return None
    earlier = [
        p
        for p in folder.iterdir()
        if not p.name.startswith(".") and p.name < as_of and (p / META).is_file()
    ]
    return max(earlier, key=lambda p: p.name) if earlier else None


def previous_row_counts(root: str | Path, source: str, as_of: str) -> dict[str, int] | None:
    """Rows read per extract in the source's previous snapshot, for the volume checks; None
    when there is none (the caller may then look at the trials' previous reports)."""
    previous = previous_snapshot(root, source, as_of)
    if previous is None:
        return None
    return {name: int(n) for name, n in snapshot_meta(previous)["rows_read"].items()}


def prune(root: str | Path, source: str, keep: int = DEFAULT_KEEP) -> list[str]:
    """Remove all but the `keep` newest published nights of `source`, and the build folders
    that failed hospital runs left for nights older than those (patient data is kept no
    longer than trials and an investigation need it). Returns the as-of dates removed."""
    folder = Path(root) / source
    nights = sorted(
        (p for p in folder.iterdir() if not p.name.startswith(".") and p.is_symlink()),
        key=lambda p: p.name,
    )
    removed = []
    for night in nights[: max(len(nights) - keep, 0)]:
        with run_lock(night):
            version = folder / night.readlink()
            night.unlink()
            shutil.rmtree(version, ignore_errors=True)
            recover(night)
        removed.append(night.name)
    kept = nights[max(len(nights) - keep, 0) :]
    if kept:
        for build in folder.glob(f".*{BUILD_SUFFIX}"):
            if build.name[1 : -len(BUILD_SUFFIX)] < kept[0].name:
                shutil.rmtree(build, ignore_errors=True)
    return removed
