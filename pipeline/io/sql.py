"""Pulling an extract from a hospital warehouse with SQL into the same all-text frame as a file.

A `kind: sql` source config names one query file per extract (`query: labs.sql`, looked up in
the project's `sql/` folder). Each query takes the as-of date as a bound parameter (`:as_of`,
never formatted into the text) and returns one text column per hospital column; the source
config then maps names and codes exactly as it does for files, and the same typing, quality
rules and reconciliation apply.

Dialect: the shipped queries render dates as ISO `YYYY-MM-DD`, timestamps as
`YYYY-MM-DD HH24:MI:SS`, numbers with a `.` and booleans as `true`/`false`, and the warehouse
source config declares exactly that. Rendering the warehouse's typed values back into the
hospital's file dialect (dd/mm/yyyy, decimal comma) would only add a lossy round trip.
Free-text columns (a lab result such as `<0,5`) are passed through as stored.

Rows are streamed in chunks (server-side cursor) so a large extract never sits in memory twice.
`rows_read` comes from a separate `SELECT count(*)` over the same query in the same
REPEATABLE READ snapshot: it is taken independently of the fetch and conversion path, as the file
reader counts lines independently of the CSV parser, so reconciliation can catch lost rows.

Each pull's rows get a SHA-256 for the manifest, as a file gets the SHA-256 of its bytes: the
digest of the rows as pulled (warehouse column names, query order), written as CSV by Arrow
(`text_table_sha256`). The same rows pulled again give the same digest.

Errors never quote the database's message (a failed cast would echo a patient value): they name
the query, the exception type and the SQLSTATE code.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.contract import EXTRACTS, Extract
from pipeline.errors import ConfigError, InputFileError
from pipeline.io.files import UNAVAILABLE_PREFIX, RawExtract, to_raw_extract, unavailable_extract
from pipeline.sources import ExtractSource, SourceConfig

SQL_DIR_VARIABLE = "SCREENING_SQL_DIR"
DEFAULT_SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
CHUNK_ROWS = 50_000
_SCHEME = re.compile(r"^(postgres|postgresql)(\+[a-z0-9_]+)?://", re.IGNORECASE)


def sqlalchemy_url(uri: str) -> str:
    """A SQLAlchemy URL using psycopg 3 for any PostgreSQL URI.

    Airflow's `Connection.get_uri()` gives `postgres://...`, which SQLAlchemy rejects, and a bare
    `postgresql://` would pick psycopg2, which is not installed. Other schemes pass unchanged.
    """
    match = _SCHEME.match(uri)
    if match is None:
        return uri
    return "postgresql+psycopg://" + uri[match.end() :]


def sql_dir() -> Path:
    """Folder of the query files (`SCREENING_SQL_DIR` overrides the project's `sql/`)."""
    return Path(os.environ.get(SQL_DIR_VARIABLE) or DEFAULT_SQL_DIR)


def query_path(source: ExtractSource, folder: Path | None = None) -> Path:
    """The query file of an extract; names leading outside the query folder are refused."""
    if not source.query:
        raise ConfigError(f"extract '{source.name}': a sql source needs `query: <file>.sql`")
    root = (folder or sql_dir()).resolve()
    path = (root / source.query).resolve()
    if root not in path.parents:
        raise ConfigError(f"extract '{source.name}': query '{source.query}' is outside {root}")
    if not path.is_file():
        raise ConfigError(f"extract '{source.name}': query file {path} not found")
    return path


def load_query(path: Path) -> str:
    """Query text without a trailing `;`, so it can be wrapped in a count."""
    return path.read_text(encoding="utf-8").strip().rstrip(";").strip()


def as_text(value: object) -> str:
    """One fetched value as text in the warehouse dialect (queries normally return text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    return str(value)


def text_column(values: Sequence[object]) -> pa.Array:
    """One fetched column as Arrow text, a NULL as an empty text (as `as_text`).

    The shipped queries return text only: Arrow then builds the column in C, with no Python
    step per value. A column holding other types (a query returning a date as a date) is
    rendered value by value with `as_text`. UTF-8 bytes are taken as their text.
    """
    try:
        return pa.array(values, pa.string()).fill_null("")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        return pa.array([as_text(v) for v in values], pa.string())


def _label(source: ExtractSource) -> str:
    return f"sql:{source.query}"


# Server messages that hold nothing but an identifier the query named, by SQLSTATE: the one
# part of a message an error may repeat (any other message may quote a value: never shown).
_NAMED_OBJECT = {
    "42P01": ("table", re.compile(r'^relation "([A-Za-z0-9_.$]{1,127})" does not exist$')),
    "42703": ("column", re.compile(r'^column "?([A-Za-z0-9_.$]{1,127})"? does not exist$')),
    "3F000": ("schema", re.compile(r'^schema "([A-Za-z0-9_$]{1,63})" does not exist$')),
    "42883": (
        "function",
        re.compile(r"^function ([A-Za-z0-9_.$]{1,127})\(.{0,200}\) does not exist$"),
    ),
}


def _database_error(
    label: str, exc: Exception, doing: str, query: str | None = None, prefix: int = 0
) -> InputFileError:
    """A patient-free error: the exception type and SQLSTATE, never the server's message,
    except the name of a table, column or schema the database did not find (an
    identifier of the query, not data) and, when the server says where, the query's line.

    `prefix` is the number of characters sent before `query` (a wrapping count query)."""
    original = getattr(exc, "orig", None) or exc
    state = getattr(original, "sqlstate", None)
    detail = type(original).__name__ + (f", SQLSTATE {state}" if state else "")
    diag = getattr(original, "diag", None)
    named = _NAMED_OBJECT.get(state or "")
    message = getattr(diag, "message_primary", None) or ""
    match = named[1].match(message) if named else None
    if named and match:
        detail += f"; no {named[0]} {match.group(1)}"
    line = None
    position = getattr(diag, "statement_position", None)
    if query is not None and position and str(position).isdigit():
        offset = int(position) - 1 - prefix
        if 0 <= offset <= len(query):
            line = query.count("\n", 0, offset) + 1
    return InputFileError(label, f"{doing} failed ({detail})", line=line)


def fetch_text_table(
    connection: object, query: str, as_of: dt.date, label: str, chunk_rows: int = CHUNK_ROWS
) -> tuple[pa.Table, int]:
    """Run the count and the streamed query in one snapshot; all columns as text."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    params = {"as_of": as_of}
    counting = "SELECT count(*) FROM (\n"
    try:
        count = connection.execute(  # type: ignore[attr-defined]
            text(f"{counting}{query}\n) AS counted"), params
        ).scalar_one()
        streamed = connection.execution_options(  # type: ignore[attr-defined]
            stream_results=True, yield_per=chunk_rows
        )
        result = streamed.execute(text(query), params)
        names = list(result.keys())
        chunks: list[pa.RecordBatch] = []
        for rows in result.partitions():
            columns = list(zip(*rows, strict=True)) if rows else [()] * len(names)
            chunks.append(pa.record_batch([text_column(c) for c in columns], names=names))
    except SQLAlchemyError as exc:
        raise _database_error(label, exc, "query", query, len(counting)) from None
    schema = pa.schema([(name, pa.string()) for name in names])
    return pa.Table.from_batches(chunks, schema=schema), int(count)


class _Digest:
    """A write-only file that feeds SHA-256, so Arrow's CSV writer streams into the hash."""

    def __init__(self) -> None:
        self.hash = hashlib.sha256()
        self.closed = False

    def write(self, data: bytes) -> int:
        self.hash.update(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def text_table_sha256(table: pa.Table) -> str:
    """SHA-256 of an all-text table written as CSV by Arrow: a header line of the column
    names, then the rows in order, every text quoted and a null an empty field, so a missing
    value and an empty text differ. Nothing is held but the hash."""
    digest = _Digest()
    pacsv.write_csv(table, pa.PythonFile(digest, mode="w"))
    return digest.hash.hexdigest()


def read_extracts_sql(
    url: str,
    source: SourceConfig,
    as_of: dt.date | str,
    names: list[str] | None = None,
    *,
    folder: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, RawExtract]:
    """Pull extracts (all by default) from the warehouse for one as-of date.

    All pulls share one read-only REPEATABLE READ transaction, so the extracts are mutually
    consistent (no lab of a patient inserted between the patients and the labs pulls).
    """
    if source.kind != "sql":
        raise ConfigError(f"{source.path}: not a sql source (kind: {source.kind})")
    requested = list(EXTRACTS) if names is None else names
    queries = {
        name: Pull(
            _label(source.extracts[name]), load_query(query_path(source.extracts[name], folder))
        )
        for name in requested
        if not source.extract_unavailable(name)
    }
    return pull_extracts(url, source, as_of, requested, queries, chunk_rows=chunk_rows)


@dataclass(frozen=True)
class Pull:
    """One extract's query: its label in errors and the manifest, its text, and an optional
    vectorised step on the pulled text table before it is mapped to the contract (the OMOP
    source applies a site's code overrides there)."""

    label: str
    query: str
    transform: Callable[[pa.Table], pa.Table] | None = None
    # After the transform: the codes it could not map, counted per code
    # (`pipeline.io.code_issues`), then helper columns the contract does not have, dropped.
    code_issues: Callable[[pa.Table], list[dict[str, Any]]] | None = None
    helper_columns: tuple[str, ...] = ()


def pull_extracts(
    url: str,
    source: SourceConfig,
    as_of: dt.date | str,
    requested: list[str],
    queries: dict[str, Pull],
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, RawExtract]:
    """Run `queries` in one read-only REPEATABLE READ snapshot; an extract the source declares
    unavailable is delivered empty (`unavailable_extract`), and so is an optional extract whose
    query returns no row (the warehouse has not loaded it for this date, as a landing folder
    without its file: `open_extract_or_missing`). The digest is of the rows as pulled, before
    any transform."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError
    from sqlalchemy.pool import NullPool

    day = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    raws: dict[str, RawExtract] = {
        name: unavailable_extract(EXTRACTS[name])
        for name in requested
        if source.extract_unavailable(name)
    }
    wanted = [name for name in requested if name not in raws]
    try:
        engine = create_engine(sqlalchemy_url(url), poolclass=NullPool)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"invalid warehouse URL ({type(exc).__name__})") from None
    try:
        try:
            connection = engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        except SQLAlchemyError as exc:
            raise _database_error("warehouse", exc, "connecting to the warehouse") from None
        with connection, connection.begin():
            for name in wanted:
                pull = queries[name]
                table, rows_read = fetch_text_table(
                    connection, pull.query, day, pull.label, chunk_rows
                )
                if table.num_rows == 0 and EXTRACTS[name].optional:
                    raws[name] = unavailable_extract(EXTRACTS[name])
                    raws[name].path = f"{UNAVAILABLE_PREFIX}{name} (no rows from {pull.label})"
                    continue
                digest = text_table_sha256(table)
                if pull.transform is not None:
                    table = pull.transform(table)
                issues = pull.code_issues(table) if pull.code_issues is not None else []
                table = table.drop_columns(list(pull.helper_columns))
                raws[name] = to_raw_extract(
                    table, source.extracts[name], EXTRACTS[name], pull.label, rows_read, digest
                )
                raws[name].code_issues = issues
    finally:
        engine.dispose()
    return {name: raws[name] for name in requested}


def read_extract_sql(
    url: str,
    source: SourceConfig,
    extract: Extract | str,
    as_of: dt.date | str,
    *,
    folder: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
) -> RawExtract:
    """Pull one extract (one Airflow task per extract calls this)."""
    name = extract if isinstance(extract, str) else extract.name
    return read_extracts_sql(url, source, as_of, [name], folder=folder, chunk_rows=chunk_rows)[name]
