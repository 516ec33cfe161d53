"""`age`: age in whole years on the as-of date, from the birth date."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import empty_evidence
from pipeline.rules.records import mark_patients_row_set_aside
from pipeline.rules.schema import integer
from pipeline.status import UNKNOWN, from_masks


@dataclass(frozen=True)
class AgeRule:
    """Met when min_years <= age (< max_years + 1). A birthday on the as-of day counts."""

    min_years: int | None = None
    max_years: int | None = None

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> AgeRule:
        bounds = [
            None
            if spec.get(key) is None
            else integer(spec[key], where, key, minimum=0, maximum=150)
            for key in ("min_years", "max_years")
        ]
        if bounds[0] is not None and bounds[1] is not None and bounds[1] < bounds[0]:
            raise ConfigError(f"{where}: 'max_years' is below 'min_years'")
        return cls(bounds[0], bounds[1])

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        birth = data.patients["birth_date"]
        evidence = empty_evidence(data.index, UNKNOWN, "birth date missing", "patients")
        known = birth.notna()
        ok = pd.Series(True, index=data.index)
        if self.min_years is not None:
            ok &= (birth + pd.DateOffset(years=self.min_years)) <= data.as_of
        if self.max_years is not None:
            ok &= (birth + pd.DateOffset(years=self.max_years + 1)) > data.as_of
        evidence["status"] = from_masks(known & ok, known & ~ok)
        years = data.as_of.year - birth.dt.year
        before_birthday = (birth.dt.month > data.as_of.month) | (
            (birth.dt.month == data.as_of.month) & (birth.dt.day > data.as_of.day)
        )
        evidence["value"] = (years - before_birthday.astype("int64")).astype("float64")
        evidence["unit"] = np.where(known, "years", None)
        evidence["reason"] = np.where(
            known, np.where(ok, "age in range", "age out of range"), "birth date missing"
        )
        # The birth date itself is identifying: evidence carries the age only.
        mark_patients_row_set_aside(evidence, data)
        return evidence
