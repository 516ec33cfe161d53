"""The expected status of every patient for every criterion, from the variants alone."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.generator.variants import (
    ALWAYS_TO_CONFIRM,
    GROUPS,
    HCG_VARIANTS,
    NA,
    PROFILES,
    T,
)


def expected_statuses(variants: dict[str, np.ndarray], patient_ids: np.ndarray) -> pd.DataFrame:
    """Long frame patient_id, criterion_id, status, including criterion_id 'overall'."""
    columns: dict[str, np.ndarray] = {}
    for group, table in GROUPS.items():
        names = list(table)
        for criterion in table[names[0]]:
            lookup = np.asarray([table[v][criterion] for v in names], dtype=object)
            columns[criterion] = lookup[variants[group]]
    profiles = list(PROFILES.values())
    pregnancy_applies = np.asarray([p[3] for p in profiles])[variants["profile"]]
    contraception_applies = np.asarray([p[4] for p in profiles])[variants["profile"]]
    hcg = np.asarray(list(HCG_VARIANTS.values()), dtype=object)[variants["hcg"]]
    columns["negative_pregnancy_test"] = np.where(pregnancy_applies, hcg, NA)
    columns["effective_contraception"] = np.where(contraception_applies, T, NA)
    for criterion in ALWAYS_TO_CONFIRM:
        columns[criterion] = np.full(len(patient_ids), T, dtype=object)
    wide = pd.DataFrame(columns, index=pd.Index(patient_ids, name="patient_id"))
    values = wide.to_numpy()
    overall = np.where(
        (values == "not_met").any(axis=1),
        "not_eligible",
        np.where((values == "unknown").any(axis=1), "needs_review", "candidate"),
    )
    wide["overall"] = overall
    long = wide.reset_index().melt(
        id_vars="patient_id", var_name="criterion_id", value_name="status"
    )
    return long.astype("str").sort_values(["patient_id", "criterion_id"], ignore_index=True)
