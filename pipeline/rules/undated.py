"""Whether a record without its date can be in a window: bounded by the date it was recorded.

A diagnosis without an onset date (`conditions.onset_date` empty) still has the date it was
recorded, and its onset is no later than that (`Extract.known_column`). So it is certainly in
a window that has no start and ends on or after the recorded date ("ever diagnosed"),
certainly out of a window that starts after the recorded date, and possibly in any other
window (the count is then unknown, never a silent yes or no). Where an extract has no such
date, an undated record may be in any window.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.rules.windows import Window


def window_membership(
    frame: pd.DataFrame, extract: str, window: Window, as_of: pd.Timestamp
) -> tuple[np.ndarray, np.ndarray]:
    """Per row, (certainly in the window, possibly in it), read from the extract's date and,
    for a row without one, from the date it was recorded."""
    meta = EXTRACTS[extract]
    dates = frame[meta.date_column or ""]
    inside = window.contains(dates, as_of).to_numpy(dtype=bool)
    undated = dates.isna().to_numpy()
    if meta.known_column is None or not undated.any():
        return inside, inside | undated
    known = frame[meta.known_column]
    start = window.start(as_of)
    recorded_by_end = (known < window.end(as_of) + pd.Timedelta(days=1)).to_numpy(
        dtype=bool, na_value=False
    )
    certain = undated & recorded_by_end if start is None else np.zeros(len(frame), bool)
    if start is None:
        possible = undated
    else:
        possible = undated & ~(known.dt.normalize() < start).to_numpy(dtype=bool, na_value=False)
    return inside | certain, inside | possible
