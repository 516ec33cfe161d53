"""`alive`: the patient is alive on the as-of date (vital status).

A patient with a death date on or before the as-of date is never a candidate: not_met with
"deceased on <date>". A death date after the as-of date (a backfill of an earlier night)
leaves the patient alive on that night. No death date means alive: hospital exports record
deaths they know of, and a criterion that asked for proof of life would hold every patient
back. A patients row set aside by data quality leaves the status unknown.

Every trial gets this criterion first unless its file says `exclude_deceased: false`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import empty_evidence
from pipeline.rules.records import mark_patients_row_set_aside
from pipeline.status import MET, NOT_MET

ALIVE_CRITERION_ID = "alive"
ALIVE_TEXT = "Alive on the as-of date (no death recorded on or before it)"


@dataclass(frozen=True)
class AliveRule:
    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> AliveRule:
        return cls()

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        death = data.patients["death_date"].astype("datetime64[us]")
        deceased = (death < data.as_of + pd.Timedelta(days=1)).fillna(False).to_numpy(bool)
        evidence = empty_evidence(
            data.index, MET, "no death recorded on or before the as-of date", "patients"
        )
        if deceased.any():
            when = death.dt.strftime("%Y-%m-%d")
            evidence["status"] = np.where(deceased, NOT_MET, MET).astype("int8")
            evidence["reason"] = pd.array(
                np.where(
                    deceased,
                    ("deceased on " + when).to_numpy(object),
                    evidence["reason"].to_numpy(object),
                ),
                dtype="str",
            )
            evidence.loc[deceased, "record_date"] = death[deceased]
        mark_patients_row_set_aside(evidence, data)
        return evidence
