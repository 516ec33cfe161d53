"""Three-valued combination, exclusion inversion and the overall verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.status import (
    MET,
    NOT_APPLICABLE,
    NOT_MET,
    OVERALL_NAMES,
    STATUS_CODES,
    TO_CONFIRM,
    UNKNOWN,
    combine_all,
    combine_any,
    from_masks,
    invert,
    overall_status,
)

M, N, U, C, A = MET, NOT_MET, UNKNOWN, TO_CONFIRM, NOT_APPLICABLE


def series(*codes: int) -> pd.Series:
    return pd.Series(np.array(codes, dtype="int8"))


def overall(*codes: int) -> str:
    return OVERALL_NAMES[overall_status(np.array([codes], dtype="int8"))[0]]


def test_status_codes_match_names():
    assert STATUS_CODES == {
        "met": 0,
        "not_met": 1,
        "unknown": 2,
        "to_confirm": 3,
        "not_applicable": 4,
    }


def test_combine_all_is_kleene_and():
    a = series(M, M, M, U, N, U)
    b = series(M, U, N, U, U, N)
    assert combine_all([a, b]).tolist() == [M, U, N, U, N, N]


def test_combine_any_is_kleene_or():
    a = series(M, M, N, U, N, U)
    b = series(N, U, N, U, U, M)
    assert combine_any([a, b]).tolist() == [M, M, N, U, U, M]


def test_from_masks_with_missing_values_is_unknown():
    met = pd.Series([True, False, pd.NA, False], dtype="boolean")
    not_met = pd.Series([False, True, False, pd.NA], dtype="boolean")
    assert from_masks(met, not_met).tolist() == [M, N, U, U]


def test_from_masks_met_wins_when_both_masks_hold():
    assert from_masks(pd.Series([True]), pd.Series([True])).tolist() == [M]


def test_invert_swaps_met_and_not_met_only():
    assert invert(series(M, N, U, C, A)).tolist() == [N, M, U, C, A]


def test_invert_keeps_the_index():
    status = pd.Series(np.array([M, N], dtype="int8"), index=["P1", "P2"])
    assert invert(status).index.tolist() == ["P1", "P2"]


@pytest.mark.parametrize(
    ("codes", "expected"),
    [
        ((M, M, M), "candidate"),
        ((M, N, M), "not_eligible"),
        ((U, N, U), "not_eligible"),
        ((M, U, M), "needs_review"),
        ((M, C, M), "candidate"),
        ((M, A, M), "candidate"),
        ((C, A, C), "candidate"),
        ((U, C, A), "needs_review"),
        ((N, C, A), "not_eligible"),
    ],
)
def test_overall_status(codes, expected):
    assert overall(*codes) == expected


def test_overall_status_is_per_patient():
    matrix = np.array([[M, M], [M, N], [U, M], [C, A]], dtype="int8")
    assert [OVERALL_NAMES[c] for c in overall_status(matrix)] == [
        "candidate",
        "not_eligible",
        "needs_review",
        "candidate",
    ]
