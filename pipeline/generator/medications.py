"""The synthetic hospital's medication records (`medications`): prescriptions, pharmacy
dispensings and medication statements, as a French hospital's pharmacy system exports them
(ATC code, the CIP13 code of the pack, the hospital's own words for the kind and the route).

Most patients have their somatostatin analogue prescribed and dispensed; a planted few have
an oral targeted therapy (everolimus, sunitinib), an oral chemotherapy (capecitabine), an
anticoagulant, a strong CYP3A4 inhibitor, or a comorbidity's drug they declare taking, so
trials can ask for "oral anticancer drugs", "anticoagulants" or "strong CYP3A4 inhibitors".
Prescriptions run for weeks to months and may end after the as-of date (a planned end), a
dispensing covers 28 days, a statement has no end.

No criterion of the Lutathera trial reads medications, so they change no expected status;
they are drawn from their own random stream (`MEDICATIONS_STREAM`), so every other extract
keeps the bytes it had before this extract existed. Start dates lie in the 5 years before the
as-of date, never after it. The ATC codes are WHO's; the CIP13 codes are shaped as CIP13
codes are (13 digits, 3400 then the pack) but illustrative: synthetic data, not a reference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DAY = np.timedelta64(1, "D")
# Seeds the medications' own stream with the hospital's seed (procedures: 2027).
MEDICATIONS_STREAM = 2028
# The hospital's words (mapped in sources/synthetic-chu.yaml).
PRESCRIPTION, DISPENSING, STATEMENT = "PRESCRIPTION", "DELIVRANCE", "DECLARATION"
# (ATC, illustrative CIP13, route in the hospital's words, share of patients, kinds recorded,
# days before the as-of date the first record starts): octreotide, lanreotide, everolimus,
# sunitinib, capecitabine, apixaban, enoxaparin, clarithromycin, itraconazole, metformin,
# omeprazole.
_BOTH = (PRESCRIPTION, DISPENSING)
DRUGS = (
    ("H01CB02", "3400930000012", "IM", 0.35, _BOTH, (20, 1800)),
    ("H01CB03", "3400930000029", "SC", 0.25, _BOTH, (20, 1800)),
    ("L01EG02", "3400930000036", "PO", 0.05, _BOTH, (10, 1200)),
    ("L01EX01", "3400930000043", "PO", 0.03, (PRESCRIPTION,), (10, 1200)),
    ("L01BC06", "3400930000050", "PO", 0.03, _BOTH, (10, 1200)),
    ("B01AF02", "3400930000067", "PO", 0.06, _BOTH, (5, 900)),
    ("B01AB05", "3400930000074", "SC", 0.04, (PRESCRIPTION,), (5, 400)),
    ("J01FA09", "3400930000081", "PO", 0.03, (PRESCRIPTION,), (1, 60)),
    ("J02AC02", "3400930000098", "PO", 0.02, (PRESCRIPTION,), (1, 90)),
    ("A10BA02", "3400930000104", "PO", 0.12, (STATEMENT,), (100, 1800)),
    ("A02BC01", "3400930000111", "PO", 0.10, (STATEMENT, PRESCRIPTION), (30, 1800)),
)
# How long each kind runs from its start: a prescription 4 to 26 weeks, a dispensing 28 days;
# a statement is open (no end).
PRESCRIPTION_DAYS = (28, 183)
DISPENSING_DAYS = 28


def medications_frame(pid: np.ndarray, as_of: str, seed: int) -> pd.DataFrame:
    """One row per medication record, in the hospital's column names (ids are added when
    written). The first patient always has an octreotide prescription, so the file always
    has a data row."""
    rng = np.random.default_rng([seed, MEDICATIONS_STREAM])
    today = np.datetime64(as_of, "D")
    n = len(pid)
    owners, atc, cip, route, kind, start = [], [], [], [], [], []
    for code, pack, way, share, kinds, (low, high) in DRUGS:
        chosen = rng.random(n) < share
        if code == DRUGS[0][0]:
            chosen[:1] = True
        rows = np.flatnonzero(chosen)
        first = today - rng.integers(low, high, size=len(rows)) * DAY
        for recorded in kinds:
            # a dispensing follows its prescription by 0 to 6 days, never after the as-of date
            lag = rng.integers(0, 7, size=len(rows)) if recorded == DISPENSING else 0
            owners.append(rows)
            atc.append(np.full(len(rows), code))
            cip.append(np.full(len(rows), pack))
            route.append(np.full(len(rows), way))
            kind.append(np.full(len(rows), recorded))
            start.append(np.minimum(first + lag * DAY, today))
    owner = np.concatenate(owners)
    kinds_all = np.concatenate(kind)
    starts = np.concatenate(start)
    length = rng.integers(*PRESCRIPTION_DAYS, size=len(owner))
    length = np.where(kinds_all == DISPENSING, DISPENSING_DAYS, length)
    ends = pd.Series(starts + length * DAY).where(kinds_all != STATEMENT)  # statements: open
    return pd.DataFrame(
        {
            "IPP": pid[owner],
            "TYPE_ENREGISTREMENT": kinds_all,
            "CODE_ATC": np.concatenate(atc),
            "CODE_CIP13": np.concatenate(cip),
            "REFERENTIEL": np.full(len(owner), "CIP13"),
            "DATE_DEBUT": starts,
            "DATE_FIN": ends.to_numpy(),
            "VOIE": np.concatenate(route),
        }
    )
