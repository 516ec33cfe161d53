"""`screening load-warehouse`: a synthetic export folder loaded into a hospital-like warehouse.

This gives the SQL pull something real to read: a PostgreSQL schema (default `dwh`) with the
warehouse's own table and column names and typed columns (dates, timestamps, numbers,
booleans), loaded with COPY. Identifier, code and free-text columns keep the exported text
(codes stay in the hospital's vocabulary, lab results stay `<0,5`). Names are never loaded.

Every table gets a surrogate key `<table>_sk` in export order; the queries in `sql/` order by
it, so a SQL pull numbers its rows exactly as the file reader numbers lines.

The load is idempotent: the schema's tables are dropped and recreated in one transaction.
A value that does not type under the export's declared format (a planted defect) is loaded as
NULL and counted in the result, because a typed warehouse column cannot hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pipeline.contract import EXTRACTS, Column
from pipeline.errors import ConfigError, ScreeningError
from pipeline.io.files import (
    RawExtract,
    read_extract_file,
    resolve_in_folder,
    unavailable_extract,
)
from pipeline.sources import ExtractSource, SourceConfig

if TYPE_CHECKING:
    import psycopg

DEFAULT_SCHEMA = "dwh"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")

# Per extract: warehouse table, then (contract column, warehouse column) in table order.
TABLES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "patients": (
        "patient",
        (
            ("patient_id", "ipp"),
            ("birth_date", "birth_date"),
            ("sex", "sex_code"),
            ("death_date", "death_date"),
            ("social_security_affiliated", "ss_affiliated"),
            ("childbearing_potential", "childbearing_potential"),
        ),
    ),
    "pathology": (
        "pathology_report",
        (
            ("record_id", "report_id"),
            ("patient_id", "ipp"),
            ("report_date", "report_date"),
            ("topography_code", "icdo_topography"),
            ("morphology_code", "icdo_morphology"),
            ("grade", "who_grade"),
            ("ki67_percent", "ki67_pct"),
        ),
    ),
    "labs": (
        "lab_result",
        (
            ("record_id", "result_id"),
            ("patient_id", "ipp"),
            ("loinc_code", "loinc_code"),
            ("value_raw", "result_text"),
            ("unit", "unit_label"),
            ("collected_at", "collected_at"),
            ("reference_low", "ref_low"),
            ("reference_high", "ref_high"),
        ),
    ),
    "imaging_studies": (
        "imaging_study",
        (
            ("study_id", "study_id"),
            ("patient_id", "ipp"),
            ("study_date", "study_date"),
            ("modality", "modality_code"),
            ("sstr_tracer", "tracer_code"),
            ("sstr_positive_percent", "sstr_positive_pct"),
            ("uptake_vs_liver", "liver_uptake_code"),
            ("krenning_score", "krenning_score"),
            ("recist_response", "recist_code"),
        ),
    ),
    "imaging_lesions": (
        "imaging_lesion",
        (
            ("lesion_id", "lesion_id"),
            ("study_id", "study_id"),
            ("patient_id", "ipp"),
            ("is_lymph_node", "lymph_node"),
            ("longest_diameter_mm", "longest_diameter_mm"),
            ("short_axis_mm", "short_axis_mm"),
        ),
    ),
    "treatments": (
        "drug_administration",
        (
            ("record_id", "administration_id"),
            ("patient_id", "ipp"),
            ("atc_code", "atc_code"),
            ("administered_on", "administered_on"),
            ("activity_mbq", "activity_mbq"),
        ),
    ),
    "assessments": (
        "clinical_assessment",
        (
            ("record_id", "assessment_id"),
            ("patient_id", "ipp"),
            ("assessed_on", "assessed_on"),
            ("assessment_type", "assessment_code"),
            ("value", "value_text"),
        ),
    ),
    "tumour_board": (
        "tumour_board_decision",
        (
            ("decision_id", "decision_id"),
            ("patient_id", "ipp"),
            ("decision_date", "decision_date"),
            ("board", "board_code"),
            ("decision", "decision_code"),
            ("reimbursement_scope", "reimbursement_scope"),
        ),
    ),
    "conditions": (
        "diagnosis",
        (
            ("record_id", "diagnosis_id"),
            ("patient_id", "ipp"),
            ("icd10_code", "icd10_code"),
            ("topography_code", "icdo_topography"),
            ("morphology_code", "icdo_morphology"),
            ("snomed_code", "snomed_code"),
            ("onset_date", "onset_date"),
            ("recorded_date", "recorded_date"),
            ("clinical_status", "status_code"),
        ),
    ),
    "biomarkers": (
        "biomarker",
        (
            ("record_id", "biomarker_id"),
            ("patient_id", "ipp"),
            ("measured_on", "report_date"),
            ("marker", "marker_code"),
            ("method", "method_code"),
            ("result", "result_code"),
            ("ihc_score", "ihc_score"),
            ("percent_positive", "percent_positive"),
        ),
    ),
    "procedures": (
        "medical_procedure",
        (
            ("procedure_id", "procedure_id"),
            ("patient_id", "ipp"),
            ("performed_on", "performed_on"),
            ("ccam_code", "ccam_code"),
            ("snomed_code", "snomed_code"),
            ("icd10pcs_code", "icd10pcs_code"),
            ("category", "category_code"),
        ),
    ),
    "medications": (
        "medication_record",
        (
            ("record_id", "medication_id"),
            ("patient_id", "ipp"),
            ("kind", "record_type_code"),
            ("atc_code", "atc_code"),
            ("source_code", "cip13_code"),
            ("source_system", "code_system"),
            ("start_date", "start_date"),
            ("end_date", "end_date"),
            ("route", "route_code"),
        ),
    ),
}

_PG_TYPES = {
    "date": "date",
    "datetime": "timestamp without time zone",
    "float": "double precision",
    "int": "double precision",  # an exported "3,0" or a defect "3,5" must still load
    "bool": "boolean",
}


@dataclass
class LoadResult:
    """What was loaded: rows per table and values that could not be typed (set to NULL)."""

    schema: str
    rows: dict[str, int] = field(default_factory=dict)
    untyped: dict[str, int] = field(default_factory=dict)


def check_identifier(name: str) -> str:
    """Schema names are interpolated as identifiers: accept plain lower-case names only."""
    if not _IDENTIFIER.match(name):
        raise ConfigError(f"schema name '{name}' must match {_IDENTIFIER.pattern}")
    return name


def libpq_url(url: str) -> str:
    """A psycopg (libpq) URI from a SQLAlchemy or Airflow URL (`postgresql+psycopg://`...)."""
    return re.sub(r"^(postgres|postgresql)(\+[a-z0-9_]+)?://", "postgresql://", url, flags=re.I)


def pg_type(column: Column) -> str:
    return _PG_TYPES.get(column.type, "text")


def table_ddl(schema: str, extract: str) -> str:
    """CREATE TABLE of one warehouse table (surrogate key first, in export order)."""
    table, columns = TABLES[extract]
    contract = EXTRACTS[extract]
    body = [f"{table}_sk bigint PRIMARY KEY"]
    body += [f"{theirs} {pg_type(contract.column(ours))}" for ours, theirs in columns]
    return f"CREATE TABLE {schema}.{table} (\n    " + ",\n    ".join(body) + "\n)"


def _nulls(values: pd.Series, keep: pd.Series) -> list[str | None]:
    """Plain Python strings with None where `keep` is False (pandas would give NaN)."""
    return [str(v) if k else None for v, k in zip(values.tolist(), keep.tolist(), strict=True)]


def _typed_text(raw: pd.Series, column: Column, source: ExtractSource) -> tuple[list, int]:
    """Values in PostgreSQL's COPY text input form (None for NULL), and how many failed to type."""
    from pipeline.conform import conform_column

    text = raw.astype("str").str.strip()
    present = raw.notna() & (text != "")
    if column.type in ("id", "str", "code"):
        return _nulls(raw, present), 0
    as_type = Column(column.name, "float" if column.type == "int" else column.type)
    typed, _invalid = conform_column(raw, as_type, source)
    failed = int((present & typed.isna()).sum())
    if column.type == "date":
        rendered = typed.dt.strftime("%Y-%m-%d")
    elif column.type == "datetime":
        rendered = typed.dt.strftime("%Y-%m-%d %H:%M:%S")
    elif column.type == "bool":
        rendered = typed.map({True: "t", False: "f"})
    else:
        rendered = pd.Series([repr(float(v)) for v in typed.fillna(0.0)], index=typed.index)
    return _nulls(rendered, typed.notna()), failed


def _load_tables(
    conn: psycopg.Connection,
    raws: dict[str, RawExtract],
    source: SourceConfig,
    schema: str,
    result: LoadResult,
) -> None:
    """Drop, create and COPY every table (inside the caller's transaction)."""
    from psycopg import sql

    conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    for name, (table, columns) in TABLES.items():
        conn.execute(
            sql.SQL("DROP TABLE IF EXISTS {}.{}").format(
                sql.Identifier(schema), sql.Identifier(table)
            )
        )
        conn.execute(table_ddl(schema, name).encode())
        frame = raws[name].frame
        values = [frame["row_number"].astype("int64").astype(str).tolist()]
        for ours, theirs in columns:
            column_values, failed = _typed_text(
                frame[ours], EXTRACTS[name].column(ours), source.extracts[name]
            )
            values.append(column_values)
            if failed:
                result.untyped[f"{table}.{theirs}"] = failed
        names = [f"{table}_sk", *(theirs for _ours, theirs in columns)]
        copy_sql = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
            sql.Identifier(schema),
            sql.Identifier(table),
            sql.SQL(", ").join(map(sql.Identifier, names)),
        )
        with conn.cursor() as cursor, cursor.copy(copy_sql) as copy:
            for row in zip(*values, strict=True):
                copy.write_row(row)
        result.rows[table] = len(frame)


def load_warehouse(
    exports: Path, url: str, source: SourceConfig, schema: str = DEFAULT_SCHEMA
) -> LoadResult:
    """Read an export folder with its file source config and (re)load the warehouse schema."""
    import psycopg

    check_identifier(schema)
    if source.kind != "files":
        raise ConfigError(f"{source.path}: load-warehouse reads exported files (kind: files)")
    result = LoadResult(schema)
    raws = {  # an extract the files do not have (optional: left out, or its file not
        # delivered in this folder) loads an empty table
        name: unavailable_extract(extract)
        if source.extract_unavailable(name)
        or (
            extract.optional
            and not resolve_in_folder(Path(exports), source.extracts[name].file).is_file()
        )
        else read_extract_file(Path(exports), source.extracts[name], extract)
        for name, extract in EXTRACTS.items()
    }
    try:
        conn = psycopg.connect(libpq_url(url))
    except psycopg.OperationalError as exc:  # libpq's message names host and port, no data
        raise ScreeningError(f"cannot connect to the warehouse: {exc}".strip()) from None
    try:
        with conn:  # one transaction: all tables or none
            _load_tables(conn, raws, source, schema, result)
    except psycopg.Error as exc:  # a server message may quote a value: type and code only
        state = getattr(exc, "sqlstate", None)
        raise ScreeningError(
            f"warehouse load failed ({type(exc).__name__}, SQLSTATE {state})"
        ) from None
    return result


def drop_schema(url: str, schema: str) -> None:
    """Remove a warehouse schema and everything in it (tests clean up with this)."""
    import psycopg
    from psycopg import sql

    check_identifier(schema)
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
