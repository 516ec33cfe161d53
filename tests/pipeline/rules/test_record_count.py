"""`record_count`: occurrence criteria (exists, none, at least / at most N in a window),
three-valued: a missing value or a set-aside row can make a count uncertain, never wrong."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule
from tests.pipeline.conftest import AS_OF

PROGRESSION = [{"column": "recist_response", "op": "eq", "value": "PD"}]
ONE_YEAR = {"months": 12}


def study(pid: str, number: int, date: str, response: str | None) -> dict:
    return {
        "study_id": f"S-{pid}-{number}",
        "patient_id": pid,
        "study_date": date,
        "modality": "CT",
        "recist_response": response,
    }


def rule(**bounds: int) -> object:
    spec = {
        "primitive": "record_count",
        "extract": "imaging_studies",
        "where": PROGRESSION,
        "window": ONE_YEAR,
        **bounds,
    }
    return parse_rule(spec, "t.yaml: criterion 'c'")


# The window's first day: 12 calendar months before the as-of date (2026-06-15).
FIRST_DAY = "2025-06-15"
DAY_BEFORE = "2025-06-14"


@pytest.fixture
def cases(make_data, ago):
    """Patients named after what they have (PD = RECIST progression)."""
    studies = [
        study("two_pd", 1, ago(30), "PD"),
        study("two_pd", 2, ago(200), "PD"),
        study("one_pd", 1, ago(30), "PD"),
        study("one_pd", 2, ago(60), "SD"),
        study("pd_on_first_day", 1, FIRST_DAY, "PD"),
        study("pd_on_first_day", 2, ago(10), "PD"),
        study("pd_day_before", 1, DAY_BEFORE, "PD"),
        study("pd_day_before", 2, ago(10), "PD"),
        study("one_pd_one_unread", 1, ago(30), "PD"),
        study("one_pd_one_unread", 2, ago(40), None),
        study("unread_only", 1, ago(40), None),
        study("stable_only", 1, ago(40), "SD"),
        study("pd_on_as_of_day", 1, AS_OF.strftime("%Y-%m-%d"), "PD"),
    ]
    ids = sorted({s["patient_id"] for s in studies} | {"nothing", "set_aside_study"})
    quarantined = {"imaging_studies": [study("set_aside_study", 1, ago(20), "PD")]}
    return make_data(
        [{"patient_id": pid} for pid in ids],
        imaging_studies=studies,
        quarantined=quarantined,
    )


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("two_pd", "met"),
        ("one_pd", "not_met"),
        ("pd_on_first_day", "met"),  # both ends of the window are included
        ("pd_day_before", "not_met"),
        ("one_pd_one_unread", "unknown"),  # the unread response may be a second PD
        ("unread_only", "not_met"),  # even if it were PD: one, not two
        ("stable_only", "not_met"),
        ("nothing", "not_met"),
        ("set_aside_study", "unknown"),  # one PD set aside: may be more
    ],
)
def test_at_least_two(cases, status, patient, expected):
    assert status(rule(at_least=2).evaluate(cases), patient) == expected


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("nothing", "met"),
        ("stable_only", "met"),
        ("one_pd", "not_met"),
        ("unread_only", "unknown"),  # the unread response may be PD
        ("set_aside_study", "unknown"),
        ("pd_on_as_of_day", "not_met"),  # the as-of day is inside the window
    ],
)
def test_none(cases, status, patient, expected):
    assert status(rule(at_most=0).evaluate(cases), patient) == expected


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("one_pd", "met"),
        ("two_pd", "not_met"),
        ("nothing", "not_met"),
        ("one_pd_one_unread", "unknown"),
        ("unread_only", "unknown"),
    ],
)
def test_exactly_one(cases, status, patient, expected):
    assert status(rule(at_least=1, at_most=1).evaluate(cases), patient) == expected


def test_the_evidence_gives_the_count_the_latest_date_and_why_it_is_uncertain(cases, ago):
    evidence = rule(at_least=2).evaluate(cases)
    two = evidence.loc["two_pd"]
    assert two["value"] == 2 and two["unit"] == "records" and two["source"] == "imaging_studies"
    assert str(two["record_date"].date()) == ago(30)
    assert "2 counted" in two["reason"] and "at least 2 record(s)" in two["reason"]
    unread = evidence.loc["one_pd_one_unread", "reason"]
    assert "1 counted" in unread and "1 more possible" in unread
    set_aside = evidence.loc["set_aside_study", "reason"]
    assert "set aside by data quality" in set_aside


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"extract": "imaging_studies"}, "needs 'at_least' and/or 'at_most'"),
        ({"extract": "imaging_studies", "at_least": 3, "at_most": 1}, "below 'at_least'"),
        ({"extract": "imaging_lesions", "at_least": 1}, "needs a dated extract"),
        ({"extract": "imaging_studies", "at_least": -1}, "at_least"),
        ({"extract": "imaging_studies", "at_least": 1, "count": 2}, "unknown record_count"),
    ],
)
def test_a_wrong_count_is_refused_at_load(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_rule({"primitive": "record_count", **spec}, "t.yaml: criterion 'c'")


def observed_rule(**bounds: int) -> object:
    spec = {
        "primitive": "record_count",
        "extract": "imaging_studies",
        "where": PROGRESSION,
        "window": ONE_YEAR,
        "observed": True,
        **bounds,
    }
    return parse_rule(spec, "t.yaml: criterion 'c'")


def period(pid: str, start: str, end: str | None = None) -> dict:
    return {"period_id": f"OP-{pid}", "patient_id": pid, "start_date": start, "end_date": end}


@pytest.fixture
def observed_cases(make_data, ago):
    """Patients named after their records and observation periods (the window: 12 months
    to the as-of date 2026-06-15, its first day 2025-06-15)."""
    as_of = AS_OF.strftime("%Y-%m-%d")
    periods = [
        period("nothing_observed", "2020-01-01"),  # open
        period("observed_from_first_day", FIRST_DAY, as_of),  # both ends exactly
        period("observed_from_day_after", "2025-06-16"),  # misses the window's first day
        period("observed_until_day_before", "2020-01-01", ago(1)),  # misses the as-of day
        period("pd_observed", "2020-01-01"),
    ]
    studies = [study("pd_unobserved", 1, ago(30), "PD"), study("pd_observed", 1, ago(30), "PD")]
    ids = sorted({p["patient_id"] for p in periods} | {"nothing_unobserved", "pd_unobserved"})
    return make_data(
        [{"patient_id": pid} for pid in ids], imaging_studies=studies, observation_periods=periods
    )


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("nothing_observed", "met"),
        ("observed_from_first_day", "met"),  # a period holding the window exactly covers it
        ("observed_from_day_after", "unknown"),
        ("observed_until_day_before", "unknown"),
        ("nothing_unobserved", "unknown"),  # no record, and none could have been seen
        ("pd_unobserved", "not_met"),  # a record found stands, observed or not
        ("pd_observed", "not_met"),
    ],
)
def test_none_counts_only_where_observed(observed_cases, status, patient, expected):
    evidence = observed_rule(at_most=0).evaluate(observed_cases)
    assert status(evidence, patient) == expected
    reason = evidence.loc[patient, "reason"]
    assert ("not observed over the whole window" in reason) == (expected == "unknown")


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("nothing_observed", "not_met"),
        ("nothing_unobserved", "unknown"),
        ("pd_unobserved", "met"),  # found: no observation needed
    ],
)
def test_exists_is_not_met_only_where_observed(observed_cases, status, patient, expected):
    assert status(observed_rule(at_least=1).evaluate(observed_cases), patient) == expected


def test_observed_reads_the_observation_periods_and_is_a_boolean():
    from pipeline.rules.reads import rule_reads

    assert "observation_periods" in rule_reads(observed_rule(at_most=0))
    assert "observation_periods" not in rule_reads(rule(at_most=0))
    with pytest.raises(ConfigError, match="'observed' is true or false"):
        parse_rule(
            {
                "primitive": "record_count",
                "extract": "imaging_studies",
                "at_most": 0,
                "observed": "yes",
            },
            "t.yaml: criterion 'c'",
        )
