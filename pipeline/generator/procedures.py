"""The synthetic hospital's procedures (`procedures`): the NET's resection for most patients,
and a planted few liver-directed treatments (radioembolisation, chemoembolisation,
radiofrequency ablation), courses of external beam radiotherapy and recent operations,
coded in CCAM as a French hospital codes them, with the hospital's own kind of act.

No criterion of the Lutathera trial reads procedures, so they change no expected status;
they are drawn from their own random stream (`PROCEDURES_STREAM`), so every other extract
keeps the bytes it had before this extract existed. Dates lie in the 10 years before the
as-of date (the youngest patient is 16) and never after it. The CCAM codes are shaped and
classed as CCAM codes are (4 letters, 3 digits; `H` digestive system, `Z` radiotherapy and
whole-body acts) but are illustrative: synthetic data, not a coding reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
# Seeds the procedures' own stream with the hospital's seed (conditions: 2025, biomarkers: 2026).
PROCEDURES_STREAM = 2027
# (CCAM code, the hospital's kind of act, share of patients, days before the as-of date).
RESECTION = ("HHFA016", "CHIRURGIE", 0.7, (120, 3650))
OTHERS = (
    ("HLNF900", "RADIOLOGIE_INTERVENTIONNELLE", 0.04, (30, 2000)),  # radioembolisation
    ("EDSF900", "RADIOLOGIE_INTERVENTIONNELLE", 0.04, (30, 2000)),  # chemoembolisation
    ("HLNK900", "RADIOLOGIE_INTERVENTIONNELLE", 0.03, (30, 2000)),  # radiofrequency ablation
    ("ZZNL900", "RADIOTHERAPIE", 0.04, (30, 3000)),  # external beam radiotherapy
    ("HMFC004", "CHIRURGIE", 0.03, (1, 120)),  # a recent cholecystectomy
    ("YYYY900", "AUTRE", 0.05, (1, 3000)),  # an act of no other kind
)


def procedures_frame(pid: np.ndarray, as_of: str, seed: int) -> pd.DataFrame:
    """One row per procedure, in the hospital's column names (ids are added when written).
    The first patient always has the resection, so the file always has a data row."""
    rng = np.random.default_rng([seed, PROCEDURES_STREAM])
    today = np.datetime64(as_of, "D")
    n = len(pid)
    owners, codes, kinds, ages = [], [], [], []
    for code, kind, share, (low, high) in (RESECTION, *OTHERS):
        chosen = rng.random(n) < share
        if code == RESECTION[0]:
            chosen[:1] = True
        rows = np.flatnonzero(chosen)
        owners.append(rows)
        codes.append(np.full(len(rows), code))
        kinds.append(np.full(len(rows), kind))
        ages.append(rng.integers(low, high, size=len(rows)))
    owner = np.concatenate(owners)
    return pd.DataFrame(
        {
            "IPP": pid[owner],
            "DATE_ACTE": today - np.concatenate(ages) * DAY,
            "CODE_CCAM": np.concatenate(codes),
            "TYPE_ACTE": np.concatenate(kinds),
        }
    )
