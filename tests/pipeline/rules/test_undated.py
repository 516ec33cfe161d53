"""A diagnosis without an onset date is dated no later than its recorded date."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.rules.undated import window_membership
from pipeline.rules.windows import parse_window

AS_OF = pd.Timestamp("2026-06-15")


def _frame(recorded: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "onset_date": pd.Series([pd.NaT] * len(recorded), dtype="datetime64[us]"),
            "recorded_date": pd.to_datetime(pd.Series(recorded, dtype="object")),
        }
    )


RECORDED = ["2023-06-15", "2023-06-14", "2026-06-15", None]


@pytest.mark.parametrize(
    ("window", "certain", "possible"),
    [
        # any time: recorded on or before the as-of day, so its onset is too
        (None, [True, True, True, False], [True, True, True, True]),
        # the last 3 years (from 2023-06-15): recorded before the window, the onset is too
        ({"years": 3}, [False] * 4, [True, False, True, True]),
        # up to 6 months ago: a record from before then is certainly in, a later one may be
        ({"ending": {"months": 6}}, [True, True, False, False], [True] * 4),
    ],
)
def test_an_undated_record_is_bounded_by_its_recorded_date(window, certain, possible):
    got = window_membership(_frame(RECORDED), "conditions", parse_window(window, "w"), AS_OF)
    assert got[0].tolist() == certain
    assert got[1].tolist() == possible


def test_a_dated_record_is_judged_on_its_own_date():
    frame = _frame(["2026-06-01", "2026-06-01"])
    frame["onset_date"] = pd.to_datetime(["2023-06-15", "2023-06-14"])
    certain, possible = window_membership(
        frame, "conditions", parse_window({"years": 3}, "w"), AS_OF
    )
    assert certain.tolist() == [True, False]
    assert possible.tolist() == [True, False]


def test_an_extract_without_a_recorded_date_leaves_an_undated_record_possible():
    frame = pd.DataFrame({"study_date": pd.Series([pd.NaT], dtype="datetime64[us]")})
    certain, possible = window_membership(frame, "imaging_studies", parse_window(None, "w"), AS_OF)
    assert certain.tolist() == [False]
    assert possible.tolist() == [True]
