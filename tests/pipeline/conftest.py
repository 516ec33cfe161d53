"""Small, hand-built typed frames for unit tests of the screening core.

`make_data` builds a `ScreeningData` the way `pipeline.prepare` leaves it: patients indexed by
`patient_id`, every non-patient extract present with the contract's (non-identifying) columns
and dtypes, and labs carrying the normalised value columns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from pipeline.contract import EXTRACTS
from pipeline.prepare import REASON, RULE_ID, validation_frame
from pipeline.rules.context import ScreeningData
from pipeline.status import STATUS_NAMES
from pipeline.trial import Criterion, find_trial, load_trial

AS_OF = pd.Timestamp("2026-06-15")

_DTYPES = {
    "id": "str",
    "str": "str",
    "code": "str",
    "date": "datetime64[us]",
    "datetime": "datetime64[us]",
    "float": "float64",
    "int": "Int64",
    "bool": "boolean",
}

PATIENT_DEFAULTS: dict[str, Any] = {
    "birth_date": "1960-03-01",
    "sex": "M",
    "death_date": None,
    "social_security_affiliated": True,
    "childbearing_potential": None,
}


def typed_frame(name: str, rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """A frame of one extract with contract column names and typed dtypes."""
    rows = rows or []
    extract = EXTRACTS[name]
    unknown = {key for row in rows for key in row} - set(extract.column_names)
    assert not unknown, f"test rows use columns not in the contract: {unknown}"
    data = {}
    for column in extract.columns:
        if column.identifying:
            continue
        values = [row.get(column.name) for row in rows]
        dtype = _DTYPES[column.type]
        if dtype.startswith("datetime"):
            data[column.name] = pd.Series(pd.to_datetime(values), dtype=dtype)
        else:
            data[column.name] = pd.Series(values, dtype=dtype)
    frame = pd.DataFrame(data, index=pd.RangeIndex(len(rows)))
    if name == "labs":
        frame = add_lab_values(frame)
    return frame


def add_lab_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The lab columns validation derives (analyte, canonical value, bounds...), as in a run."""
    return validation_frame("labs", frame, ".", None)


def build_data(
    patients: list[dict[str, Any]],
    *,
    as_of: pd.Timestamp = AS_OF,
    quarantined: dict[str, list[dict[str, Any]]] | None = None,
    patients_set_aside: dict[str, str] | None = None,
    **extracts: list[dict[str, Any]],
) -> ScreeningData:
    """ScreeningData with the given patients, extract rows and set-aside rows;
    `patients_set_aside` (id -> rule) adds patients whose patients row was set aside, as
    `pipeline.prepare.assemble` keeps them: an empty row."""
    unknown = set(extracts) - set(EXTRACTS)
    assert not unknown, f"unknown extracts: {unknown}"
    patient_rows = [{**PATIENT_DEFAULTS, **row} for row in patients]
    frame = typed_frame("patients", patient_rows).set_index("patient_id")
    frames = {
        name: typed_frame(name, extracts.get(name)) for name in EXTRACTS if name != "patients"
    }
    set_aside = {}
    for name, rows in (quarantined or {}).items():
        q = typed_frame(name, rows)
        q[RULE_ID] = pd.Series(["test.rule"] * len(q), index=q.index, dtype="str")
        q[REASON] = pd.Series(["set aside in a test"] * len(q), index=q.index, dtype="str")
        set_aside[name] = q
    rows_set_aside = pd.Series(patients_set_aside or {}, dtype="str")
    rows_set_aside.index = pd.Index(rows_set_aside.index, name="patient_id", dtype="str")
    if len(rows_set_aside):
        frame = frame.reindex(frame.index.append(rows_set_aside.index))
    return ScreeningData(
        as_of=as_of,
        patients=frame,
        extracts=frames,
        quarantined=set_aside,
        patients_set_aside=rows_set_aside,
    )


def status_of(evidence: pd.DataFrame, patient_id: str) -> str:
    """Status name of one patient in an evidence frame."""
    return STATUS_NAMES[int(evidence.loc[patient_id, "status"])]


def days_before(days: int, as_of: pd.Timestamp = AS_OF) -> str:
    return (as_of - pd.Timedelta(days=days)).strftime("%Y-%m-%d")


@pytest.fixture
def make_data() -> Callable[..., ScreeningData]:
    return build_data


@pytest.fixture
def status() -> Callable[[pd.DataFrame, str], str]:
    return status_of


@pytest.fixture
def ago() -> Callable[..., str]:
    """`ago(days)`: the ISO date that many days before the as-of date."""
    return days_before


@pytest.fixture(scope="session")
def lutathera() -> dict[str, Criterion]:
    """The repository's Lutathera trial, criteria by id."""
    trial = load_trial(find_trial("lutathera-retreatment"))
    return {c.id: c for c in trial.criteria}
