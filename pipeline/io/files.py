"""Reading one extract file (CSV or Parquet) into an all-text frame in contract column names.

Malformed files raise InputFileError naming the file, line and column; the message never quotes
the offending content, because it may be patient data.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.contract import Extract
from pipeline.errors import InputFileError
from pipeline.io.row_count import count_csv_data_rows, count_parquet_rows
from pipeline.sources import ExtractSource

ROW_NUMBER = "row_number"


@dataclass
class RawExtract:
    """An extract as read: text columns named per the contract, plus `row_number` (1-based)."""

    name: str
    frame: pd.DataFrame
    path: str
    rows_read: int
    ignored_columns: list[str] = field(default_factory=list)


def resolve_in_folder(folder: Path, file_name: str) -> Path:
    """The file inside `folder`; names or symlinks that lead outside it are refused."""
    root = folder.resolve()
    candidate = (folder / file_name).resolve()
    if root != candidate and root not in candidate.parents:
        raise InputFileError(str(folder / file_name), "path leads outside the landing folder")
    return candidate


def _locate_decode_error(path: Path, encoding: str) -> tuple[int, int]:
    """Line and byte column of the first undecodable byte (only called on the error path)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    line = 1
    with path.open("rb") as handle:
        for raw_line in handle:
            try:
                decoder.decode(raw_line)
            except UnicodeDecodeError as exc:
                return line, exc.start + 1
            line += 1
    return line, 0


def _header(path: Path, source: ExtractSource) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip():
        raise InputFileError(str(path), "file is empty (no header line)", line=1)
    encoding = "utf-8-sig" if source.encoding.startswith("utf-8") else source.encoding
    try:
        text = first.decode(encoding).rstrip("\r\n")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            str(path), f"header is not valid {source.encoding} (byte {exc.start + 1})", line=1
        ) from None
    return [name.strip().strip('"') for name in text.split(source.separator)]


def _check_complete(path: Path, source: ExtractSource) -> None:
    """A CSV export ends with a line break; a last line without one was cut off in transfer."""
    if not source.require_final_newline:
        return
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(size - 1, 0))
        last = handle.read(1)
        if last == b"\n":
            return
        handle.seek(0)
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 24), b""))
    raise InputFileError(
        str(path), "last line has no line break: the file is truncated", line=lines + 1
    )


def _read_csv(path: Path, source: ExtractSource, use_threads: bool = True) -> pa.Table:
    header = _header(path, source)
    _check_complete(path, source)
    if len(set(header)) != len(header):
        raise InputFileError(str(path), "duplicate column names in the header", line=1)
    bad_rows: list[tuple[int | None, int, int]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number, row.expected_columns, row.actual_columns))
        return "skip"

    encoding = "utf8" if source.encoding.startswith("utf-8") else source.encoding
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=encoding, column_names=header, skip_rows=1, use_threads=use_threads
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=source.separator,
                invalid_row_handler=on_invalid_row,
                ignore_empty_lines=False,  # a blank line is a malformed row, never skipped
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
        if "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError) or "decode" in str(exc):
            line, byte = _locate_decode_error(path, source.encoding)
            raise InputFileError(
                str(path), f"not valid {source.encoding} text (byte {byte} of the line)", line=line
            ) from None
        raise InputFileError(str(path), "cannot parse as CSV") from None
    if bad_rows and use_threads and any(number is None for number, _, _ in bad_rows):
        return _read_csv(path, source, use_threads=False)  # error path: find the line numbers
    if bad_rows:
        number, expected, actual = min(bad_rows, key=lambda r: r[0] or 0)
        missing = header[actual:expected] if actual < expected else []
        column = missing[0] if missing else (header[-1] if header else None)
        what = (
            f"has {actual} fields, expected {expected}"
            + (" (truncated?)" if actual < expected else " (extra separator?)")
            + f"; {len(bad_rows)} malformed line(s) in all"
        )
        raise InputFileError(str(path), what, line=number, column=column)
    return table


def _read_parquet(path: Path) -> pa.Table:
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(str(path), f"cannot read as Parquet ({type(exc).__name__})") from None
    casts = []
    for _name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type):
            casts.append(column)  # typed dates are kept; typing accepts them as they are
        else:
            casts.append(column.cast(pa.string()))
    return pa.table(casts, names=table.column_names)


def read_extract_file(folder: Path, source: ExtractSource, extract: Extract) -> RawExtract:
    """Read one extract file; rename to contract columns; fail clearly on structural damage."""
    path = resolve_in_folder(folder, source.file)
    if not path.is_file():
        raise InputFileError(str(folder / source.file), "file not found")
    if source.format == "csv":
        rows_read = count_csv_data_rows(path)
        table = _read_csv(path, source)
    elif source.format == "parquet":
        rows_read = count_parquet_rows(path)
        table = _read_parquet(path)
    else:
        raise InputFileError(str(path), f"unsupported format '{source.format}'")
    return to_raw_extract(table, source, extract, str(path), rows_read)


def to_raw_extract(
    table: pa.Table, source: ExtractSource, extract: Extract, path: str, rows_read: int
) -> RawExtract:
    """Rename a table to contract columns, drop unmapped ones (reported), check required ones."""
    present = table.column_names
    renamed = [source.columns.get(name, name) for name in present]
    known = {c.name for c in extract.columns if not c.identifying}
    keep = [i for i, name in enumerate(renamed) if name in known]
    ignored = [present[i] for i in range(len(present)) if i not in keep]
    missing = [c for c in extract.required_columns if c not in {renamed[i] for i in keep}]
    if missing:
        theirs = [source.hospital_column(c) for c in missing]
        raise InputFileError(
            path, f"required column missing: {', '.join(theirs)}", line=1, column=theirs[0]
        )
    if table.num_rows == 0:
        raise InputFileError(path, "extract has no data rows", line=2)
    selected = table.select(keep).rename_columns([renamed[i] for i in keep])
    frame = selected.to_pandas()
    wanted = [c.name for c in extract.columns if not c.identifying]
    for column in wanted:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    frame = frame[wanted]
    frame.insert(0, ROW_NUMBER, pd.RangeIndex(1, len(frame) + 1, dtype="int64"))
    return RawExtract(extract.name, frame, path, rows_read, ignored)
