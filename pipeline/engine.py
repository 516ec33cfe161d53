"""The criteria engine: every criterion for every patient at once, then the overall verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd

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


def screen(trial: Trial, data: ScreeningData) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long criteria frame (patient x criterion, protocol order) and the overall frame."""
    parts = []
    for criterion in trial.criteria:
        evidence = evaluate_criterion(criterion, data)
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
