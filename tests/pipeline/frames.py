"""Building raw extracts (all text, as read from a file) for unit tests."""

from __future__ import annotations

import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.io.files import ROW_NUMBER, RawExtract


def raw(name: str, rows: list[dict]) -> RawExtract:
    """An extract as the reader returns it: contract columns as text, plus row numbers."""
    columns = [c.name for c in EXTRACTS[name].columns if not c.identifying]
    frame = pd.DataFrame({c: pd.Series([row.get(c) for row in rows], dtype="str") for c in columns})
    frame.insert(0, ROW_NUMBER, pd.RangeIndex(1, len(rows) + 1, dtype="int64"))
    return RawExtract(name, frame, f"{name}.csv", len(rows))
