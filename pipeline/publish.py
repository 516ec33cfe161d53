"""Publishing a report directory all at once, and writing files with explicit schemas."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

# Reports: owner read/write, group (the recruitment team) read, others nothing.
REPORT_UMASK = 0o027
# Raw extracts, work folders and the re-identification table: owner only.
OWNER_ONLY_UMASK = 0o077


def write_parquet(table: pa.Table, path: Path) -> None:
    """Deterministic Parquet: same table, same bytes (no pandas metadata, fixed options)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        table.replace_schema_metadata(None), path, compression="zstd", write_statistics=True
    )


def write_json(data: dict[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", "utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def new_staging(target: Path) -> Path:
    """A fresh, owner-only temporary sibling of `target` (same filesystem: renames are atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:8]}"
    staging.mkdir(mode=0o750)
    return staging


def swap_in(staging: Path, target: Path) -> None:
    """Replace `target` by the complete `staging` folder; the old report survives a failure."""
    previous = target.parent / f".{target.name}.previous-{uuid.uuid4().hex[:8]}"
    try:
        if target.exists():
            os.rename(target, previous)
        os.rename(staging, target)
    except BaseException:
        if previous.exists() and not target.exists():
            os.rename(previous, target)
        raise
    shutil.rmtree(previous, ignore_errors=True)


@contextmanager
def report_umask(mask: int = REPORT_UMASK) -> Iterator[None]:
    """Modes are set by the umask at creation, never by chmod afterwards: no moment exists
    when a file is more open than intended. Reports get no group-write and no world access."""
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def owner_only() -> contextlib.AbstractContextManager[None]:
    """For raw extracts, work folders and the re-identification table."""
    return report_umask(OWNER_ONLY_UMASK)


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling of `target`; on success swap it in, on failure remove it.

    The target is either the previous complete report or the new complete one; a failed run
    leaves the previous report untouched.
    """
    with report_umask():
        staging = new_staging(target)
        try:
            yield staging
            swap_in(staging, target)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
