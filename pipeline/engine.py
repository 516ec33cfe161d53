"""The criteria engine: every criterion for every patient at once, then the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.parallel import map_in_order
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import empty_evidence
from pipeline.rules.groups import GroupRule
from pipeline.rules.reads import UNAVAILABLE_REASON, unavailable_reads
from pipeline.status import (
    NOT_APPLICABLE,
    NOT_MET,
    OVERALL_NAMES,
    UNKNOWN,
    invert,
    overall_status,
)
from pipeline.trial import Criterion, Trial


def evaluate_criterion(criterion: Criterion, data: ScreeningData) -> pd.DataFrame:
    """Evidence per patient for one criterion, applicability and exclusion applied.

    A criterion reading what the source declared unavailable is `unknown` for everybody
    ("not available from this source: ..."), and a gate reading it sets nobody aside: empty
    by declaration is not evidence of absence."""
    # A group judges its branches' availability one by one (`pipeline.rules.groups`).
    grouped = isinstance(criterion.rule, GroupRule)
    missing = [] if grouped else unavailable_reads(criterion.rule, data.unavailable)
    if missing:
        evidence = empty_evidence(
            data.index,
            UNKNOWN,
            f"{UNAVAILABLE_REASON}: {', '.join(missing)}",
            missing[0].split(".")[0],
        )
    else:
        evidence = criterion.rule.evaluate(data).copy()
    if criterion.kind == "exclusion":
        evidence["status"] = invert(evidence["status"]).to_numpy()
    for applicability in criterion.applies_when:
        if unavailable_reads(applicability, data.unavailable):
            continue
        gate = applicability.evaluate(data)["status"].to_numpy()
        outside = gate == NOT_MET
        evidence.loc[outside, "status"] = NOT_APPLICABLE
        evidence.loc[outside, "reason"] = "criterion does not apply to this patient"
    return evidence


# Evidence texts with a handful of distinct values: the long criteria frame (18 million rows
# at a million patients) holds them as categoricals, one small code per row, not one text.
REPEATED_TEXT = ("reason", "source", "unit")


def _categorical(factorised: list[tuple[np.ndarray, pd.Index]]) -> pd.Categorical:
    """One categorical from the (codes, uniques) of consecutive parts; categories in order of
    first appearance, so the result is the same whichever process evaluated which part."""
    categories = pd.Index(
        list(dict.fromkeys(text for _, uniques in factorised for text in uniques.tolist())),
        dtype="str",
    )
    codes = [
        np.where(part_codes < 0, -1, categories.get_indexer(uniques)[np.maximum(part_codes, 0)])
        if len(uniques)
        else np.full(len(part_codes), -1)
        for part_codes, uniques in factorised
    ]
    return pd.Categorical.from_codes(np.concatenate(codes) if codes else [], categories)


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
    texts: dict[str, list[tuple[np.ndarray, pd.Index]]] = {c: [] for c in REPEATED_TEXT}
    evaluations = map_in_order(_Evaluation(data), trial.criteria, workers)
    for criterion, evidence in zip(trial.criteria, evaluations, strict=True):
        columns = list(evidence.columns)
        for column, factorised in texts.items():  # as each part arrives: codes, not texts
            factorised.append(pd.factorize(evidence.pop(column), use_na_sentinel=True))
        evidence.insert(0, "criterion_order", np.int16(criterion.order))
        parts.append(evidence)
    criteria = pd.concat(parts)
    del parts
    criteria.index.name = "patient_id"
    criteria = criteria.reset_index()
    ids = [criterion.id for criterion in trial.criteria]
    criteria.insert(
        1,
        "criterion_id",
        pd.Categorical.from_codes(
            np.repeat(np.arange(len(ids)), len(data.index)), pd.Index(ids, dtype="str")
        ),
    )
    for column, factorised in texts.items():
        criteria[column] = _categorical(factorised)
    criteria = criteria[["patient_id", "criterion_id", "criterion_order", *columns]]
    matrix = criteria["status"].to_numpy().reshape(len(trial.criteria), len(data.index)).T
    overall = pd.DataFrame({"overall_code": overall_status(matrix)}, index=data.index)
    overall["overall_status"] = np.asarray(OVERALL_NAMES, dtype=object)[overall["overall_code"]]
    return criteria, overall
