"""The synthetic hospital's night as a FHIR R4 Bulk Data export (NDJSON), same patients.

Written from the export files the generator wrote (the hospital's French dialect), so the
truth that goes with them holds for the FHIR path too, for every criterion whose data FHIR
carries here (patients, labs, ECOG scores, treatments, pathology; the rest is unavailable
from a FHIR source). Resources are assembled as text with Arrow, column by column: every
value written is an id, a code, a number or a date of the generator's, and a value that would
need JSON escaping is refused rather than written wrong.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipeline.generator.hospital import LAYOUT

ATC = "http://www.whocc.no/atc"
LOINC = "http://loinc.org"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"
_UNSAFE = r'["\\\x00-\x1f]'


def write_fhir_bulk(exports: Path, out: Path) -> dict[str, int]:
    """Patient, Observation, MedicationAdministration and Condition NDJSON files in `out`,
    from one export folder of the synthetic hospital; resources written per type."""
    out.mkdir(parents=True, exist_ok=True)
    written = {
        "Patient": _write(out / "Patient.000.ndjson", _patients(_read(exports, "patients"))),
        "Observation": _write(out / "Observation.000.ndjson", _labs(_read(exports, "labs"))),
        "MedicationAdministration": _write(
            out / "MedicationAdministration.000.ndjson", _treatments(_read(exports, "treatments"))
        ),
        "Condition": _write(out / "Condition.000.ndjson", _pathology(_read(exports, "pathology"))),
    }
    scores = _performance_status(_read(exports, "assessments"))
    written["Observation"] += _write(out / "Observation.001.ndjson", scores)
    return written


def _read(exports: Path, name: str) -> pa.Table:
    file, *_rest, encoding, _kinds = LAYOUT[name]
    with (exports / file).open("rb") as handle:
        data = handle.read().decode("cp1252" if encoding == "cp1252" else "utf-8-sig")
    return pacsv.read_csv(
        pa.BufferReader(data.encode()),
        parse_options=pacsv.ParseOptions(delimiter=";", newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in _header(data)}, strings_can_be_null=False
        ),
    )


def _header(text: str) -> list[str]:
    return [c.strip('"') for c in text.split("\n", 1)[0].strip().split(";")]


def _text(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    """A column's values, refused if any would need escaping inside a JSON string."""
    array = pc.cast(values, pa.string())
    if pc.any(pc.match_substring_regex(array, _UNSAFE)).as_py():
        raise ValueError("a generated value needs JSON escaping: not written as FHIR")
    return array


def _iso_date(values: pa.ChunkedArray) -> pa.Array:
    """dd/mm/yyyy -> yyyy-mm-dd (empty stays empty)."""
    return pc.replace_substring_regex(_text(values), r"^(\d{2})/(\d{2})/(\d{4})", r"\3-\2-\1")


def _iso_datetime(values: pa.ChunkedArray) -> pa.Array:
    """dd/mm/yyyy HH:MM -> yyyy-mm-ddTHH:MM:00+01:00 (the hospital's wall clock)."""
    return pc.replace_substring_regex(
        _text(values), r"^(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2})$", r"\3-\2-\1T\4:\5:00+01:00"
    )


def _join(*parts: pa.Array | str) -> pa.Array:
    return pc.binary_join_element_wise(*parts, "")


def _optional(key: str, values: pa.Array, quoted: bool = True) -> pa.Array:
    """`,"key":"value"` where the value is not empty, else nothing."""
    quote = '"' if quoted else ""
    part = _join(f',"{key}":{quote}', values, quote)
    return pc.if_else(pc.equal(values, ""), "", part)


def _reference(patient: pa.Array) -> pa.Array:
    return _join(',"subject":{"reference":"Patient/', patient, '"}')


def _coding(system: str, code: pa.Array) -> pa.Array:
    return _join(f'{{"coding":[{{"system":"{system}","code":"', code, '"}]}')


def _patients(table: pa.Table) -> pa.Array:
    written = _text(table["SEXE"])
    sex = pc.utf8_upper(pc.utf8_trim_whitespace(written))  # as the site's value map reads it
    male, female = pc.equal(sex, "H"), pc.equal(sex, "F")
    gender = pc.if_else(male, "male", pc.if_else(female, "female", written))
    return _join(
        '{"resourceType":"Patient","id":"',
        _text(table["IPP"]),
        '"',
        _optional("gender", gender),
        _optional("birthDate", _iso_date(table["DATE_NAISSANCE"])),
        _optional("deceasedDateTime", _iso_date(table["DATE_DECES"])),
        "}",
    )


def _labs(table: pa.Table) -> pa.Array:
    raw = pc.utf8_trim_whitespace(_text(table["RESULTAT"]))
    comparator = pc.extract_regex(raw, r"^(?P<c>[<>]=?)?(?P<n>.*)$")
    sign = pc.fill_null(pc.struct_field(comparator, "c"), "")
    number = pc.replace_substring(pc.struct_field(comparator, "n"), ",", ".")
    numeric = pc.match_substring_regex(number, r"^-?\d+(\.\d+)?$")
    quantity = _join(
        ',"valueQuantity":{"value":',
        number,
        _optional("comparator", sign),
        _optional("unit", _text(table["UNITE"])),
        "}",
    )
    value = pc.if_else(numeric, quantity, _join(',"valueString":"', raw, '"'))
    value = _join(value, _reference_range(table))
    return _join(
        '{"resourceType":"Observation","id":"',
        _text(table["ID_RESULTAT"]),
        '","status":"final","code":',
        _coding(LOINC, _text(table["CODE_LOINC"])),
        _reference(_text(table["IPP"])),
        value,
        _optional("effectiveDateTime", _iso_datetime(table["DATE_PRELEVEMENT"])),
        "}",
    )


def _reference_range(table: pa.Table) -> pa.Array:
    """`,"referenceRange":[{"low":...,"high":...}]` in the result's unit, from the range the
    laboratory printed (BORNE_INF / BORNE_SUP), or nothing where it printed none."""
    if "BORNE_INF" not in table.column_names:
        return pa.array([""] * table.num_rows, pa.string())
    unit = _text(table["UNITE"])
    parts = []
    for key, column in (("low", "BORNE_INF"), ("high", "BORNE_SUP")):
        number = pc.replace_substring(_text(table[column]), ",", ".")
        limit = _join(f'"{key}":{{"value":', number, ',"unit":"', unit, '"}')
        parts.append(pc.if_else(pc.equal(number, ""), "", limit))
    both = pc.and_(pc.not_equal(parts[0], ""), pc.not_equal(parts[1], ""))
    inner = _join(parts[0], pc.if_else(both, ",", ""), parts[1])
    return pc.if_else(pc.equal(inner, ""), "", _join(',"referenceRange":[{', inner, "}]"))


def _treatments(table: pa.Table) -> pa.Array:
    return _join(
        '{"resourceType":"MedicationAdministration","id":"',
        _text(table["ID_ADMIN"]),
        '","status":"completed","medicationCodeableConcept":',
        _coding(ATC, _text(table["CODE_ATC"])),
        _reference(_text(table["IPP"])),
        _optional("effectiveDateTime", _iso_date(table["DATE_ADMINISTRATION"])),
        "}",
    )


def _pathology(table: pa.Table) -> pa.Array:
    return _join(
        '{"resourceType":"Condition","id":"',
        _text(table["ID_CR"]),
        '","code":',
        _coding(ICDO3, _text(table["MORPHOLOGIE"])),
        ',"bodySite":[',
        _coding(ICDO3, _text(table["TOPOGRAPHIE"])),
        "]",
        _reference(_text(table["IPP"])),
        _optional("recordedDate", _iso_date(table["DATE_CR"])),
        "}",
    )


def _performance_status(table: pa.Table) -> pa.Array:
    """ECOG scores (`OMS` in the hospital's files, however spelt) as mCODE writes them: LOINC
    89247-1 with the score as `valueInteger`. The other assessment types have no standard
    Observation and are not written."""
    kind = pc.utf8_upper(pc.utf8_trim_whitespace(_text(table["TYPE_EVAL"])))
    table = table.filter(pc.equal(kind, "OMS"))
    score = pc.utf8_trim_whitespace(_text(table["VALEUR"]))
    value = pc.if_else(
        pc.match_substring_regex(score, r"^\d+$"),
        _join(',"valueInteger":', score),
        _join(',"valueString":"', score, '"'),  # not a score: set aside when read, as in files
    )
    return _join(
        '{"resourceType":"Observation","id":"',
        _text(table["ID_EVAL"]),
        '","status":"final","code":',
        _coding(LOINC, pa.array(["89247-1"] * table.num_rows, pa.string())),
        _reference(_text(table["IPP"])),
        value,
        _optional("effectiveDateTime", _iso_date(table["DATE_EVAL"])),
        "}",
    )


def _write(path: Path, lines: pa.Array) -> int:
    with path.open("w", encoding="utf-8") as handle:
        handle.write("".join(line + "\n" for line in lines.to_pylist()))
    return len(lines)
