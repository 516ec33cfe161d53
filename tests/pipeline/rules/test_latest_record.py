"""`latest_record`: the latest matching record in a window must meet the conditions."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule

PATIENT = {"patient_id": "P1"}


def board(decision_id: str, date: str, decision: str, scope: bool | None) -> dict:
    return {
        "decision_id": decision_id,
        "patient_id": "P1",
        "decision_date": date,
        "board": "RCP",
        "decision": decision,
        "reimbursement_scope": scope,
    }


def assessment(rid: str, date: str, kind: str, value: str | None) -> dict:
    return {
        "record_id": rid,
        "patient_id": "P1",
        "assessed_on": date,
        "assessment_type": kind,
        "value": value,
    }


def sstr(study_id: str, date: str, percent: float | None, uptake: str | None) -> dict:
    return {
        "study_id": study_id,
        "patient_id": "P1",
        "study_date": date,
        "modality": "PET",
        "sstr_tracer": "68GA-DOTATATE",
        "sstr_positive_percent": percent,
        "uptake_vs_liver": uptake,
    }


@pytest.fixture
def check(make_data, status, lutathera):
    def run(criterion: str, **extracts) -> str:
        data = make_data([PATIENT], **extracts)
        return status(lutathera[criterion].rule.evaluate(data), "P1")

    return run


# Latest record in the window wins
def test_latest_record_in_window_wins(check, ago):
    rows = [
        board("D1", ago(100), "SURVEILLANCE", True),
        board("D2", ago(10), "PRRT_RETREATMENT", True),
    ]
    assert check("retreatment_decision", tumour_board=rows) == "met"


def test_latest_failing_record_wins_over_older_passing_one(check, ago):
    rows = [
        board("D1", ago(100), "PRRT_RETREATMENT", True),
        board("D2", ago(10), "SURVEILLANCE", True),
    ]
    assert check("retreatment_decision", tumour_board=rows) == "not_met"


def test_record_after_the_as_of_date_is_ignored(check, ago):
    rows = [
        board("D1", ago(10), "PRRT_RETREATMENT", True),
        board("D2", ago(-3), "SURVEILLANCE", True),
    ]
    assert check("retreatment_decision", tumour_board=rows) == "met"


def test_same_day_records_are_tie_broken_by_record_id(check, ago):
    rows = [
        board("D2", ago(10), "SURVEILLANCE", True),
        board("D1", ago(10), "PRRT_RETREATMENT", True),
    ]
    assert check("retreatment_decision", tumour_board=rows) == "not_met"


def test_record_outside_the_window_is_absent(check, ago):
    rows = [board("D1", ago(200), "PRRT_RETREATMENT", True)]
    assert check("retreatment_decision", tumour_board=rows) == "unknown"


def test_missing_value_in_a_condition_column_is_unknown(make_data, status, lutathera, ago):
    data = make_data([PATIENT], tumour_board=[board("D1", ago(10), "PRRT_RETREATMENT", None)])
    evidence = lutathera["retreatment_decision"].rule.evaluate(data)
    assert status(evidence, "P1") == "unknown"
    assert "lacks a value" in evidence.loc["P1", "reason"]


def test_missing_value_does_not_hide_a_failing_condition(check, ago):
    rows = [board("D1", ago(10), "SURVEILLANCE", None)]
    assert check("retreatment_decision", tumour_board=rows) == "not_met"


def test_where_selects_the_record_type(check, ago):
    rows = [
        assessment("A1", ago(20), "ECOG", "1"),
        assessment("A2", ago(5), "LIFE_EXPECTANCY", "3"),
    ]
    assert check("ecog_0_2", assessments=rows) == "met"


@pytest.mark.parametrize(("ecog", "expected"), [("2", "met"), ("3", "not_met"), ("", "unknown")])
def test_ecog_numeric_condition(check, ago, ecog, expected):
    value = ecog or None
    rows = [assessment("A1", ago(20), "ECOG", value)]
    assert check("ecog_0_2", assessments=rows) == expected


KARNOFSKY_60 = {
    "primitive": "latest_record",
    "extract": "assessments",
    "where": [{"column": "assessment_type", "op": "eq", "value": "KARNOFSKY"}],
    "window": {"days": 28},
    "conditions": [{"column": "value", "op": "ge", "value": 60, "numeric": True}],
}
NYHA_AT_MOST_2 = {
    **KARNOFSKY_60,
    "where": [{"column": "assessment_type", "op": "eq", "value": "NYHA"}],
    "conditions": [{"column": "value", "op": "le", "value": 2, "numeric": True}],
}


@pytest.mark.parametrize(
    ("spec", "kind", "value", "expected"),
    [
        # "Karnofsky performance score >= 60" (NETTER-2): the boundary is met
        (KARNOFSKY_60, "KARNOFSKY", "60", "met"),
        (KARNOFSKY_60, "KARNOFSKY", "50", "not_met"),
        (KARNOFSKY_60, "ECOG", "1", "unknown"),  # an ECOG is not a Karnofsky score
        # "NYHA class III or IV" excludes: class II is within, III is not
        (NYHA_AT_MOST_2, "NYHA", "2", "met"),
        (NYHA_AT_MOST_2, "NYHA", "3", "not_met"),
    ],
)
def test_karnofsky_and_nyha_are_assessments_like_ecog(
    make_data, status, ago, spec, kind, value, expected
):
    data = make_data([PATIENT], assessments=[assessment("A1", ago(28), kind, value)])
    rule = parse_rule(spec, "test criterion")
    assert status(rule.evaluate(data), "P1") == expected


def test_when_absent_to_confirm_is_honoured(check, ago):
    rows = [assessment("A1", ago(20), "ECOG", "1")]
    assert check("life_expectancy_6_months", assessments=rows) == "to_confirm"


def test_when_absent_to_confirm_yields_to_a_record(check, ago):
    rows = [assessment("A1", ago(20), "LIFE_EXPECTANCY", "4")]
    assert check("life_expectancy_6_months", assessments=rows) == "not_met"


def test_set_aside_row_that_was_the_only_evidence_is_unknown(make_data, status, lutathera, ago):
    data = make_data(
        [PATIENT],
        quarantined={"assessments": [assessment("A1", ago(20), "LIFE_EXPECTANCY", "12")]},
    )
    evidence = lutathera["life_expectancy_6_months"].rule.evaluate(data)
    assert status(evidence, "P1") == "unknown"
    assert "set aside" in evidence.loc["P1", "reason"]


def test_set_aside_row_with_an_unreadable_date_still_counts_as_set_aside(
    make_data, status, lutathera
):
    row = assessment("A1", None, "LIFE_EXPECTANCY", "12")
    data = make_data([PATIENT], quarantined={"assessments": [row]})
    evidence = lutathera["life_expectancy_6_months"].rule.evaluate(data)
    assert status(evidence, "P1") == "unknown"


def test_set_aside_row_of_another_type_is_not_evidence(make_data, status, lutathera, ago):
    data = make_data(
        [PATIENT], quarantined={"assessments": [assessment("A1", ago(20), "ECOG", "1")]}
    )
    evidence = lutathera["life_expectancy_6_months"].rule.evaluate(data)
    assert status(evidence, "P1") == "to_confirm"


def test_an_older_set_aside_row_does_not_override_the_latest_accepted_record(
    make_data, status, lutathera, ago
):
    data = make_data(
        [PATIENT],
        assessments=[assessment("A1", ago(20), "LIFE_EXPECTANCY", "12")],
        quarantined={"assessments": [assessment("A2", ago(30), "LIFE_EXPECTANCY", "?")]},
    )
    evidence = lutathera["life_expectancy_6_months"].rule.evaluate(data)
    assert status(evidence, "P1") == "met"


def test_a_later_set_aside_row_makes_the_latest_record_unknown(make_data, status, lutathera, ago):
    """The latest record decides: when it was set aside, what it said is unknown (the older
    accepted one may no longer hold), and the reason names it."""
    data = make_data(
        [PATIENT],
        assessments=[assessment("A1", ago(30), "LIFE_EXPECTANCY", "12")],
        quarantined={"assessments": [assessment("A2", ago(20), "LIFE_EXPECTANCY", "?")]},
    )
    evidence = lutathera["life_expectancy_6_months"].rule.evaluate(data)
    assert status(evidence, "P1") == "unknown"
    assert evidence.loc["P1", "reason"] == (
        f"LIFE_EXPECTANCY assessment of {ago(20)} set aside by data quality: test.rule"
    )


# SSTR imaging, window of 4 calendar months
def test_sstr_study_exactly_4_months_old_counts(check):
    # as-of 2026-06-15: four calendar months before is 2026-02-15.
    assert check(
        "sstr_imaging_positive", imaging_studies=[sstr("S1", "2026-02-15", 95, "ABOVE")]
    ) == ("met")


def test_sstr_study_4_months_and_1_day_old_is_absent(check):
    rows = [sstr("S1", "2026-02-14", 95, "ABOVE")]
    assert check("sstr_imaging_positive", imaging_studies=rows) == "unknown"


@pytest.mark.parametrize(
    ("percent", "uptake", "expected"),
    [
        (89, "ABOVE", "not_met"),
        (89.9, "EQUAL", "not_met"),
        (90, "ABOVE", "met"),
        (90, "EQUAL", "met"),
        (100, "BELOW", "not_met"),
        (None, "ABOVE", "unknown"),
        (95, None, "unknown"),
    ],
)
def test_sstr_positivity_and_uptake(check, ago, percent, uptake, expected):
    rows = [sstr("S1", ago(30), percent, uptake)]
    assert check("sstr_imaging_positive", imaging_studies=rows) == expected


def test_ct_is_not_an_sstr_study(check, ago):
    row = sstr("S1", ago(30), 95, "ABOVE") | {"modality": "CT"}
    assert check("sstr_imaging_positive", imaging_studies=[row]) == "unknown"


def test_evidence_names_the_record_date_and_value(make_data, lutathera, ago):
    data = make_data([PATIENT], assessments=[assessment("A1", ago(20), "ECOG", "1")])
    row = lutathera["ecog_0_2"].rule.evaluate(data).loc["P1"]
    assert row["raw_value"] == "1"
    assert row["value"] == 1
    assert row["record_date"] == pd.Timestamp(ago(20))


@pytest.mark.parametrize(
    "spec",
    [
        {"extract": "imaging_lesions", "conditions": [{"column": "x", "op": "eq", "value": 1}]},
        {"extract": "assessments"},
        {"extract": "assessments", "conditions": [{"column": "value", "op": "like"}]},
        {
            "extract": "assessments",
            "conditions": [{"column": "value", "op": "eq", "value": "1"}],
            "when_absent": "met",
        },
    ],
)
def test_invalid_latest_record_rule_is_a_config_error(spec):
    with pytest.raises(ConfigError):
        parse_rule({"primitive": "latest_record", **spec}, "test")
