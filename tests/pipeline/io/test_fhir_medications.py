"""FHIR MedicationRequest / MedicationDispense / MedicationStatement -> the medications
extract; MedicationAdministration stays an administration (treatments): hand-built resources."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.io import fhir
from pipeline.io.fhir_medications import NOT_READ
from tests.pipeline.io.test_fhir import write

ATC, RXNORM = "http://www.whocc.no/atc", "http://www.nlm.nih.gov/research/umls/rxnorm"
NDC, SNOMED = "http://hl7.org/fhir/sid/ndc", "http://snomed.info/sct"
ORAL = {"route": {"coding": [{"system": SNOMED, "code": "26643006"}]}}
NASAL = {"route": {"coding": [{"system": SNOMED, "code": "46713006"}]}}


def drug(*codings: tuple[str, str]) -> dict:
    return {"coding": [{"system": s, "code": c} for s, c in codings]}


def resource(kind: str, id_: str, *codings: tuple[str, str], **fields) -> dict:
    return {
        "resourceType": kind,
        "id": id_,
        "status": "completed" if kind != "MedicationRequest" else "active",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": drug(*codings),
        **fields,
    }


@pytest.fixture
def export(tmp_path):
    write(
        tmp_path,
        "MedicationRequest.000.ndjson",
        [
            resource(
                "MedicationRequest",
                "rx",
                (RXNORM, "1310138"),
                (ATC, "L01BC06"),
                intent="order",
                authoredOn="2026-10-27T23:30:00+02:00",
                dispenseRequest={"validityPeriod": {"start": "2026-10-28", "end": "2027-01-27"}},
                dosageInstruction=[ORAL],
            ),
            resource(
                "MedicationRequest",
                "rx-validity",
                (RXNORM, "1310138"),
                intent="order",
                dispenseRequest={"validityPeriod": {"start": "2026-10-28"}},
                dosageInstruction=[NASAL],
            ),
            resource("MedicationRequest", "proposal", (ATC, "L01BC06"), intent="proposal"),
            resource("MedicationRequest", "error", (ATC, "L01BC06"), status="entered-in-error"),
            resource("MedicationRequest", "cancelled", (ATC, "L01BC06"), status="cancelled"),
        ],
    )
    write(
        tmp_path,
        "MedicationDispense.000.ndjson",
        [
            resource(
                "MedicationDispense",
                "disp",
                (NDC, "00078-0566-61"),
                (ATC, "L01EG02"),
                whenHandedOver="2026-11-02T10:00:00Z",
                whenPrepared="2026-11-01",
                daysSupply={
                    "value": 28,
                    "unit": "days",
                    "system": "http://unitsofmeasure.org",
                    "code": "d",
                },
                dosageInstruction=[ORAL],
            ),
            resource(
                "MedicationDispense",
                "disp-prepared",
                (ATC, "B01AF02"),
                whenPrepared="2026-11-01",
                daysSupply={"value": 2, "unit": "boxes"},
            ),
            resource("MedicationDispense", "declined", (ATC, "L01EG02"), status="declined"),
        ],
    )
    write(
        tmp_path,
        "MedicationStatement.000.ndjson",
        [
            resource(
                "MedicationStatement",
                "stmt",
                (SNOMED, "325072002"),
                (ATC, "A10BA02"),
                status="active",
                effectivePeriod={"start": "2020-01-01", "end": "2026-12-31"},
                dateAsserted="2026-06-01",
                dosage=[ORAL],
            ),
            resource(
                "MedicationStatement",
                "stmt-asserted",
                (ATC, "A02BC01"),
                status="active",
                dateAsserted="2026-06-01",
            ),
            resource("MedicationStatement", "not-taken", (ATC, "A02BC01"), status="not-taken"),
            resource("MedicationStatement", "intended", (ATC, "A02BC01"), status="intended"),
        ],
    )
    write(
        tmp_path,
        "MedicationAdministration.000.ndjson",
        [
            resource(
                "MedicationAdministration",
                "admin",
                (ATC, "V10XX04"),
                effectiveDateTime="2026-11-03T09:00:00+01:00",
            )
        ],
    )
    return tmp_path


def test_each_kind_of_resource_is_its_kind_of_record_with_its_dates(export):
    raw = fhir.read_extract_fhir(export, "medications")
    frame = raw.frame.set_index("record_id")
    assert list(frame.index) == [
        "rx",
        "rx-validity",
        "disp",
        "disp-prepared",
        "stmt",
        "stmt-asserted",
    ]
    assert frame["kind"].tolist() == ["PRESCRIPTION"] * 2 + ["DISPENSING"] * 2 + ["STATEMENT"] * 2
    starts = frame["start_date"].tolist()
    # authoredOn as recorded there, else the validity's start; handed over, else prepared;
    # the period's start, else the date asserted
    assert starts == [
        "2026-10-27",
        "2026-10-28",
        "2026-11-02",
        "2026-11-01",
        "2020-01-01",
        "2026-06-01",
    ]
    ends = frame["end_date"].fillna("").tolist()
    # the validity's end; 28 days supplied from 2026-11-02 cover up to 2026-11-29; a supply
    # not given in days gives no end; the period's end
    assert ends == ["2027-01-27", "", "2026-11-29", "", "2026-12-31", ""]
    assert (frame["patient_id"] == "p1").all()


def test_atc_source_code_and_route(export):
    frame = fhir.read_extract_fhir(export, "medications").frame.set_index("record_id")
    assert frame["atc_code"].fillna("").tolist() == [
        "L01BC06",
        "",
        "L01EG02",
        "B01AF02",
        "A10BA02",
        "A02BC01",
    ]
    assert frame["source_system"].fillna("").tolist() == [
        "RXNORM",
        "RXNORM",
        "NDC",
        "",
        "SNOMED",
        "",
    ]
    assert frame.loc["disp", "source_code"] == "00078-0566-61"
    # oral where the first dosage says so; a route outside the contract's list stays empty
    assert frame["route"].fillna("").tolist() == ["ORAL", "", "ORAL", "", "ORAL", ""]


def test_the_rxnorm_mapping_gives_the_atc_code_and_unmapped_codes_are_counted(export):
    raw = fhir.read_extract_fhir(export, "medications", {"1310138": "L01BC06"})
    assert raw.frame["atc_code"].notna().all()
    raw = fhir.read_extract_fhir(export, "medications")
    (issue,) = raw.code_issues
    assert (issue["code"], issue["rows"], issue["column"]) == ("1310138", 1, "atc_code")


def test_what_records_no_medication_taken_is_not_read_and_counted(export):
    raw = fhir.read_extract_fhir(export, "medications")
    assert raw.rows_read == 6
    assert raw.not_used == {
        "MedicationRequest": 3,
        "MedicationDispense": 1,
        "MedicationStatement": 2,
    }
    assert "cancelled" in NOT_READ["MedicationRequest"][0]


def test_an_administration_is_a_treatment_and_no_medication_record(export):
    treatments = fhir.read_extract_fhir(export, "treatments").frame
    assert treatments["record_id"].tolist() == ["admin"]
    medications = fhir.read_extract_fhir(export, "medications").frame
    assert "admin" not in set(medications["record_id"])


def test_an_export_without_these_resources_has_the_extract_unavailable_for_that_date(tmp_path):
    write(tmp_path, "Patient.000.ndjson", [{"resourceType": "Patient", "id": "p1"}])
    raw = fhir.require_rows(
        fhir.read_extract_fhir(tmp_path, "medications"), tmp_path, "medications"
    )
    assert raw.rows_read == 0 and "no MedicationRequest" in raw.path


def test_an_empty_dosage_list_has_no_route_and_a_referenced_drug_no_code(tmp_path):
    by_reference = resource("MedicationRequest", "ref", intent="order", authoredOn="2026-01-01")
    del by_reference["medicationCodeableConcept"]
    by_reference["medicationReference"] = {"reference": "Medication/m1"}
    write(
        tmp_path,
        "MedicationRequest.000.ndjson",
        [
            resource(
                "MedicationRequest",
                "no-dosage",
                (ATC, "L01BC06"),
                intent="order",
                authoredOn="2026-01-01",
                dosageInstruction=[],
            ),
            by_reference,
        ],
    )
    raw = fhir.read_extract_fhir(tmp_path, "medications")
    frame = raw.frame.set_index("record_id")
    assert frame["route"].isna().all()
    assert frame.loc["no-dosage", "atc_code"] == "L01BC06"
    assert pd.isna(frame.loc["ref", "atc_code"])  # set aside by the suite, counted here
    (issue,) = raw.code_issues
    assert (issue["code"], issue["rows"]) == ("(no code)", 1)
