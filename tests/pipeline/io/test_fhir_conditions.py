"""FHIR Condition -> the conditions extract: hand-built resources and the shared sample."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from pipeline.io import fhir
from pipeline.io.fhir_conditions import NO_CODE
from pipeline.sources import load_source_config
from tests.conftest import repo_root, shared_data
from tests.pipeline.io.test_fhir import write

SAMPLE = shared_data("fhir", "smart-10-patients")
SNOMED, ICD10 = "http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10"
ICDO3 = "http://terminology.hl7.org/CodeSystem/icd-o-3"


def condition(id_: str, *codings: tuple[str, str], **fields) -> dict:
    return {
        "resourceType": "Condition",
        "id": id_,
        "subject": {"reference": "Patient/p1"},
        "code": {"coding": [{"system": s, "code": c} for s, c in codings]},
        **fields,
    }


def status(system_tail: str, code: str) -> dict:
    url = f"http://terminology.hl7.org/CodeSystem/{system_tail}"
    return {"coding": [{"system": url, "code": code}]}


def test_one_row_per_condition_with_every_system_it_is_coded_in(tmp_path):
    write(
        tmp_path,
        "Condition.000.ndjson",
        [
            condition(
                "both",
                (SNOMED, "254837009"),
                (ICD10, "C50.9"),
                (ICD10, "C50.4"),  # only the first ICD-10 coding
                onsetDateTime="2024-05-02T10:00:00+02:00",
                recordedDate="2024-05-20",
                clinicalStatus=status("condition-clinical", "active"),
            ),
            condition(
                "tumour",
                (ICDO3, "8240/3"),
                bodySite=[{"coding": [{"system": ICDO3, "code": "C17.1"}]}],
                onsetPeriod={"start": "2019-02-20", "end": "2019-03-01"},
                recordedDate="2019-03-10T09:00:00Z",
            ),
            condition("no_dates", (SNOMED, "44054006")),
            condition(
                "refuted",
                (ICD10, "C61"),
                recordedDate="2020-01-01",
                verificationStatus=status("condition-ver-status", "refuted"),
            ),
            condition(
                "in_error",
                (ICD10, "C61"),
                recordedDate="2020-01-01",
                verificationStatus=status("condition-ver-status", "entered-in-error"),
            ),
            condition(
                "confirmed",
                (ICD10, "I10"),
                recordedDate="2020-01-01",
                verificationStatus=status("condition-ver-status", "confirmed"),
            ),
            condition("local", ("http://chu.example/diag", "HTA"), recordedDate="2020-01-01"),
        ],
    )
    raw = fhir.read_extract_fhir(tmp_path, "conditions")
    frame = raw.frame.set_index("record_id")
    assert list(frame.index) == ["both", "tumour", "no_dates", "confirmed", "local"]
    assert raw.not_used == {"Condition": 2}  # refuted, entered in error: no diagnosis
    both = frame.loc["both"]
    assert (both["icd10_code"], both["snomed_code"]) == ("C50.9", "254837009")
    assert (both["onset_date"], both["recorded_date"]) == ("2024-05-02", "2024-05-20")
    assert both["clinical_status"] == "active"
    tumour = frame.loc["tumour"]
    assert (tumour["morphology_code"], tumour["topography_code"]) == ("8240/3", "C17.1")
    assert (tumour["onset_date"], tumour["recorded_date"]) == ("2019-02-20", "2019-03-10")
    assert frame.loc["no_dates", ["onset_date", "recorded_date"]].isna().all()
    assert frame.loc["local", ["icd10_code", "snomed_code", "morphology_code"]].isna().all()
    (issue,) = raw.code_issues
    assert (issue["system"], issue["code"], issue["rows"]) == ("http://chu.example/diag", "HTA", 1)
    assert issue["reason"] == NO_CODE


@pytest.mark.skipif(not SAMPLE.is_dir(), reason=f"shared FHIR sample not found at {SAMPLE}")
def test_the_smart_sample_every_condition_counted_by_hand():
    resources = [
        json.loads(line)
        for line in (SAMPLE / "Condition.000.ndjson").read_text(encoding="utf-8").splitlines()
    ]
    assert len(resources) == 555  # the sample's Condition count (README facts)
    raw = fhir.read_extract_fhir(SAMPLE, "conditions")
    frame = raw.frame
    assert raw.rows_read == len(frame) == len(resources) and raw.not_used == {}
    snomed = Counter(
        c["code"] for r in resources for c in r["code"]["coding"][:1] if c["system"] == SNOMED
    )
    assert sum(snomed.values()) == 555  # every one coded in SNOMED CT only
    assert Counter(frame["snomed_code"]) == snomed
    assert frame["icd10_code"].isna().all() and frame["morphology_code"].isna().all()
    statuses = Counter(r["clinicalStatus"]["coding"][0]["code"] for r in resources)
    assert Counter(frame["clinical_status"]) == statuses == {"resolved": 448, "active": 107}
    assert (frame["onset_date"] == [r["onsetDateTime"][:10] for r in resources]).all()
    subjects = {r["subject"]["reference"].removeprefix("Patient/") for r in resources}
    assert set(frame["patient_id"]) == subjects


def test_the_fhir_source_provides_conditions():
    source = load_source_config(repo_root() / "sources" / "smart-fhir-sample.yaml")
    assert not source.extract_unavailable("conditions")
    assert source.extracts["conditions"].file == "Condition.ndjson"


def test_an_empty_body_site_list_is_no_topography(tmp_path):
    """`"bodySite": []` is valid JSON a site may write: the topography is then unknown, and
    neither the diagnoses nor the pathology read stops on it."""
    write(
        tmp_path,
        "Condition.000.ndjson",
        [
            condition("empty", (ICDO3, "8240/3"), bodySite=[], recordedDate="2020-01-01"),
            condition(
                "sited",
                (ICDO3, "8240/3"),
                bodySite=[{"coding": [{"system": ICDO3, "code": "C17.1"}]}],
                recordedDate="2020-01-01",
            ),
        ],
    )
    for name in ("conditions", "pathology"):
        frame = fhir.read_extract_fhir(tmp_path, name).frame.set_index("record_id")
        assert pd.isna(frame.loc["empty", "topography_code"]), name
        assert frame.loc["sited", "topography_code"] == "C17.1", name
