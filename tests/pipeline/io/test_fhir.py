"""FHIR Bulk NDJSON -> raw extracts: hand-built resources (R4 shapes) and the shared sample."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from pipeline.errors import InputFileError
from pipeline.io import fhir
from tests.conftest import shared_data

SAMPLE = shared_data("fhir", "smart-10-patients")


def write(folder: Path, name: str, resources: list[dict], zipped: bool = False) -> Path:
    text = "".join(json.dumps(r) + "\n" for r in resources)
    path = folder / (name + (".gz" if zipped else ""))
    if zipped:
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def observation(id_: str, **fields) -> dict:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        **fields,
    }


def test_patients_sex_birth_and_death(tmp_path):
    write(
        tmp_path,
        "Patient.000.ndjson",
        [
            {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "female",
                "birthDate": "1960-02-29",
                "name": [{"family": "Durand", "given": ["Anne", "Marie"]}],
                "extension": [{"x": 1}],
            },
            {
                "resourceType": "Patient",
                "id": "p2",
                "gender": "male",
                "birthDate": "1950",
                "deceasedDateTime": "2026-11-20T23:30:00-05:00",
            },
            {"resourceType": "Patient", "id": "p3", "gender": "unknown", "deceasedBoolean": True},
            {"resourceType": "Patient", "id": "p4", "gender": "other", "deceasedBoolean": False},
        ],
    )
    frame = fhir.patients_frame(fhir.read_resources(tmp_path, "Patient")).set_index("patient_id")
    assert frame.loc["p1", ["sex", "birth_date"]].tolist() == ["F", "1960-02-29"]
    assert "family_name" not in frame and "given_name" not in frame, "names are never read"
    # The date as recorded (23:30 in New York is already the 21st in Paris: not used).
    assert frame.loc["p2", "death_date"] == "2026-11-20"
    assert frame.loc["p2", "birth_date"] == "1950", "a partial date is left for typing to refuse"
    assert frame.loc["p3", "death_date"] == "deceased", "dead, date unknown: never alive"
    assert frame.loc["p3", "sex"] == "unknown"
    assert frame["death_date"].isna().tolist() == [True, False, False, True]
    assert frame["row_number"].tolist() == [1, 2, 3, 4]


def test_labs_loinc_comparator_ucum_and_times(tmp_path):
    write(
        tmp_path,
        "Observation.000.ndjson",
        [
            observation(
                "o1",
                valueQuantity={
                    "value": 8.1,
                    "unit": "g/dL",
                    "system": "http://unitsofmeasure.org",
                    "code": "g/dL",
                },
                effectiveDateTime="2026-11-20T08:15:00+01:00",
            ),
            observation(
                "o2",
                valueQuantity={"value": 1.5, "comparator": "<", "unit": "G/L"},
                effectivePeriod={"start": "2026-11-21T10:00:00Z"},
                code={
                    "coding": [
                        {"system": "urn:local", "code": "NEUT"},
                        {"system": "http://loinc.org", "code": "751-8"},
                    ]
                },
            ),
            observation("o3", valueString="positive", effectiveDateTime="2026-11-21"),
            observation(
                "o4",
                valueQuantity={"value": 80, "unit": "g/L"},
                effectiveDateTime="2026-11-22",
                code={"coding": [{"system": "urn:local", "code": "HB"}]},
            ),
        ],
    )
    frame = fhir.labs_frame(fhir.read_resources(tmp_path, "Observation")).set_index("record_id")
    assert "o3" not in frame.index, "no quantity: not a lab result the criteria can read"
    assert frame.loc["o1", ["loinc_code", "value_raw", "unit", "collected_at"]].tolist() == [
        "718-7",
        "8.1",
        "g/dL",
        "2026-11-20 08:15",
    ]
    assert frame.loc["o2", ["loinc_code", "value_raw", "unit", "collected_at"]].tolist() == [
        "751-8",
        "<1.5",
        "G/L",
        "2026-11-21 10:00",
    ]
    assert frame.loc["o4", "value_raw"] == "80"
    # A local code only: no LOINC code (set aside by typing), never a guess.
    assert frame["loinc_code"].isna()["o4"]
    assert (frame["patient_id"] == "p1").all()


def test_pathology_from_icdo3_conditions_only(tmp_path):
    write(
        tmp_path,
        "Condition.ndjson",
        [
            {
                "resourceType": "Condition",
                "id": "c1",
                "subject": {"reference": "Patient/p1"},
                "code": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/icd-o-3",
                            "code": "8240/3",
                        }
                    ]
                },
                "bodySite": [
                    {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10", "code": "C17.1"}]}
                ],
                "recordedDate": "2015-01-01T09:00:00+01:00",
            },
            {
                "resourceType": "Condition",
                "id": "c2",
                "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": "http://snomed.info/sct", "code": "91302008"}]},
            },
        ],
    )
    frame = fhir.pathology_frame(fhir.read_resources(tmp_path, "Condition"))
    assert frame[
        ["record_id", "morphology_code", "topography_code", "report_date"]
    ].values.tolist() == [["c1", "8240/3", "C17.1", "2015-01-01"]]


def test_treatments_are_administrations_atc_or_the_sites_rxnorm_mapping(tmp_path):
    write(
        tmp_path,
        "MedicationAdministration.000.ndjson",
        [
            {
                "resourceType": "MedicationAdministration",
                "id": "m1",
                "subject": {"reference": "https://fhir.chu.example/Patient/p1"},
                "medicationCodeableConcept": {
                    "coding": [{"system": "http://www.whocc.no/atc", "code": "V10XX04"}]
                },
                "effectivePeriod": {"start": "2024-01-01T10:00:00+01:00"},
            },
        ],
        zipped=True,
    )
    write(
        tmp_path,
        "MedicationRequest.000.ndjson",
        [
            {
                "resourceType": "MedicationRequest",
                "id": "m2",
                "subject": {"reference": "Patient/p2"},
                "medicationCodeableConcept": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "314076"}
                    ]
                },
                "authoredOn": "2025-03-04",
            },
            {
                "resourceType": "MedicationRequest",
                "id": "m3",
                "subject": {"reference": "Patient/p2"},
                "medicationCodeableConcept": {
                    "coding": [
                        {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "999"}
                    ]
                },
                "authoredOn": "2025-03-05",
            },
        ],
    )
    mapping = {"314076": "C09AA03"}
    frame = fhir.read_extract_fhir(tmp_path, "treatments", mapping).frame.set_index("record_id")
    assert frame.loc["m1", ["patient_id", "atc_code", "administered_on"]].tolist() == [
        "p1",
        "V10XX04",
        "2024-01-01",
    ]
    assert frame["row_number"].tolist() == [1], "a MedicationRequest is no administration"
    frame = fhir.read_extract_fhir(tmp_path, "medications", mapping).frame.set_index("record_id")
    assert frame.loc["m2", "atc_code"] == "C09AA03"
    assert frame["atc_code"].isna()["m3"], "unmapped: no code, never a guess"
    assert frame["row_number"].tolist() == [1, 2]


def test_a_broken_line_is_named_with_its_number(tmp_path):
    path = write(tmp_path, "Patient.000.ndjson", [{"resourceType": "Patient", "id": "p1"}])
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"resourceType": "Patient", "id": "p2", "gender": \n')
    with pytest.raises(InputFileError) as error:
        fhir.read_resources(tmp_path, "Patient")
    assert error.value.line == 2
    assert str(path) in str(error.value)


def test_a_field_of_the_wrong_json_type_is_named_with_its_line(tmp_path):
    write(
        tmp_path,
        "Observation.000.ndjson",
        [
            observation("o1", valueQuantity={"value": 1}),
            observation("o2", valueQuantity={"value": "eight"}),
        ],
    )
    with pytest.raises(InputFileError) as error:
        fhir.read_resources(tmp_path, "Observation")
    assert error.value.line == 2
    assert "wrong type" in str(error.value)


def test_no_file_of_a_type_is_an_empty_table(tmp_path):
    assert fhir.read_resources(tmp_path, "Observation").num_rows == 0
    assert fhir.labs_frame(fhir.read_resources(tmp_path, "Observation")).empty


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"shared FHIR sample not found at {SAMPLE}")
def test_the_smart_sample_every_patient_and_the_three_deaths():
    patients = fhir.patients_frame(fhir.read_resources(SAMPLE, "Patient"))
    assert len(patients) == 13
    assert patients["patient_id"].is_unique
    assert sorted(patients["death_date"].dropna()) == ["1971-10-01", "1989-05-09", "1994-11-11"]
    assert set(patients["sex"]) == {"F", "M"}
    requests = fhir.read_resources(SAMPLE, "MedicationRequest").num_rows
    medications = fhir.read_extract_fhir(SAMPLE, "medications").frame
    assert len(medications) == requests > 0
    assert set(medications["patient_id"]) <= set(patients["patient_id"])
    assert medications["atc_code"].isna().all(), "RxNorm only in the sample, no mapping given"
    assert (medications["source_system"] == "RXNORM").all()


def quantity(value: float, unit: str) -> dict:
    return {"value": value, "unit": unit, "system": "http://unitsofmeasure.org", "code": unit}


def component(code: str, value: float, unit: str) -> dict:
    return {
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "valueQuantity": quantity(value, unit),
    }


def test_components_in_the_catalogue_are_lab_rows_of_their_own(tmp_path):
    blood_pressure = observation(
        "bp",
        code={"coding": [{"system": "http://loinc.org", "code": "85354-9"}]},
        component=[component("8480-6", 120, "mm[Hg]"), component("8462-4", 80, "mm[Hg]")],
        effectiveDateTime="2024-07-01T09:00:00Z",
    )
    panel = observation(
        "cbc",
        code={"coding": [{"system": "http://loinc.org", "code": "58410-2"}]},
        component=[
            component("718-7", 12.5, "g/dL"),
            {"code": {"coding": [{"system": "http://loinc.org", "code": "777-3"}]}},  # no value
            component("777-3", 250, "10*3/uL"),
        ],
        effectiveDateTime="2024-07-02T10:30:00+02:00",
    )
    plain = observation("o1", valueQuantity=quantity(9.1, "g/dL"))
    other = observation(
        "pain",
        code={"coding": [{"system": "http://loinc.org", "code": "72514-3"}]},
        component=[component("38208-5", 3, "{score}")],  # not a catalogue code
    )
    write(tmp_path, "Observation.000.ndjson", [blood_pressure, panel, plain, other])
    raw = fhir.read_extract_fhir(tmp_path, "labs")
    frame = raw.frame.set_index("record_id")
    assert sorted(frame.index) == [
        "bp/component/0",
        "bp/component/1",
        "cbc/component/0",
        "cbc/component/2",
        "o1",
    ]
    # the blood-pressure panel's systolic and diastolic components (vital signs, catalogue
    # measurements) are rows of their own
    assert frame.loc["bp/component/0", ["loinc_code", "value_raw", "unit"]].tolist() == [
        "8480-6",
        "120",
        "mm[Hg]",
    ]
    assert frame.loc["bp/component/1", "loinc_code"] == "8462-4"
    assert frame.loc["cbc/component/0", ["loinc_code", "value_raw", "unit"]].tolist() == [
        "718-7",
        "12.5",
        "g/dL",
    ]
    assert frame.loc["cbc/component/2", "loinc_code"] == "777-3"
    assert frame.loc["cbc/component/2", "collected_at"] == "2024-07-02 10:30"
    assert (frame["patient_id"] == "p1").all()
    assert raw.rows_read == 5  # the rows the extract holds
    # the pain panel has no quantity and no component the catalogue knows
    assert raw.not_used == {"Observation": 1}


def test_a_component_of_the_wrong_json_type_is_named_with_its_line(tmp_path):
    good = observation("o1", valueQuantity=quantity(9.1, "g/dL"))
    bad = observation("o2", component=[{"code": "718-7"}])
    path = write(tmp_path, "Observation.000.ndjson", [good, good | {"id": "o3"}, bad])
    with pytest.raises(InputFileError) as error:
        fhir.read_extract_fhir(tmp_path, "labs")
    assert error.value.line == 3 and str(path) in str(error.value)


def test_resources_no_extract_reads_are_counted_per_type(tmp_path):
    write(tmp_path, "Patient.000.ndjson", [{"resourceType": "Patient", "id": "p1"}])
    write(tmp_path, "Procedure.000.ndjson", [{"resourceType": "Procedure", "id": "x"}] * 3)
    write(tmp_path, "Procedure.001.ndjson", [{"resourceType": "Procedure", "id": "y"}], True)
    report = {"resourceType": "DiagnosticReport", "id": "d", "conclusion": "no NET"}
    write(tmp_path, "DiagnosticReport.000.ndjson", [report] * 2)
    write(tmp_path, "ImagingStudy.ndjson", [{"resourceType": "ImagingStudy", "id": "i"}])
    write(tmp_path, "Observation.000.ndjson", [observation("o1")] * 4)
    (tmp_path / "log.ndjson").write_text('{"not": "a resource"}\n', encoding="utf-8")
    raw = fhir.read_extract_fhir(tmp_path, "patients")
    assert raw.not_used == {"DiagnosticReport": 2, "ImagingStudy": 1}  # Procedure: procedures
    procedures_unavailable = fhir.read_extract_fhir(tmp_path, "patients", None, ("procedures",))
    assert procedures_unavailable.not_used["Procedure"] == 4
    labs_unavailable = fhir.read_extract_fhir(tmp_path, "patients", None, ("labs",))
    assert "Observation" not in labs_unavailable.not_used  # the assessments extract counts them
    no_reader = ("labs", "assessments", "biomarkers")
    assert (
        fhir.read_extract_fhir(tmp_path, "patients", None, no_reader).not_used["Observation"] == 4
    )
