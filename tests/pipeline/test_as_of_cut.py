"""The as-of cut: a record dated, or (for a diagnosis) recorded, after the as-of day is out."""

from __future__ import annotations

import pandas as pd

from pipeline.as_of_cut import after_as_of, cut_columns
from pipeline.contract import EXTRACTS

AS_OF = pd.Timestamp("2026-06-15")


def test_a_diagnosis_is_cut_on_its_onset_and_on_its_recorded_date():
    frame = pd.DataFrame(
        {
            "onset_date": pd.to_datetime(
                ["2026-06-15", "2026-06-16", "2020-01-01", None, None, "2020-01-01"]
            ),
            "recorded_date": pd.to_datetime(
                ["2026-06-15", "2026-06-16", "2026-06-16", "2026-06-15", "2026-06-16", None]
            ),
        }
    )
    assert cut_columns(EXTRACTS["conditions"]) == ["onset_date", "recorded_date"]
    assert after_as_of(EXTRACTS["conditions"], frame, AS_OF).tolist() == [
        False,  # both on the as-of day: in
        True,
        True,  # onset years ago, but recorded the day after: not known on the as-of day
        False,  # no onset: kept, dated by its recorded date
        True,
        False,  # a missing date keeps its row
    ]


def test_other_extracts_are_cut_on_their_date_only():
    frame = pd.DataFrame(
        {"decision_date": pd.to_datetime(["2026-06-15 23:59", "2026-06-16 00:00", None])}
    )
    assert cut_columns(EXTRACTS["tumour_board"]) == ["decision_date"]
    assert after_as_of(EXTRACTS["tumour_board"], frame, AS_OF).tolist() == [False, True, False]
