"""The synthetic hospital's diagnoses (`conditions`): each patient's NET, and a planted few
other malignancies and comorbidities, coded as a French hospital codes them (CIM-10, and
ICD-O-3 for tumours).

No criterion of the Lutathera trial reads diagnoses, so they change no expected status; they
are drawn from their own random stream (`CONDITIONS_STREAM`), so every other extract keeps
the bytes it had before this extract existed. Dates stay inside each patient's life: onsets
from 10 years before the as-of date (the youngest patient is 16), nothing after the as-of
date for a patient who died on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
# Seeds the conditions' own stream with the hospital's seed.
CONDITIONS_STREAM = 2025
# The NET's primary site: CIM-10 code, ICD-O-3 topography (the same code for these sites).
NET_SITES = ("C17.0", "C17.1", "C17.2", "C17.9", "C18.0", "C18.1", "C18.7", "C20")
NET_MORPHOLOGIES = ("8240/3", "8249/3")
# Other diagnoses a few patients carry: (CIM-10, ICD-O-3 topography, morphology, share).
# C50.9 a breast cancer (another malignancy), C44.3 a skin carcinoma (the exception trials
# make), D05.1 a breast carcinoma in situ (not invasive), C61 a prostate cancer, E11.9 type 2
# diabetes and I10 hypertension (comorbidities, no tumour codes).
OTHERS = (
    ("C50.9", "C50.9", "8500/3", 0.04),
    ("C44.3", "C44.3", "8090/3", 0.04),
    ("D05.1", "C50.9", "8500/2", 0.02),
    ("C61", "C61.9", "8140/3", 0.03),
    ("E11.9", "", "", 0.15),
    ("I10", "", "", 0.25),
)
# The hospital's words for the clinical status (mapped in sources/synthetic-chu.yaml).
STATUSES = ("ACTIF", "RESOLU", "REMISSION")
NO_ONSET_SHARE = 0.05


def conditions_frame(
    pid: np.ndarray, as_of: str, died_on_as_of: np.ndarray, seed: int
) -> pd.DataFrame:
    """One row per diagnosis, in the hospital's column names (ids are added when written)."""
    rng = np.random.default_rng([seed, CONDITIONS_STREAM])
    today = np.datetime64(as_of, "D")
    n = len(pid)
    site = rng.choice(NET_SITES, size=n)
    owners = [np.arange(n)]
    icd10, topography, morphology = [site], [site], [rng.choice(NET_MORPHOLOGIES, size=n)]
    for code, topo, morph, share in OTHERS:
        rows = np.flatnonzero(rng.random(n) < share)
        owners.append(rows)
        icd10.append(np.full(len(rows), code))
        topography.append(np.full(len(rows), topo))
        morphology.append(np.full(len(rows), morph))
    owner = np.concatenate(owners)
    k = len(owner)
    onset = today - rng.integers(30, 3650, size=k) * DAY
    recorded = np.minimum(onset + rng.integers(0, 400, size=k) * DAY, today)
    died = died_on_as_of[owner]
    recorded[died] = np.minimum(recorded[died], today)
    no_onset = rng.random(k) < NO_ONSET_SHARE
    status = rng.choice(STATUSES, size=k, p=[0.7, 0.2, 0.1])
    status[:n] = STATUSES[0]  # the NET under treatment is active
    return pd.DataFrame(
        {
            "IPP": pid[owner],
            "CODE_CIM10": np.concatenate(icd10),
            "TOPOGRAPHIE": np.concatenate(topography),
            "MORPHOLOGIE": np.concatenate(morphology),
            "DATE_DEBUT": pd.Series(onset).where(~no_onset),
            "DATE_SAISIE": recorded,
            "STATUT": status,
        }
    )
