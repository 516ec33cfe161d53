"""The evidence frame every rule returns: one row per patient, status plus what it rests on."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from pipeline.status import MET, NOT_MET

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
    million patients, a hundred times the cost of the assignment itself). A Series value is
    aligned on `patients` as `.loc` aligns it; a patient not in the evidence is a KeyError.
    """
    at = evidence.index.get_indexer(patients)
    if len(at) and at.min() < 0:
        raise KeyError("patients missing from the evidence frame")
    for column, value in columns.items():
        if isinstance(value, pd.Series):
            if not value.index.equals(patients):
                value = value.reindex(patients)
            value = value.array
        evidence.iloc[at, evidence.columns.get_loc(column)] = value
