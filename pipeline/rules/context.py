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
    """

    as_of: pd.Timestamp
    patients: pd.DataFrame
    extracts: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def index(self) -> pd.Index:
        return self.patients.index
