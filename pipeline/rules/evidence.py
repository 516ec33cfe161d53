"""The evidence frame every rule returns: one row per patient, status plus what it rests on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.lookup import positions
from pipeline.status import MET, NOT_MET

EVIDENCE_COLUMNS = ("status", "reason", "source", "record_date", "raw_value", "value", "unit")


def repeated_text(text: str | None, n: int) -> pd.api.extensions.ExtensionArray:
    """`text` (or a missing value) `n` times as pandas' `str` array, built by Arrow: from a
    Python list, a million patients' reasons took 0.2 s per column of every criterion."""
    if text is None:
        values = pa.nulls(n, pa.large_string())
    else:
        values = pa.array([text], pa.large_string()).take(np.zeros(n, dtype=np.int64))
    return pd.array(values, dtype="str")


def empty_evidence(index: pd.Index, status: int, reason: str, source: str | None) -> pd.DataFrame:
    """Evidence with one status and reason for everybody and no record."""
    n = len(index)
    return pd.DataFrame(
        {
            "status": np.full(n, status, dtype="int8"),
            "reason": repeated_text(reason, n),
            "source": repeated_text(source, n),
            "record_date": pd.Series(pd.NaT, index=index, dtype="datetime64[us]"),
            "raw_value": repeated_text(None, n),
            "value": np.full(n, np.nan),
            "unit": repeated_text(None, n),
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
    columns: dict[str, Any] = {}
    if date_column is not None:
        columns["record_date"] = records[date_column].astype("datetime64[us]")
    if raw_column is not None:
        columns["raw_value"] = records[raw_column].astype("str")
    if value_column is not None:
        columns["value"] = pd.to_numeric(records[value_column], errors="coerce")
    if unit is not None:
        columns["unit"] = unit if isinstance(unit, str) else unit.astype("str")
    assign(evidence, records.index, **columns)


def assign_status(
    evidence: pd.DataFrame,
    status: pd.Series,
    *,
    met: str,
    not_met: str,
    otherwise: str,
    **columns: Any,
) -> None:
    """Each patient's status (indexed by patient) with the reason that goes with it: `met`,
    `not_met`, or `otherwise` (a record that cannot decide), plus any other columns."""
    assign(
        evidence,
        status.index,
        status=status.to_numpy(),
        reason=np.select([status == MET, status == NOT_MET], [met, not_met], otherwise),
        **columns,
    )


def assign(evidence: pd.DataFrame, patients: pd.Index, **columns: Any) -> None:
    """`evidence.loc[patients, column] = value` for each column, the patients looked up once.

    `.loc` looks its labels up among every screened patient again for each column (at a
    million patients, a hundred times the cost of the assignment itself); here they are
    looked up once (`lookup.positions`). A Series value is aligned on `patients` as `.loc`
    aligns it; a patient not in the evidence is a KeyError.
    """
    at = positions(evidence.index, patients)
    if len(at) and at.min() < 0:
        raise KeyError("patients missing from the evidence frame")
    for column, value in columns.items():
        if isinstance(value, pd.Series):
            if not value.index.equals(patients):
                value = value.reindex(patients)
            value = value.array
        evidence.iloc[at, evidence.columns.get_loc(column)] = value
