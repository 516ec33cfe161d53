"""`derived_measure`: eGFR by CKD-EPI 2021 from the latest creatinine, age at the sample and
sex. Expected values were worked out by hand from the published equation (Inker et al., NEJM
2021), not by the code under test; a 50-year-old man at 1.0 mg/dL is the equation's
commonly quoted 92 mL/min/1.73 m²."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule
from pipeline.rules.derived import egfr_ckd_epi_2021
from pipeline.trial import load_trial

CREATININE = "2160-0"


@pytest.mark.parametrize(
    ("mg_dl", "age", "female", "expected"),
    [
        (1.0, 50, False, 91.7),  # 142 × (1/0.9)^-1.2 × 0.9938^50
        (0.8, 60, True, 84.3),  # 142 × (0.8/0.7)^-1.2 × 0.9938^60 × 1.012
        (0.5, 40, True, 121.5),  # below κ: 142 × (0.5/0.7)^-0.241 × 0.9938^40 × 1.012
        (0.9, 30, False, 117.8),  # at κ: 142 × 0.9938^30
    ],
)
def test_the_equation_against_hand_worked_values(mg_dl, age, female, expected):
    got = egfr_ckd_epi_2021(np.array([mg_dl]), np.array([float(age)]), np.array([female]))
    assert got[0] == pytest.approx(expected, abs=0.1)


def rule(comparator: str = ">=", threshold: float = 60, **extra) -> object:
    spec = {
        "primitive": "derived_measure",
        "measure": "egfr_ckd_epi_2021",
        "operator": comparator,
        "threshold": threshold,
        "window": {"days": 28},
        **extra,
    }
    return parse_rule(spec, "t.yaml: criterion 'renal'")


@pytest.fixture
def patients(make_data, ago):
    def creatinine(pid: str, value: str, unit: str, days: int = 3) -> dict:
        return {
            "record_id": f"L-{pid}",
            "patient_id": pid,
            "loinc_code": CREATININE,
            "value_raw": value,
            "unit": unit,
            "collected_at": ago(days),
        }

    people = [
        # 60 on 2026-06-15 (the as-of date); 0.8 mg/dL = 70.736 µmol/L
        {"patient_id": "woman_60", "sex": "F", "birth_date": "1966-06-01"},
        {"patient_id": "man_50", "sex": "M", "birth_date": "1976-01-01"},
        {"patient_id": "man_70_low", "sex": "M", "birth_date": "1956-01-01"},
        {"patient_id": "man_70_high", "sex": "M", "birth_date": "1956-01-01"},
        {"patient_id": "no_birth_date", "sex": "M", "birth_date": None},
        {"patient_id": "no_result", "sex": "F", "birth_date": "1966-06-01"},
        {"patient_id": "old_result", "sex": "F", "birth_date": "1966-06-01"},
    ]
    labs = [
        creatinine("woman_60", "70.736", "umol/L"),
        creatinine("man_50", "1.0", "mg/dL"),
        creatinine("man_70_low", "<40", "umol/L"),  # eGFR > 113
        creatinine("man_70_high", ">200", "umol/L"),  # eGFR < 30.4
        creatinine("no_birth_date", "1.0", "mg/dL"),
        creatinine("old_result", "0.8", "mg/dL", days=29),  # outside the 28-day window
    ]
    return make_data(people, labs=labs)


@pytest.mark.parametrize(
    ("patient", "comparator", "threshold", "expected"),
    [
        ("woman_60", ">=", 60, "met"),
        ("woman_60", ">=", 84.4, "not_met"),
        ("man_50", ">=", 92, "not_met"),
        ("man_50", ">", 91.6, "met"),
        ("man_70_low", ">=", 60, "met"),  # whatever the creatinine under 40 µmol/L
        ("man_70_low", ">=", 120, "unknown"),
        ("man_70_high", ">=", 60, "not_met"),
        ("man_70_high", ">=", 20, "unknown"),
        ("no_birth_date", ">=", 60, "unknown"),
        ("no_result", ">=", 60, "unknown"),
        ("old_result", ">=", 60, "unknown"),
    ],
)
def test_egfr_against_a_threshold(patients, status, patient, comparator, threshold, expected):
    assert status(rule(comparator, threshold).evaluate(patients), patient) == expected


def test_the_evidence_shows_the_inputs_used(patients):
    evidence = rule().evaluate(patients)
    woman = evidence.loc["woman_60"]
    assert woman["value"] == pytest.approx(84.3, abs=0.05)
    assert woman["unit"] == "mL/min/1.73m2"
    assert "creatinine 70.736 umol/L" in woman["raw_value"]
    assert "age 60" in woman["raw_value"]
    assert "sex F" in woman["raw_value"]
    assert "eGFR (CKD-EPI 2021)" in woman["reason"]
    assert "birth date needed" in evidence.loc["no_birth_date", "reason"]
    assert "no creatinine result" in evidence.loc["no_result", "reason"]


def test_age_is_taken_at_the_sample_not_the_as_of_date(make_data, status, ago):
    """Turning 60 between the sample and the as-of date: the sample's age (59) is used."""
    data = make_data(
        [{"patient_id": "p", "sex": "F", "birth_date": "1966-06-10"}],
        labs=[
            {
                "record_id": "L",
                "patient_id": "p",
                "loinc_code": CREATININE,
                "value_raw": "0.8",
                "unit": "mg/dL",
                "collected_at": ago(10),
            }
        ],
    )
    evidence = rule().evaluate(data)
    assert "age 59" in evidence.loc["p", "raw_value"]
    assert evidence.loc["p", "value"] == pytest.approx(84.8, abs=0.05)  # 84.3 / 0.9938


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"measure": "cockroft"}, "unknown measure 'cockroft'"),
        ({"unit": "mL/min"}, "is in mL/min/1.73m2"),
        ({"operator": "=="}, "operator must be one of"),
    ],
)
def test_a_wrong_measure_is_refused_at_load(extra, message):
    with pytest.raises(ConfigError, match=message):
        rule(**extra)


def test_a_trial_reading_egfr_keeps_only_creatinine_among_the_labs(tmp_path):
    path = tmp_path / "renal.yaml"
    path.write_text(
        "id: renal\ntitle: renal\ncriteria:\n"
        "  - id: egfr\n    rule: {primitive: derived_measure, measure: egfr_ckd_epi_2021,\n"
        "                 operator: '>=', threshold: 60, window: {days: 28}}\n",
        encoding="utf-8",
    )
    assert load_trial(path).lab_analytes_read() == frozenset({"creatinine"})
