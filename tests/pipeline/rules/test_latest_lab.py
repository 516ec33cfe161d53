"""`latest_lab` against the Lutathera bone-marrow and pregnancy-test thresholds."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule

HB, NEUT, PLT, HCG = "718-7", "751-8", "777-3", "21198-7"
WOMAN = {"patient_id": "P1", "sex": "F", "childbearing_potential": True}


def lab(value: str, unit: str | None, loinc: str, collected: str, rid: str = "L1") -> dict:
    return {
        "record_id": rid,
        "patient_id": "P1",
        "loinc_code": loinc,
        "value_raw": value,
        "unit": unit,
        "collected_at": collected,
    }


@pytest.fixture
def check(make_data, status, ago, lutathera):
    """Status of one criterion's rule for P1 with the given lab rows."""

    def run(criterion: str, *rows: dict) -> str:
        data = make_data([WOMAN], labs=list(rows))
        return status(lutathera[criterion].rule.evaluate(data), "P1")

    return run


# Haemoglobin > 8 g/dL
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("8", "g/dL", "not_met"),
        ("80", "g/L", "not_met"),
        ("8.1", "g/dL", "met"),
        ("81", "g/L", "met"),
        ("6.2", "mmol/L", "met"),  # 9.99 g/dL
        ("4.9", "mmol/L", "not_met"),  # 7.90 g/dL
        ("<9", "g/dL", "unknown"),
        ("<8", "g/dL", "not_met"),
        ("<=8", "g/dL", "not_met"),
        (">10", "g/dL", "met"),
        (">8", "g/dL", "met"),
        (">=8", "g/dL", "unknown"),
        (">7", "g/dL", "unknown"),
    ],
)
def test_haemoglobin_above_8(check, ago, value, unit, expected):
    assert check("haemoglobin_above_8", lab(value, unit, HB, ago(3))) == expected


# Neutrophils >= 1500/mm3
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("1500", "/mm3", "met"),
        ("1.5", "G/L", "met"),
        ("1.5", "10^9/L", "met"),
        ("1.5", "10^3/µL", "met"),
        ("1499", "/mm3", "not_met"),
        ("1.499", "G/L", "not_met"),
        ("<1", "G/L", "not_met"),
        ("<1.5", "G/L", "not_met"),
        ("<=1.5", "G/L", "unknown"),
        (">=1.5", "G/L", "met"),
        (">1.4", "G/L", "unknown"),
    ],
)
def test_neutrophils_at_least_1500(check, ago, value, unit, expected):
    assert check("neutrophils_1500", lab(value, unit, NEUT, ago(3))) == expected


# Platelets >= 80 000/mm3
@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        ("80000", "/mm3", "met"),
        ("80", "G/L", "met"),
        ("79.9", "G/L", "not_met"),
        ("79999", "/mm3", "not_met"),
    ],
)
def test_platelets_at_least_80000(check, ago, value, unit, expected):
    assert check("platelets_80000", lab(value, unit, PLT, ago(3))) == expected


# Window of 28 days
def test_result_exactly_28_days_old_counts(check, ago):
    assert check("haemoglobin_above_8", lab("12", "g/dL", HB, ago(28))) == "met"


def test_result_with_a_time_28_days_ago_counts(check, ago):
    assert check("haemoglobin_above_8", lab("12", "g/dL", HB, ago(28) + " 23:59")) == "met"


def test_result_29_days_old_does_not_count(check, ago):
    assert check("haemoglobin_above_8", lab("12", "g/dL", HB, ago(29))) == "unknown"


def test_result_after_the_as_of_date_is_ignored(check, ago):
    assert check("haemoglobin_above_8", lab("12", "g/dL", HB, ago(-1))) == "unknown"


def test_result_later_on_the_as_of_day_counts(check, ago):
    assert check("haemoglobin_above_8", lab("12", "g/dL", HB, ago(0) + " 18:30")) == "met"


def test_later_result_after_as_of_does_not_replace_the_latest_in_window(check, ago):
    rows = (lab("12", "g/dL", HB, ago(5), "L1"), lab("7", "g/dL", HB, ago(-2), "L2"))
    assert check("haemoglobin_above_8", *rows) == "met"


def test_latest_result_wins_over_an_older_failing_one(check, ago):
    rows = (lab("7", "g/dL", HB, ago(20), "L1"), lab("12", "g/dL", HB, ago(2), "L2"))
    assert check("haemoglobin_above_8", *rows) == "met"


def test_latest_failing_result_wins_over_an_older_passing_one(check, ago):
    rows = (lab("12", "g/dL", HB, ago(20), "L1"), lab("7", "g/dL", HB, ago(2), "L2"))
    assert check("haemoglobin_above_8", *rows) == "not_met"


def test_other_analytes_are_not_evidence(check, ago):
    assert check("haemoglobin_above_8", lab("1500", "/mm3", NEUT, ago(2))) == "unknown"


# Beta-hCG within 4 days, negative below 5 IU/L
def test_hcg_4_days_old_counts(check, ago):
    assert check("negative_pregnancy_test", lab("1", "IU/L", HCG, ago(4))) == "met"


def test_hcg_5_days_old_is_to_confirm(check, ago):
    assert check("negative_pregnancy_test", lab("1", "IU/L", HCG, ago(5))) == "to_confirm"


def test_hcg_positive_is_not_met(check, ago):
    assert check("negative_pregnancy_test", lab("150", "IU/L", HCG, ago(1))) == "not_met"


def test_hcg_below_detection_in_mui_per_ml_is_met(check, ago):
    assert check("negative_pregnancy_test", lab("<2", "mUI/mL", HCG, ago(1))) == "met"


def test_hcg_exactly_5_is_not_met(check, ago):
    assert check("negative_pregnancy_test", lab("5", "UI/L", HCG, ago(1))) == "not_met"


# Evidence and data quality
def test_evidence_carries_raw_value_canonical_value_and_date(make_data, ago, lutathera):
    data = make_data([WOMAN], labs=[lab("81", "g/L", HB, ago(3))])
    evidence = lutathera["haemoglobin_above_8"].rule.evaluate(data)
    row = evidence.loc["P1"]
    assert row["raw_value"] == "81 g/L"
    assert row["value"] == pytest.approx(8.1)
    assert row["unit"] == "g/dL"
    assert str(row["record_date"].date()) == ago(3)


def test_set_aside_result_that_was_the_only_evidence_gives_unknown(make_data, status, ago):
    rule = parse_rule(
        {
            "primitive": "latest_lab",
            "analyte": "haemoglobin",
            "operator": ">",
            "threshold": 8,
            "window": {"days": 28},
            "when_absent": "to_confirm",
        },
        "test",
    )
    data = make_data([WOMAN], quarantined={"labs": [lab("9", "mg/mL", HB, ago(3))]})
    evidence = rule.evaluate(data)
    assert status(evidence, "P1") == "unknown"
    assert "set aside" in evidence.loc["P1", "reason"]


def test_threshold_unit_is_converted(make_data, status, ago):
    rule = parse_rule(
        {"primitive": "latest_lab", "analyte": "haemoglobin", "operator": ">", "threshold": 80}
        | {"unit": "g/L", "window": {"days": 28}},
        "test",
    )
    assert status(rule.evaluate(make_data([WOMAN], labs=[lab("8", "g/dL", HB, ago(1))])), "P1") == (
        "not_met"
    )
    assert status(
        rule.evaluate(make_data([WOMAN], labs=[lab("8.1", "g/dL", HB, ago(1))])), "P1"
    ) == ("met")


@pytest.mark.parametrize(
    "spec",
    [
        {"analyte": "unobtainium", "operator": ">", "threshold": 1},
        {"analyte": "haemoglobin", "operator": "!=", "threshold": 1},
        {"analyte": "haemoglobin", "operator": ">", "threshold": 1, "unit": "furlongs"},
        {"analyte": "haemoglobin", "operator": ">", "threshold": 1, "when_absent": "met"},
    ],
)
def test_invalid_lab_rule_is_a_config_error(spec):
    with pytest.raises(ConfigError):
        parse_rule({"primitive": "latest_lab", **spec}, "test")


def test_a_set_aside_result_is_named_by_analyte_date_and_rule(make_data, lutathera, ago):
    data = make_data([WOMAN], quarantined={"labs": [lab("9", "mg/mL", HB, ago(3))]})
    evidence = lutathera["haemoglobin_above_8"].rule.evaluate(data)
    assert evidence.loc["P1", "reason"] == (
        f"haemoglobin result of {ago(3)} set aside by data quality: test.rule"
    )


@pytest.mark.parametrize(
    "code",
    [
        "1751-7",  # albumin: an analyte of the catalogue, not haemoglobin
        "2093-3",  # cholesterol: a test the catalogue does not know
        None,  # no code at all: it cannot be said to be haemoglobin
    ],
)
def test_a_set_aside_result_of_another_code_is_no_evidence(make_data, status, lutathera, ago, code):
    data = make_data(
        [WOMAN],
        labs=[lab("11", "g/dL", HB, ago(10), rid="L1")],
        quarantined={"labs": [lab("abc", "g/L", code, ago(2), rid="L2")]},
    )
    assert status(lutathera["haemoglobin_above_8"].rule.evaluate(data), "P1") == "met"
    nothing = make_data([WOMAN], quarantined={"labs": [lab("abc", "g/L", code, ago(2))]})
    assert status(lutathera["haemoglobin_above_8"].rule.evaluate(nothing), "P1") == "unknown"
    reason = lutathera["haemoglobin_above_8"].rule.evaluate(nothing).loc["P1", "reason"]
    assert reason == "no result 28 days before the as-of date"


def test_a_set_aside_result_later_than_the_latest_accepted_one_makes_it_unknown(
    make_data, status, lutathera, ago
):
    """The latest result decides; when the latest is unusable, nobody knows what it said."""
    rule = lutathera["haemoglobin_above_8"].rule
    older_ok = lab("11", "g/dL", HB, ago(10), rid="L1")
    later = make_data(
        [WOMAN], labs=[older_ok], quarantined={"labs": [lab("x", "g/dL", HB, ago(2))]}
    )
    evidence = rule.evaluate(later)
    assert status(evidence, "P1") == "unknown"
    assert evidence.loc["P1", "reason"] == (
        f"haemoglobin result of {ago(2)} set aside by data quality: test.rule"
    )
    earlier = make_data(
        [WOMAN], labs=[older_ok], quarantined={"labs": [lab("x", "g/dL", HB, ago(20))]}
    )
    assert status(rule.evaluate(earlier), "P1") == "met"
    undated = make_data(
        [WOMAN], labs=[older_ok], quarantined={"labs": [lab("x", "g/dL", HB, None)]}
    )
    undated_evidence = rule.evaluate(undated)
    assert status(undated_evidence, "P1") == "unknown"
    assert "with an unreadable date" in undated_evidence.loc["P1", "reason"]


# Relative to the laboratory's own reference range (ALT ≤ 2.5 × ULN, the usual liver limit).
ALT, CREAT = "1742-6", "2160-0"


def alt(value: str, high: float | None, low: float | None = 0, unit: str = "U/L") -> dict:
    return {
        **lab(value, unit, ALT, "2026-06-12"),
        "reference_low": low,
        "reference_high": high,
    }


def relative(operator: str = "<=", threshold: float = 2.5, **extra) -> object:
    spec = {
        "primitive": "latest_lab",
        "analyte": "alt",
        "operator": operator,
        "threshold": threshold,
        "relative_to": "uln",
        "window": {"days": 28},
        **extra,
    }
    return parse_rule(spec, "t.yaml: criterion 'liver'")


@pytest.mark.parametrize(
    ("value", "high", "expected"),
    [
        ("100", 40, "met"),  # 2.5 × 40 = 100, on the limit
        ("101", 40, "not_met"),
        ("101", 45, "met"),  # another laboratory's ULN: 112.5
        ("<50", 40, "met"),
        (">90", 40, "unknown"),
        ("30", None, "unknown"),  # no ULN: never a fixed number instead
    ],
)
def test_alt_at_most_two_and_a_half_times_the_uln(make_data, status, value, high, expected):
    data = make_data([WOMAN], labs=[alt(value, high)])
    assert status(relative().evaluate(data), "P1") == expected


def test_the_limit_is_converted_with_the_results_own_unit(make_data, status):
    """Creatinine 1.3 mg/dL with a range up to 1.2 mg/dL: above 1 × ULN whatever the unit."""
    row = {**lab("1.3", "mg/dL", CREAT, "2026-06-12"), "reference_high": 1.2}
    rule = parse_rule(
        {
            "primitive": "latest_lab",
            "analyte": "creatinine",
            "operator": "<=",
            "threshold": 1.5,
            "relative_to": "uln",
        },
        "t.yaml",
    )
    evidence = rule.evaluate(make_data([WOMAN], labs=[row]))
    assert status(evidence, "P1") == "met"  # 1.3 <= 1.8 mg/dL
    assert "≤" not in evidence.loc["P1", "reason"]
    assert "<= 1.5 × ULN" in evidence.loc["P1", "reason"]


@pytest.mark.parametrize(
    ("value", "low", "high", "expected"),
    [
        ("30", 0, 40, "met"),
        ("40", 0, 40, "met"),
        ("41", 0, 40, "not_met"),
        ("3", 7, 40, "not_met"),
        ("30", None, 40, "unknown"),
        ("<5", 7, 40, "not_met"),  # every value under 5 is under the LLN
        ("<30", 7, 40, "unknown"),  # under 30, but maybe under 7 too
        ("<50", 0, 40, "unknown"),
    ],
)
def test_within_normal_limits(make_data, status, value, low, high, expected):
    rule = parse_rule(
        {"primitive": "latest_lab", "analyte": "alt", "operator": "within_normal_limits"},
        "t.yaml",
    )
    data = make_data([WOMAN], labs=[alt(value, high, low)])
    assert status(rule.evaluate(data), "P1") == expected


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"relative_to": "upper"}, "relative_to must be one of"),
        ({"unit": "U/L"}, "a multiple, with no unit"),
        ({"threshold": 0}, "positive multiple"),
    ],
)
def test_a_wrong_relative_threshold_is_refused_at_load(extra, message):
    with pytest.raises(ConfigError, match=message):
        relative(**extra)


def test_within_normal_limits_takes_no_threshold():
    with pytest.raises(ConfigError, match="within_normal_limits takes no threshold"):
        parse_rule(
            {
                "primitive": "latest_lab",
                "analyte": "alt",
                "operator": "within_normal_limits",
                "threshold": 3,
            },
            "t.yaml",
        )


def test_a_source_without_reference_ranges_makes_relative_criteria_unavailable():
    from pipeline.rules.reads import unavailable_reads

    assert unavailable_reads(relative(), {"labs": frozenset({"reference_high"})}) == [
        "labs.reference_high"
    ]
    fixed = parse_rule(
        {"primitive": "latest_lab", "analyte": "alt", "operator": "<=", "threshold": 100},
        "t.yaml",
    )
    assert unavailable_reads(fixed, {"labs": frozenset({"reference_high"})}) == []
