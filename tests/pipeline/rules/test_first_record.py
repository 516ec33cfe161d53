"""`first_record`: the earliest matching record ever, its date checked against a window.

Hand-built from the protocol wording "a somatostatin analogue (SSA) started more than 12
weeks before inclusion": the first SSA administration must be dated on or before the as-of
date minus 12 weeks (2026-03-23 for the as-of date 2026-06-15)."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule
from tests.pipeline.conftest import AS_OF

SSA = {"column": "atc_code", "op": "in", "value": ["H01CB02", "H01CB03"]}
LAST_DAY = "2026-03-23"  # as-of minus 12 weeks: the window's last day, included
DAY_AFTER = "2026-03-24"


def dose(pid: str, number: int, day: str | None, atc: str | None = "H01CB02") -> dict:
    return {
        "record_id": f"T-{pid}-{number}",
        "patient_id": pid,
        "atc_code": atc,
        "administered_on": day,
    }


def rule(**extra: object) -> object:
    spec = {
        "primitive": "first_record",
        "extract": "treatments",
        "where": [SSA],
        "window": {"ending": {"weeks": 12}},
        **extra,
    }
    return parse_rule(spec, "trials/t.yaml: criterion 'ssa'")


@pytest.fixture
def data(make_data, ago):
    doses = [
        dose("started_long_ago", 1, ago(400)),
        dose("started_long_ago", 2, ago(10)),
        dose("first_on_last_day", 1, LAST_DAY),
        dose("first_day_after", 1, DAY_AFTER),
        dose("recent_only", 1, ago(20)),
        dose("first_on_as_of_day", 1, AS_OF.strftime("%Y-%m-%d")),
        dose("other_drug_earlier", 1, ago(400), "L01EF01"),
        dose("other_drug_earlier", 2, ago(20)),
        # A dose whose drug is unreadable, dated before the only SSA dose: it may be the first.
        dose("unread_code_earlier", 1, ago(400), None),
        dose("unread_code_earlier", 2, ago(200)),
        # The same, dated after the first SSA dose: it cannot be the first.
        dose("unread_code_later", 1, ago(200)),
        dose("unread_code_later", 2, ago(10), None),
    ]
    ids = sorted({d["patient_id"] for d in doses} | {"never", "set_aside_dose"})
    return make_data(
        [{"patient_id": pid} for pid in ids],
        treatments=doses,
        quarantined={"treatments": [dose("set_aside_dose", 1, ago(300))]},
    )


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ("started_long_ago", "met"),  # the later dose does not move the first one
        ("first_on_last_day", "met"),  # the window's last day is included
        ("first_day_after", "not_met"),
        ("recent_only", "not_met"),
        ("first_on_as_of_day", "not_met"),
        ("other_drug_earlier", "not_met"),  # only SSA doses can be the first
        ("unread_code_earlier", "unknown"),
        ("unread_code_later", "met"),
        ("never", "unknown"),  # when_absent: unknown by default
        ("set_aside_dose", "unknown"),
    ],
)
def test_first_ssa_more_than_12_weeks_ago(data, status, patient, expected):
    assert status(rule().evaluate(data), patient) == expected


def test_evidence_shows_the_first_record_and_its_date(data, ago):
    evidence = rule().evaluate(data)
    row = evidence.loc["started_long_ago"]
    assert row["record_date"].strftime("%Y-%m-%d") == ago(400)
    assert row["reason"].startswith(f"anchor: first treatments record of {ago(400)}")
    assert row["source"] == "treatments"
    assert "set aside by data quality" in evidence.loc["set_aside_dose", "reason"]
    assert "missing value or date" in evidence.loc["unread_code_earlier", "reason"]


def test_when_absent_decides_only_a_patient_without_any_record(data, status):
    evidence = rule(when_absent="not_met").evaluate(data)
    assert status(evidence, "never") == "not_met"
    assert status(evidence, "set_aside_dose") == "unknown"


def test_first_record_conditions(make_data, status, ago):
    """ "First diagnosis was a neuroendocrine tumour": the first record's values decide."""
    rows = [
        {
            "record_id": "a",
            "patient_id": "net_first",
            "onset_date": ago(900),
            "icd10_code": "C7A.0",
        },
        {
            "record_id": "b",
            "patient_id": "net_first",
            "onset_date": ago(100),
            "icd10_code": "C50.9",
        },
        {
            "record_id": "c",
            "patient_id": "other_first",
            "onset_date": ago(900),
            "icd10_code": "C50.9",
        },
        {
            "record_id": "d",
            "patient_id": "other_first",
            "onset_date": ago(100),
            "icd10_code": "C7A.0",
        },
    ]
    data = make_data([{"patient_id": "net_first"}, {"patient_id": "other_first"}], conditions=rows)
    first = parse_rule(
        {
            "primitive": "first_record",
            "extract": "conditions",
            "where": [{"column": "icd10_code", "op": "prefix", "value": ["C"]}],
            "conditions": [{"column": "icd10_code", "op": "prefix", "value": ["C7A"]}],
        },
        "t.yaml: criterion 'c'",
    )
    evidence = first.evaluate(data)
    assert status(evidence, "net_first") == "met"
    assert status(evidence, "other_first") == "not_met"


def test_undated_diagnosis_may_be_the_first(make_data, status, ago):
    rows = [
        {"record_id": "a", "patient_id": "p", "onset_date": ago(50), "icd10_code": "C7A.0"},
        {
            "record_id": "b",
            "patient_id": "p",
            "onset_date": None,
            "recorded_date": ago(40),
            "icd10_code": "C7A.0",
        },
    ]
    data = make_data([{"patient_id": "p"}], conditions=rows)
    first = parse_rule(
        {
            "primitive": "first_record",
            "extract": "conditions",
            "where": [{"column": "icd10_code", "op": "prefix", "value": ["C7A"]}],
            "window": {"months": 6},
        },
        "t.yaml: criterion 'c'",
    )
    assert status(first.evaluate(data), "p") == "unknown"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"extract": "patients"}, "dated extract"),
        ({"extract": "treatments", "window": {"weeks": -1}}, "window.weeks"),
        ({"extract": "treatments", "when_absent": "met"}, "when_absent"),
        ({"extract": "treatments", "first": True}, "unknown first_record parameters"),
    ],
)
def test_errors_name_the_file_and_criterion(spec, message):
    with pytest.raises(ConfigError, match=message) as raised:
        parse_rule({"primitive": "first_record", **spec}, "trials/t.yaml: criterion 'ssa'")
    assert "trials/t.yaml: criterion 'ssa'" in str(raised.value)
