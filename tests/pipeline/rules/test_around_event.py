"""`around_event`: records counted in a window whose ends are offsets from an anchor event.

Hand-built from two protocol wordings: "no chemotherapy within 4 weeks after surgery"
(at most 0 chemotherapy administrations from the latest surgery's day to 4 weeks after it)
and "progression within 12 months of the first diagnosis" (at least 1 RECIST progression
from the first diagnosis's day to 12 months after it)."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule

WHERE = "trials/t.yaml: criterion 'chemo'"
SURGERY = {
    "extract": "procedures",
    "where": [{"column": "category", "op": "eq", "value": "SURGERY"}],
}
CHEMO = [{"column": "atc_code", "op": "in", "value": ["L01XA01"]}]
AFTER_4_WEEKS = {"start": {"days": 0}, "end": {"weeks": 4, "side": "after"}}


def surgery(pid: str, number: int, day: str, category: str | None = "SURGERY") -> dict:
    return {
        "procedure_id": f"P-{pid}-{number}",
        "patient_id": pid,
        "performed_on": day,
        "category": category,
    }


def chemo(pid: str, number: int, day: str | None, atc: str | None = "L01XA01") -> dict:
    return {
        "record_id": f"T-{pid}-{number}",
        "patient_id": pid,
        "atc_code": atc,
        "administered_on": day,
    }


def no_chemo_after_surgery(record: str = "last", window: dict | None = None) -> object:
    spec = {
        "primitive": "around_event",
        "anchor": {**SURGERY, "record": record},
        "extract": "treatments",
        "where": CHEMO,
        "event_window": window or AFTER_4_WEEKS,
        "at_most": 0,
    }
    return parse_rule(spec, WHERE)


@pytest.fixture
def data(make_data):
    # Surgery on 2026-01-10; 4 weeks after is 2026-02-07, the window's last day.
    procedures = [
        surgery("chemo_on_last_day", 1, "2026-01-10"),
        surgery("chemo_day_after_window", 1, "2026-01-10"),
        surgery("chemo_on_surgery_day", 1, "2026-01-10"),
        surgery("chemo_day_before_surgery", 1, "2026-01-10"),
        surgery("no_chemo", 1, "2026-01-10"),
        surgery("other_drug", 1, "2026-01-10"),
        surgery("unread_drug", 1, "2026-01-10"),
        surgery("undated_chemo", 1, "2026-01-10"),
        surgery("set_aside_chemo", 1, "2026-01-10"),
        # Two surgeries: chemo 1 week after the first, none after the latest.
        surgery("two_surgeries", 1, "2025-06-01"),
        surgery("two_surgeries", 2, "2026-01-10"),
        surgery("surgery_category_unread", 1, "2026-01-10"),
        surgery("surgery_category_unread", 2, "2026-03-01", None),
        surgery("not_surgery", 1, "2026-01-10", "RADIOTHERAPY"),
    ]
    treatments = [
        chemo("chemo_on_last_day", 1, "2026-02-07"),
        chemo("chemo_day_after_window", 1, "2026-02-08"),
        chemo("chemo_on_surgery_day", 1, "2026-01-10"),
        chemo("chemo_day_before_surgery", 1, "2026-01-09"),
        chemo("other_drug", 1, "2026-01-20", "L01EF01"),
        chemo("unread_drug", 1, "2026-01-20", None),
        chemo("two_surgeries", 1, "2025-06-08"),
        chemo("not_surgery", 1, "2026-01-20"),
    ]
    ids = {p["patient_id"] for p in procedures} | {"no_surgery"}
    return make_data(
        [{"patient_id": pid} for pid in sorted(ids)],
        procedures=procedures,
        treatments=treatments,
        quarantined={"treatments": [chemo("set_aside_chemo", 1, "2026-01-20")]},
    )


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("chemo_on_last_day", "not_met"),  # 4 weeks after is inside (both ends included)
        ("chemo_day_after_window", "met"),
        ("chemo_on_surgery_day", "not_met"),  # the anchor's day is inside
        ("chemo_day_before_surgery", "met"),
        ("no_chemo", "met"),
        ("other_drug", "met"),
        ("unread_drug", "unknown"),  # may be chemotherapy
        ("set_aside_chemo", "unknown"),
        ("two_surgeries", "met"),  # counted after the latest surgery only
        ("surgery_category_unread", "unknown"),  # a later record may be the latest surgery
        ("not_surgery", "unknown"),  # no anchor: unknown, never not_met
        ("no_surgery", "unknown"),
    ],
)
def test_no_chemotherapy_within_4_weeks_after_surgery(data, status, patient, expected):
    assert status(no_chemo_after_surgery().evaluate(data), patient) == expected


def test_undated_record_may_be_in_the_window(make_data, status):
    data = make_data(
        [{"patient_id": "p"}],
        procedures=[surgery("p", 1, "2026-01-10")],
        treatments=[chemo("p", 1, None), chemo("p", 2, "2026-01-01")],
    )
    evidence = no_chemo_after_surgery().evaluate(data)
    assert status(evidence, "p") == "unknown"
    assert "0 counted and 1 more possible" in evidence.loc["p", "reason"]


def test_first_anchor_counts_from_the_first_surgery(data, status):
    evidence = no_chemo_after_surgery(record="first").evaluate(data)
    assert status(evidence, "two_surgeries") == "not_met"


def test_window_before_the_anchor(data, status):
    """ "No chemotherapy in the 2 days before surgery, the surgery's day excluded"."""
    window = {"start": {"days": 2, "side": "before"}, "end": {"days": 1, "side": "before"}}
    evidence = no_chemo_after_surgery(window=window).evaluate(data)
    assert status(evidence, "chemo_day_before_surgery") == "not_met"
    assert status(evidence, "chemo_on_surgery_day") == "met"


def test_evidence_names_the_anchor_and_its_date(data):
    evidence = no_chemo_after_surgery().evaluate(data)
    row = evidence.loc["chemo_on_last_day"]
    assert row["record_date"].strftime("%Y-%m-%d") == "2026-01-10"
    assert row["reason"].startswith("anchor: last procedures record of 2026-01-10; 1 counted")
    assert row["value"] == 1
    assert evidence.loc["no_surgery", "reason"] == "no anchor (last procedures record)"
    assert evidence.loc["surgery_category_unread", "reason"].startswith("anchor cannot be told")


def test_progression_within_12_months_of_first_diagnosis(make_data, status):
    diagnosis = [
        {
            "record_id": f"D-{pid}",
            "patient_id": pid,
            "onset_date": "2025-03-31",
            "icd10_code": "C7A.0",
        }
        for pid in ("pd_on_last_day", "pd_day_after", "no_pd")
    ]
    studies = [
        {
            "study_id": "S1",
            "patient_id": "pd_on_last_day",
            "study_date": "2026-03-31",
            "modality": "CT",
            "recist_response": "PD",
        },
        {
            "study_id": "S2",
            "patient_id": "pd_day_after",
            "study_date": "2026-04-01",
            "modality": "CT",
            "recist_response": "PD",
        },
    ]
    data = make_data(
        [{"patient_id": p} for p in ("pd_on_last_day", "pd_day_after", "no_pd")],
        conditions=diagnosis,
        imaging_studies=studies,
    )
    rule = parse_rule(
        {
            "primitive": "around_event",
            "anchor": {
                "extract": "conditions",
                "where": [{"column": "icd10_code", "op": "prefix", "value": ["C7A"]}],
                "record": "first",
            },
            "extract": "imaging_studies",
            "where": [{"column": "recist_response", "op": "eq", "value": "PD"}],
            "event_window": {"start": {"days": 0}, "end": {"months": 12, "side": "after"}},
            "at_least": 1,
        },
        WHERE,
    )
    evidence = rule.evaluate(data)
    assert status(evidence, "pd_on_last_day") == "met"
    assert status(evidence, "pd_day_after") == "not_met"
    assert status(evidence, "no_pd") == "not_met"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"anchor": None}, "'anchor' must be a mapping"),
        ({"anchor": {**SURGERY}}, "'anchor.record' is first or last"),
        ({"anchor": {**SURGERY, "record": "first", "when": 1}}, "unknown keys"),
        ({"anchor": {"extract": "patients", "record": "first"}}, "dated extract"),
        ({"event_window": {"start": {"days": 0}}}, "needs both 'start' and 'end'"),
        ({"event_window": {**AFTER_4_WEEKS, "middle": {}}}, "unknown keys"),
        (
            {"event_window": {"start": {"weeks": 4}, "end": {"weeks": 4, "side": "after"}}},
            "'event_window.start.side' is before or after",
        ),
        (
            {
                "event_window": {
                    "start": {"weeks": 4, "side": "after"},
                    "end": {"days": 1, "side": "after"},
                }
            },
            "ends before it starts",
        ),
        ({"at_most": None}, "needs 'at_least' and/or 'at_most'"),
        ({"at_least": 2, "at_most": 1}, "below 'at_least'"),
        ({"window": {"weeks": 4}}, "unknown around_event parameters"),
    ],
)
def test_errors_name_the_file_and_criterion(change, message):
    spec = {
        "primitive": "around_event",
        "anchor": {**SURGERY, "record": "last"},
        "extract": "treatments",
        "where": CHEMO,
        "event_window": AFTER_4_WEEKS,
        "at_most": 0,
        **change,
    }
    with pytest.raises(ConfigError, match=message) as raised:
        parse_rule(spec, WHERE)
    assert WHERE in str(raised.value)
