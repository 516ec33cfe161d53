"""Which records lie after the as-of day: the screening of a date sees only what was known then.

A record is after the as-of day when its date is (`Extract.date_column`), or, for an extract
whose records are dated by what they are about rather than when they were written (a
diagnosis: onset and recorded dates, `Extract.known_column`), when it was recorded after it.
A backfill for a past date then gives the answer that date would have given, even for a
diagnosis recorded today with an onset years ago. A missing date keeps its row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.contract import Extract


def cut_columns(extract: Extract) -> list[str]:
    """The date columns the as-of cut reads."""
    return [c for c in (extract.date_column, extract.known_column) if c is not None]


def after_as_of(extract: Extract, frame: pd.DataFrame, as_of: pd.Timestamp) -> np.ndarray:
    """Per row, whether it lies after the as-of day (missing dates: not after)."""
    cut = as_of.normalize() + pd.Timedelta(days=1)
    later = np.zeros(len(frame), dtype=bool)
    for column in cut_columns(extract):
        later |= (frame[column] >= cut).to_numpy(dtype=bool, na_value=False)
    return later
