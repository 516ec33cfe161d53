"""FHIR Procedure -> the procedures extract: hand-built resources and the shared sample."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipeline.io import fhir
from pipeline.io.fhir_procedures import NO_CODE
from tests.conftest import shared_data
from tests.pipeline.io.test_fhir import write

SAMPLE = shared_data("fhir", "smart-10-patients")
SNOMED, PCS = "http://snomed.info/sct", "http://www.cms.gov/Medicare/Coding/ICD10"


def procedure(id_: str, *codings: tuple[str, str], **fields) -> dict:
    return {
        "resourceType": "Procedure",
        "id": id_,
        "status": "completed",
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": s, "code": c} for s, c in codings]},
        **fields,
    }


def category(code: str) -> dict:
    return {"coding": [{"system": SNOMED, "code": code}]}


def test_one_row_per_performed_procedure_with_its_codes_date_and_category(tmp_path):
    write(
        tmp_path,
        "Procedure.000.ndjson",
        [
            procedure(
                "surgery",
                (SNOMED, "80146002"),
                (PCS, "0DTJ4ZZ"),
                performedDateTime="2026-09-01T23:30:00+02:00",
                category=category("387713003"),
            ),
            procedure(
                "period",
                (SNOMED, "33195004"),
                performedPeriod={"start": "2025-03-02T08:00:00Z", "end": "2025-04-10"},
                category=category("103693007"),
            ),
            procedure("local", ("urn:local", "X1"), performedDateTime="2024-01-01"),
            procedure("undated", (SNOMED, "80146002")),
            procedure("not-done", (SNOMED, "80146002"), status="not-done"),
            procedure("error", (SNOMED, "80146002"), status="entered-in-error"),
        ],
    )
    raw = fhir.read_extract_fhir(tmp_path, "procedures")
    frame = raw.frame.set_index("procedure_id")
    assert list(frame.index) == ["surgery", "period", "local", "undated"]
    assert raw.rows_read == 4 and raw.not_used == {"Procedure": 2}
    assert frame.loc["surgery", "performed_on"] == "2026-09-01"  # the date as recorded there
    assert frame.loc["period", "performed_on"] == "2025-03-02"
    assert frame["performed_on"].isna().tolist() == [False, False, False, True]
    assert frame["snomed_code"].fillna("").tolist() == ["80146002", "33195004", "", "80146002"]
    assert frame["icd10pcs_code"].fillna("").tolist() == ["0DTJ4ZZ", "", "", ""]
    assert frame["category"].fillna("").tolist() == ["SURGERY", "OTHER", "", ""]
    assert frame["ccam_code"].isna().all()
    assert (frame["patient_id"] == "p1").all()
    (issue,) = raw.code_issues
    assert issue["code"] == "X1" and issue["reason"] == NO_CODE


def test_an_export_without_procedures_has_the_extract_unavailable_for_that_date(tmp_path):
    write(tmp_path, "Patient.000.ndjson", [{"resourceType": "Patient", "id": "p1"}])
    raw = fhir.require_rows(fhir.read_extract_fhir(tmp_path, "procedures"), tmp_path, "procedures")
    assert raw.rows_read == 0 and "no Procedure" in raw.path


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"shared FHIR sample not found at {SAMPLE}")
def test_the_shared_sample_every_procedure_is_one_row():
    lines = (SAMPLE / "Procedure.000.ndjson").read_text(encoding="utf-8").splitlines()
    resources = [json.loads(line) for line in lines]
    raw = fhir.read_extract_fhir(SAMPLE, "procedures")
    frame = raw.frame
    assert len(frame) == len(resources) == 2056  # all completed, all SNOMED CT, all dated
    by_hand = Counter(r["code"]["coding"][0]["code"] for r in resources)
    assert Counter(frame["snomed_code"]) == by_hand
    assert frame["performed_on"].notna().all() and frame["category"].isna().all()
