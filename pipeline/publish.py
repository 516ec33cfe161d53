"""Publishing a report directory all at once (`pipeline.versions`), and writing files with
explicit schemas."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.errors import writing
from pipeline.versions import new_version, publish_version, published_version, recover

if TYPE_CHECKING:
    import pyarrow as pa

# Reports: owner read/write, group (the recruitment team) read, others nothing.
REPORT_UMASK = 0o027
# Raw extracts, work folders and the re-identification table: owner only.
OWNER_ONLY_UMASK = 0o077


def write_parquet(table: pa.Table, path: Path) -> None:
    """Deterministic Parquet: same table, same bytes (no pandas metadata, fixed options).

    pyarrow is imported here, not with the module: the run lock, the publish and its
    recovery (and so the crash tests' child processes) need none of it."""
    import pyarrow.parquet as pq

    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(
            table.replace_schema_metadata(None), path, compression="zstd", write_statistics=True
        )


def write_json(data: dict[str, Any], path: Path) -> None:
    with writing(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n", "utf-8")


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


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
    """Yield a new version folder of `target`; on success publish it, on failure remove it.

    The caller holds the run lock (`pipeline.run_lock`). Leftovers of an interrupted run are
    removed first and the replaced version last (`pipeline.versions.recover`): only the
    published report remains. `target` is either the previous complete report or the new
    complete one; a failed run leaves the previous report untouched. A write that fails (a
    full disk, a permission) is a one-line `OutputError` naming the file, raised once the
    new version is removed (`pipeline.errors.writing`).
    """
    with writing(target), report_umask():
        recover(target)
        version = new_version(target)
        try:
            yield version
            publish_version(version, target)
        except BaseException:
            if published_version(target) != version:
                shutil.rmtree(version, ignore_errors=True)
            raise
        recover(target)
