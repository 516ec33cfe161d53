"""FHIR Observation -> the biomarkers extract: ER, PR and HER2 as mCODE's tumour marker test
writes them (hand-built from its examples), and a screening that reads them."""

from __future__ import annotations

import pandas as pd

from pipeline.io import fhir
from pipeline.io.fhir_biomarkers import NO_RESULT
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from pipeline.trial import parse_trial
from tests.pipeline.io.test_fhir import write

LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
ER, PR, HER2 = "85337-4", "85339-0", "48676-1"
POSITIVE, NEGATIVE = (LOINC, "LA6576-8"), (LOINC, "LA6577-6")


def marker(id_: str, question: str, answer=None, patient: str = "p1", **fields) -> dict:
    value = (
        {}
        if answer is None
        else {"valueCodeableConcept": {"coding": [{"system": answer[0], "code": answer[1]}]}}
    )
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": question}]},
        "subject": {"reference": f"Patient/{patient}"},
        "effectiveDateTime": "2024-03-10",
        **value,
        **fields,
    }


def test_markers_methods_results_and_percentages(tmp_path):
    write(
        tmp_path,
        "Observation.000.ndjson",
        [
            marker("er", ER, POSITIVE, effectiveDateTime="2024-03-10T23:30:00+01:00"),
            marker("pr", PR, NEGATIVE),
            marker("her2", HER2, (SNOMED, "260385009")),
            marker("er_sct", ER, (SNOMED, "10828004")),
            marker("er_pct", ER, valueQuantity={"value": 85.0, "unit": "%", "code": "%"}),
            marker("odd", PR, ("http://chu.example/res", "FAIBLE")),
            marker("error", ER, POSITIVE, status="entered-in-error"),
            marker("hb", "718-7", valueQuantity={"value": 12.5, "unit": "g/dL"}),
        ],
    )
    raw = fhir.read_extract_fhir(tmp_path, "biomarkers")
    frame = raw.frame.set_index("record_id")
    assert list(frame.index) == ["er", "pr", "her2", "er_sct", "er_pct", "odd"]
    assert frame["marker"].tolist() == ["ER", "PR", "HER2", "ER", "ER", "PR"]
    assert frame["method"].fillna("").tolist() == ["IHC", "IHC", "", "IHC", "IHC", "IHC"]
    results = ["POSITIVE", "NEGATIVE", "NEGATIVE", "POSITIVE", "", ""]
    assert frame["result"].fillna("").tolist() == results
    assert frame.loc["er_pct", "percent_positive"] == "85"
    assert frame.loc["er", "measured_on"] == "2024-03-10"  # the day written, offset dropped
    (issue,) = raw.code_issues
    assert (issue["code"], issue["rows"], issue["reason"]) == ("FAIBLE", 1, NO_RESULT)
    labs = fhir.read_extract_fhir(tmp_path, "labs")
    assert labs.frame["record_id"].tolist() == ["hb"]  # a percentage of stained nuclei: no lab
    assert labs.not_used == {"Observation": 1}  # the one entered in error


def test_an_export_without_marker_tests_has_no_biomarkers_that_night(tmp_path):
    write(tmp_path, "Observation.000.ndjson", [marker("hb", "718-7")])
    raw = fhir.require_rows(fhir.read_extract_fhir(tmp_path, "biomarkers"), tmp_path, "biomarkers")
    assert raw.rows_read == 0 and raw.path.startswith("unavailable:") and ER in raw.path


TRIAL = parse_trial(
    {
        "id": "receptors",
        "title": "Hormone receptor positive, HER2 negative",
        "criteria": [
            {
                "id": "er_positive",
                "text": "ER positive",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "biomarkers",
                    "where": [{"column": "marker", "op": "eq", "value": "ER"}],
                    "conditions": [{"column": "result", "op": "eq", "value": "POSITIVE"}],
                },
            },
        ],
    },
    "receptors.yaml",
    "0" * 64,
)


def test_a_screening_reads_receptor_status(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    people = ("p1", "p2", "p3", "p4")
    patients = [
        {"resourceType": "Patient", "id": p, "gender": "female", "birthDate": "1960-01-01"}
        for p in people
    ]
    write(export, "Patient.000.ndjson", patients)
    write(
        export,
        "Observation.000.ndjson",
        [
            marker("a", ER, POSITIVE, "p1"),
            marker("b", ER, NEGATIVE, "p2"),
            marker("c", ER, ("http://chu.example/res", "FAIBLE"), "p3"),
            marker("d", PR, POSITIVE, "p4"),
            marker("hb", "718-7", patient="p1", valueQuantity={"value": 12.5, "unit": "g/dL"}),
        ],
    )
    config = {"kind": "fhir", "unavailable": ["pathology", "treatments"]}
    source = parse_source_config(config, "fhir.yaml")
    report = run_screening(TRIAL, export, source, pd.Timestamp("2024-06-30"), tmp_path / "r")
    ids = pd.read_parquet(report.report_dir / "reidentification.parquet")
    criteria = pd.read_parquet(report.report_dir / "criteria.parquet").merge(ids, on="pseudonym")
    status = criteria.set_index("patient_id")["status"].to_dict()
    assert status == {"p1": "met", "p2": "not_met", "p3": "unknown", "p4": "unknown"}
