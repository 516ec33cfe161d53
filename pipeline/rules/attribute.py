"""`patient_attribute`: conditions on the patients extract (sex, affiliation, ...)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.conditions import Condition, conditions_status, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import empty_evidence
from pipeline.rules.records import mark_patients_row_set_aside
from pipeline.status import MET, NOT_MET, UNKNOWN


@dataclass(frozen=True)
class PatientAttributeRule:
    conditions: tuple[Condition, ...]
    combine: str = "all"

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> PatientAttributeRule:
        conditions = parse_conditions(spec.get("conditions"), where, "patients")
        if not conditions:  # `evaluate` reports the first condition's column
            raise ConfigError(f"{where}: patient_attribute needs at least one condition")
        return cls(conditions, spec.get("combine", "all"))

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        status = conditions_status(data.patients, self.conditions, self.combine)
        evidence = empty_evidence(data.index, UNKNOWN, "", "patients")
        evidence["status"] = status.to_numpy()
        first = self.conditions[0].column
        evidence["raw_value"] = data.patients[first].astype("str")
        evidence["reason"] = np.select(
            [status == MET, status == NOT_MET],
            ["attribute matches", "attribute does not match"],
            "attribute not recorded",
        )
        mark_patients_row_set_aside(evidence, data)
        return evidence
