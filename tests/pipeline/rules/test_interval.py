"""`interval`: end of the first course to the first progression after it."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule

LUTATHERA = "V10XX04"
COURSE = ["2023-01-10", "2023-03-07", "2023-05-02", "2023-06-27"]  # ends 2023-06-27


def treatments(dates: list[str]) -> list[dict]:
    return [
        {"record_id": f"T{i}", "patient_id": "P1", "atc_code": LUTATHERA, "administered_on": d}
        for i, d in enumerate(dates)
    ]


def study(study_id: str, date: str, response: str | None) -> dict:
    return {
        "study_id": study_id,
        "patient_id": "P1",
        "study_date": date,
        "modality": "CT",
        "recist_response": response,
    }


@pytest.fixture
def control(make_data, lutathera):
    def run(studies: list[dict], dates: list[str] = COURSE, quarantined: list | None = None):
        data = make_data(
            [{"patient_id": "P1"}],
            as_of=pd.Timestamp("2026-06-15"),
            treatments=treatments(dates),
            imaging_studies=studies,
            quarantined={"imaging_studies": quarantined} if quarantined else None,
        )
        return lutathera["disease_control_12_months"].rule.evaluate(data)

    return run


def test_exactly_12_calendar_months_is_met(control, status):
    evidence = control([study("S1", "2024-06-27", "PD")])
    assert status(evidence, "P1") == "met"
    assert evidence.loc["P1", "value"] == 12
    assert evidence.loc["P1", "record_date"] == pd.Timestamp("2024-06-27")


def test_one_day_less_than_12_months_is_not_met(control, status):
    evidence = control([study("S1", "2024-06-26", "PD")])
    assert status(evidence, "P1") == "not_met"
    assert evidence.loc["P1", "value"] == 11


def test_month_end_course_end_uses_calendar_months(control, status):
    # 2023-08-31 + 12 months = 2024-08-31.
    dates = ["2023-03-15", "2023-05-10", "2023-07-05", "2023-08-31"]
    assert status(control([study("S1", "2024-08-30", "PD")], dates), "P1") == "not_met"
    assert status(control([study("S1", "2024-08-31", "PD")], dates), "P1") == "met"


def test_no_progression_is_unknown(control, status):
    evidence = control([study("S1", "2024-09-01", "SD")])
    assert status(evidence, "P1") == "unknown"


def test_progression_before_the_course_end_is_ignored(control, status):
    evidence = control([study("S0", "2023-04-01", "PD"), study("S1", "2024-09-01", "PD")])
    assert status(evidence, "P1") == "met"
    assert evidence.loc["P1", "record_date"] == pd.Timestamp("2024-09-01")


def test_progression_on_the_course_end_day_is_not_after_it(control, status):
    evidence = control([study("S0", "2023-06-27", "PD")])
    assert status(evidence, "P1") == "unknown"


def test_first_progression_after_the_course_decides(control, status):
    evidence = control([study("S1", "2024-01-10", "PD"), study("S2", "2025-01-10", "PD")])
    assert status(evidence, "P1") == "not_met"
    assert evidence.loc["P1", "record_date"] == pd.Timestamp("2024-01-10")


def test_no_treatment_course_is_unknown(control, status):
    evidence = control([study("S1", "2024-09-01", "PD")], dates=[])
    assert status(evidence, "P1") == "unknown"
    assert evidence.loc["P1", "reason"] == "no starting treatment course"


def test_interval_runs_from_the_first_course_not_a_retreatment(control, status):
    dates = [*COURSE, "2025-01-10"]  # a second course after a gap > 120 days
    evidence = control([study("S1", "2024-07-01", "PD")], dates)
    assert status(evidence, "P1") == "met"


def test_set_aside_later_study_makes_absence_unknown_not_to_confirm(make_data, status):
    rule = parse_rule(
        {
            "primitive": "interval",
            "from": {"event": "treatment_course", "atc_codes": [LUTATHERA]},
            "to": {
                "extract": "imaging_studies",
                "where": [{"column": "recist_response", "op": "eq", "value": "PD"}],
            },
            "when_absent": "to_confirm",
        },
        "test",
    )
    base = {"treatments": treatments(COURSE)}
    plain = rule.evaluate(make_data([{"patient_id": "P1"}], **base))
    doubtful = rule.evaluate(
        make_data(
            [{"patient_id": "P1"}],
            quarantined={"imaging_studies": [study("S9", "2024-09-01", "PD")]},
            **base,
        )
    )
    assert status(plain, "P1") == "to_confirm"
    assert status(doubtful, "P1") == "unknown"


def test_without_bounds_any_later_event_is_met(make_data, status, lutathera):
    data = make_data(
        [{"patient_id": "P1"}],
        treatments=treatments(COURSE),
        imaging_studies=[study("S1", "2023-08-01", "PD")],
    )
    evidence = lutathera["progression_after_first_prrt"].rule.evaluate(data)
    assert status(evidence, "P1") == "met"


@pytest.mark.parametrize(
    "spec",
    [
        {"from": {"event": "birth"}, "to": {"extract": "imaging_studies"}},
        {"from": {"event": "treatment_course", "atc_codes": ["X"]}, "to": {"extract": "nope"}},
        {
            "from": {"event": "treatment_course", "atc_codes": ["X"], "at": "middle"},
            "to": {"extract": "imaging_studies"},
        },
    ],
)
def test_invalid_interval_rule_is_a_config_error(spec):
    with pytest.raises(ConfigError):
        parse_rule({"primitive": "interval", **spec}, "test")
