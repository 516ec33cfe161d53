"""What a rule sees: the as-of date, the patients and every extract already cut at that date."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass
class ScreeningData:
    """Typed, accepted records on or before the as-of date, and the rows set aside.

    `extracts` frames are indexed 0..n and hold `patient_id`; `patients` is indexed by
    `patient_id`. `quarantined` holds the rows set aside per extract (typed where possible),
    so a rule can tell "no evidence" from "evidence set aside".

    A patient whose patients row was set aside is still screened (nobody exported is lost):
    their row in `patients` holds no values, and `patients_set_aside` gives, per such
    patient, the rule that set the row aside, for the criteria that read it.
    """

    as_of: pd.Timestamp
    patients: pd.DataFrame
    extracts: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame] = field(default_factory=dict)
    patients_set_aside: pd.Series = field(
        default_factory=lambda: pd.Series(dtype="str", index=pd.Index([], name="patient_id"))
    )
    # What the source declared it cannot provide: extract -> None (the whole extract) or the
    # columns. A criterion reading any of it is `unknown` ("not available from this source").
    unavailable: dict[str, frozenset[str] | None] = field(default_factory=dict)

    @property
    def index(self) -> pd.Index:
        return self.patients.index
