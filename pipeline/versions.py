"""Publishing a report folder in one atomic step: versioned folders behind a symlink.

`REPORTS/<trial>/<as-of>` is a symlink to a hidden sibling `.<as-of>.v-<id>/` that holds the
report. A run writes a new version folder, fsyncs its files and folders, creates a temporary
symlink to it and renames that symlink over `<as-of>` (`os.replace`: rename(2) replaces the
name in one step), then fsyncs the trial folder. At every instant, and after a crash at any
point, `<as-of>` names either the complete old report or the complete new one. Readers keep
reading `<as-of>/` as a folder: `open`, `stat`, `is_dir`, `iterdir` and `rglob` all follow
the link.

Why a symlink and not `renameat2(RENAME_EXCHANGE)` of two real folders: both swaps cost
microseconds (measured on ext4: exchange 6 us, symlink + replace 49 us) next to one folder
fsync (about 2.7 ms), so speed does not decide. The symlink swap is plain POSIX rename(2): it
works on every filesystem and system the pipeline may run on (NFS shares, macOS developer
machines), whereas RENAME_EXCHANGE is Linux-only, needs glibc 2.28 for the wrapper, and is
refused by NFS and several FUSE filesystems. The exchange is still used, where available, once
per folder: to turn a report published by an earlier version of the pipeline (a real folder)
into a version folder behind a symlink atomically. Without it the conversion moves the folder
aside first, and `recover` puts it back if a crash falls between the two steps.

Leftovers (version folders no longer pointed to, interrupted writes, temporary symlinks, and
the `.staging-*` / `.previous-*` folders of the earlier two-rename publish) may hold the
re-identification table; `recover`, run under the run lock at the start and end of each run,
removes them, so only the published version remains.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import uuid
from pathlib import Path

from pipeline.durable import fsync_path, fsync_tree
from pipeline.errors import ScreeningError

REQUIRED_FILES = ("manifest.json", "candidates.parquet")
# Kinds of hidden sibling a publish may leave, after ".<as-of>.".
VERSION, LINK, ASIDE = "v-", "link-", "aside-"
LEGACY_STAGING, LEGACY_PREVIOUS = "staging-", "previous-"
LEFTOVER_KINDS = (VERSION, LINK, ASIDE, LEGACY_STAGING, LEGACY_PREVIOUS)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _sibling(target: Path, kind: str) -> Path:
    return target.parent / f".{target.name}.{kind}{uuid.uuid4().hex[:12]}"


def new_version(target: Path) -> Path:
    """A fresh, empty version folder beside `target` (same filesystem: renames are atomic).

    Created with mode 750 under the caller's umask; it is invisible to readers (a dot-name)
    until `publish_version` points `target` at it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    version = _sibling(target, VERSION)
    version.mkdir(mode=0o750)
    return version


def published_version(target: Path) -> Path | None:
    """The version folder `target` points to, or None (no report, or a real folder)."""
    if not target.is_symlink():
        return None
    return target.parent / os.readlink(target)


def publish_version(version: Path, target: Path) -> None:
    """Make the complete folder `version` the report at `target`, in one rename.

    Data first, then folders, then the pointer, then the pointer's folder: a crash at any
    point leaves `target` on the old report or the new one, never on a partial one."""
    if version.parent != target.parent or not version.is_dir():
        raise ScreeningError(f"{version}: not a staged report folder beside {target}")
    fsync_tree(version)
    fsync_path(target.parent)
    if target.is_dir() and not target.is_symlink():
        _adopt_real_folder(target)
    link = _sibling(target, LINK)
    os.symlink(version.name, link)
    os.replace(link, target)
    fsync_path(target.parent)


def _adopt_real_folder(target: Path) -> None:
    """Turn a real report folder at `target` into a version folder behind a symlink.

    With RENAME_EXCHANGE: a symlink `.v-<id>` whose text is its own name is exchanged with
    the folder; afterwards the folder is `.v-<id>` and `target` is the symlink to it, in one
    step. Without: the folder is renamed aside, then linked back; `recover` restores it if a
    crash falls in between."""
    version = _sibling(target, VERSION)
    os.symlink(version.name, version)
    try:
        _exchange(version, target)
    except OSError:
        version.unlink()
        aside = _sibling(target, ASIDE)
        os.rename(target, aside)
        fsync_path(target.parent)
        version = aside
        link = _sibling(target, LINK)
        os.symlink(version.name, link)
        os.replace(link, target)
    fsync_path(target.parent)


def _exchange(a: Path, b: Path) -> None:
    """renameat2(a, b, RENAME_EXCHANGE); OSError where the system or filesystem lacks it."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except AttributeError:
        raise OSError(errno.ENOSYS, "renameat2 is not available") from None
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
    renameat2.argtypes += [ctypes.c_uint]
    status = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if status != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), str(a))


def leftovers(target: Path) -> list[Path]:
    """Hidden siblings of `target` a publish wrote, except the published version."""
    if not target.parent.is_dir():
        return []
    keep = published_version(target)
    prefixes = tuple(f".{target.name}.{kind}" for kind in LEFTOVER_KINDS)
    return sorted(p for p in target.parent.iterdir() if p.name.startswith(prefixes) and p != keep)


def recover(target: Path) -> list[str]:
    """Put right what an interrupted publish left, and remove every other copy of a report.

    Must run under the run lock. If `target` is missing (a crash between the two steps of a
    conversion without RENAME_EXCHANGE, or of the earlier two-rename publish) the complete
    copy set aside is published again. Then every leftover goes: temporary symlinks, version
    folders not pointed to (an interrupted write, or the report just replaced), set-aside
    copies. Returns the names removed (folder names only: no patient data)."""
    if not target.exists():
        _restore_aside(target)
    removed = []
    for path in leftovers(target):
        if path.is_symlink() or not path.is_dir():
            path.unlink()
        else:
            shutil.rmtree(path)
        removed.append(path.name)
    if removed:
        fsync_path(target.parent)
    return removed


def _restore_aside(target: Path) -> None:
    """Publish again the newest complete copy set aside, if `target` lost its report."""
    kinds = (f".{target.name}.{ASIDE}", f".{target.name}.{LEGACY_PREVIOUS}")
    if not target.parent.is_dir():
        return
    complete = [
        p
        for p in target.parent.iterdir()
        if p.name.startswith(kinds)
        and not p.is_symlink()
        and all((p / name).is_file() for name in REQUIRED_FILES)
    ]
    if not complete:
        return
    newest = max(complete, key=lambda p: p.stat().st_mtime_ns)
    publish_version(newest, target)  # replaces a dangling symlink too
