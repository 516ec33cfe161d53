"""`alive`: vital status on the as-of date, the criterion every trial is led by."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.pipeline.conftest import AS_OF


@pytest.fixture
def alive(make_data, lutathera):
    def run(death_date: str | None, **kwargs):
        data = make_data([{"patient_id": "P1", "death_date": death_date}], **kwargs)
        return lutathera["alive"].rule.evaluate(data)

    return run


@pytest.mark.parametrize(
    ("days_before_as_of", "expected"),
    [
        (None, "met"),  # no death recorded
        (5, "not_met"),  # died five days before the as-of date
        (0, "not_met"),  # died on the as-of date: "on or before"
        (-1, "met"),  # dies the day after: alive that night (a backfill)
        (3650, "not_met"),
    ],
)
def test_a_death_on_or_before_the_as_of_date_is_not_met(alive, status, days_before_as_of, expected):
    death = (
        None
        if days_before_as_of is None
        else (AS_OF - pd.Timedelta(days=days_before_as_of)).strftime("%Y-%m-%d")
    )
    evidence = alive(death)
    assert status(evidence, "P1") == expected
    if expected == "not_met":
        assert evidence.loc["P1", "reason"] == f"deceased on {death}"
        assert evidence.loc["P1", "record_date"] == pd.Timestamp(death)


def test_a_set_aside_patients_row_leaves_vital_status_unknown(make_data, lutathera, status):
    data = make_data(
        [{"patient_id": "P1"}], patients_set_aside={"P2": "conformance.patients.sex.code"}
    )
    evidence = lutathera["alive"].rule.evaluate(data)
    assert status(evidence, "P1") == "met"
    assert status(evidence, "P2") == "unknown"
    assert evidence.loc["P2", "reason"] == (
        "patients row set aside by data quality: conformance.patients.sex.code"
    )


def test_the_readers_of_the_patients_row_are_unknown_when_it_was_set_aside(
    make_data, lutathera, status
):
    data = make_data([{"patient_id": "P1"}], patients_set_aside={"P2": "rule.x"})
    for criterion in ("age", "social_security_affiliation"):
        evidence = lutathera[criterion].rule.evaluate(data)
        assert status(evidence, "P2") == "unknown", criterion
        assert evidence.loc["P2", "reason"] == "patients row set aside by data quality: rule.x"
        assert status(evidence, "P1") == "met", criterion
