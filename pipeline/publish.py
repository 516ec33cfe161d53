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


@contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Yield a temporary sibling of `target`; on success swap it in, on failure remove it.

    The target is either the previous complete report or the new complete one; a failed run
    leaves the previous report untouched.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.staging-{uuid.uuid4().hex[:8]}"
    previous = target.parent / f".{target.name}.previous-{uuid.uuid4().hex[:8]}"
    old_umask = os.umask(REPORT_UMASK)
    try:
        staging.mkdir(mode=0o700)
        yield staging
        if target.exists():
            os.rename(target, previous)
        os.rename(staging, target)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        if previous.exists() and not target.exists():
            os.rename(previous, target)
        raise
    finally:
        os.umask(old_umask)
