# ruff: noqa: E501  (CSV fixture lines are data)
"""A second trial is a YAML file: screened correctly with no code change."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.run import run_screening
from pipeline.sources import canonical_source
from pipeline.trial import load_trial

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "trials"
AS_OF = "2026-06-30"

FILES = {
    "patients.csv": """patient_id,birth_date,sex,death_date,social_security_affiliated,childbearing_potential
A,1960-01-01,M,,true,
B,1940-06-30,F,,true,false
C,2008-06-30,F,,true,true
D,1970-03-03,M,,true,
E,1960-01-01,M,2026-06-30,true,
""",
    "pathology.csv": """record_id,patient_id,report_date,topography_code,morphology_code,grade,ki67_percent
P1,A,2015-01-01,C17.1,8240/3,G1,1.5
""",
    "labs.csv": """record_id,patient_id,loinc_code,value_raw,unit,collected_at
L1,A,777-3,100,G/L,2026-06-16 08:00
L2,B,777-3,99999,/mm3,2026-06-29 08:00
L3,C,777-3,>150,10^9/L,2026-06-30 23:00
L4,D,777-3,250000,/mm3,2026-06-15 08:00
L5,E,777-3,100,G/L,2026-06-16 08:00
""",
    "imaging_studies.csv": """study_id,patient_id,study_date,modality,sstr_tracer,sstr_positive_percent,uptake_vs_liver,krenning_score,recist_response
S1,A,2026-06-01,CT,,,,,SD
""",
    "imaging_lesions.csv": """lesion_id,study_id,patient_id,is_lymph_node,longest_diameter_mm,short_axis_mm
X1,S1,A,false,12.5,
""",
    "treatments.csv": """record_id,patient_id,atc_code,administered_on,activity_mbq
T1,D,V10XX04,2024-01-01,7400
T2,C,V10XX04,2026-07-01,7400
""",
    "assessments.csv": """record_id,patient_id,assessed_on,assessment_type,value
E1,A,2026-06-01,ECOG,1
E2,B,2026-05-30,ECOG,0
E3,C,2026-06-10,ECOG,2
E4,D,2026-06-20,ECOG,0
E5,E,2026-06-01,ECOG,1
""",
    "tumour_board.csv": """decision_id,patient_id,decision_date,board,decision,reimbursement_scope
R1,A,2026-01-01,RCP,SURVEILLANCE,true
""",
}

# Expected, worked out by hand from the fixture above and the trial's text:
# The first criterion is the implicit vital status (alive on the as-of date).
EXPECTED = {
    # A: 66 y; platelets 100 G/L exactly 14 days old; ECOG 1; no PRRT.
    "A": ("candidate", ["met", "met", "met", "met", "met"]),
    # B: 86th birthday today (> 75); 99,999/mm3 < 100 G/L; ECOG 0 on 30/05 = 1 month ago.
    "B": ("not_eligible", ["met", "not_met", "not_met", "met", "met"]),
    # C: 18 today; '>150' 10^9/L meets >= 100; ECOG 2; PRRT after the as-of date is ignored.
    "C": ("not_eligible", ["met", "met", "met", "not_met", "met"]),
    # D: platelets 15 days old (outside 14 days): unknown; prior PRRT: excluded.
    "D": ("not_eligible", ["met", "met", "unknown", "met", "not_met"]),
    # E: A's data, but died on the as-of date: never listed, whatever else is met.
    "E": ("not_eligible", ["not_met", "met", "met", "met", "met"]),
}


def test_second_trial_screens_correctly_without_code(tmp_path):
    exports = tmp_path / "exports"
    exports.mkdir()
    for name, text in FILES.items():
        (exports / name).write_text(text, encoding="utf-8")
    source = canonical_source()
    source = type(source)(
        source.hospital,
        source.kind,
        {n: type(e)(**{**e.__dict__, "file": f"{n}.csv"}) for n, e in source.extracts.items()},
    )
    trial = load_trial(FIXTURE / "net-maintenance-example.yaml")
    result = run_screening(trial, exports, source, pd.Timestamp(AS_OF), tmp_path / "out")

    reid = pd.read_parquet(result.report_dir / "reidentification.parquet")
    criteria = pd.read_parquet(result.report_dir / "criteria.parquet").merge(reid)
    candidates = pd.read_parquet(result.report_dir / "candidates.parquet").merge(reid)
    for patient, (overall, statuses) in EXPECTED.items():
        got = criteria[criteria["patient_id"] == patient].sort_values("criterion_order")
        assert got["status"].tolist() == statuses, patient
        row = candidates[candidates["patient_id"] == patient].iloc[0]
        assert row["overall_status"] == overall, patient
