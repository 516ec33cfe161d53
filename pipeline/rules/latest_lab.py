"""`latest_lab`: the latest result of an analyte in a window, unit-normalised, vs a threshold.

Qualified results are intervals: `<0.5` meets `< 1` for certain, cannot meet `> 1`, and leaves
`< 0.3` unknown. Thresholds may be written in any unit the catalogue knows for the analyte.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.labs.catalogue import load_catalogue
from pipeline.labs.values import normalise_unit_text
from pipeline.rules.conditions import Condition
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign_status, empty_evidence, fill_from
from pipeline.rules.latest_record import parse_absent
from pipeline.rules.records import (
    latest_per_patient,
    mark_set_aside,
    select_records,
    set_aside_reasons,
)
from pipeline.rules.schema import number, text
from pipeline.rules.windows import Window, parse_window
from pipeline.status import from_masks

COMPARATORS = (">", ">=", "<", "<=")

# Every lab column `LatestLabRule.evaluate` reads: when it is the only rule reading labs, the
# screening data keeps these alone (`pipeline.prepare.ScreenedRows`).
LATEST_LAB_COLUMNS = (
    "patient_id",
    "record_id",
    "analyte",
    "collected_at",
    "operator",
    "value",
    "lower",
    "upper",
    "canonical_unit",
    "raw_with_unit",
)


def compare_interval(
    lower: pd.Series, upper: pd.Series, operator: pd.Series, comparator: str, threshold: float
) -> pd.Series:
    """Status of `value <comparator> threshold` for values known only as intervals."""
    lower_incl = operator.isin(["=", ">="])
    upper_incl = operator.isin(["=", "<="])
    t = threshold
    if comparator == ">":
        every = (lower > t) | ((lower == t) & ~lower_incl)
        none = upper <= t
    elif comparator == ">=":
        every = lower >= t
        none = (upper < t) | ((upper == t) & ~upper_incl)
    elif comparator == "<":
        every = (upper < t) | ((upper == t) & ~upper_incl)
        none = lower >= t
    else:
        every = upper <= t
        none = (lower > t) | ((lower == t) & ~lower_incl)
    return from_masks(every, none)


@dataclass(frozen=True)
class LatestLabRule:
    analyte: str
    comparator: str
    threshold: float
    window: Window
    when_absent: int
    # The threshold as the trial file writes it ("100 G/L"), for a rendering to show beside
    # the canonical one it is compared as.
    written: str = ""

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> LatestLabRule:
        catalogue = load_catalogue()
        analyte = spec.get("analyte")
        if not isinstance(analyte, str) or analyte not in catalogue:
            raise ConfigError(f"{where}: unknown analyte {analyte!r} (see labs/catalogue.yaml)")
        comparator = spec.get("operator")
        if comparator not in COMPARATORS:
            raise ConfigError(f"{where}: operator must be one of {COMPARATORS}")
        unit = text(spec.get("unit", catalogue[analyte].unit), where, "unit")
        key = normalise_unit_text(pd.Series([unit], dtype="str")).iloc[0]
        factor = catalogue[analyte].factors.get(key)
        if factor is None:
            raise ConfigError(f"{where}: unit {unit!r} is not known for {analyte}")
        if "threshold" not in spec:
            raise ConfigError(f"{where}: threshold is required")
        given = number(spec["threshold"], where, "threshold")
        threshold = round(given * factor, 9)
        if not math.isfinite(threshold):  # finite in its unit, beyond any float in the canonical
            raise ConfigError(f"{where}: 'threshold' must be a finite number")
        return cls(
            analyte=analyte,
            comparator=comparator,
            threshold=threshold,
            window=parse_window(spec.get("window"), where),
            when_absent=parse_absent(spec, where),
            written=f"{given:g} {unit}",
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        where = (Condition("analyte", "eq", self.analyte),)
        records = select_records(data, "labs", where, self.window, "collected_at")
        latest = latest_per_patient(records, "collected_at", "record_id")
        evidence = empty_evidence(
            data.index, self.when_absent, f"no result {self.window.describe()}", "labs"
        )
        # Only a result of this analyte's own code: a set-aside row of another test, or of a
        # code the catalogue does not know, is no evidence for this one.
        reasons = set_aside_reasons(data, "labs", where, self.window, "collected_at", certain=True)
        if latest.empty:
            mark_set_aside(evidence, reasons, latest["collected_at"])
            return evidence
        status = compare_interval(
            latest["lower"], latest["upper"], latest["operator"], self.comparator, self.threshold
        )
        assign_status(
            evidence,
            status,
            met=f"latest result {self.comparator} {self.threshold:g}",
            not_met=f"latest result not {self.comparator} {self.threshold:g}",
            otherwise="qualified result cannot be compared with the threshold",
        )
        fill_from(
            evidence,
            latest,
            date_column="collected_at",
            raw_column="raw_with_unit",
            value_column="value",
            unit=latest["canonical_unit"],
        )
        mark_set_aside(evidence, reasons, latest["collected_at"])  # a later set-aside row overrules
        return evidence
