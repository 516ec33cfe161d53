"""`treatment_courses`: administrations grouped into courses by the gap between them."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.rules import parse_rule

LUTATHERA = "V10XX04"


def administrations(start: str, count: int, every_days: int = 56, first_id: int = 1) -> list:
    day0 = pd.Timestamp(start)
    return [
        {
            "record_id": f"T{first_id + i}",
            "patient_id": "P1",
            "atc_code": LUTATHERA,
            "administered_on": (day0 + pd.Timedelta(days=every_days * i)).strftime("%Y-%m-%d"),
            "activity_mbq": 7400.0,
        }
        for i in range(count)
    ]


@pytest.fixture
def first_prrt(make_data, lutathera):
    def run(rows: list, quarantined: list | None = None):
        data = make_data(
            [{"patient_id": "P1"}],
            treatments=rows,
            quarantined={"treatments": quarantined} if quarantined else None,
        )
        return lutathera["first_prrt_four_cycles"].rule.evaluate(data)

    return run


def test_four_administrations_56_days_apart_are_one_course_of_four(first_prrt, status):
    evidence = first_prrt(administrations("2023-01-10", 4))
    assert status(evidence, "P1") == "met"
    assert evidence.loc["P1", "value"] == 4
    assert evidence.loc["P1", "record_date"] == pd.Timestamp("2023-01-10") + pd.Timedelta(days=168)


def test_three_administrations_are_not_met(first_prrt, status):
    evidence = first_prrt(administrations("2023-01-10", 3))
    assert status(evidence, "P1") == "not_met"
    assert evidence.loc["P1", "value"] == 3


def test_second_course_after_a_long_gap_is_not_counted_in_the_first(first_prrt, status):
    rows = administrations("2022-01-10", 3) + administrations("2024-01-10", 2, first_id=10)
    evidence = first_prrt(rows)
    assert status(evidence, "P1") == "not_met"
    assert evidence.loc["P1", "value"] == 3


def on(*dates: str) -> list:
    return [
        {"record_id": f"T{i}", "patient_id": "P1", "atc_code": LUTATHERA, "administered_on": d}
        for i, d in enumerate(dates)
    ]


def test_gap_of_exactly_the_course_gap_stays_in_the_course(first_prrt, status):
    # 2023-03-07 + 120 days = 2023-07-05: a new course needs a gap of more than 120 days.
    evidence = first_prrt(on("2023-01-10", "2023-03-07", "2023-07-05"))
    assert evidence.loc["P1", "value"] == 3


def test_gap_of_121_days_starts_a_new_course(first_prrt):
    evidence = first_prrt(on("2023-01-10", "2023-03-07", "2023-07-06"))
    assert evidence.loc["P1", "value"] == 2


def test_unordered_records_are_ordered_by_date(first_prrt, status):
    evidence = first_prrt(list(reversed(administrations("2023-01-10", 4))))
    assert status(evidence, "P1") == "met"


def test_other_drugs_are_not_counted(first_prrt, status):
    rows = administrations("2023-01-10", 3)
    rows.append(
        rows[-1] | {"record_id": "X", "atc_code": "L01XE07", "administered_on": "2023-07-01"}
    )
    assert first_prrt(rows).loc["P1", "value"] == 3


def test_no_administration_is_unknown(first_prrt, status):
    evidence = first_prrt([])
    assert status(evidence, "P1") == "unknown"
    assert evidence.loc["P1", "reason"] == "no administration recorded"


def test_set_aside_administration_makes_a_short_course_unknown(first_prrt, status):
    rows = administrations("2023-01-10", 3)
    extra = administrations("2023-07-01", 1, first_id=9)
    assert status(first_prrt(rows, quarantined=extra), "P1") == "unknown"


def test_set_aside_administration_cannot_undo_a_course_already_long_enough(first_prrt, status):
    rows = administrations("2023-01-10", 4)
    extra = administrations("2023-12-01", 1, first_id=9)
    assert status(first_prrt(rows, quarantined=extra), "P1") == "met"


def test_second_course_can_be_selected(make_data, status):
    rule = parse_rule(
        {"primitive": "treatment_courses", "atc_codes": [LUTATHERA], "course": 2, "count": 2},
        "test",
    )
    rows = administrations("2022-01-10", 4) + administrations("2024-01-10", 2, first_id=10)
    evidence = rule.evaluate(make_data([{"patient_id": "P1"}], treatments=rows))
    assert status(evidence, "P1") == "met"
    assert evidence.loc["P1", "value"] == 2


def test_courses_are_counted_per_patient(make_data, status, lutathera):
    rows = administrations("2023-01-10", 4)
    # P2's two administrations fall between P1's: they must not split or extend P1's course.
    rows += [
        {"record_id": "Q1", "patient_id": "P2", "atc_code": LUTATHERA, "administered_on": d}
        for d in ("2023-02-01", "2023-03-20")
    ]
    data = make_data([{"patient_id": "P1"}, {"patient_id": "P2"}], treatments=rows)
    evidence = lutathera["first_prrt_four_cycles"].rule.evaluate(data)
    assert evidence.loc["P1", "value"] == 4
    assert evidence.loc["P2", "value"] == 2
    assert (status(evidence, "P1"), status(evidence, "P2")) == ("met", "not_met")


@pytest.mark.parametrize(
    "spec",
    [
        {"count": 4},
        {"atc_codes": [LUTATHERA], "count": 4, "op": "gt"},
        {"atc_codes": [LUTATHERA], "count": 4, "course": 0},
        {"atc_codes": [LUTATHERA]},
    ],
)
def test_invalid_course_rule_is_a_config_error(spec):
    with pytest.raises(ConfigError):
        parse_rule({"primitive": "treatment_courses", **spec}, "test")
