"""`kind: omop`: reading an OMOP CDM 5.4 schema with the project's own queries.

An OMOP warehouse has one shape everywhere, so the mapping to the export contract is the
project's, not each site's: the queries in `sql/omop/` turn concepts into the codes the
contract speaks (LOINC test codes, UCUM units, ATC drug codes, ICD-O-3 diagnoses, M/F; the
diagnoses' ICD-10, SNOMED CT and ICD-O-3 codes, sql/omop/conditions.sql; the procedures'
SNOMED CT, ICD-10-PCS and CCAM codes and category, sql/omop/procedures.sql) and
return the contract's columns, in the dialect of `kind: sql` (ISO dates, `.` decimals). A site
only says where its schemas are, and may add a drug override table:

```yaml
kind: omop
omop:
  cdm_schema: cdm            # default cdm
  vocabulary_schema: vocab   # default: the CDM schema
  drug_atc: {19073183: J01CA04}   # drug_concept_id -> ATC, over the vocabulary's answer
  concept_sets:                   # ECOG and the like, grade, Ki-67 (pipeline.io.omop_concepts)
    ECOG: {concepts: [2000000400], values: {2000000410: "0"}}   # your concept ids
unavailable: [pathology]     # on top of what OMOP itself cannot give (below)
```

What the CDM has no standard home for is declared unavailable by default
(`DEFAULT_UNAVAILABLE`): imaging studies and lesions (SSTR tracer and uptake, Krenning,
RECIST, diameters), tumour-board decisions, the clinical assessments, social security
affiliation, childbearing potential, grade, Ki-67 and administered activity. The assessments,
grade and Ki-67 become available through the site's concept sets, each assessment type
without one staying unavailable (`pipeline.io.omop_concepts`). Criteria reading what is
unavailable are `unknown`, "not available from this source".
drug_exposure is split by drug_type_concept_id: prescriptions, dispensings and statements are
the medications extract, every other exposure an administration (treatments); see
`pipeline.io.medication_codes`.
The rows are pulled as `kind: sql` pulls them (`pipeline.io.sql.pull_extracts`): one
snapshot, independent counts, a digest of the rows as pulled, and the same staging after.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.contract import ATC, EXTRACTS
from pipeline.errors import ConfigError
from pipeline.io.code_issues import atc_table, count_codes
from pipeline.io.files import RawExtract
from pipeline.io.medication_codes import drug_type_fill
from pipeline.io.omop_concept_sets import parse_concept_sets, without_configured
from pipeline.io.omop_concepts import concept_set_pull, fill_concept_sets
from pipeline.io.sql import CHUNK_ROWS, DEFAULT_SQL_DIR, Pull, load_query, pull_extracts
from pipeline.sources import SourceConfig
from pipeline.sources_unavailable import merge_unavailable

OMOP_SQL_DIR = DEFAULT_SQL_DIR / "omop"
# Extracts an OMOP CDM gives, with their query in sql/omop/.
QUERIES = {
    "patients": "patients.sql",
    "pathology": "pathology.sql",
    "labs": "labs.sql",
    "treatments": "treatments.sql",
    "assessments": "assessments.sql",  # only through the site's concept sets
    "conditions": "conditions.sql",
    "procedures": "procedures.sql",
    "medications": "medications.sql",  # prescriptions, dispensings, statements
    "observation_periods": "observation_periods.sql",
}
DEFAULT_UNAVAILABLE: dict[str, tuple[str, ...] | None] = {
    "imaging_studies": None,
    "imaging_lesions": None,
    "tumour_board": None,
    "assessments": None,
    "patients": ("social_security_affiliated", "childbearing_potential"),
    "pathology": ("grade", "ki67_percent"),
    "treatments": ("activity_mbq",),
    "conditions": ("clinical_status",),
    # stage: Cancer Modifier measurements of the oncology extension, not mapped yet
    "tumour_stage": None,
    "biomarkers": None,  # receptor status: not mapped from this source yet
}
_OPTION_KEYS = {"cdm_schema", "vocabulary_schema", "drug_atc", "concept_sets"}
_SCHEMA = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# The dialect of the shipped queries (as the warehouse source config declares it for kind sql).
_DIALECT = {
    "decimal": ".",
    "date_format": "%Y-%m-%d",
    "datetime_formats": ["%Y-%m-%d %H:%M:%S"],
    "true_values": ["true"],
    "false_values": ["false"],
}


def omop_defaults(
    specs: dict[str, Any],
    unavailable: dict[str, tuple[str, ...] | None],
    options: Any,
    path: str,
) -> tuple[dict[str, Any], dict[str, tuple[str, ...] | None], dict[str, Any]]:
    """The extract specs, unavailable declarations and `omop:` options of an OMOP source:
    the queries are the project's (a config's `extracts:` is refused), and what OMOP cannot
    give is unavailable whatever the site says, plus whatever it adds."""
    if specs:
        raise ConfigError(
            f"{path}: kind omop reads the project's queries (sql/omop/); remove 'extracts'"
        )
    settings = options if options is not None else {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: 'omop' must be a mapping")
    unknown = sorted(str(k) for k in set(settings) - _OPTION_KEYS)
    if unknown:
        raise ConfigError(f"{path}: 'omop': unknown keys {unknown} (known: {sorted(_OPTION_KEYS)})")
    cdm = _schema(settings.get("cdm_schema", "cdm"), f"{path}: 'omop': 'cdm_schema'")
    vocabulary = _schema(
        settings.get("vocabulary_schema", cdm), f"{path}: 'omop': 'vocabulary_schema'"
    )
    parsed = {
        "cdm_schema": cdm,
        "vocabulary_schema": vocabulary,
        "drug_atc": atc_table(
            settings.get("drug_atc"),
            f"{path}: 'omop': 'drug_atc'",
            ("a concept id", "concept"),
            ATC,
        ),
        "concept_sets": parse_concept_sets(
            settings.get("concept_sets"), f"{path}: 'omop': 'concept_sets'"
        ),
    }
    # what the site's concept sets give is no longer a gap of the kind
    defaults = without_configured(DEFAULT_UNAVAILABLE, parsed["concept_sets"])
    merged = merge_unavailable(defaults, unavailable)
    extract_specs = {
        name: {**_DIALECT, "query": f"omop/{QUERIES[name]}"}
        for name in EXTRACTS
        if name in QUERIES and merged.get(name, ()) is not None
    }
    return extract_specs, merged, parsed


def _schema(value: Any, where: str) -> str:
    """A schema name is written into the query text as an identifier: plain names only."""
    if not isinstance(value, str) or not _SCHEMA.match(value):
        raise ConfigError(f"{where} must be a lower-case name matching {_SCHEMA.pattern}")
    return value


def omop_query(name: str, source: SourceConfig, folder: Path | None = None) -> str:
    """The shipped query of an extract with the source's schemas written in."""
    text = load_query((folder or OMOP_SQL_DIR) / QUERIES[name])
    text = fill_concept_sets(name, text, source.options.get("concept_sets", {}))
    text = drug_type_fill(text)
    cdm = source.options["cdm_schema"]
    vocabulary = source.options["vocabulary_schema"]
    return text.replace("{cdm}", f'"{cdm}"').replace("{vocab}", f'"{vocabulary}"')


def drug_overrides(table_map: dict[str, str]) -> Any:
    """The vectorised step after the treatments pull: the site's override of the ATC code
    where it names the drug concept (the concept id column is dropped after the count of
    unmapped concepts, `Pull.helper_columns`)."""
    keys = pa.array(list(table_map), pa.string())
    codes = pa.array(list(table_map.values()), pa.string())

    def apply(table: pa.Table) -> pa.Table:
        concept = table["drug_concept_id"]
        if len(keys):
            override = pc.take(codes, pc.index_in(concept, value_set=keys))
            atc = pc.if_else(pc.is_valid(override), override, table["atc_code"])
            table = table.set_column(table.schema.get_field_index("atc_code"), "atc_code", atc)
        return table

    return apply


NO_LOINC = "measurement concept not in the LOINC vocabulary: row set aside"
NO_ATC = "drug concept with no ATC code in the vocabulary or omop: drug_atc: row set aside"
# extract -> (the contract's code column, the concept id column beside it, the reason)
_CONCEPT_COLUMNS = {
    "labs": ("loinc_code", "measurement_concept_id", NO_LOINC),
    "treatments": ("atc_code", "drug_concept_id", NO_ATC),
    "medications": ("atc_code", "drug_concept_id", NO_ATC),
}


def unmapped_concepts(name: str) -> Any:
    """Per concept id, the rows pulled whose concept gave no contract code (a site sees
    which concepts to map, in its vocabulary or with `drug_atc`)."""
    column, concept, reason = _CONCEPT_COLUMNS[name]

    def count(table: pa.Table) -> list[dict[str, Any]]:
        code = table[column]  # the pull's text: NULL may arrive as an empty string
        missing = table.filter(pc.fill_null(pc.equal(code, ""), True))[concept].to_pandas()
        return count_codes(missing, column=column, reason=reason, system=f"OMOP {concept}")

    return count


def read_extracts_omop(
    url: str,
    source: SourceConfig,
    as_of: dt.date | str,
    names: list[str] | None = None,
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> dict[str, RawExtract]:
    """Pull extracts (all by default) from an OMOP CDM for one as-of date, in one snapshot."""
    if source.kind != "omop":
        raise ConfigError(f"{source.path}: not an omop source (kind: {source.kind})")
    requested = list(EXTRACTS) if names is None else names
    queries = {}
    for name in requested:
        if source.extract_unavailable(name):
            continue
        sets = source.options.get("concept_sets", {})
        if name in ("assessments", "pathology") and sets:
            queries[name] = concept_set_pull(name, omop_query(name, source), sets)
            continue
        drugs = name in ("treatments", "medications")
        transform = drug_overrides(source.options["drug_atc"]) if drugs else None
        mapped = name in _CONCEPT_COLUMNS
        queries[name] = Pull(
            f"omop:{QUERIES[name]}",
            omop_query(name, source),
            transform,
            unmapped_concepts(name) if mapped else None,
            (_CONCEPT_COLUMNS[name][1],) if mapped else (),
        )
    return pull_extracts(url, source, as_of, requested, queries, chunk_rows=chunk_rows)


def read_extract_omop(
    url: str, source: SourceConfig, name: str, as_of: dt.date | str
) -> RawExtract:
    """Pull one extract (one Airflow task per extract calls this)."""
    return read_extracts_omop(url, source, as_of, [name])[name]
