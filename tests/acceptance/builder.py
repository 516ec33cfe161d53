"""Writes hand-built patients as one export folder in a hospital's file dialect.

Patients are written in contract terms (contract column names and vocabulary, Python dates,
numbers and booleans); the hospital's source config says how each value is delivered: its
column names (inverse of `columns`), its codes (inverse of `values`), encoding, separator,
decimal mark, date and date-time formats, and its true/false spellings. A `Raw` value is
written verbatim: it stands for what a hospital really sent (a code in another case, a date in
the wrong format, free text in a number).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.contract import EXTRACTS
from pipeline.sources import ExtractSource, SourceConfig

# Keys of a record that start with "_" are the builder's (case helpers' handles), never written.
RECORD_IDS = {
    "patients": "patient_id",
    "pathology": "record_id",
    "labs": "record_id",
    "imaging_studies": "study_id",
    "imaging_lesions": "lesion_id",
    "treatments": "record_id",
    "assessments": "record_id",
    "tumour_board": "decision_id",
    "conditions": "record_id",
    "biomarkers": "record_id",
    "procedures": "procedure_id",
    "medications": "record_id",
}


@dataclass(frozen=True)
class Raw:
    """A value written exactly as given, bypassing the dialect's rendering."""

    text: str


def lab_result(loinc: str, value: Any, unit: str | None, when: str, key: str, **more: Any) -> dict:
    """A labs record as a case writes it (`key`: the case helpers' handle on it)."""
    return {
        "_key": key,
        "loinc_code": loinc,
        "value_raw": value,
        "unit": unit,
        "collected_at": as_datetime(when),
        **more,
    }


def prescribed(atc: str, on: str, kind: str = "PRESCRIPTION") -> dict:
    """A medication record: an oral drug prescribed, dispensed, or reported taken."""
    return {
        "kind": kind,
        "atc_code": atc,
        "start_date": as_date(on),
        "end_date": None,
        "route": "ORAL",
        "source_code": None,
        "source_system": None,
    }


def diagnosis(icd10: str, onset: str | None, recorded: str, **more: Any) -> dict:
    """An active diagnosis (conditions record): ICD-10 code, onset and recorded dates."""
    return {
        "icd10_code": icd10,
        "onset_date": None if onset is None else as_date(onset),
        "recorded_date": as_date(recorded),
        "clinical_status": "ACTIVE",
        **more,
    }


def _inverse_values(spec: ExtractSource, column: str) -> dict[str, str]:
    return {ours: theirs for theirs, ours in spec.values.get(column, {}).items()}


def render(value: Any, column: str, kind: str, spec: ExtractSource) -> str:
    """One contract value as the hospital writes it."""
    if value is None:
        return ""
    if isinstance(value, Raw):
        return value.text
    if kind == "date":
        return value.strftime(spec.date_format)
    if kind == "datetime":
        return value.strftime(spec.datetime_formats[0])
    if kind == "bool":
        return spec.true_values[0] if value else spec.false_values[0]
    if kind in ("float", "int") or isinstance(value, float | int):
        text = f"{value:g}" if isinstance(value, float) else str(value)
        return text.replace(".", spec.decimal)
    if kind == "code":
        return _inverse_values(spec, column).get(value, value)
    return str(value)


def flatten(patients: Iterable[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict]]:
    """Contract rows per extract; record ids numbered per patient, lesions under their study."""
    rows: dict[str, list[dict]] = {name: [] for name in EXTRACTS}
    for records in patients:
        (patient,) = records["patients"]
        pid = patient["patient_id"]
        rows["patients"].append(patient)
        for name in EXTRACTS:
            if name in ("patients", "imaging_lesions"):
                continue
            for n, record in enumerate(records.get(name, []), start=1):
                row = {**record, "patient_id": pid, RECORD_IDS[name]: f"{pid}-{name[:3]}{n}"}
                rows[name].append(row)
                for m, lesion in enumerate(record.get("_lesions", []), start=1):
                    rows["imaging_lesions"].append(
                        {
                            **lesion,
                            "patient_id": pid,
                            "study_id": row["study_id"],
                            "lesion_id": f"{row['study_id']}-L{m}",
                        }
                    )
    return rows


def write_exports(
    folder: Path, patients: Iterable[dict[str, list[dict]]], source: SourceConfig
) -> dict[str, list[dict]]:
    """Write every extract of the contract into `folder` in the source's file dialect; an
    optional extract no patient has a record of is not delivered (no file), as a site that
    does not export it yet."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = flatten(patients)
    for name, extract in EXTRACTS.items():
        if extract.optional and not rows[name]:
            continue
        spec = source.extracts[name]
        columns = list(extract.columns)
        sep = spec.separator
        lines = [sep.join(spec.hospital_column(c.name) for c in columns)]
        for row in rows[name]:
            cells = [render(row.get(c.name), c.name, c.type, spec) for c in columns]
            assert not any(sep in cell or "\n" in cell for cell in cells), (name, cells)
            lines.append(sep.join(cells))
        text = "\n".join(lines) + "\n"
        encoding = spec.encoding
        # utf-8-sig writes the byte order mark the hospital's file starts with.
        (folder / spec.file).write_bytes(text.encode(encoding))
    return rows


def as_date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def as_datetime(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)
