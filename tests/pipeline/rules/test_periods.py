"""`record_count` with `overlap: true`: a record counts when its period (start to end) meets
the window, "currently on warfarin", three-valued where the end is not known.

The as-of date is 2026-06-15; a 30-day window runs from 2026-05-16 to 2026-06-15, both ends
included. Cases are written from the definition, not from the code: a period meets the window
when it starts on or before the window's last day and ends on or after its first day.
"""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule
from pipeline.rules.reads import rule_reads

WARFARIN = [{"column": "atc_code", "op": "eq", "value": "B01AA03"}]
FIRST_DAY = "2026-05-16"  # 30 days before 2026-06-15
DAY_BEFORE = "2026-05-15"
AS_OF_DAY = "2026-06-15"


def record(pid: str, start: str | None, end: str | None, atc: str = "B01AA03") -> dict:
    return {
        "record_id": f"M-{pid}",
        "patient_id": pid,
        "kind": "PRESCRIPTION",
        "atc_code": atc,
        "start_date": start,
        "end_date": end,
    }


def overlap_rule(window: dict | None = None, **extra: object) -> object:
    spec = {
        "primitive": "record_count",
        "extract": "medications",
        "where": WARFARIN,
        "window": window if window is not None else {"days": 30},
        "overlap": True,
        "at_least": 1,
        **extra,
    }
    return parse_rule(spec, "t.yaml: criterion 'c'")


@pytest.fixture
def cases(make_data):
    """Patients named after their warfarin records."""
    medications = [
        record("started_inside", "2026-06-01", None),
        record("running_through", "2026-01-10", "2026-12-31"),  # started months ago, still on
        record("ended_on_first_day", "2026-01-10", FIRST_DAY),
        record("ended_day_before", "2026-01-10", DAY_BEFORE),
        record("ended_long_ago", "2025-01-10", "2025-03-01"),
        record("open_since_january", "2026-01-10", None),  # open, or its end never recorded
        record("started_on_as_of_day", AS_OF_DAY, None),
        record("no_start", None, None),
        record("no_start_ended_before", None, "2026-02-01"),
        record("other_drug_running", "2026-01-10", "2026-12-31", atc="B01AF01"),
    ]
    ids = sorted({r["patient_id"] for r in medications} | {"nothing", "set_aside_old"})
    # A set-aside prescription of January: its end cannot be trusted, it may still run.
    quarantined = {"medications": [record("set_aside_old", "2026-01-10", "2026-02-01")]}
    return make_data(
        [{"patient_id": pid} for pid in ids], medications=medications, quarantined=quarantined
    )


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("started_inside", "met"),
        ("running_through", "met"),
        ("ended_on_first_day", "met"),  # both ends of the window are included
        ("ended_day_before", "not_met"),
        ("ended_long_ago", "not_met"),
        ("open_since_january", "unknown"),  # may still run: cannot tell
        ("started_on_as_of_day", "met"),
        ("no_start", "unknown"),
        ("no_start_ended_before", "not_met"),  # whenever it started, it ended before
        ("other_drug_running", "not_met"),
        ("nothing", "not_met"),
        ("set_aside_old", "unknown"),
    ],
)
def test_a_period_counts_when_it_meets_the_window(cases, status, patient, expected):
    assert status(overlap_rule().evaluate(cases), patient) == expected


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("running_through", "not_met"),  # counted only by its start, in January
        ("open_since_january", "not_met"),
        ("started_inside", "met"),
        ("set_aside_old", "not_met"),  # dated in January: outside a start-dated window
    ],
)
def test_without_overlap_only_the_start_counts(cases, status, patient, expected):
    spec = {
        "primitive": "record_count",
        "extract": "medications",
        "where": WARFARIN,
        "window": {"days": 30},
        "at_least": 1,
    }
    assert status(parse_rule(spec, "t.yaml: criterion 'c'").evaluate(cases), patient) == expected


@pytest.mark.parametrize(
    ("lasts", "expected"),
    [
        # open since 2026-01-10: 126 days reach 2026-05-15 (the day before), 127 the first day
        ({"days": 126}, "not_met"),
        ({"days": 127}, "met"),
        ({"months": 6}, "met"),  # to 2026-07-09
        ({"months": 4}, "not_met"),  # to 2026-05-09
    ],
)
def test_missing_end_lasts_decides_a_record_without_its_end(cases, status, lasts, expected):
    evidence = overlap_rule(missing_end_lasts=lasts).evaluate(cases)
    assert status(evidence, "open_since_january") == expected
    assert status(evidence, "ended_day_before") == "not_met"  # a known end stands


def test_none_in_the_window_is_unknown_where_a_period_may_reach_it(cases, status):
    rule = overlap_rule(at_least=None, at_most=0)
    evidence = rule.evaluate(cases)
    assert status(evidence, "running_through") == "not_met"
    assert status(evidence, "ended_day_before") == "met"
    assert status(evidence, "open_since_january") == "unknown"
    assert "1 more possible" in evidence.loc["open_since_january", "reason"]


def test_a_window_that_ends_before_the_as_of_date(cases, status):
    # from 12 months to 6 months before 2026-06-15: 2025-06-15 .. 2025-12-15
    window = {"months": 12, "ending": {"months": 6}}
    evidence = overlap_rule(window).evaluate(cases)
    assert status(evidence, "ended_long_ago") == "not_met"  # ended 2025-03-01
    assert status(evidence, "running_through") == "not_met"  # started after 2025-12-15
    assert status(evidence, "started_inside") == "not_met"


def test_an_unbounded_window_counts_every_record_begun(cases, status):
    evidence = overlap_rule({}).evaluate(cases)
    assert status(evidence, "ended_long_ago") == "met"
    assert status(evidence, "open_since_january") == "met"


def test_the_reason_says_the_period_counts(cases):
    reason = overlap_rule().evaluate(cases).loc["running_through", "reason"]
    assert "whose period meets the window" in reason and "1 counted" in reason


def test_overlap_reads_the_end_date():
    assert "end_date" in rule_reads(overlap_rule())["medications"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"extract": "treatments"}, "'overlap' needs records with an end date"),
        ({"overlap": "yes"}, "'overlap' is true or false"),
        ({"overlap": False, "missing_end_lasts": {"days": 30}}, "only with 'overlap: true'"),
        ({"missing_end_lasts": {"days": 0}}, "at least one day"),
        ({"missing_end_lasts": {"fortnights": 2}}, "mapping of years, months, weeks, days"),
        ({"missing_end_lasts": 30}, "mapping of"),
    ],
)
def test_a_wrong_overlap_is_refused_at_load(extra, message):
    spec = {
        "primitive": "record_count",
        "extract": "medications",
        "overlap": True,
        "at_least": 1,
        **extra,
    }
    with pytest.raises(ConfigError, match=message) as raised:
        parse_rule(spec, "t.yaml: criterion 'c'")
    assert "t.yaml: criterion 'c'" in str(raised.value)
