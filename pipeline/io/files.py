"""Reading one extract file (CSV or Parquet) as text in contract column names, batch by batch.

A file is streamed in batches of about `BLOCK_BYTES` of input, so a huge export never sits in
memory whole: `open_extract_file` checks the file's structure up front (header, required
columns, final line break, row count) and returns a `RawExtract` whose batches are read on
demand, as often as validation needs to pass over them. `read_extract_file` reads the same
batches into one frame, for small files and tests.

A CSV file is cut into line-aligned byte ranges (the contract forbids line breaks inside
fields, and Arrow is told so); each range is a small picklable `BatchReader`, so a worker
process parses its own batch from the file instead of receiving it parsed through a pipe.

Malformed files raise InputFileError naming the file, line and column; the message never quotes
the offending content, because it may be patient data.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from pipeline.contract import Extract
from pipeline.errors import InputFileError
from pipeline.io.broken_lines import locate_broken_line
from pipeline.io.row_count import count_csv_data_rows, count_parquet_rows
from pipeline.io.undecodable import locate_undecodable, row_decode_errors_unprinted
from pipeline.sources import ExtractSource

ROW_NUMBER = "row_number"
# Input bytes per CSV batch (Parquet: rows per batch). Big enough that per-batch overheads
# vanish, small enough that a batch and its validation copies stay well under a gigabyte.
BLOCK_BYTES = int(os.environ.get("SCREENING_BLOCK_BYTES") or 64 << 20)
PARQUET_BATCH_ROWS = 1 << 20

BatchSource = Callable[[], Iterator[pd.DataFrame]]
R = TypeVar("R")
BatchReader = Callable[[], pd.DataFrame]  # picklable: reads (or holds) one batch
ReaderSource = Callable[[], Iterator[BatchReader]]


@dataclass(frozen=True)
class ReadThen(Generic[R]):
    """`job` applied to the batch a reader gives: the batch is read where the job runs."""

    job: Callable[[pd.DataFrame], R]

    def __call__(self, reader: BatchReader) -> R:
        return self.job(reader())


@dataclass(frozen=True)
class ReadyBatch:
    """A batch already in memory (a frame slice, a Parquet batch, a SQL pull)."""

    frame: pd.DataFrame

    def __call__(self) -> pd.DataFrame:
        return self.frame


@dataclass
class RawExtract:
    """An extract as read: text columns named per the contract, plus `row_number` (1-based).

    Either `frame` holds every row, or `batch_source` reads the rows again batch by batch on
    each call (a streamed file); `batches()` gives the rows the same way in both cases.
    `reader_source`, when given, yields the same batches as readers to call (a CSV file's
    byte ranges), which `batch_readers()` hands to worker processes unread. `sha256` is the
    input's digest when it was taken as the input was read: a SQL pull's rows as pulled
    (`pipeline.io.sql.text_table_sha256`), or a staged file's bytes on the DAG path; when empty,
    the file is hashed when the report is written.
    """

    name: str
    frame: pd.DataFrame | None
    path: str
    rows_read: int
    ignored_columns: list[str] = field(default_factory=list)
    batch_source: BatchSource | None = None
    reader_source: ReaderSource | None = None
    sha256: str = ""
    # Codes the reader could not map to the contract's, counted per code
    # (`pipeline.io.code_issues`), and resources it read but this contract has no use for,
    # counted per resource type: both reported, never silently ignored.
    code_issues: list[dict[str, Any]] = field(default_factory=list)
    not_used: dict[str, int] = field(default_factory=dict)

    def batch_readers(self, rows: int | None = None) -> Iterator[BatchReader]:
        """The batches of `batches(rows)`, in order, as readers that a worker can call."""
        if self.reader_source is not None:
            yield from self.reader_source()
            return
        for batch in self.batches(rows):
            yield ReadyBatch(batch)

    def batches(self, rows: int | None = None) -> Iterator[pd.DataFrame]:
        """The rows in order, in batches (`rows` slices an in-memory frame; None: one batch)."""
        if self.reader_source is not None:
            for reader in self.reader_source():
                yield reader()
            return
        if self.batch_source is not None:
            yield from self.batch_source()
            return
        if self.frame is None:
            raise ValueError(f"{self.name}: extract has neither rows nor a batch source")
        step = rows or max(len(self.frame), 1)
        for start in range(0, max(len(self.frame), 1), step):
            yield self.frame.iloc[start : start + step]

    def whole(self) -> pd.DataFrame:
        """Every row in one frame (reads a streamed file whole: small files only)."""
        if self.frame is not None:
            return self.frame
        return pd.concat(list(self.batches()), ignore_index=True)


def resolve_in_folder(folder: Path, file_name: str) -> Path:
    """The file inside `folder`; names or symlinks that lead outside it are refused."""
    root = folder.resolve()
    candidate = (folder / file_name).resolve()
    if root != candidate and root not in candidate.parents:
        raise InputFileError(str(folder / file_name), "path leads outside the landing folder")
    return candidate


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
    header = [name.strip().strip('"') for name in text.split(source.separator)]
    if len(set(header)) != len(header):
        raise InputFileError(str(path), "duplicate column names in the header", line=1)
    return header


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


@dataclass(frozen=True)
class _ColumnPlan:
    """Which of a file's columns are kept, under which contract names."""

    keep: list[int]
    names: list[str]
    wanted: list[str]
    ignored: list[str]


def _column_plan(
    present: list[str], source: ExtractSource, extract: Extract, path: str
) -> _ColumnPlan:
    """Rename to contract columns, drop unmapped ones (reported), check required ones."""
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
    wanted = [c.name for c in extract.columns if not c.identifying]
    return _ColumnPlan(keep, [renamed[i] for i in keep], wanted, ignored)


def _to_frame(batch: pa.RecordBatch | pa.Table, plan: _ColumnPlan, first_row: int) -> pd.DataFrame:
    """One batch as an all-text frame in contract column order, numbered from `first_row`."""
    selected = pa.Table.from_batches([batch]) if isinstance(batch, pa.RecordBatch) else batch
    frame = selected.select(plan.keep).rename_columns(plan.names).to_pandas()
    for column in plan.wanted:
        if column not in frame.columns:
            frame[column] = pd.Series(pd.NA, index=frame.index, dtype="str")
    frame = frame[plan.wanted]
    frame.insert(0, ROW_NUMBER, pd.RangeIndex(first_row, first_row + len(frame), dtype="int64"))
    return frame


def _csv_options(
    source: ExtractSource,
    header: list[str],
    on_invalid_row: Callable[[pacsv.InvalidRow], str],
    skip_rows: int,
) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    """Every column as text, exactly as exported; malformed lines go to `on_invalid_row`."""
    encoding = "utf8" if source.encoding.startswith("utf-8") else source.encoding
    return (
        pacsv.ReadOptions(
            encoding=encoding,
            column_names=header,
            skip_rows=skip_rows,
            # One thread: the streaming reader is as fast, and it knows every line's number.
            use_threads=False,
            block_size=BLOCK_BYTES,
        ),
        pacsv.ParseOptions(
            delimiter=source.separator,
            invalid_row_handler=on_invalid_row,
            ignore_empty_lines=False,  # a blank line is a malformed row, never skipped
        ),
        pacsv.ConvertOptions(
            column_types=dict.fromkeys(header, pa.string()),
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )


def _csv_reader(
    path: Path,
    source: ExtractSource,
    header: list[str],
    on_invalid_row: Callable[[pacsv.InvalidRow], str],
) -> pacsv.CSVStreamingReader:
    return pacsv.open_csv(path, *_csv_options(source, header, on_invalid_row, skip_rows=1))


def _csv_batches(path: Path, source: ExtractSource, header: list[str]) -> Iterator[pa.RecordBatch]:
    """The file's record batches, streamed; the first malformed line stops the run with its
    number (`CsvRange` falls back to this scan to name a malformed line)."""
    bad_rows: list[tuple[int, int, int]] = []

    def on_invalid_row(row: pacsv.InvalidRow) -> str:
        bad_rows.append((row.number or 0, row.expected_columns, row.actual_columns))
        return "skip"

    try:
        with row_decode_errors_unprinted(on_invalid_row):
            reader = _csv_reader(path, source, header, on_invalid_row)
            for batch in reader:
                if bad_rows:
                    for _ in reader:  # error path: count the malformed lines of the whole file
                        pass
                    _raise_malformed(path, source, header, bad_rows)
                yield batch
        if bad_rows:
            _raise_malformed(path, source, header, bad_rows)
    except (pa.ArrowInvalid, UnicodeDecodeError):
        _raise_unreadable(path, source, header, bad_rows)


def _raise_unreadable(
    path: Path, source: ExtractSource, header: list[str], bad_rows: list[tuple[int, int, int]]
) -> None:
    """Arrow stopped: name the first undecodable byte if there is one (Arrow's message has no
    line, and a malformed line that does not decode fails inside pyarrow), else the malformed
    lines seen so far."""
    where = locate_undecodable(path, source.encoding, source.separator)
    _raise_broken_line(path, source, header, before=where.line if where is not None else None)
    if where is not None:
        column = header[where.field] if where.field < len(header) else None
        raise InputFileError(
            str(path),
            f"not valid {source.encoding} text (byte {where.byte} of the line)",
            line=where.line,
            column=column,
        ) from None
    if bad_rows:
        _raise_malformed(path, source, header, bad_rows)
    raise InputFileError(str(path), "cannot parse as CSV") from None


def _raise_broken_line(
    path: Path, source: ExtractSource, header: list[str], before: int | None = None
) -> None:
    """Raise naming the first line with a bare CR or a line break inside a quoted field, if
    there is one (at or before line `before`, when given): after such a line Arrow's row
    numbers drift from the file's lines, so it is the first error, named exactly."""
    encoding = "utf-8" if source.encoding.startswith("utf-8") else source.encoding
    broken = locate_broken_line(path, source.separator, encoding)
    if broken is None or (before is not None and broken.line > before):
        return
    column = header[broken.field] if broken.field < len(header) else None
    raise InputFileError(str(path), broken.problem, line=broken.line, column=column)


def line_ranges(path: Path, offset: int, block: int) -> Iterator[tuple[int, int, int]]:
    """(offset, length, lines) of consecutive byte ranges of about `block` bytes from
    `offset` to the end of the file, each ending just after a line break (the last one may
    end without one); lines are counted as `count_csv_data_rows` counts them."""
    with path.open("rb") as handle:
        handle.seek(offset)
        pending = b""
        while True:
            chunk = handle.read(block)
            data = pending + chunk
            if not data:
                return
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if cut == 0:  # a line longer than the block: read on
                pending = data
                continue
            piece, pending = data[:cut], data[cut:]
            yield offset, cut, piece.count(b"\n") + (not piece.endswith(b"\n"))
            offset += cut


@dataclass(frozen=True)
class CsvRange:
    """A line-aligned byte range of a CSV file, parsed when called (in a worker process, say)
    into the same frame the streamed file would give for those rows."""

    path: Path
    source: ExtractSource
    header: tuple[str, ...]
    plan: _ColumnPlan
    offset: int
    length: int
    first_row: int
    rows: int

    def __call__(self) -> pd.DataFrame:
        with self.path.open("rb") as handle:
            handle.seek(self.offset)
            data = handle.read(self.length)
        malformed: list[int] = []

        def on_invalid_row(row: pacsv.InvalidRow) -> str:
            malformed.append(row.number or 0)
            return "skip"

        try:
            options = _csv_options(self.source, list(self.header), on_invalid_row, skip_rows=0)
            with row_decode_errors_unprinted(on_invalid_row):
                table = pacsv.read_csv(pa.py_buffer(data), *options)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            table = None
        if table is None or malformed or table.num_rows != self.rows:
            self._raise_error()
        return _to_frame(table, self.plan, self.first_row)

    def _raise_error(self) -> None:
        """Name the first bad line of the file as the streamed read does (error path only)."""
        for _ in _csv_batches(self.path, self.source, list(self.header)):
            pass
        _raise_broken_line(self.path, self.source, list(self.header))
        raise InputFileError(
            str(self.path),
            "parsed rows differ from the line count (a line break inside a field, "
            "or a bare carriage return?)",
            line=self.first_row + 1,
        )


def _raise_malformed(
    path: Path, source: ExtractSource, header: list[str], bad_rows: list[tuple[int, int, int]]
) -> None:
    number, expected, actual = min(bad_rows, key=lambda r: r[0])
    _raise_broken_line(path, source, header, before=number)
    missing = header[actual:expected] if actual < expected else []
    column = missing[0] if missing else (header[-1] if header else None)
    what = (
        f"has {actual} fields, expected {expected}"
        + (" (truncated?)" if actual < expected else " (extra separator?)")
        + f"; {len(bad_rows)} malformed line(s) in all"
    )
    raise InputFileError(str(path), what, line=number, column=column)


def _check_parquet_types(path: Path, plan: _ColumnPlan) -> None:
    """Every kept column holds scalars: a list, struct, map or union column cannot be read as
    one text per row, and is refused naming the file and the hospital's column."""
    try:
        schema = pq.ParquetFile(path).schema_arrow
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(str(path), f"cannot read as Parquet ({type(exc).__name__})") from None
    for index in plan.keep:
        kind = schema.field(index).type
        if pa.types.is_dictionary(kind):
            kind = kind.value_type
        if pa.types.is_nested(kind):
            raise InputFileError(
                str(path),
                f"column of nested type ({kind}): one value per row is expected",
                column=schema.names[index],
            )


def _parquet_batches(path: Path) -> Iterator[pa.Table]:
    """Row batches with values as text; typed dates are kept (typing accepts them as they are)."""
    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=PARQUET_BATCH_ROWS):
            columns = [
                column
                if pa.types.is_date(column.type) or pa.types.is_timestamp(column.type)
                else column.cast(pa.string())
                for column in batch.columns
            ]
            yield pa.table(columns, names=batch.schema.names)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OSError) as exc:
        raise InputFileError(str(path), f"cannot read as Parquet ({type(exc).__name__})") from None


def _parquet_columns(path: Path) -> list[str]:
    try:
        return list(pq.ParquetFile(path).schema_arrow.names)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(str(path), f"cannot read as Parquet ({type(exc).__name__})") from None


def open_extract_file(folder: Path, source: ExtractSource, extract: Extract) -> RawExtract:
    """Check one extract file's structure and return it streamed (rows are read on demand)."""
    path = resolve_in_folder(folder, source.file)
    if not path.is_file():
        raise InputFileError(str(folder / source.file), "file not found")
    if source.format == "csv":
        header = _header(path, source)
        _check_complete(path, source)
        rows_read = count_csv_data_rows(path)
        plan = _column_plan(header, source, extract, str(path))
    elif source.format == "parquet":
        rows_read = count_parquet_rows(path)
        plan = _column_plan(_parquet_columns(path), source, extract, str(path))
        _check_parquet_types(path, plan)
    else:
        raise InputFileError(str(path), f"unsupported format '{source.format}'")
    if rows_read == 0:
        raise InputFileError(str(path), "extract has no data rows", line=2)
    if source.format == "csv":
        return RawExtract(
            extract.name,
            None,
            str(path),
            rows_read,
            plan.ignored,
            reader_source=_CutOnce(lambda: _csv_ranges(path, source, header, plan)),
        )

    def frames() -> Iterator[pd.DataFrame]:
        first_row = 1
        for batch in _parquet_batches(path):
            if batch.num_rows:
                yield _to_frame(batch, plan, first_row)
                first_row += batch.num_rows

    return RawExtract(extract.name, None, str(path), rows_read, plan.ignored, frames)


class _CutOnce:
    """A file's ranges, cut while the first pass reads them (the cutting reads the whole file,
    so it runs beside the workers, not before them) and replayed to every later pass."""

    def __init__(self, cut: Callable[[], Iterator[CsvRange]]) -> None:
        self._cut = cut
        self._ranges: list[CsvRange] | None = None

    def __call__(self) -> Iterator[CsvRange]:
        return iter(self._ranges) if self._ranges is not None else self._cutting()

    def _cutting(self) -> Iterator[CsvRange]:
        ranges = []
        for item in self._cut():
            ranges.append(item)
            yield item
        self._ranges = ranges  # only a pass that reached the end of the file


def _csv_ranges(
    path: Path, source: ExtractSource, header: list[str], plan: _ColumnPlan
) -> Iterator[CsvRange]:
    """The data lines of a CSV file as ranges of about `BLOCK_BYTES`, numbered from 1."""
    with path.open("rb") as handle:
        data_start = len(handle.readline())
    first_row = 1
    for offset, length, lines in line_ranges(path, data_start, BLOCK_BYTES):
        yield CsvRange(path, source, tuple(header), plan, offset, length, first_row, lines)
        first_row += lines


def read_extract_file(folder: Path, source: ExtractSource, extract: Extract) -> RawExtract:
    """Read one extract file whole (small files, tests); the same batches as when streamed."""
    streamed = open_extract_file(folder, source, extract)
    return RawExtract(
        streamed.name, streamed.whole(), streamed.path, streamed.rows_read, streamed.ignored_columns
    )


def to_raw_extract(
    table: pa.Table,
    source: ExtractSource,
    extract: Extract,
    path: str,
    rows_read: int,
    sha256: str = "",
) -> RawExtract:
    """An in-memory table (a SQL pull) as a raw extract in contract columns."""
    plan = _column_plan(table.column_names, source, extract, path)
    if table.num_rows == 0:
        raise InputFileError(path, "extract has no data rows", line=2)
    frame = _to_frame(table, plan, 1)
    return RawExtract(extract.name, frame, path, rows_read, plan.ignored, sha256=sha256)


UNAVAILABLE_PREFIX = "unavailable:"


def unavailable_extract(extract: Extract) -> RawExtract:
    """An extract the source config declares unavailable: no rows, the contract's columns, so
    staging, typing and the quality suites run on it as on any other (`rows_read` 0); its
    path names it as unavailable, not as a file that could be looked for."""
    wanted = [c.name for c in extract.columns if not c.identifying]
    frame = pd.DataFrame(
        {ROW_NUMBER: pd.Series([], dtype="int64")}
        | {name: pd.Series([], dtype="str") for name in wanted}
    )
    return RawExtract(extract.name, frame, UNAVAILABLE_PREFIX + extract.name, 0)


def is_unavailable(path: str) -> bool:
    """Whether a raw extract's path names it as unavailable (declared, or not delivered)."""
    return path.startswith(UNAVAILABLE_PREFIX)


def open_extract_or_missing(folder: Path, source: ExtractSource, extract: Extract) -> RawExtract:
    """`open_extract_file`, except that an optional extract (`Extract.optional`) whose file is
    not in the landing folder is unavailable for this date, its path saying so: a folder
    delivered before the site exported it (a backfill) keeps working, its criteria unknown
    ("not available from this source"), never not met. A required extract's missing file
    still stops the run."""
    if extract.optional and not resolve_in_folder(folder, source.file).is_file():
        raw = unavailable_extract(extract)
        raw.path = f"{UNAVAILABLE_PREFIX}{extract.name} ({source.file} not delivered)"
        return raw
    return open_extract_file(folder, source, extract)
