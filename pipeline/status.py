"""Criterion and overall statuses, and three-valued combination on integer-coded arrays."""

from __future__ import annotations

import numpy as np
import pandas as pd

MET, NOT_MET, UNKNOWN, TO_CONFIRM, NOT_APPLICABLE = 0, 1, 2, 3, 4
STATUS_NAMES = ("met", "not_met", "unknown", "to_confirm", "not_applicable")
STATUS_CODES = {name: code for code, name in enumerate(STATUS_NAMES)}
OVERALL_NAMES = ("candidate", "needs_review", "not_eligible")


def combine_all(statuses: list[pd.Series]) -> pd.Series:
    """Kleene AND: not_met wins, then unknown, else met."""
    stacked = np.vstack([s.to_numpy() for s in statuses])
    result = np.full(stacked.shape[1], MET, dtype="int8")
    result[(stacked == UNKNOWN).any(axis=0)] = UNKNOWN
    result[(stacked == NOT_MET).any(axis=0)] = NOT_MET
    return pd.Series(result, index=statuses[0].index)


def combine_any(statuses: list[pd.Series]) -> pd.Series:
    """Kleene OR: met wins, then unknown, else not_met."""
    stacked = np.vstack([s.to_numpy() for s in statuses])
    result = np.full(stacked.shape[1], NOT_MET, dtype="int8")
    result[(stacked == UNKNOWN).any(axis=0)] = UNKNOWN
    result[(stacked == MET).any(axis=0)] = MET
    return pd.Series(result, index=statuses[0].index)


def from_masks(met: pd.Series, not_met: pd.Series) -> pd.Series:
    """met where `met`, not_met where `not_met`, unknown elsewhere (masks may hold NA)."""
    met_arr = met.fillna(False).to_numpy(dtype=bool)
    not_met_arr = not_met.fillna(False).to_numpy(dtype=bool) & ~met_arr
    result = np.full(len(met_arr), UNKNOWN, dtype="int8")
    result[met_arr] = MET
    result[not_met_arr] = NOT_MET
    return pd.Series(result, index=met.index)


def invert(status: pd.Series) -> pd.Series:
    """Exclusion criteria: the excluding condition being met means the criterion is not met."""
    arr = status.to_numpy().copy()
    met, not_met = arr == MET, arr == NOT_MET
    arr[met], arr[not_met] = NOT_MET, MET
    return pd.Series(arr, index=status.index)


def overall_status(matrix: np.ndarray) -> np.ndarray:
    """Overall code per patient (rows) from criterion codes (columns): 0/1/2 per OVERALL_NAMES."""
    result = np.zeros(matrix.shape[0], dtype="int8")
    result[(matrix == UNKNOWN).any(axis=1)] = 1
    result[(matrix == NOT_MET).any(axis=1)] = 2
    return result
