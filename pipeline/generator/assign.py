"""Choosing each patient's variants: mostly eligible or near misses, every variant planted."""

from __future__ import annotations

import numpy as np

from pipeline.generator.variants import (
    GROUPS,
    HCG_VARIANTS,
    HCG_WEIGHTS,
    PROFILE_WEIGHTS,
    PROFILES,
)

ELIGIBLE_SHARE = 0.25


def assign_variants(n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Variant index per group per patient, plus `profile` and `hcg`.

    The first patients cover every non-eligible variant once, alone, so even a small hospital
    plants every near miss and boundary; the rest are eligible or fail 1 to 3 groups at random.
    """
    names = list(GROUPS)
    sizes = np.array([len(GROUPS[g]) for g in names])
    chosen = {g: np.zeros(n, dtype=np.int16) for g in names}
    # Random part: how many groups fail, which ones, which variant.
    k = rng.choice([0, 1, 2, 3], size=n, p=[ELIGIBLE_SHARE, 0.5, 0.15, 0.1])
    priority = rng.random((n, len(names))).argsort(axis=1)
    for j, group in enumerate(names):
        rank = np.argmax(priority == j, axis=1)
        perturbed = rank < k
        chosen[group][perturbed] = rng.integers(1, sizes[j], size=int(perturbed.sum()))
    _no_records_after_death(chosen)
    profile = rng.choice(len(PROFILES), size=n, p=PROFILE_WEIGHTS).astype(np.int16)
    hcg = rng.choice(len(HCG_VARIANTS), size=n, p=HCG_WEIGHTS).astype(np.int16)
    # Planted coverage: one patient per non-eligible variant, nothing else perturbed.
    row = 0
    for j, group in enumerate(names):
        for variant in range(1, sizes[j]):
            if row >= n:
                break
            for other in names:
                chosen[other][row] = 0
            chosen[group][row] = variant
            row += 1
    women = [i for i, p in enumerate(PROFILES.values()) if p[3]]
    for variant in range(len(HCG_VARIANTS)):
        for profile_index in women:
            if row >= n:
                break
            for other in names:
                chosen[other][row] = 0
            profile[row], hcg[row] = profile_index, variant
            row += 1
    for profile_index in range(len(PROFILES)):
        if row < n:
            for other in names:
                chosen[other][row] = 0
            profile[row] = profile_index
            row += 1
    return {**chosen, "profile": profile, "hcg": hcg}


def _no_records_after_death(chosen: dict[str, np.ndarray]) -> None:
    """A patient who died on the as-of day gets no variant dated after it: such a record would
    be an implausible row (quarantined), not the near miss the variant plants."""
    died = chosen["vital"] == list(GROUPS["vital"]).index("died_on_as_of")
    for group, variants in GROUPS.items():
        for index, name in enumerate(variants):
            if name.endswith("_after_as_of") and group != "vital":
                chosen[group][died & (chosen[group] == index)] = 0
