"""Windows before the as-of date: calendar lengths in years, months, weeks and days, both ends
included, and windows that end before the as-of day (`ending`)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.rules.windows import parse_window

AS_OF = pd.Timestamp("2026-03-31")


def inside(spec: dict | None, *dates: str) -> list[bool]:
    window = parse_window(spec, "t.yaml: criterion 'c'")
    return window.contains(pd.Series(pd.to_datetime(list(dates), format="ISO8601")), AS_OF).tolist()


def test_a_month_before_31_march_is_the_last_day_of_february():
    assert inside({"months": 1}, "2026-02-27", "2026-02-28", "2026-03-31") == [False, True, True]


def test_years_and_weeks_are_calendar_lengths():
    assert inside({"years": 1}, "2025-03-30", "2025-03-31") == [False, True]
    assert inside({"weeks": 2}, "2026-03-16", "2026-03-17") == [False, True]


def test_a_time_on_the_as_of_day_is_inside_and_the_next_day_is_not():
    assert inside({"days": 1}, "2026-03-31 23:59", "2026-04-01 00:00") == [True, False]


def test_a_window_ending_12_weeks_before_the_as_of_date():
    """'Started more than 12 weeks ago': 12 weeks before 2026-03-31 is 2026-01-06."""
    window = {"ending": {"weeks": 12}}
    got = inside(window, "2001-01-01", "2026-01-06 18:00", "2026-01-07")
    assert got == [True, True, False]


def test_a_window_from_3_years_to_1_month_before():
    window = {"years": 3, "ending": {"months": 1}}
    got = inside(window, "2023-03-30", "2023-03-31", "2026-02-28", "2026-03-01")
    assert got == [False, True, True, False]


def test_no_window_is_any_time_up_to_the_as_of_day():
    assert inside(None, "1950-01-01", "2026-03-31", "2026-04-01") == [True, True, False]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"months": 3}, "3 months before the as-of date"),
        ({"years": 3, "ending": {"months": 1}}, "from 3 years to 1 months before the as-of date"),
        ({"ending": {"weeks": 12}}, "at least 12 weeks before the as-of date"),
        (None, "any time before the as-of date"),
    ],
)
def test_windows_describe_themselves(spec, expected):
    assert parse_window(spec, "w").describe() == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"month": 3}, "window is a mapping of years, months, weeks, days, ending"),
        ({"days": 30, "ending": {"months": 2}}, "ends .* before it starts"),
        ({"ending": {"weeks": "12"}}, "window.ending.weeks"),
        ({"ending": [1]}, "window.ending is a mapping"),
        ({"years": 101}, "window.years"),
        ({"weeks": -1}, "window.weeks"),
    ],
)
def test_a_wrong_window_is_refused_at_load(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_window(spec, "t.yaml: criterion 'c'")
