"""Publishing a report directory all at once, and writing files with explicit schemas."""

from __future__ import annotations

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

REPORT_UMASK = 0o077


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
    staging.mkdir(mode=0o700)
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
def report_umask() -> Iterator[None]:
    """Files the pipeline writes get no group or world access (set before, not chmod after)."""
    old = os.umask(REPORT_UMASK)
    try:
        yield
    finally:
        os.umask(old)


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
