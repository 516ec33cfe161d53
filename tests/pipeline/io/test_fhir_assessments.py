"""FHIR Observation -> the assessments extract: ECOG and Karnofsky scores as mCODE and older
profiles write them, hand-built; the other assessment types stay unavailable."""

from __future__ import annotations

import pandas as pd

from pipeline.io import fhir
from pipeline.io.fhir_assessments import NO_ANSWER
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from pipeline.trial import parse_trial
from tests.pipeline.io.test_fhir import write

LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"
ECOG, KARNOFSKY = "89247-1", "89243-0"


def score(id_: str, question: str, patient: str = "p1", **fields) -> dict:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": question}]},
        "subject": {"reference": f"Patient/{patient}"},
        **fields,
    }


def answer(system: str, code: str) -> dict:
    return {"valueCodeableConcept": {"coding": [{"system": system, "code": code}]}}


def test_scores_from_integers_quantities_and_answer_codes(tmp_path):
    write(
        tmp_path,
        "Observation.000.ndjson",
        [
            score("int", ECOG, valueInteger=1, effectiveDateTime="2026-06-01T23:30:00+02:00"),
            score(
                "qty", ECOG, valueQuantity={"value": 2.0}, effectiveInstant="2026-06-02T08:00:00Z"
            ),
            score(
                "la0", ECOG, **answer(LOINC, "LA9622-7"), effectivePeriod={"start": "2026-06-03"}
            ),
            score("la5", ECOG, **answer(LOINC, "LA9627-6"), effectiveDateTime="2026-06-04"),
            score("sct3", ECOG, **answer(SNOMED, "423053003"), effectiveDateTime="2026-06-05"),
            score("kps", KARNOFSKY, valueInteger=70, effectiveDateTime="2026-06-06"),
            score(
                "kps_la", KARNOFSKY, **answer(LOINC, "LA29183-3"), effectiveDateTime="2026-06-07"
            ),
            score(
                "odd",
                ECOG,
                **answer("http://chu.example/ps", "OMS2"),
                effectiveDateTime="2026-06-08",
            ),
            score("error", ECOG, valueInteger=0, status="entered-in-error"),
            score("cancel", KARNOFSKY, valueInteger=90, status="cancelled"),
            score("hb", "718-7", valueQuantity={"value": 12.5, "unit": "g/dL"}),
        ],
    )
    raw = fhir.read_extract_fhir(tmp_path, "assessments")
    frame = raw.frame.set_index("record_id")
    assert list(frame.index) == ["int", "qty", "la0", "la5", "sct3", "kps", "kps_la", "odd"]
    assert frame["value"].tolist()[:7] == ["1", "2", "0", "5", "3", "70", "20"]
    assert pd.isna(frame.loc["odd", "value"])  # kept, then set aside by typing, counted here
    assert frame["assessment_type"].tolist() == ["ECOG"] * 5 + ["KARNOFSKY"] * 2 + ["ECOG"]
    dates = ["2026-06-01", "2026-06-02", "2026-06-03", "2026-06-04", "2026-06-05", "2026-06-06"]
    assert frame["assessed_on"].tolist()[:6] == dates  # the wall clock's day, offset dropped
    assert (frame["patient_id"] == "p1").all()
    (issue,) = raw.code_issues
    assert (issue["system"], issue["code"], issue["rows"]) == ("http://chu.example/ps", "OMS2", 1)
    assert issue["reason"] == NO_ANSWER


def test_a_score_with_a_quantity_is_no_lab_result_and_each_observation_counts_once(tmp_path):
    write(
        tmp_path,
        "Observation.000.ndjson",
        [
            score("qty", ECOG, valueQuantity={"value": 1}),
            score("int", KARNOFSKY, valueInteger=80),
            score("error", ECOG, valueInteger=0, status="entered-in-error"),
            score("hb", "718-7", valueQuantity={"value": 12.5, "unit": "g/dL"}),
            score("text", "718-7", valueString="haemolysed"),
        ],
    )
    labs = fhir.read_extract_fhir(tmp_path, "labs")
    assert labs.frame["record_id"].tolist() == ["hb"]
    assert labs.not_used == {"Observation": 2}  # the one in error, the text
    without_assessments = fhir.read_extract_fhir(tmp_path, "labs", None, ("assessments",))
    assert without_assessments.not_used == {"Observation": 4}
    assert fhir.read_extract_fhir(tmp_path, "assessments").not_used == {}  # labs count them
    alone = fhir.read_extract_fhir(tmp_path, "assessments", None, ("labs",))
    assert alone.rows_read == 2 and alone.not_used == {"Observation": 3}


def test_an_export_without_any_score_has_no_assessments_that_night(tmp_path):
    write(tmp_path, "Observation.000.ndjson", [score("hb", "718-7", valueQuantity={"value": 9})])
    raw = fhir.require_rows(
        fhir.read_extract_fhir(tmp_path, "assessments"), tmp_path, "assessments"
    )
    assert raw.rows_read == 0 and raw.path.startswith("unavailable:")
    assert "89247-1" in raw.path


def test_the_fhir_source_reads_ecog_and_karnofsky_only():
    source = parse_source_config({"kind": "fhir"}, "fhir.yaml")
    assert not source.extract_unavailable("assessments")
    assert set(source.unavailable_columns("assessments")) == {
        "assessment_type=NYHA",
        "assessment_type=LIFE_EXPECTANCY",
        "assessment_type=MENOPAUSAL_STATUS",
        "assessment_type=CONTRACEPTION",
    }


TRIAL = parse_trial(
    {
        "id": "performance",
        "title": "Performance status from FHIR",
        "criteria": [
            {
                "id": "ecog_0_2",
                "text": "ECOG 0-2 within 3 months",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "assessments",
                    "where": [{"column": "assessment_type", "op": "eq", "value": "ECOG"}],
                    "window": {"months": 3},
                    "conditions": [{"column": "value", "op": "le", "value": 2, "numeric": True}],
                },
            },
            {
                "id": "life_expectancy",
                "text": "Life expectancy >= 6 months",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "assessments",
                    "where": [
                        {"column": "assessment_type", "op": "eq", "value": "LIFE_EXPECTANCY"}
                    ],
                    "conditions": [{"column": "value", "op": "ge", "value": 6, "numeric": True}],
                },
            },
        ],
    },
    "performance.yaml",
    "0" * 64,
)


def test_a_screening_reads_the_scores_and_says_what_fhir_cannot_tell(tmp_path):
    patients = [
        {"resourceType": "Patient", "id": p, "gender": "female", "birthDate": "1960-01-01"}
        for p in ("p1", "p2", "p3", "p4", "p5")
    ]
    export = tmp_path / "export"
    export.mkdir()
    write(export, "Patient.000.ndjson", patients)
    write(
        export,
        "Observation.000.ndjson",
        [
            score("a", ECOG, "p1", valueInteger=2, effectiveDateTime="2026-06-30"),
            score("b", ECOG, "p2", valueInteger=3, effectiveDateTime="2026-06-01"),
            score("c", ECOG, "p3", valueInteger=1, effectiveDateTime="2026-03-29"),  # too old
            score("d", ECOG, "p4", valueInteger=7, effectiveDateTime="2026-06-01"),  # off scale
            score("e", ECOG, "p5", valueInteger=0, effectiveDateTime="2026-07-01"),  # after as-of
            score("hb", "718-7", "p1", valueQuantity={"value": 12.5, "unit": "g/dL"}),
        ],
    )
    config = {"kind": "fhir", "unavailable": ["pathology", "treatments"]}
    source = parse_source_config(config, "fhir.yaml")
    report = run_screening(TRIAL, export, source, pd.Timestamp("2026-06-30"), tmp_path / "r")
    ids = pd.read_parquet(report.report_dir / "reidentification.parquet")
    criteria = pd.read_parquet(report.report_dir / "criteria.parquet").merge(ids, on="pseudonym")
    ecog = criteria[criteria["criterion_id"] == "ecog_0_2"].set_index("patient_id")["status"]
    assert ecog.to_dict() == {
        "p1": "met",
        "p2": "not_met",
        "p3": "unknown",
        "p4": "unknown",
        "p5": "unknown",
    }
    life = criteria[criteria["criterion_id"] == "life_expectancy"]
    assert (life["status"] == "unknown").all()
    assert life["reason"].str.startswith("not available from this source").all()
