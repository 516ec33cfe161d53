"""Whether a record's period, from its start to its end, meets a window: three-valued.

"Currently on warfarin" is not "warfarin started in the last 30 days": a prescription started
three months ago that runs until next month is current. With `overlap: true`, `record_count`
counts a record whose period meets its window: it starts on or before the window's last day
and ends on or after its first day, both ends included. A record without an end date (still
open, or its end never recorded) that started before the window may or may not reach it, so
it may count: the criterion is unknown where that could change the answer, unless the trial
says how long such a record lasts (`missing_end_lasts`), as an OMOP ETL fills a drug
exposure's end from its days of supply. A record without a start date may be anywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.rules.windows import Offset, Window


def overlap_membership(
    frame: pd.DataFrame,
    extract: str,
    window: Window,
    as_of: pd.Timestamp,
    missing_end_lasts: Offset | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, (its period certainly meets the window, it possibly does)."""
    meta = EXTRACTS[extract]
    starts = frame[meta.date_column or ""].dt.normalize()
    ends = frame[meta.end_column or ""].dt.normalize()
    begun = (starts <= window.end(as_of)).to_numpy(dtype=bool, na_value=False)
    undated = starts.isna().to_numpy()
    first = window.start(as_of)
    if first is None:  # no first day: every record begun by the last day meets it
        return begun, begun | undated
    first = first.normalize()
    no_end = ends.isna().to_numpy()
    reaches = (starts >= first) | (ends >= first)
    if missing_end_lasts is not None:  # the record's last day: start + length - 1 day
        assumed = starts + missing_end_lasts.calendar - pd.Timedelta(days=1)
        reaches |= no_end & (assumed >= first)
    certain = begun & reaches.to_numpy(dtype=bool, na_value=False)
    open_ended = begun & no_end if missing_end_lasts is None else np.zeros(len(frame), bool)
    ended_before = (ends < first).to_numpy(dtype=bool, na_value=False)
    return certain, certain | open_ended | (undated & ~ended_before)
