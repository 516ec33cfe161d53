"""Counting the rows of an export without the parser, so reconciliation can check the parser."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.errors import InputFileError

_CHUNK = 1 << 24


def count_csv_data_rows(path: Path) -> int:
    """Physical lines minus the header line; the contract forbids line breaks inside fields."""
    newlines = 0
    last = b""
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            newlines += chunk.count(b"\n")
            last = chunk[-1:]
            size += len(chunk)
    if size == 0:
        return 0
    lines = newlines + (0 if last == b"\n" else 1)
    return max(lines - 1, 0)


def count_parquet_rows(path: Path) -> int:
    """Row count from the Parquet footer, independent of decoding the columns."""
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(str(path), f"cannot read as Parquet ({type(exc).__name__})") from None
