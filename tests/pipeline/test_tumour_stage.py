"""The optional tumour_stage extract (contract 1.10.0): TNM categories and the stage group,
typed against their shapes, read by the existing primitives ("stage IV", "M1")."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.run import run_screening
from pipeline.sources import canonical_source
from pipeline.trial import parse_trial
from tests.e2e.test_second_trial import AS_OF, FILES

STAGES = """record_id,patient_id,staged_on,system,basis,t_category,n_category,m_category,stage_group
T1,A,2025-01-10,AJCC8,CLINICAL,T3,N1,M0,IIIB
T2,A,2026-05-02,AJCC8,CLINICAL,T3,N1,M1b,IV
T3,B,2025-01-10,AJCC8,PATHOLOGICAL,T2,N0,M1a,IV
T4,B,2026-05-02,AJCC8,CLINICAL,Tis,N0,M0,IIIB
T5,C,2026-05-02,UICC8,CLINICAL,T5,N0,M0,V
T6,D,2026-04-01,ENETS,CLINICAL,t4,n1a,m1c,iva
"""
TRIAL = parse_trial(
    {
        "id": "stage",
        "title": "Advanced disease",
        "exclude_deceased": False,
        "criteria": [
            {
                "id": "stage_iv",
                "text": "Stage IV at the latest staging",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "tumour_stage",
                    "conditions": [
                        {"column": "stage_group", "op": "in", "value": ["IV", "IVA", "IVB", "IVC"]}
                    ],
                },
            },
            {
                "id": "ever_m1",
                "text": "Distant metastasis at any staging",
                "rule": {
                    "primitive": "record_count",
                    "extract": "tumour_stage",
                    "where": [
                        {"column": "m_category", "op": "in", "value": ["M1", "M1A", "M1B", "M1C"]}
                    ],
                    "at_least": 1,
                },
            },
        ],
    },
    "stage.yaml",
    "0" * 64,
)


def _source():
    source = canonical_source()
    extracts = {
        n: type(e)(**{**e.__dict__, "file": f"{n}.csv"}) for n, e in source.extracts.items()
    }
    return type(source)(source.hospital, source.kind, extracts)


def _screen(tmp_path, stages: str | None):
    exports = tmp_path / "exports"
    exports.mkdir()
    for name, text in FILES.items():
        (exports / name).write_text(text, encoding="utf-8")
    if stages is not None:
        (exports / "tumour_stage.csv").write_text(stages, encoding="utf-8")
    result = run_screening(TRIAL, exports, _source(), pd.Timestamp(AS_OF), tmp_path / "out")
    reid = pd.read_parquet(result.report_dir / "reidentification.parquet")
    criteria = pd.read_parquet(result.report_dir / "criteria.parquet").merge(reid)
    manifest = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    return criteria.set_index(["patient_id", "criterion_id"])["status"], manifest


@pytest.mark.parametrize(
    ("patient", "stage_iv", "ever_m1"),
    [
        ("A", "met", "met"),  # IIIB then IV: the latest decides
        ("B", "not_met", "met"),  # IV then IIIB (Tis): the latest is not IV; M1a once
        ("C", "unknown", "not_met"),  # T5, stage V: set aside, but its M0 could never count
        ("D", "met", "met"),  # lower-case codes are the same codes (IVA, M1C)
        ("E", "unknown", "not_met"),  # never staged
    ],
)
def test_stage_and_metastasis_criteria(tmp_path, patient, stage_iv, ever_m1):
    status, _ = _screen(tmp_path, STAGES)
    assert status[(patient, "stage_iv")] == stage_iv
    assert status[(patient, "ever_m1")] == ever_m1


def test_a_row_off_the_shapes_is_set_aside_with_its_rule(tmp_path):
    status, manifest = _screen(tmp_path, STAGES)
    account = manifest["extracts"]["tumour_stage"]
    assert (account["rows_read"], account["rows_quarantined"]) == (6, 1)
    # C's only row is set aside: the latest stage cannot be read, so stage IV is unknown
    assert status[("C", "stage_iv")] == "unknown"


def test_a_folder_without_the_file_has_no_stage_that_night(tmp_path):
    status, manifest = _screen(tmp_path, None)
    assert manifest["unavailable"].get("tumour_stage") == "all"
    assert (status.xs("stage_iv", level="criterion_id") == "unknown").all()
