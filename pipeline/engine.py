"""The criteria engine: every criterion for every patient at once, then the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.parallel import map_in_order
from pipeline.rules.context import ScreeningData
from pipeline.status import NOT_APPLICABLE, NOT_MET, OVERALL_NAMES, invert, overall_status
from pipeline.trial import Criterion, Trial


def evaluate_criterion(criterion: Criterion, data: ScreeningData) -> pd.DataFrame:
    """Evidence per patient for one criterion, applicability and exclusion applied."""
    evidence = criterion.rule.evaluate(data).copy()
    if criterion.kind == "exclusion":
        evidence["status"] = invert(evidence["status"]).to_numpy()
    for applicability in criterion.applies_when:
        gate = applicability.evaluate(data)["status"].to_numpy()
        outside = gate == NOT_MET
        evidence.loc[outside, "status"] = NOT_APPLICABLE
        evidence.loc[outside, "reason"] = "criterion does not apply to this patient"
    return evidence


@dataclass(frozen=True)
class _Evaluation:
    """`evaluate_criterion` on fixed data: criteria are independent, so worker processes
    (which receive `data` through fork) can evaluate them side by side."""

    data: ScreeningData

    def __call__(self, criterion: Criterion) -> pd.DataFrame:
        return evaluate_criterion(criterion, self.data)


def screen(
    trial: Trial, data: ScreeningData, workers: int = 1
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long criteria frame (patient x criterion, protocol order) and the overall frame; the
    criteria are evaluated on `workers` processes, gathered in protocol order."""
    parts = []
    evaluations = map_in_order(_Evaluation(data), trial.criteria, workers)
    for criterion, evidence in zip(trial.criteria, evaluations, strict=True):
        evidence.insert(0, "criterion_order", np.int16(criterion.order))
        evidence.insert(0, "criterion_id", criterion.id)
        parts.append(evidence)
    criteria = pd.concat(parts)
    criteria.index.name = "patient_id"
    criteria = criteria.reset_index()
    matrix = criteria["status"].to_numpy().reshape(len(trial.criteria), len(data.index)).T
    overall = pd.DataFrame({"overall_code": overall_status(matrix)}, index=data.index)
    overall["overall_status"] = np.asarray(OVERALL_NAMES, dtype=object)[overall["overall_code"]]
    return criteria, overall
