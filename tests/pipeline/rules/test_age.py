"""`age`: whole years on the as-of date."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.rules import parse_rule

AS_OF = pd.Timestamp("2026-06-15")


def evaluate(make_data, birth_dates: dict[str, str | None], spec: dict | None = None):
    rule = parse_rule({"primitive": "age", **(spec or {"min_years": 18})}, "test")
    patients = [{"patient_id": pid, "birth_date": b} for pid, b in birth_dates.items()]
    return rule.evaluate(make_data(patients, as_of=AS_OF))


def test_18th_birthday_on_the_as_of_date_is_met(make_data, status):
    evidence = evaluate(make_data, {"P1": "2008-06-15"})
    assert status(evidence, "P1") == "met"
    assert evidence.loc["P1", "value"] == 18


def test_18th_birthday_the_day_after_is_not_met(make_data, status):
    evidence = evaluate(make_data, {"P1": "2008-06-16"})
    assert status(evidence, "P1") == "not_met"
    assert evidence.loc["P1", "value"] == 17


def test_missing_birth_date_is_unknown(make_data, status):
    evidence = evaluate(make_data, {"P1": None})
    assert status(evidence, "P1") == "unknown"
    assert evidence.loc["P1", "reason"] == "birth date missing"


def test_patients_are_evaluated_independently(make_data, status):
    evidence = evaluate(make_data, {"P1": "1950-01-01", "P2": "2010-01-01", "P3": None})
    assert [status(evidence, p) for p in ("P1", "P2", "P3")] == ["met", "not_met", "unknown"]


def test_evidence_carries_age_never_the_birth_date(make_data):
    birth = "1971-09-23"
    evidence = evaluate(make_data, {"P1": birth})
    row = evidence.loc["P1"]
    assert row["value"] == 54
    assert row["unit"] == "years"
    assert pd.isna(row["record_date"])
    assert pd.isna(row["raw_value"])
    rendered = evidence.astype("str").to_string()
    for fragment in (birth, "1971", "23/09", "09-23"):
        assert fragment not in rendered


def test_29_february_birthday_reaches_18_on_28_february(make_data, status):
    rule = parse_rule({"primitive": "age", "min_years": 18}, "test")
    patients = [{"patient_id": "P1", "birth_date": "2008-02-29"}]
    on_28 = rule.evaluate(make_data(patients, as_of=pd.Timestamp("2026-02-28")))
    on_27 = rule.evaluate(make_data(patients, as_of=pd.Timestamp("2026-02-27")))
    assert status(on_28, "P1") == "met"
    assert status(on_27, "P1") == "not_met"


@pytest.mark.parametrize(
    ("birth", "expected"),
    [("1951-06-16", "met"), ("1951-06-15", "not_met"), ("2008-06-15", "met")],
)
def test_max_years_is_inclusive_of_the_whole_year(make_data, status, birth, expected):
    # max 74: a 74-year-old (up to the eve of the 75th birthday) is in range.
    evidence = evaluate(make_data, {"P1": birth}, {"min_years": 18, "max_years": 74})
    assert status(evidence, "P1") == expected
