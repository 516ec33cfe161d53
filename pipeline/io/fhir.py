"""FHIR R4 Bulk Data export (NDJSON) -> the contract's raw extracts, as text in its own dialect.

A Bulk export is a folder of `<ResourceType>[.<n>].ndjson` files (optionally gzipped), one
resource a line. Each file is streamed by Arrow's JSON reader with an explicit schema of only
the fields a criterion reads (every other field is skipped while parsing), so memory is bounded
by those fields, not by the resources' size, and no Python code runs per resource.

What maps where (FHIR R4):
- Patient -> patients: id (names are never read: the pipeline has no use for them), gender
  (male -> M, female -> F; any other value is kept, and the typing step sets the row aside:
  the patient is still screened), birthDate, deceasedDateTime
  (its date as recorded). `deceasedBoolean: true` without a date keeps the text `deceased`,
  which is not a date: the row is set aside and the patient reviewed, never listed as alive.
- Observation -> labs: the first LOINC coding of `code`; `valueQuantity` value with its
  comparator (`<`, `<=`, `>=`, `>`) as the raw value, and its UCUM code (else its unit);
  effectiveDateTime, else effectiveInstant, else effectivePeriod.start; the first
  `referenceRange` low / high, in the value's unit, as reference_low / reference_high
  (`pipeline.io.fhir_ranges`; a component's own range for a component).
- Condition -> pathology: an ICD-O-3 morphology coding (`M/B` shape such as 8240/3) and an
  ICD-O-3 or ICD-10 topography coding (C17.1); recordedDate, else onsetDateTime.
- Condition -> conditions: every diagnosis (not refuted, not entered in error), one row with
  its ICD-10, SNOMED CT and ICD-O-3 codings, onset and recorded dates, clinical status
  (pipeline/io/fhir_conditions.py).
- Procedure -> procedures: every procedure performed (not not-done, not entered in error),
  one row with its SNOMED CT and ICD-10-PCS codings, performedDateTime or
  performedPeriod.start, and a category from FHIR's procedure-category codes
  (pipeline/io/fhir_procedures.py).
- MedicationAdministration -> treatments (administrations): the ATC coding of
  medicationCodeableConcept, else the site's mapping of its RxNorm code to ATC
  (`rxnorm_to_atc`); effectiveDateTime, else effectivePeriod.start.
- MedicationRequest / MedicationDispense / MedicationStatement -> medications (prescriptions,
  dispensings, statements), the ATC code found the same way, with dates, route and source
  code (pipeline/io/fhir_medications.py). A resource is in one extract only: no drug is
  counted twice.
Times keep their wall-clock value as recorded, without the offset: the date a clinician
saw on the record is the date the criteria's windows count from.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from pipeline.contract import ASSESSMENT_TYPES, EXTRACTS
from pipeline.contract import ATC as ATC_SHAPE
from pipeline.errors import ConfigError, InputFileError
from pipeline.io.code_issues import atc_table, count_codes, merge_issues
from pipeline.io.fhir_ranges import REFERENCE_RANGES, reference_limits
from pipeline.io.files import UNAVAILABLE_PREFIX, RawExtract, unavailable_extract
from pipeline.labs.catalogue import analyte_by_loinc
from pipeline.sources_unavailable import merge_unavailable

if TYPE_CHECKING:
    from pipeline.sources import SourceConfig

LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
ICDO3 = ("http://terminology.hl7.org/CodeSystem/icd-o-3", "urn:oid:2.16.840.1.113883.6.43.1")
ICD10 = ("http://hl7.org/fhir/sid/icd-10", "http://hl7.org/fhir/sid/icd-10-cm")
UCUM = "http://unitsofmeasure.org"
# Performance-status questions (LOINC, as mCODE fixes them) -> the contract's assessment type:
# read by the assessments extract (pipeline/io/fhir_assessments.py), never as lab results.
PERFORMANCE_STATUS = {"89247-1": "ECOG", "89243-0": "KARNOFSKY"}
# ER, PR, HER2 questions (LOINC): read by the biomarkers extract (pipeline/io/fhir_biomarkers.py).
TUMOUR_MARKER_QUESTIONS = ("85337-4", "85339-0", "48676-1")
ASSESSMENTS_UNAVAILABLE = tuple(
    f"assessment_type={t}" for t in ASSESSMENT_TYPES if t not in PERFORMANCE_STATUS.values()
)
# Administrations (treatments); the other medication resources are the medications extract's.
MEDICATION_TYPES = ("MedicationAdministration",)
PRESCRIBING_TYPES = ("MedicationRequest", "MedicationDispense", "MedicationStatement")
BLOCK_BYTES = 1 << 22

_CODING = pa.list_(pa.struct([("system", pa.string()), ("code", pa.string())]))
_CONCEPT = pa.struct([("coding", _CODING), ("text", pa.string())])
_REFERENCE = pa.struct([("reference", pa.string())])
_PERIOD = pa.struct([("start", pa.string()), ("end", pa.string())])
_QUANTITY = pa.struct(
    [
        ("value", pa.float64()),
        ("comparator", pa.string()),
        ("unit", pa.string()),
        ("system", pa.string()),
        ("code", pa.string()),
    ]
)
_MEDICATION = [
    ("id", pa.string()),
    ("status", pa.string()),
    ("medicationCodeableConcept", _CONCEPT),
    ("subject", _REFERENCE),
]
_DOSAGES = pa.list_(pa.struct([("route", _CONCEPT)]))

SCHEMAS: dict[str, pa.Schema] = {
    "Patient": pa.schema(
        [
            ("id", pa.string()),
            ("gender", pa.string()),
            ("birthDate", pa.string()),
            ("deceasedBoolean", pa.bool_()),
            ("deceasedDateTime", pa.string()),
        ]
    ),
    "Observation": pa.schema(
        [
            ("id", pa.string()),
            ("status", pa.string()),
            ("code", _CONCEPT),
            ("subject", _REFERENCE),
            ("valueQuantity", _QUANTITY),
            # read by the assessments extract (pipeline/io/fhir_assessments.py)
            ("valueInteger", pa.int64()),
            ("valueCodeableConcept", _CONCEPT),
            ("effectiveDateTime", pa.string()),
            ("effectiveInstant", pa.string()),
            ("effectivePeriod", _PERIOD),
            ("referenceRange", REFERENCE_RANGES),
            (
                "component",
                pa.list_(
                    pa.struct(
                        [
                            ("code", _CONCEPT),
                            ("valueQuantity", _QUANTITY),
                            ("referenceRange", REFERENCE_RANGES),
                        ]
                    )
                ),
            ),
        ]
    ),
    "Condition": pa.schema(
        [
            ("id", pa.string()),
            ("code", _CONCEPT),
            ("bodySite", pa.list_(_CONCEPT)),
            ("subject", _REFERENCE),
            ("recordedDate", pa.string()),
            ("onsetDateTime", pa.string()),
            # read by the conditions extract (pipeline/io/fhir_conditions.py)
            ("onsetPeriod", _PERIOD),
            ("clinicalStatus", _CONCEPT),
            ("verificationStatus", _CONCEPT),
        ]
    ),
    # read by the procedures extract (pipeline/io/fhir_procedures.py)
    "Procedure": pa.schema(
        [
            ("id", pa.string()),
            ("status", pa.string()),
            ("category", _CONCEPT),
            ("code", _CONCEPT),
            ("subject", _REFERENCE),
            ("performedDateTime", pa.string()),
            ("performedPeriod", _PERIOD),
        ]
    ),
    "MedicationAdministration": pa.schema(
        [
            ("id", pa.string()),
            ("status", pa.string()),
            ("medicationCodeableConcept", _CONCEPT),
            ("subject", _REFERENCE),
            ("effectiveDateTime", pa.string()),
            ("effectivePeriod", _PERIOD),
        ]
    ),
    # read by the medications extract (pipeline/io/fhir_medications.py)
    "MedicationRequest": pa.schema(
        [
            *_MEDICATION,
            ("intent", pa.string()),
            ("authoredOn", pa.string()),
            ("dispenseRequest", pa.struct([("validityPeriod", _PERIOD)])),
            ("dosageInstruction", _DOSAGES),
        ]
    ),
    "MedicationDispense": pa.schema(
        [
            *_MEDICATION,
            ("whenHandedOver", pa.string()),
            ("whenPrepared", pa.string()),
            ("daysSupply", _QUANTITY),
            ("dosageInstruction", _DOSAGES),
        ]
    ),
    "MedicationStatement": pa.schema(
        [
            *_MEDICATION,
            ("effectiveDateTime", pa.string()),
            ("effectivePeriod", _PERIOD),
            ("dateAsserted", pa.string()),
            ("dosage", _DOSAGES),
        ]
    ),
}


def resource_files(folder: Path, resource_type: str) -> list[Path]:
    """`<Type>.ndjson`, `<Type>.000.ndjson`, ... (and `.ndjson.gz`), in name order."""
    found = [
        p
        for pattern in (f"{resource_type}.ndjson", f"{resource_type}.*.ndjson")
        for p in folder.glob(pattern)
    ]
    found += [
        p
        for pattern in (f"{resource_type}.ndjson.gz", f"{resource_type}.*.ndjson.gz")
        for p in folder.glob(pattern)
    ]
    return sorted({p for p in found if p.is_file()})


def read_resources(folder: Path, resource_type: str) -> pa.Table:
    """Every resource of one type in the export, with only the fields of `SCHEMAS`."""
    schema = SCHEMAS[resource_type]
    tables = [
        b for path in resource_files(folder, resource_type) for b in _file_blocks(path, schema)
    ]
    tables = [t for t in tables if t.num_rows]
    return pa.concat_tables(tables) if tables else schema.empty_table()


def _first_bad_line(path: Path, schema: pa.Schema) -> tuple[int | None, str | None]:
    """Only after Arrow refused the file: the line that is not JSON, or whose field has the
    wrong JSON type, so the error names it (Arrow names neither)."""
    for number, line in enumerate(_lines(path), start=1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except ValueError:
            return number, "not a JSON object on this line"
        if not isinstance(resource, dict):
            return number, "not a JSON object on this line"
        try:
            pa.Table.from_pylist([resource], schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return number, "a field has the wrong type for FHIR R4 (see the resource on this line)"
    return None, None


def _lines(path: Path) -> Iterator[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as handle:
        yield from handle


def reference_ids(references: pa.Array, resource_type: str = "Patient") -> pa.Array:
    """`Patient/123` (or a full URL ending in it, or `urn:uuid:123`) -> `123`."""
    text = pc.replace_substring_regex(references, rf"^(?:.*/)?{resource_type}/", "")
    return pc.replace_substring_regex(text, r"^urn:uuid:", "")


def first_code(concepts: pa.Array, systems: tuple[str, ...] | str) -> pa.Array:
    """Per concept, the code of its first coding in one of `systems` (null when none)."""
    return pa.array(first_coding(concepts, systems)["code"], pa.string())


def first_coding(concepts: pa.Array, systems: tuple[str, ...] | str | None = None) -> pd.DataFrame:
    """Per concept, the system and code of its first coding (in one of `systems` when given),
    NA when none: one row per concept, in order."""
    systems = (systems,) if isinstance(systems, str) else systems
    codings = pc.struct_field(concepts, "coding")
    flat = pc.list_flatten(codings)
    parents = pc.list_parent_indices(codings)
    if systems is None:
        keep = pc.is_valid(pc.struct_field(flat, "code"))
    else:
        keep = pc.is_in(pc.struct_field(flat, "system"), pa.array(systems, pa.string()))
    keep = pc.fill_null(keep, False)
    frame = pd.DataFrame(
        {
            "owner": pc.filter(parents, keep).to_numpy(),
            "system": pd.Series(
                pc.filter(pc.struct_field(flat, "system"), keep).to_pandas(), dtype="string"
            ),
            "code": pd.Series(
                pc.filter(pc.struct_field(flat, "code"), keep).to_pandas(), dtype="string"
            ),
        }
    )
    first = frame.drop_duplicates("owner").set_index("owner")
    out = pd.DataFrame({"system": pd.NA, "code": pd.NA}, index=range(len(concepts)), dtype="string")
    out.loc[first.index, ["system", "code"]] = first[["system", "code"]]
    return out


def answer_keys(codings: pd.DataFrame) -> pd.Series:
    """`system|code` per row of `first_coding`'s result: the key answer tables (score and
    result lists) are looked up by, in one vectorised step."""
    return codings["system"].fillna("") + "|" + codings["code"].fillna("")


def unmapped_codes(
    concepts: pa.Array, mapped: pa.Array, *, column: str, reason: str
) -> list[dict[str, object]]:
    """Issues for the rows whose contract code is missing: their concept's first coding,
    per system and code (`(no code)` when the concept has none)."""
    missing = pc.is_null(mapped).to_numpy(zero_copy_only=False)
    if not missing.any():
        return []
    first = first_coding(pc.filter(concepts, pa.array(missing)))
    return count_codes(first["code"], column=column, reason=reason, system=first["system"])


def first_element(lists: pa.Array) -> pa.Array:
    """Per list, its first element; null for a null or an empty list (`"bodySite": []` is
    valid JSON a site may write, and Arrow's list_element refuses an index past the end)."""
    filled = pc.fill_null(pc.greater(pc.list_value_length(lists), 0), False)
    return pc.list_element(pc.if_else(filled, lists, pa.scalar([None], lists.type)), 0)


def wall_clock(text: pa.Array, with_time: bool = True) -> pa.Array:
    """`2026-06-16T08:00:00+02:00` -> `2026-06-16 08:00` (or the date alone): the time as
    recorded, offset dropped. A date alone stays a date; anything else is left for typing."""
    shown = pc.replace_substring_regex(
        text,
        r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?$",
        r"\1 \2" if with_time else r"\1",
    )
    return shown


def patients_frame(table: pa.Table) -> pd.DataFrame:
    """patients extract (text, contract names) from Patient resources."""
    gender = table["gender"].combine_chunks()
    sex = pc.if_else(
        pc.equal(gender, "male"), "M", pc.if_else(pc.equal(gender, "female"), "F", gender)
    )
    deceased = pc.fill_null(table["deceasedBoolean"].combine_chunks(), False)
    death = pc.coalesce(
        wall_clock(table["deceasedDateTime"].combine_chunks(), with_time=False),
        pc.if_else(deceased, pa.scalar("deceased"), pa.scalar(None, pa.string())),
    )
    return _frame(
        patient_id=table["id"],
        birth_date=table["birthDate"],
        sex=sex,
        death_date=death,
        social_security_affiliated=None,
        childbearing_potential=None,
        rows=table.num_rows,
    )


NO_LOINC = "Observation with a quantity but no LOINC coding: row set aside"
NO_ATC = "no ATC coding, and no entry for its RxNorm code in fhir: rxnorm_to_atc: row set aside"


def component_rows(table: pa.Table) -> pa.Table:
    """Observation components (a blood-pressure panel, a panel whose results sit in
    `component[]`) whose LOINC code is in the lab catalogue and that carry a quantity, as
    Observation rows of their own: the parent's id with `/component/<n>`, its subject and
    time. Components of tests the catalogue does not know are not lab results here."""
    if "component" not in table.column_names or table.num_rows == 0:
        return table.schema.empty_table()
    components = table["component"].combine_chunks()
    lengths = pc.fill_null(pc.list_value_length(components), 0).to_numpy()
    flat = pc.list_flatten(components)
    parents = pc.list_parent_indices(components).to_numpy()
    starts = np.cumsum(lengths) - lengths
    position = np.arange(len(flat)) - starts[parents]
    if len(flat) == 0:
        return table.schema.empty_table()
    code = first_code(pc.struct_field(flat, "code"), LOINC)
    known = pa.array(sorted(analyte_by_loinc()), pa.string())
    keep = pc.and_(
        pc.fill_null(pc.is_in(code, value_set=known), False),
        pc.is_valid(pc.struct_field(flat, "valueQuantity")),
    )
    flat, parents, position = (
        pc.filter(flat, keep),
        pc.filter(pa.array(parents), keep),
        pc.filter(pa.array(position), keep),
    )
    rows = table.take(parents)
    ids = pc.binary_join_element_wise(
        pc.fill_null(rows["id"], ""), "/component/", pc.cast(position, pa.string()), ""
    )
    rows = rows.set_column(rows.schema.get_field_index("id"), "id", ids)
    rows = rows.set_column(
        rows.schema.get_field_index("code"), "code", pc.struct_field(flat, "code")
    )
    quantity = pc.struct_field(flat, "valueQuantity")
    rows = rows.set_column(rows.schema.get_field_index("valueQuantity"), "valueQuantity", quantity)
    ranges = pc.struct_field(flat, "referenceRange")  # a component's own range, not its parent's
    return rows.set_column(rows.schema.get_field_index("referenceRange"), "referenceRange", ranges)


def _not_assessment_or_marker(table: pa.Table) -> pa.Array:
    """Per Observation, whether its question is no performance status nor tumour marker
    (which the assessments and biomarkers extracts read, even with a quantity)."""
    question = first_code(table["code"].combine_chunks(), LOINC)
    other = pa.array([*PERFORMANCE_STATUS, *TUMOUR_MARKER_QUESTIONS], pa.string())
    return pc.invert(pc.fill_null(pc.is_in(question, value_set=other), False))


OBSERVATION_EXTRACTS = ("labs", "assessments", "biomarkers")
# The extracts read from a few Observation questions, which an export may hold none of.
OBSERVATION_QUESTIONS = {
    "assessments": tuple(PERFORMANCE_STATUS),
    "biomarkers": TUMOUR_MARKER_QUESTIONS,
}


def observations_not_used(table: pa.Table, unavailable: tuple[str, ...] = ()) -> int:
    """Observations that none of the available extracts reading Observations reads: not a
    lab result nor holding a component read as one, not a performance-status score, not a
    tumour-marker result. The first available of `OBSERVATION_EXTRACTS` reports the count, so
    each Observation is counted once."""
    if table.num_rows == 0:
        return 0
    used = np.zeros(table.num_rows, dtype=bool)
    if "labs" not in unavailable:
        quantity = pc.and_(pc.is_valid(table["valueQuantity"]), _not_assessment_or_marker(table))
        used |= quantity.to_numpy(zero_copy_only=False)
        components = component_rows(table)
        if components.num_rows:
            parents = pc.replace_substring_regex(components["id"], r"/component/\d+$", "")
            used |= pc.fill_null(
                pc.is_in(table["id"], value_set=parents.combine_chunks()), False
            ).to_numpy(zero_copy_only=False)
    if "assessments" not in unavailable:
        from pipeline.io.fhir_assessments import is_assessment

        used |= is_assessment(table).to_numpy(zero_copy_only=False)
    if "biomarkers" not in unavailable:
        from pipeline.io.fhir_biomarkers import is_marker_test

        used |= is_marker_test(table).to_numpy(zero_copy_only=False)
    return int((~used).sum())


def labs_frame(table: pa.Table) -> pd.DataFrame:
    """labs extract from Observations with a LOINC code and a quantity, and from their
    components whose code is in the lab catalogue (`component_rows`)."""
    components = component_rows(table)
    table = table.filter(
        pc.and_(pc.is_valid(table["valueQuantity"]), _not_assessment_or_marker(table))
    )
    if components.num_rows:
        table = pa.concat_tables([table, components])
    concepts = table["code"].combine_chunks()
    quantity = table["valueQuantity"].combine_chunks()
    value = pc.cast(pc.struct_field(quantity, "value"), pa.string())
    value = pc.replace_substring_regex(value, r"\.0$", "")
    comparator = pc.fill_null(pc.struct_field(quantity, "comparator"), "")
    ucum = pc.if_else(
        pc.fill_null(pc.equal(pc.struct_field(quantity, "system"), UCUM), False),
        pc.struct_field(quantity, "code"),
        pa.scalar(None, pa.string()),
    )
    period = table["effectivePeriod"].combine_chunks()
    moment = pc.coalesce(
        table["effectiveDateTime"].combine_chunks(),
        table["effectiveInstant"].combine_chunks(),
        pc.struct_field(period, "start"),
    )
    loinc = first_code(concepts, LOINC)
    unit = pc.coalesce(ucum, pc.struct_field(quantity, "unit"))
    low, high = reference_limits(table["referenceRange"].combine_chunks(), loinc, unit)
    return _frame(
        record_id=table["id"],
        patient_id=_subjects(table),
        loinc_code=loinc,
        value_raw=pc.binary_join_element_wise(comparator, value, ""),
        unit=unit,
        collected_at=wall_clock(moment),
        reference_low=_number_text(low),
        reference_high=_number_text(high),
        rows=table.num_rows,
        code_issues=unmapped_codes(concepts, loinc, column="loinc_code", reason=NO_LOINC),
    )


def _number_text(values: pa.Array) -> pa.Array:
    """A number as the reader's dialect writes it (`12`, not `12.0`)."""
    return pc.replace_substring_regex(pc.cast(values, pa.string()), r"\.0$", "")


def pathology_frame(table: pa.Table) -> pd.DataFrame:
    """pathology extract from Conditions coded in ICD-O-3 (morphology) and a topography."""
    concepts = table["code"].combine_chunks()
    morphology = first_code(concepts, ICDO3)
    is_morphology = pc.fill_null(pc.match_substring_regex(morphology, r"^\d{4}/\d$"), False)
    table = table.filter(is_morphology)
    morphology = pc.filter(morphology, is_morphology)
    sites = table["bodySite"].combine_chunks()
    first_site = first_element(sites)
    topography = first_code(first_site, (*ICDO3, *ICD10)) if len(first_site) else first_site
    return _frame(
        record_id=table["id"],
        patient_id=_subjects(table),
        report_date=wall_clock(
            pc.coalesce(
                table["recordedDate"].combine_chunks(), table["onsetDateTime"].combine_chunks()
            ),
            with_time=False,
        ),
        topography_code=topography if len(first_site) else pa.nulls(0, pa.string()),
        morphology_code=morphology,
        grade=None,
        ki67_percent=None,
        rows=table.num_rows,
    )


def treatments_frame(
    tables: Mapping[str, pa.Table], rxnorm_to_atc: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """treatments extract from the three medication resources: the ATC coding, else the
    site's mapping of the RxNorm code (unmapped: no code, which typing sets aside)."""
    frames = []
    issues: list[dict[str, object]] = []
    for name in MEDICATION_TYPES:
        table = tables.get(name)
        if table is None or table.num_rows == 0:
            continue
        concepts = table["medicationCodeableConcept"].combine_chunks()
        atc, unmapped = atc_codes(concepts, rxnorm_to_atc)
        issues += unmapped
        period = table["effectivePeriod"].combine_chunks()
        when = pc.coalesce(
            table["effectiveDateTime"].combine_chunks(), pc.struct_field(period, "start")
        )
        frames.append(
            _frame(
                record_id=table["id"],
                patient_id=_subjects(table),
                atc_code=atc,
                administered_on=wall_clock(when, with_time=False),
                activity_mbq=None,
                rows=table.num_rows,
            )
        )
    if not frames:
        empty = dict.fromkeys(("record_id", "patient_id", "atc_code", "administered_on"))
        return _frame(**empty, activity_mbq=None, rows=0)
    frame = pd.concat(frames, ignore_index=True)
    frame["row_number"] = pd.RangeIndex(1, len(frame) + 1)
    frame.attrs["code_issues"] = merge_issues(issues)
    return frame


def atc_codes(
    concepts: pa.Array, rxnorm_to_atc: Mapping[str, str] | None
) -> tuple[pa.Array, list[dict[str, object]]]:
    """Per medication concept, its ATC coding, else the site's mapping of its RxNorm code
    (unmapped: no code, never a guess), and the unmapped codes counted per code: the RxNorm
    code when there is one (the code to map), else the first coding."""
    rxnorm = pd.Series(first_code(concepts, RXNORM).to_pandas(), dtype="string")
    mapped = rxnorm.map(dict(rxnorm_to_atc or {})).astype("string")
    atc = pc.coalesce(first_code(concepts, ATC), pa.array(mapped, pa.string()))
    codings = first_coding(concepts, (RXNORM,))
    fallback = first_coding(concepts)
    missing = pc.is_null(atc).to_numpy(zero_copy_only=False)
    named = codings[missing].where(codings[missing]["code"].notna(), fallback[missing])
    issues = count_codes(named["code"], column="atc_code", reason=NO_ATC, system=named["system"])
    return atc, issues


def _subjects(table: pa.Table) -> pa.Array:
    return reference_ids(pc.struct_field(table["subject"].combine_chunks(), "reference"))


def _frame(
    *,
    rows: int,
    code_issues: list[dict[str, object]] | None = None,
    **columns: pa.Array | pa.ChunkedArray | None,
) -> pd.DataFrame:
    """Text columns (pandas string dtype, missing as NA) with a 1-based `row_number`; the
    codes left unmapped ride along in `attrs["code_issues"]`."""
    data = {}
    for name, values in columns.items():
        if values is None:
            data[name] = pd.Series(pd.NA, index=range(rows), dtype="string")
        else:
            data[name] = pd.Series(pc.cast(values, pa.string()).to_pandas(), dtype="string")
    frame = pd.DataFrame(data)
    frame["row_number"] = pd.RangeIndex(1, rows + 1)
    frame.attrs["code_issues"] = list(code_issues or [])
    return frame


# Which resources feed which extract; the other extracts have no FHIR home here.
RESOURCES: dict[str, tuple[str, ...]] = {
    "patients": ("Patient",),
    "labs": ("Observation",),
    "pathology": ("Condition",),
    "treatments": MEDICATION_TYPES,
    "conditions": ("Condition",),
    "procedures": ("Procedure",),
    "assessments": ("Observation",),
    "biomarkers": ("Observation",),
    "medications": PRESCRIBING_TYPES,
}


_RESOURCE_FILE = re.compile(r"^([A-Z][A-Za-z]+)(?:\.[^.]+)?\.ndjson(?:\.gz)?$")
_ANY_RESOURCE = pa.schema([("resourceType", pa.string())])


def resources_not_mapped(folder: Path, unavailable: tuple[str, ...] = ()) -> dict[str, int]:
    """Resources per type in the export that no extract reads (Procedure, DiagnosticReport,
    ImagingStudy, Encounter...), or whose extract the source declares unavailable: read,
    not used by this contract, counted rather than silently ignored. Files whose name is
    not a resource type (`log.ndjson`) are not resources."""
    used = {t for name, types in RESOURCES.items() if name not in unavailable for t in types}
    counts: dict[str, int] = {}
    for path in sorted(folder.iterdir()) if folder.is_dir() else []:
        match = _RESOURCE_FILE.match(path.name)
        if match is None or match[1] in used or not path.is_file():
            continue
        rows = sum(block.num_rows for block in _file_blocks(path, _ANY_RESOURCE))
        counts[match[1]] = counts.get(match[1], 0) + rows
    return {t: n for t, n in sorted(counts.items()) if n}


# An extract of up to this many rows is kept in memory as read; a larger one is read again,
# block by block, each time its rows are wanted (`RawExtract.batch_source`), so memory stays
# bounded by a batch whatever the export's size.
IN_MEMORY_ROWS = 1_000_000
BATCH_ROWS = 250_000


def _resource_blocks(folder: Path, types: tuple[str, ...]) -> Iterator[dict[str, pa.Table]]:
    """Every resource of `types` in the export, one parsed block of one file at a time (only
    the fields of `SCHEMAS`), as {resource type: table}."""
    for resource_type in types:
        schema = SCHEMAS[resource_type]
        for path in resource_files(folder, resource_type):
            for block in _file_blocks(path, schema):
                if block.num_rows:
                    yield {resource_type: block}


def _file_blocks(path: Path, schema: pa.Schema) -> Iterator[pa.Table]:
    options = pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore")
    source = pa.input_stream(str(path), compression="gzip" if path.suffix == ".gz" else None)
    try:
        reader = pj.open_json(
            source, read_options=pj.ReadOptions(block_size=BLOCK_BYTES), parse_options=options
        )
        for batch in reader:
            yield pa.Table.from_batches([batch], schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        line, reason = _first_bad_line(path, schema)
        raise InputFileError(str(path), reason or f"not FHIR NDJSON ({exc})", line=line) from None


def _block_frame(
    name: str,
    tables: Mapping[str, pa.Table],
    rxnorm_to_atc: Mapping[str, str] | None,
    unavailable: tuple[str, ...],
) -> tuple[pd.DataFrame, dict[str, int]]:
    """One block's rows of extract `name`, and its resources read and not used per type."""
    table = next(iter(tables.values())) if len(RESOURCES[name]) == 1 else None
    not_used: dict[str, int] = {}
    if name == "patients":
        frame = patients_frame(table)
    elif name == "labs":
        frame = labs_frame(table)
    elif name == "pathology":
        frame = pathology_frame(table)
        not_used = {"Condition": table.num_rows - len(frame)}
    elif name == "conditions":
        from pipeline.io.fhir_conditions import conditions_frame

        frame = conditions_frame(table)
        not_used = {"Condition": table.num_rows - len(frame)}
    elif name == "assessments":
        from pipeline.io.fhir_assessments import assessments_frame

        frame = assessments_frame(table)
    elif name == "biomarkers":
        from pipeline.io.fhir_biomarkers import biomarkers_frame

        frame = biomarkers_frame(table)
    elif name == "procedures":
        from pipeline.io.fhir_procedures import procedures_frame

        frame = procedures_frame(table)
        not_used = {"Procedure": table.num_rows - len(frame)}
    elif name == "medications":
        from pipeline.io.fhir_medications import medications_frame

        frame, not_used = medications_frame(tables, rxnorm_to_atc)
    else:
        frame = treatments_frame(tables, rxnorm_to_atc)
    if name in OBSERVATION_EXTRACTS:  # the first available of them counts, for all of them
        reporter = next((n for n in OBSERVATION_EXTRACTS if n not in unavailable), name)
        if name == reporter:
            not_used = {"Observation": observations_not_used(table, unavailable)}
    return frame, not_used


def _numbered(frames: list[pd.DataFrame], first: int) -> pd.DataFrame:
    """Blocks' rows as one frame, `row_number` counting on from `first`."""
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame["row_number"] = pd.RangeIndex(first, first + len(frame))
    return frame


def read_extract_fhir(
    folder: Path,
    name: str,
    rxnorm_to_atc: Mapping[str, str] | None = None,
    unavailable: tuple[str, ...] = (),
) -> RawExtract:
    """One extract of the contract from a Bulk export folder, as raw text rows. The
    patients extract also counts the resources no available extract reads
    (`resources_not_mapped`, given the extracts declared `unavailable`).

    The export is parsed block by block: a first pass counts the rows, the unusable codes and
    the resources not used, keeping the rows only while they are few (`IN_MEMORY_ROWS`);
    past that, the rows are parsed again in batches whenever they are read."""
    if name not in RESOURCES:
        raise ValueError(f"{name}: no FHIR resource maps to this extract")
    types = RESOURCES[name]

    def blocks() -> Iterator[pd.DataFrame]:
        for tables in _resource_blocks(folder, types):
            yield _block_frame(name, tables, rxnorm_to_atc, unavailable)[0]

    empty = {t: SCHEMAS[t].empty_table() for t in types}
    rows, kept, issues = 0, [], []
    not_used: Counter[str] = Counter()
    for tables in _resource_blocks(folder, types):
        frame, unused = _block_frame(name, tables, rxnorm_to_atc, unavailable)
        issues.append(frame.attrs.pop("code_issues", []))
        not_used.update(unused)
        rows += len(frame)
        if rows <= IN_MEMORY_ROWS:
            kept.append(frame)
        else:
            kept.clear()
    if name == "patients":
        not_used.update(resources_not_mapped(folder, unavailable))
    if rows <= IN_MEMORY_ROWS:
        shape = _block_frame(name, empty, rxnorm_to_atc, unavailable)[0]
        whole, source = _numbered(kept or [shape], 1), None
        whole.attrs.pop("code_issues", None)
    else:
        whole, source = None, functools.partial(_batches, blocks)
    files = [p for t in types for p in resource_files(folder, t)]
    names = ",".join(p.name for p in files)
    label = f"{folder}/{{{names}}}" if files else f"{folder}/{types[0]}.ndjson"
    return RawExtract(
        EXTRACTS[name].name,
        whole,
        label,
        rows,
        batch_source=source,
        sha256=files_sha256(files),
        code_issues=merge_issues(*issues),
        not_used={t: n for t, n in not_used.items() if n},
    )


def _batches(blocks: Callable[[], Iterator[pd.DataFrame]]) -> Iterator[pd.DataFrame]:
    """The blocks' rows again, gathered into batches of about `BATCH_ROWS`, numbered on."""
    pending: list[pd.DataFrame] = []
    waiting, first = 0, 1
    for frame in blocks():
        frame.attrs.pop("code_issues", None)
        pending.append(frame)
        waiting += len(frame)
        if waiting >= BATCH_ROWS:
            yield _numbered(pending, first)
            first += waiting
            pending, waiting = [], 0
    if pending:
        yield _numbered(pending, first)


def files_sha256(paths: list[Path]) -> str:
    """One digest of several files (the manifest's input fingerprint): each file's name and
    bytes, in order, so a renamed, added or changed file changes it."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


# What a FHIR export has no resource for here, or no element for: unavailable by default.
DEFAULT_UNAVAILABLE: dict[str, tuple[str, ...] | None] = {
    "imaging_studies": None,
    "imaging_lesions": None,
    "tumour_board": None,
    "assessments": ASSESSMENTS_UNAVAILABLE,
    "patients": ("social_security_affiliated", "childbearing_potential"),
    "pathology": ("grade", "ki67_percent"),
    "treatments": ("activity_mbq",),
}
_OPTION_KEYS = {"rxnorm_to_atc"}
# The dialect the reader writes its text in (ISO dates, wall-clock minutes, '.' decimals).
_DIALECT = {
    "decimal": ".",
    "date_format": "%Y-%m-%d",
    "datetime_formats": ["%Y-%m-%d %H:%M", "%Y-%m-%d"],
    "true_values": ["true"],
    "false_values": ["false"],
}


def fhir_defaults(
    specs: dict[str, Any],
    unavailable: dict[str, tuple[str, ...] | None],
    options: Any,
    path: str,
) -> tuple[dict[str, Any], dict[str, tuple[str, ...] | None], dict[str, Any]]:
    """The extract specs, unavailable declarations and `fhir:` options of a FHIR source: the
    mapping is the project's (a config's `extracts:` is refused); what FHIR has no home for
    here is unavailable whatever the site says, plus whatever it adds (a Bulk export without
    Observation files declares `labs` unavailable: an available extract delivered empty stops
    the run)."""
    if specs:
        raise ConfigError(
            f"{path}: kind fhir maps resources itself (pipeline/io/fhir.py); remove 'extracts'"
        )
    settings = options if options is not None else {}
    if not isinstance(settings, dict):
        raise ConfigError(f"{path}: 'fhir' must be a mapping")
    unknown = sorted(str(k) for k in set(settings) - _OPTION_KEYS)
    if unknown:
        raise ConfigError(f"{path}: 'fhir': unknown keys {unknown} (known: {sorted(_OPTION_KEYS)})")
    where = f"{path}: 'fhir': 'rxnorm_to_atc'"
    parsed = {
        "rxnorm_to_atc": atc_table(
            settings.get("rxnorm_to_atc"), where, ("an RxNorm code", "RxNorm"), ATC_SHAPE
        )
    }
    merged = merge_unavailable(DEFAULT_UNAVAILABLE, unavailable)
    extract_specs = {
        name: {**_DIALECT, "file": f"{RESOURCES[name][0]}.ndjson"}
        for name in EXTRACTS
        if name in RESOURCES and merged.get(name, ()) is not None
    }
    return extract_specs, merged, parsed


def read_extracts_fhir(folder: Path, source: SourceConfig) -> dict[str, RawExtract]:
    """Every extract of the contract from one Bulk export folder (one export date)."""
    if not folder.is_dir():
        raise InputFileError(str(folder), "no such folder; give the folder of one FHIR export")
    mapping = source.options.get("rxnorm_to_atc", {})
    unavailable = tuple(n for n in RESOURCES if source.extract_unavailable(n))
    return {
        name: unavailable_extract(extract)
        if source.extract_unavailable(name)
        else require_rows(read_extract_fhir(folder, name, mapping, unavailable), folder, name)
        for name, extract in EXTRACTS.items()
    }


def require_rows(raw: RawExtract, folder: Path, name: str) -> RawExtract:
    """An extract the source says it provides must have rows: none is a broken export. An
    optional extract (conditions) whose resources are not in the export at all is unavailable
    for this date, as a files source's missing file is (`open_extract_or_missing`), and so are
    assessments and biomarkers when no Observation asks their questions (Observations are
    there for the labs: a site that does not record scores or receptor status in FHIR has
    none, which is no breakage)."""
    if raw.rows_read == 0:
        wanted = " or ".join(f"{t}*.ndjson" for t in RESOURCES[name])
        if EXTRACTS[name].optional and not any(resource_files(folder, t) for t in RESOURCES[name]):
            missing = unavailable_extract(EXTRACTS[name])
            missing.path = f"{UNAVAILABLE_PREFIX}{name} (no {wanted} in the export)"
            return missing
        if name in OBSERVATION_QUESTIONS:  # Observations carry labs too: none is no breakage
            missing = unavailable_extract(EXTRACTS[name])
            codes = ", ".join(sorted(OBSERVATION_QUESTIONS[name]))
            missing.path = f"{UNAVAILABLE_PREFIX}{name} (no Observation of LOINC {codes})"
            return missing
        raise InputFileError(
            str(folder),
            f"no {name} rows: no {wanted} resource usable for it (declare '{name}' "
            "unavailable in the source config if this export cannot provide it)",
        )
    return raw
