"""The evidence frame every rule returns: one row per patient, status plus what it rests on."""

from __future__ import annotations

import numpy as np
import pandas as pd

EVIDENCE_COLUMNS = ("status", "reason", "source", "record_date", "raw_value", "value", "unit")


def empty_evidence(index: pd.Index, status: int, reason: str, source: str | None) -> pd.DataFrame:
    """Evidence with one status and reason for everybody and no record."""
    n = len(index)
    return pd.DataFrame(
        {
            "status": np.full(n, status, dtype="int8"),
            "reason": pd.Series([reason] * n, index=index, dtype="str"),
            "source": pd.Series([source] * n, index=index, dtype="str"),
            "record_date": pd.Series(pd.NaT, index=index, dtype="datetime64[us]"),
            "raw_value": pd.Series(pd.NA, index=index, dtype="str"),
            "value": np.full(n, np.nan),
            "unit": pd.Series(pd.NA, index=index, dtype="str"),
        },
        index=index,
    )


def fill_from(
    evidence: pd.DataFrame,
    records: pd.DataFrame,
    *,
    date_column: str | None = None,
    raw_column: str | None = None,
    value_column: str | None = None,
    unit: str | pd.Series | None = None,
) -> None:
    """Copy a record's date, raw value, numeric value and unit into the evidence, by patient."""
    if records.empty:
        return
    idx = records.index
    if date_column is not None:
        evidence.loc[idx, "record_date"] = records[date_column].astype("datetime64[us]")
    if raw_column is not None:
        evidence.loc[idx, "raw_value"] = records[raw_column].astype("str")
    if value_column is not None:
        evidence.loc[idx, "value"] = pd.to_numeric(records[value_column], errors="coerce")
    if unit is not None:
        evidence.loc[idx, "unit"] = unit if isinstance(unit, str) else unit.astype("str")
