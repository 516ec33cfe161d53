"""The baseline's reading and row rules, in plain DuckDB SQL.

Reads every file the source declares (DuckDB's own CSV reader; pyarrow for an encoding DuckDB
cannot decode without an extension), then types each column and sets aside, in one SQL pass per
extract, the rows the contract's row rules refuse: unsafe text, codes outside their vocabulary
(after the site's value mapping), values that do not parse, missing required values, duplicate
ids, unknown patients, dates in the future, before birth or after death, and out-of-range
values (lab values after conversion to the catalogue's unit). The contract, the source config
and the lab catalogue are read as data; none of the pipeline's code paths are used.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from pipeline.contract import CONTROL_CHARACTERS, EXTRACTS, Column, Extract
from pipeline.labs.catalogue import load_catalogue
from pipeline.sources import ExtractSource, SourceConfig

FUTURE_TOLERANCE_DAYS = 31
# Ranges the contract's plausibility rules set on single columns (`plausibility.<extract>.*`).
COLUMN_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "biomarkers": {"percent_positive": (0, 100)},
    "imaging_lesions": {"longest_diameter_mm": (1, 400), "short_axis_mm": (0, 400)},
    "imaging_studies": {"sstr_positive_percent": (0, 100), "krenning_score": (0, 4)},
    "pathology": {"ki67_percent": (0, 100)},
    "treatments": {"activity_mbq": (0, 15000)},
}
# Column pairs that must be ordered (a >= b), where both are present.
ORDERED_PAIRS: dict[str, list[tuple[str, str]]] = {
    "imaging_lesions": [("longest_diameter_mm", "short_axis_mm")],
    "labs": [("reference_high", "reference_low")],
    "medications": [("end_date", "start_date")],
    "conditions": [("recorded_date", "onset_date")],
}
ASSESSMENT_RANGES = {"ECOG": (0, 5), "KARNOFSKY": (0, 100), "NYHA": (1, 4)}
ASSESSMENT_RANGES["LIFE_EXPECTANCY"] = (0, 600)
LAB_VALUE = r"^\s*(<=|>=|≤|≥|<|>|=)?\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*$"


@dataclass(frozen=True)
class Staged:
    """Rows read and rows set aside, per extract."""

    read: dict[str, int]
    set_aside: dict[str, int]


def quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _header(path: Path, spec: ExtractSource) -> list[str]:
    encoding = "utf-8-sig" if spec.encoding.startswith("utf-8") else spec.encoding
    with path.open(encoding=encoding, newline="") as handle:
        line = handle.readline().rstrip("\r\n")
    return [name.strip().strip('"') for name in line.split(spec.separator)]


def read_raw(con: duckdb.DuckDBPyConnection, name: str, path: Path, spec: ExtractSource) -> int:
    """Table `raw_<name>`: the file's columns as text, renamed to the contract's names (no
    rows where an optional extract's file is not delivered)."""
    if not path.exists() and EXTRACTS[name].optional:
        empty = ", ".join(f'NULL::VARCHAR AS "{c}"' for c in EXTRACTS[name].column_names)
        con.execute(f"CREATE OR REPLACE TABLE raw_{name} AS SELECT {empty} WHERE false")
        return 0
    header = _header(path, spec)
    renamed = ", ".join(f'"{h}" AS "{spec.columns.get(h, h)}"' for h in header)
    if spec.encoding.replace("-sig", "") in ("utf-8", "utf8", "latin-1", "iso-8859-1"):
        encoding = "utf-8" if spec.encoding.startswith("utf") else "latin-1"
        columns = "{" + ", ".join(f"{quote(h)}: 'VARCHAR'" for h in header) + "}"
        source = (
            f"read_csv({quote(str(path))}, delim={quote(spec.separator)}, quote='\"', "
            f"escape='\"', header=true, columns={columns}, encoding={quote(encoding)}, "
            "auto_detect=false)"
        )
    else:  # cp1252 and the like: pyarrow decodes through Python's codecs
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(
                encoding=spec.encoding, column_names=header, skip_rows=1
            ),
            parse_options=pacsv.ParseOptions(delimiter=spec.separator),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(header, pa.string()), strings_can_be_null=True
            ),
        )
        con.register(f"arrow_{name}", table)
        source = f"arrow_{name}"
    con.execute(f"CREATE OR REPLACE TABLE raw_{name} AS SELECT {renamed} FROM {source}")
    return con.execute(f"SELECT count(*) FROM raw_{name}").fetchall()[0][0]


def _code_key(expression: str) -> str:
    return f"upper(strip_accents(trim({expression})))"


def _typed(column: Column, spec: ExtractSource) -> tuple[str, list[str]]:
    """The typed expression of a column and the row-rule failures it can raise."""
    raw = f'"{column.name}"'
    text = f"nullif(trim({raw}), '')"
    failures: list[str] = []
    if column.is_text:
        failures.append(
            f"(regexp_matches({raw}, {quote(CONTROL_CHARACTERS)}) "
            f"OR length({raw}) > {column.max_length})"
        )
    if column.type == "code":
        key = f"nullif({_code_key(raw)}, '')"
        mapping = spec.values.get(column.name, {})
        if mapping:
            cases = " ".join(
                f"WHEN {quote(k)} THEN {quote(v)}"
                for k, v in {_py_key(k): v for k, v in mapping.items()}.items()
            )
            key = f"CASE {key} {cases} ELSE {key} END"
        allowed = (*(column.allowed or ()), *spec.codes.get(column.name, ()))
        conforms = "true"
        if column.allowed is not None:
            conforms = f"({key}) IN ({', '.join(map(quote, allowed))})"
        elif column.pattern is not None:
            conforms = f"regexp_full_match({key}, {quote(column.pattern)})"
        # a code outside the vocabulary is set aside and, like a value that does not type,
        # read as missing: the row could be any record a rule looks for
        typed = f"CASE WHEN {conforms} THEN {key} END"
        failures.append(f"(({key}) IS NOT NULL AND NOT {conforms})")
    elif column.type in ("id", "str"):
        typed = text
    elif column.type == "date":
        typed = f"CAST(try_strptime({text}, {quote(spec.date_format)}) AS DATE)"
    elif column.type == "datetime":
        formats = "[" + ", ".join(map(quote, spec.datetime_formats)) + "]"
        typed = f"try_strptime({text}, {formats})"
    elif column.type in ("float", "int"):
        number = text if spec.decimal == "." else f"replace({text}, {quote(spec.decimal)}, '.')"
        typed = f"try_cast({number} AS {'DOUBLE' if column.type == 'float' else 'BIGINT'})"
    else:  # bool
        trues = ", ".join(quote(v.lower()) for v in spec.true_values)
        falses = ", ".join(quote(v.lower()) for v in spec.false_values)
        typed = (
            f"CASE WHEN lower({text}) IN ({trues}) THEN true "
            f"WHEN lower({text}) IN ({falses}) THEN false END"
        )
    if column.type not in ("id", "str", "code"):
        failures.append(f"({text} IS NOT NULL AND typed IS NULL)")
    if column.required:
        failures.append("typed IS NULL")
    return typed, [f.replace("typed", f"t_{column.name}") for f in failures]


def _py_key(text: str) -> str:
    import unicodedata

    stripped = unicodedata.normalize("NFKD", text.strip())
    return "".join(c for c in stripped if not unicodedata.combining(c)).upper()


def _lab_columns() -> tuple[str, str]:
    """The analyte of each LOINC code and the factor of each (analyte, unit): two VALUES lists."""
    catalogue = load_catalogue()
    codes = ", ".join(f"({quote(c)}, {quote(a.name)})" for a in catalogue.values() for c in a.loinc)
    factors = ", ".join(
        f"({quote(a.name)}, {quote(unit)}, {factor!r}, {a.plausible[0]!r}, {a.plausible[1]!r})"
        for a in catalogue.values()
        for unit, factor in a.factors.items()
    )
    return codes, factors


def _unit_key(expression: str) -> str:
    """Spelling-insensitive unit key, as the catalogue writes its units."""
    u = f"trim(coalesce({expression}, ''))"
    u = f"regexp_replace({u}, '^(G|giga|Giga|GIGA)\\s*/\\s*[lL]$', '10^9/L')"
    u = f"regexp_replace(lower({u}), '\\s+', '', 'g')"
    u = f"replace(replace(replace(replace({u}, 'µ', 'u'), 'μ', 'u'), '³', '3'), '[iu]', 'iu')"
    u = f"regexp_replace({u}, '^x?10[\\*\\^e]?(\\d)', '10^\\1')"
    u = f"regexp_replace({u}, '(^|[^a-z])ui/', '\\1iu/')"
    return f"replace({u}, 'mui/', 'miu/')"


def stage_extract(
    con: duckdb.DuckDBPyConnection, name: str, extract: Extract, spec: ExtractSource, as_of: str
) -> int:
    """Table `<name>`: typed columns and `bad` (the row is set aside); returns rows set aside."""
    typed_columns, failures = [], []
    raw_columns = _raw_columns(con, name)
    for column in extract.columns:
        if column.name not in raw_columns:
            typed_columns.append(f'NULL AS "t_{column.name}"')
            continue
        expression, column_failures = _typed(column, spec)
        typed_columns.append(f'{expression} AS "t_{column.name}"')
        failures += column_failures
    select = ", ".join(typed_columns)
    raw_names = sorted(raw_columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW typed_{name} AS SELECT *, {select} FROM raw_{name}")
    rules = list(failures)
    key = extract.record_id
    if key:
        rules.append(f"count(*) OVER (PARTITION BY t_{key}) > 1 AND t_{key} IS NOT NULL")
    limit = f"DATE {quote(as_of)} + INTERVAL {FUTURE_TOLERANCE_DAYS + 1} DAY"
    joins = ""
    if name == "patients":
        rules += [
            f"t_birth_date >= {limit}",
            f"t_death_date >= {limit}",
            "t_birth_date < DATE '1900-01-01'",
            "t_death_date < t_birth_date",
        ]
    else:
        joins = "LEFT JOIN patient_dates p ON p.known_id = t.t_patient_id"
        rules.append("t_patient_id IS NOT NULL AND p.known IS NULL")
        for column in extract.columns:
            if column.type in ("date", "datetime") and not column.planned:
                c = f"t_{column.name}"
                rules += [
                    f"{c} >= {limit}",
                    f"{c} < p.born",
                    f"{c} >= p.died + INTERVAL 1 DAY",
                ]
    for column, (low, high) in COLUMN_RANGES.get(name, {}).items():
        rules.append(f"NOT coalesce(t_{column} BETWEEN {low} AND {high}, true)")
    for a, b in ORDERED_PAIRS.get(name, []):
        rules.append(f"coalesce(t_{a} < t_{b}, false)")
    extra = ""
    if name == "assessments":
        extra = ", try_cast(replace(t_value, ',', '.') AS DOUBLE) AS value_number"
        ranges = " ".join(
            f"WHEN {quote(k)} THEN value_number BETWEEN {lo} AND {hi}"
            for k, (lo, hi) in ASSESSMENT_RANGES.items()
        )
        rules.append(f"NOT coalesce(CASE t_assessment_type {ranges} END, true)")
    if name == "labs":
        extra, lab_rules = _lab_rules(spec)
        rules += lab_rules
    flags = " OR ".join(f"coalesce({rule}, false)" for rule in rules) or "false"
    source = f"(SELECT *{extra} FROM typed_{name}) t {joins}"
    if name == "labs":
        source = f"({_lab_source(spec)}) t {joins}"
    drop = ", ".join(f'"{c}"' for c in [*raw_names, *(["parts"] if name == "labs" else [])])
    con.execute(
        f"CREATE OR REPLACE TABLE {name} AS "
        f"SELECT t.* EXCLUDE ({drop}), ({flags}) AS bad FROM {source}"
    )
    return con.execute(f"SELECT count(*) FROM {name} WHERE bad").fetchall()[0][0]


def _lab_source(spec: ExtractSource) -> str:
    codes, factors = _lab_columns()
    other = "," if spec.decimal == "." else "."
    value = f"CASE WHEN contains(t_value_raw, {quote(other)}) THEN NULL ELSE t_value_raw END"
    return f"""
        SELECT l.*, c.analyte, f.factor, f.low AS plausible_low, f.high AS plausible_high,
               parsed.op, parsed.number,
               parsed.number * f.factor AS value
        FROM (
            SELECT *, regexp_extract({value}, {quote(LAB_VALUE)}, ['op', 'num']) AS parts
            FROM typed_labs
        ) l
        CROSS JOIN LATERAL (
            SELECT CASE coalesce(l.parts.op, '') WHEN '≤' THEN '<=' WHEN '≥' THEN '>='
                   WHEN '' THEN '=' ELSE l.parts.op END AS op,
                   try_cast(replace(nullif(l.parts.num, ''), ',', '.') AS DOUBLE) AS number
        ) parsed
        LEFT JOIN (VALUES {codes}) c(code, analyte) ON c.code = trim(l.t_loinc_code)
        LEFT JOIN (VALUES {factors}) f(analyte, unit, factor, low, high)
               ON f.analyte = c.analyte AND f.unit = {_unit_key("l.t_unit")}
    """


def _lab_rules(spec: ExtractSource) -> tuple[str, list[str]]:
    return "", [
        "analyte IS NOT NULL AND number IS NULL",  # value_raw.numeric
        "analyte IS NOT NULL AND number IS NOT NULL AND factor IS NULL",  # unit.known
        "NOT coalesce(value BETWEEN plausible_low AND plausible_high, true)",
    ]


def _raw_columns(con: duckdb.DuckDBPyConnection, name: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [f"raw_{name}"]
    ).fetchall()
    return {row[0] for row in rows}


def stage_all(
    con: duckdb.DuckDBPyConnection, folder: Path, source: SourceConfig, as_of: str
) -> Staged:
    """Read and stage every extract the source declares; patients first (the others are
    checked against its ids and dates)."""
    names = [n for n in source.extracts if not source.extract_unavailable(n)]
    names.sort(key=lambda n: n != "patients")
    read, set_aside = {}, {}
    for name in names:
        spec = source.extracts[name]
        read[name] = read_raw(con, name, folder / spec.file, spec)
        set_aside[name] = stage_extract(con, name, EXTRACTS[name], spec, as_of)
        if name == "patients":
            con.execute(
                """CREATE OR REPLACE TEMP TABLE patient_dates AS
                   SELECT t_patient_id AS known_id, true AS known,
                          any_value(t_birth_date) FILTER (WHERE NOT bad) AS born,
                          any_value(t_death_date) FILTER (WHERE NOT bad) AS died
                   FROM patients WHERE t_patient_id IS NOT NULL GROUP BY ALL"""
            )
    return Staged(read, set_aside)
