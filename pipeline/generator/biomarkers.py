"""The synthetic hospital's tumour biomarkers (`biomarkers`): a receptor panel (ER, PR, HER2)
for a planted few patients, as a pathology laboratory reports a breast cancer's, in the
hospital's words (RE, RP, HIS; POSITIF, NEGATIF, EQUIVOQUE).

No criterion of the Lutathera trial reads biomarkers, so they change no expected status; they
are drawn from their own random stream (`BIOMARKERS_STREAM`), so every other extract keeps
the bytes it had before this extract existed. Reports date from 30 days to 10 years before
the as-of date (the youngest patient is 16; no death precedes the as-of date).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
# Seeds the biomarkers' own stream with the hospital's seed.
BIOMARKERS_STREAM = 2026
PANEL_SHARE = 0.04
# HER2 immunohistochemistry scores and their interpretation (ASCO/CAP).
HER2_SCORES = ("0", "1+", "2+", "3+")
HER2_READING = {"0": "NEGATIF", "1+": "NEGATIF", "2+": "EQUIVOQUE", "3+": "POSITIF"}


def biomarkers_frame(pid: np.ndarray, as_of: str, seed: int) -> pd.DataFrame:
    """One row per marker and test, in the hospital's column names (ids added when written):
    ER and PR by IHC with a percentage, HER2 by IHC with a score, and an ISH for a 2+."""
    rng = np.random.default_rng([seed, BIOMARKERS_STREAM])
    owners = np.flatnonzero(rng.random(len(pid)) < PANEL_SHARE)
    if not len(owners) and len(pid):
        owners = np.array([0])  # an extract delivered empty would stop the run: one panel
    k = len(owners)
    reported = np.datetime64(as_of, "D") - rng.integers(30, 3650, size=k) * DAY
    er = np.where(rng.random(k) < 0.75, rng.integers(1, 101, size=k), 0).astype(float)
    pr = np.where(rng.random(k) < 0.65, rng.integers(1, 101, size=k), 0).astype(float)
    score = rng.choice(HER2_SCORES, size=k, p=[0.3, 0.3, 0.25, 0.15])
    ish = np.flatnonzero(score == "2+")
    ish_result = np.where(rng.random(len(ish)) < 0.8, "NEGATIF", "POSITIF")

    def receptor(name: str, percent: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "IPP": pid[owners],
                "DATE_COMPTE_RENDU": reported,
                "MARQUEUR": name,
                "TECHNIQUE": "IHC",
                "RESULTAT": np.where(percent >= 1, "POSITIF", "NEGATIF"),
                "SCORE_IHC": "",
                "POURCENTAGE": percent,
            }
        )

    her2_ihc = pd.DataFrame(
        {
            "IPP": pid[owners],
            "DATE_COMPTE_RENDU": reported,
            "MARQUEUR": "HER2",
            "TECHNIQUE": "IHC",
            "RESULTAT": pd.Series(score).map(HER2_READING).to_numpy(),
            "SCORE_IHC": score,
            "POURCENTAGE": np.nan,
        }
    )
    her2_ish = pd.DataFrame(
        {
            "IPP": pid[owners[ish]],
            "DATE_COMPTE_RENDU": reported[ish],
            "MARQUEUR": "HER2",
            "TECHNIQUE": "HIS",
            "RESULTAT": ish_result,
            "SCORE_IHC": "",
            "POURCENTAGE": np.nan,
        }
    )
    frames = [receptor("RE", er), receptor("RP", pr), her2_ihc, her2_ish]
    return pd.concat(frames, ignore_index=True)
