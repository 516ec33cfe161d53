"""Shared record selection: latest record per patient, and evidence that was set aside."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.lookup import positions
from pipeline.rules.conditions import Condition, filter_rows, possibly_matching
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign
from pipeline.rules.windows import Window
from pipeline.status import UNKNOWN


def screened(data: ScreeningData, patient_ids: pd.Series) -> np.ndarray:
    """Rows whose patient is screened (`patient_ids.isin(data.index)`, as a numpy mask).

    Looked up as positions in the patients index (`lookup.positions`): pandas' `isin` would
    make a Python object of every screened patient on each call.
    """
    index = data.index
    if not index.is_unique or index.hasnans:
        return patient_ids.isin(index).to_numpy()
    return positions(index, patient_ids) >= 0


def select_records(
    data: ScreeningData, extract: str, where: tuple[Condition, ...], window: Window, date: str
) -> pd.DataFrame:
    """Accepted records of screened patients matching `where` and dated inside the window."""
    frame = data.extracts[extract]
    keep = filter_rows(frame, where)
    if date:
        keep &= window.contains(frame[date], data.as_of)
    # The patient filter last, on the rows left (the cheap filters cut most rows first).
    selected = frame[keep.to_numpy()]
    return selected[screened(data, selected["patient_id"])]


def latest_per_patient(records: pd.DataFrame, date: str, tiebreak: str) -> pd.DataFrame:
    """The most recent record per patient (ties broken by record id), indexed by patient."""
    ordered = records.sort_values(["patient_id", date, tiebreak], kind="stable")
    latest = ordered.drop_duplicates("patient_id", keep="last")
    return latest.set_index("patient_id")


def patients_with_set_aside_evidence(
    data: ScreeningData, extract: str, where: tuple[Condition, ...], window: Window, date: str
) -> pd.Index:
    """Patients with a set-aside row that could have been evidence for this rule."""
    frame = data.quarantined.get(extract)
    if frame is None or frame.empty:
        return pd.Index([], name="patient_id")
    keep = possibly_matching(frame, where) & screened(data, frame["patient_id"])
    if date and date in frame.columns:
        dates = frame[date]
        keep &= window.contains(dates, data.as_of) | dates.isna()
    return pd.Index(frame.loc[keep, "patient_id"].unique(), name="patient_id")


def mark_set_aside(
    evidence: pd.DataFrame, set_aside: pd.Index, with_evidence: pd.Index, reason: str
) -> None:
    """Unknown, never a silent not_met, for patients whose only evidence was set aside."""
    assign(evidence, set_aside.difference(with_evidence), status=UNKNOWN, reason=reason)
