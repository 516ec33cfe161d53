"""`assign`: the evidence columns `.loc` would set, with the patients looked up once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.rules.evidence import assign, empty_evidence, repeated_text
from pipeline.status import MET, NOT_MET, UNKNOWN

PATIENTS = pd.Index(pd.array([f"P{i}" for i in range(8)], dtype="str"), name="patient_id")


def values_for(patients: pd.Index) -> dict[str, object]:
    n = len(patients)
    return {
        "status": np.where(np.arange(n) % 2 == 0, MET, NOT_MET).astype("int8"),
        "reason": np.array([f"reason {i}" for i in range(n)], dtype=object),
        "record_date": pd.Series(pd.date_range("2026-01-01", periods=n, unit="us"), index=patients),
        "value": pd.Series(np.arange(n, dtype="float64") / 2, index=patients),
        "raw_value": pd.Series([str(i) for i in range(n)], index=patients, dtype="str"),
        "unit": "mm",
    }


@pytest.mark.parametrize(
    "patients",
    [PATIENTS[[1, 4, 6]], PATIENTS[[6, 1, 4]], PATIENTS[:0], PATIENTS],
    ids=["some", "unsorted", "none", "all"],
)
def test_assign_sets_what_loc_sets(patients):
    expected = empty_evidence(PATIENTS, UNKNOWN, "no record", "labs")
    actual = expected.copy()
    columns = values_for(patients)
    for column, value in columns.items():
        expected.loc[patients, column] = value
    assign(actual, patients, **columns)
    pd.testing.assert_frame_equal(actual, expected)
    assert len(patients) == 0 or (actual.loc[patients, "unit"] == "mm").all()


def test_a_series_is_aligned_on_the_patients_like_loc():
    patients = PATIENTS[[2, 5, 7]]
    shuffled = pd.Series([7.0, 2.0, 5.0], index=PATIENTS[[7, 2, 5]])
    expected = empty_evidence(PATIENTS, UNKNOWN, "no record", "labs")
    actual = expected.copy()
    expected.loc[patients, "value"] = shuffled
    assign(actual, patients, value=shuffled)
    pd.testing.assert_frame_equal(actual, expected)
    assert actual.loc[patients, "value"].tolist() == [2.0, 5.0, 7.0]


def test_a_patient_not_screened_is_an_error():
    evidence = empty_evidence(PATIENTS, UNKNOWN, "no record", "labs")
    with pytest.raises(KeyError):
        assign(evidence, pd.Index(["P1", "nobody"]), status=MET)


@pytest.mark.parametrize("text", ["no result in the window", "é <b>", "", None])
@pytest.mark.parametrize("n", [0, 1, 5])
def test_repeated_text_is_the_text_n_times_as_str(text, n):
    built = repeated_text(text, n)
    expected = pd.array([text] * n, dtype="str")
    assert built.dtype == expected.dtype
    pd.testing.assert_extension_array_equal(built, expected)


def test_empty_evidence_has_one_reason_and_source_and_no_record():
    evidence = empty_evidence(PATIENTS, UNKNOWN, "no record", None)
    assert evidence.index is PATIENTS or evidence.index.equals(PATIENTS)
    assert evidence["reason"].tolist() == ["no record"] * len(PATIENTS)
    assert evidence["source"].isna().all() and evidence["raw_value"].isna().all()
    assert evidence["unit"].isna().all() and evidence["record_date"].isna().all()
    assert all(evidence[c].dtype == "str" for c in ("reason", "source", "raw_value", "unit"))
