"""Staging extracts between Airflow tasks as Parquet, batch by batch.

The extract task writes the raw text batches to `raw/<extract>.parquet` as it reads them, and
the validate task streams them back and writes accepted rows as they come: neither holds a
whole extract in memory. Files are written owner-only by the caller (`publish.owner_only`).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.io.files import PARQUET_BATCH_ROWS, RawExtract


class ParquetSink:
    """Appends frames to one Parquet file with the first frame's schema (index kept)."""

    def __init__(self, path: Path, *, keep_index: bool) -> None:
        self.path = path
        self.keep_index = keep_index
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None

    def __call__(self, frame: pd.DataFrame) -> None:
        if self._writer is not None and frame.empty:
            return
        table = pa.Table.from_pandas(frame, preserve_index=self.keep_index)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(self.path, table.schema)
        else:
            table = table.cast(self._writer.schema)
        self._writer.write_table(table)
        self.rows += len(frame)

    def __enter__(self) -> ParquetSink:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None


def stage_raw(raw: RawExtract, path: Path) -> int:
    """Write a raw extract's batches to `path`; the number of rows written."""
    with ParquetSink(path, keep_index=False) as sink:
        for batch in raw.batches():
            sink(batch)
        return sink.rows


def staged_raw(
    name: str,
    path: Path,
    source_path: str,
    rows_read: int,
    ignored: list[str],
    sha256: str = "",
    *,
    code_issues: list[dict[str, Any]] | None = None,
    not_used: dict[str, int] | None = None,
) -> RawExtract:
    """A staged raw extract, streamed back batch by batch (`sha256`: the input's digest; the
    reader's code issues and unused resources as it counted them)."""

    def batches() -> Iterator[pd.DataFrame]:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            yield batch.to_pandas()

    return RawExtract(
        name,
        None,
        source_path,
        rows_read,
        ignored,
        batches,
        sha256=sha256,
        code_issues=list(code_issues or []),
        not_used=dict(not_used or {}),
    )
