"""Shared record selection: latest record per patient, and evidence that was set aside."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.lookup import positions
from pipeline.quality.suites import DERIVED_FLAGS
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


# What a set-aside row is called in a reason: the extract's record noun, or a column of the
# row that names it better ("CT", "haemoglobin result", "ECOG assessment").
_RECORD_NOUNS = {
    "patients": "patients row",
    "pathology": "pathology report",
    "labs": "lab result",
    "imaging_studies": "imaging study",
    "imaging_lesions": "lesion",
    "treatments": "administration",
    "assessments": "assessment",
    "tumour_board": "tumour board decision",
    "biomarkers": "biomarker result",
    "procedures": "procedure",
    "medications": "medication record",
}
_NAMING_COLUMNS = {
    "labs": ("analyte", " result"),
    "imaging_studies": ("modality", ""),
    "assessments": ("assessment_type", " assessment"),
    "biomarkers": ("marker", " result"),
}


def record_names(extract: str, rows: pd.DataFrame) -> pd.Series:
    """What each row is, for a reason a coordinator can act on ("CT", "ECOG assessment")."""
    noun = _RECORD_NOUNS.get(extract, "record")
    named = pd.Series(noun, index=rows.index, dtype="str")
    if extract in _NAMING_COLUMNS and _NAMING_COLUMNS[extract][0] in rows.columns:
        column, suffix = _NAMING_COLUMNS[extract]
        values = rows[column].astype("str")
        named = (values + suffix).where(values.notna(), named).astype("str")
    return named


def set_aside_reasons(
    data: ScreeningData,
    extract: str,
    where: tuple[Condition, ...],
    window: Window,
    date: str,
    *,
    certain: bool = False,
) -> pd.DataFrame:
    """Per patient with a set-aside row that could have been evidence for a rule: the latest
    such row's date (`date`, NaT when unreadable) and a `reason` naming the row, its date and
    the rule that set it aside ("CT of 2026-10-18 set aside by data quality: <rule id>"), so
    the coordinator looks for the right record.

    A row whose `where` values are missing could match, unless `certain` (a lab result counts
    only for the analyte of its own code); a row without a readable date could be anywhere
    in the window.
    """
    empty = pd.DataFrame(
        {
            "reason": pd.Series(dtype="str"),
            "date": pd.Series(dtype="datetime64[us]"),
        },
        index=pd.Index([], name="patient_id"),
    )
    frame = data.quarantined.get(extract)
    if frame is None or frame.empty or "patient_id" not in frame.columns:
        return empty
    frame = _unreadable_as_missing(frame, where, extract)
    matching = filter_rows(frame, where) if certain else possibly_matching(frame, where)
    keep = matching.to_numpy(dtype=bool) & screened(data, frame["patient_id"])
    dated = bool(date) and date in frame.columns
    if dated:
        dates = frame[date]
        keep &= (window.contains(dates, data.as_of) | dates.isna()).to_numpy(dtype=bool)
    rows = frame[keep]
    if rows.empty:
        return empty
    if dated:
        rows = rows.sort_values(["patient_id", date], na_position="first", kind="stable")
        when = rows[date].dt.strftime("%Y-%m-%d")
        when = ("of " + when).where(when.notna(), "with an unreadable date").astype("str")
    else:
        when = pd.Series("", index=rows.index, dtype="str")
    rule = rows["rule_id"].astype("str") if "rule_id" in rows.columns else "unknown rule"
    reason = (
        record_names(extract, rows) + " " + when + " set aside by data quality: " + rule
    ).str.replace("  ", " ", regex=False)
    latest = ~rows["patient_id"].duplicated(keep="last").to_numpy()
    dates = rows[date] if dated else pd.Series(pd.NaT, index=rows.index)
    return pd.DataFrame(
        {
            "reason": pd.array(reason[latest].to_numpy(), dtype="str"),
            "date": dates[latest].astype("datetime64[us]").to_numpy(),
        },
        index=pd.Index(rows["patient_id"][latest].to_numpy(), name="patient_id"),
    )


def _unreadable_as_missing(
    frame: pd.DataFrame, where: tuple[Condition, ...], extract: str
) -> pd.DataFrame:
    """A set-aside row's value that failed its own conformance rule (a modality code outside
    the contract, a control character) says nothing about what the record was: it could be
    the CT a rule looks for, so it is read as missing, which `possibly_matching` cannot rule
    out. The column that names the row in a reason (`record_names`) is read the same way, so
    unsafe text never reaches a reason (and from there a report)."""
    columns = {condition.column for condition in where}
    if extract in _NAMING_COLUMNS:
        columns.add(_NAMING_COLUMNS[extract][0])
    fixes = {}
    for column in sorted(columns):
        flags = [column + suffix for suffix in DERIVED_FLAGS if column + suffix in frame.columns]
        if column not in frame.columns or not flags:
            continue
        readable = np.logical_and.reduce(
            [frame[flag].astype("boolean").fillna(True).to_numpy(dtype=bool) for flag in flags]
        )
        fixes[column] = frame[column].where(readable)
    return frame.assign(**fixes) if fixes else frame


def mark_set_aside(evidence: pd.DataFrame, set_aside: pd.DataFrame, latest: pd.Series) -> None:
    """Unknown, never a silent not_met, where a set-aside row could be the latest record:
    the patient has no accepted record (`latest`: the latest accepted record's date per
    patient), or the set-aside row is dated after it, or its date is unreadable. The reason
    says which record and which rule (`set_aside_reasons`)."""
    if set_aside.empty:
        return
    accepted = latest.reindex(set_aside.index).astype("datetime64[us]")
    doubtful = accepted.isna() | set_aside["date"].isna() | (set_aside["date"] > accepted)
    patients = set_aside.index[doubtful.to_numpy(dtype=bool)]
    if len(patients):
        assign(evidence, patients, status=UNKNOWN, reason=set_aside.loc[patients, "reason"])


def mark_patients_row_set_aside(evidence: pd.DataFrame, data: ScreeningData) -> None:
    """Criteria that read the patients row: unknown where that row was set aside, naming
    the rule (the patient is still screened on everything else)."""
    set_aside = data.patients_set_aside
    if len(set_aside):
        assign(
            evidence,
            set_aside.index,
            status=UNKNOWN,
            reason=("patients row set aside by data quality: " + set_aside).astype("str"),
        )
