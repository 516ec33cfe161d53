"""`screening load-omop`: an OMOP CDM CSV bundle (such as OHDSI Eunomia's) into PostgreSQL.

This gives the OMOP source a real CDM to read: one table per CSV file (`PERSON.csv` becomes
`<schema>.person`), with the file's own columns. Every column is loaded as text with COPY,
then typed where the OMOP DDL types it and every value agrees: `*_id` columns as bigint,
`*_date` as date, `*_datetime` as timestamp, the measured values as numeric, the birth year,
month and day as integers. A column whose values do not fit keeps its text (nothing is lost
or invented), so the queries meet the types a real CDM has without a DDL per CDM version.

The load is idempotent: the schema is dropped and recreated in one transaction. The database
is created when it does not exist (a demo gets a database of its own).
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.errors import InputFileError, ScreeningError
from pipeline.warehouse import check_identifier, libpq_url

if TYPE_CHECKING:
    import psycopg

_INTEGER = r"^-?[0-9]+$"
_NUMBER = r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$"
_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_TIMESTAMP = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?$"
_NUMERIC_COLUMNS = {
    "value_as_number",
    "range_low",
    "range_high",
    "quantity",
    "amount_value",
    "numerator_value",
    "denominator_value",
    "dose_value",
}
_INTEGER_COLUMNS = {"year_of_birth", "month_of_birth", "day_of_birth", "days_supply", "refills"}


@dataclass
class OmopLoad:
    """What was loaded: rows per table, and columns left as text because a value did not fit."""

    schema: str
    rows: dict[str, int] = field(default_factory=dict)
    kept_text: list[str] = field(default_factory=list)


def ddl_type(column: str) -> tuple[str, str] | None:
    """(PostgreSQL type, pattern every value must match) the OMOP DDL gives a column, if any."""
    if column in _INTEGER_COLUMNS:
        return "integer", _INTEGER
    if column in _NUMERIC_COLUMNS:
        return "numeric", _NUMBER
    if column.endswith("_id") or column in ("concept_id_1", "concept_id_2"):
        return "bigint", _INTEGER
    if column.endswith("_datetime"):
        return "timestamp without time zone", _TIMESTAMP
    if column.endswith("_date"):
        return "date", _DATE
    return None


def _header(path: Path) -> list[str]:
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        line = handle.readline().rstrip("\r\n")
    if not line:
        raise InputFileError(str(path), "file is empty (no header line)", line=1)
    names = [name.strip().strip('"').lower() for name in line.split(",")]
    for name in names:
        try:
            check_identifier(name)
        except ScreeningError:
            raise InputFileError(str(path), "column name is not a plain name", line=1) from None
    return names


def csv_tables(folder: Path) -> dict[str, Path]:
    """Table name -> CSV file, for the CSV files at the top of an unpacked bundle."""
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        name = path.stem.lower()
        try:
            check_identifier(name)
        except ScreeningError:
            raise InputFileError(str(path), "file name is not a plain table name") from None
        tables[name] = path
    if not tables:
        raise InputFileError(str(folder), "no CSV file found")
    return tables


def _load_table(conn: psycopg.Connection, schema: str, table: str, path: Path) -> list[str]:
    """Create, COPY (all text) and type one table; the columns left as text."""
    from psycopg import sql

    columns = _header(path)
    target = sql.Identifier(schema, table)
    conn.execute(
        sql.SQL("CREATE TABLE {} ({})").format(
            target,
            sql.SQL(", ").join(sql.SQL("{} text").format(sql.Identifier(c)) for c in columns),
        )
    )
    copy = sql.SQL(
        "COPY {} FROM STDIN WITH (FORMAT csv, HEADER true, ENCODING 'UTF8', FORCE_NULL ({}))"
    ).format(target, sql.SQL(", ").join(map(sql.Identifier, columns)))
    with conn.cursor() as cursor, cursor.copy(copy) as writer, path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            writer.write(block)
    typed = {c: t for c in columns if (t := ddl_type(c)) is not None}
    if not typed:
        return []
    checks = sql.SQL(", ").join(
        sql.SQL("coalesce(bool_and({} ~ {}), true)").format(sql.Identifier(c), sql.Literal(p))
        for c, (_, p) in typed.items()
    )
    fits = conn.execute(sql.SQL("SELECT {} FROM {}").format(checks, target)).fetchone()
    kept = [c for c, ok in zip(typed, fits or (), strict=True) if not ok]
    changes = [
        sql.SQL("ALTER COLUMN {0} TYPE {1} USING {0}::{1}").format(sql.Identifier(c), sql.SQL(kind))
        for c, (kind, _), ok in zip(typed, typed.values(), fits or (), strict=True)
        if ok
    ]
    if changes:
        conn.execute(sql.SQL("ALTER TABLE {} {}").format(target, sql.SQL(", ").join(changes)))
    return [f"{table}.{c}" for c in kept]


def ensure_database(url: str) -> None:
    """Create the URL's database when it does not exist (connecting to `postgres` for it)."""
    import psycopg
    from psycopg import sql

    base, _, _ = libpq_url(url).partition("?")
    server, _, database = base.rpartition("/")
    check_identifier(database)
    try:
        with psycopg.connect(server + "/postgres", autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if exists is None:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    except psycopg.Error as exc:
        state = getattr(exc, "sqlstate", None)
        raise ScreeningError(
            f"cannot create database {database} ({type(exc).__name__}, SQLSTATE {state})"
        ) from None


def load_omop_zip(bundle: Path, url: str, schema: str = "cdm", create: bool = True) -> OmopLoad:
    """Unpack an OMOP CSV bundle (a zip) to a temporary folder and (re)load it into `schema`."""
    check_identifier(schema)
    if not Path(bundle).is_file():
        raise InputFileError(str(bundle), "file not found")
    with tempfile.TemporaryDirectory(prefix="omop-") as folder:
        try:
            with zipfile.ZipFile(bundle) as archive:
                members = [
                    m
                    for m in archive.namelist()
                    if m.lower().endswith(".csv") and "/" not in m.strip("/")
                ]
                archive.extractall(folder, members)
        except zipfile.BadZipFile:
            raise InputFileError(str(bundle), "not a zip file") from None
        return load_omop_folder(Path(folder), url, schema, create)


def load_omop_folder(folder: Path, url: str, schema: str = "cdm", create: bool = True) -> OmopLoad:
    """(Re)load the CSV files at the top of `folder` (one per CDM table) into `schema`."""
    import psycopg
    from psycopg import sql

    check_identifier(schema)
    tables = csv_tables(Path(folder))
    if create:
        ensure_database(url)
    result = OmopLoad(schema)
    try:
        with psycopg.connect(libpq_url(url)) as conn:  # one transaction: all or nothing
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
            for table, path in tables.items():
                result.kept_text += _load_table(conn, schema, table, path)
                count = conn.execute(
                    sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
                ).fetchone()
                result.rows[table] = int(count[0]) if count else 0
    except psycopg.Error as exc:  # a server message may quote a value: type and code only
        state = getattr(exc, "sqlstate", None)
        raise ScreeningError(f"OMOP load failed ({type(exc).__name__}, SQLSTATE {state})") from None
    return result
