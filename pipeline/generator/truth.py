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
    U,
)

# Criteria whose rule reads the patients row: unknown when that row is set aside.
PATIENT_ROW_READERS = ("alive", "age", "social_security_affiliation")


def _patient_row_set_aside(
    columns: dict[str, np.ndarray],
    variants: dict[str, np.ndarray],
    hcg: np.ndarray,
    pregnancy_applies: np.ndarray,
) -> None:
    """A patient whose patients row is set aside: every reader of that row is unknown; the
    pregnancy test and contraception no longer know sex nor childbearing potential, so only
    a post-menopausal status (an assessment, still read) makes them not applicable; otherwise
    the test's own result (to confirm when none was done) and contraception to confirm."""
    age_variants = list(GROUPS["age"])
    unparseable = variants["age"] == age_variants.index("patient_row_set_aside")
    if not unparseable.any():
        return
    for criterion in PATIENT_ROW_READERS:
        columns[criterion] = np.where(unparseable, U, columns[criterion])
    post = np.asarray([p[2] == "POST" for p in PROFILES.values()])[variants["profile"]]
    pregnancy = np.where(post, NA, np.where(pregnancy_applies, hcg, T))
    contraception = np.where(post, NA, T)
    columns["negative_pregnancy_test"] = np.where(
        unparseable, pregnancy, columns["negative_pregnancy_test"]
    )
    columns["effective_contraception"] = np.where(
        unparseable, contraception, columns["effective_contraception"]
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
    _patient_row_set_aside(columns, variants, hcg, pregnancy_applies)
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
