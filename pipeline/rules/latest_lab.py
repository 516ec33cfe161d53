"""`latest_lab`: the latest result of an analyte in a window, unit-normalised, vs a threshold.

Qualified results are intervals: `<0.5` meets `< 1` for certain, cannot meet `> 1`, and leaves
`< 0.3` unknown. Thresholds may be written in any unit the catalogue knows for the analyte.

Protocols write liver and renal limits relative to the laboratory's own reference range
("ALT ≤ 2.5 × ULN"): with `relative_to: uln` (or `lln`) the threshold is that multiple of the
result's own limit (`reference_high` / `reference_low`, converted with the result's unit), and
`operator: within_normal_limits` asks for a result inside its range. A result without the
limit it needs is unknown, never compared with a fixed number instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.labs.catalogue import Analyte, load_catalogue
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
from pipeline.status import combine_all, from_masks

COMPARATORS = (">", ">=", "<", "<=")
WITHIN_NORMAL_LIMITS = "within_normal_limits"
RELATIVE_TO = {"uln": "normal_high", "lln": "normal_low"}

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
    "normal_low",
    "normal_high",
)


def compare_interval(
    lower: pd.Series,
    upper: pd.Series,
    operator: pd.Series,
    comparator: str,
    threshold: float | pd.Series,
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
    relative_to: str | None = None  # "uln" / "lln": the threshold is a multiple of that limit

    @property
    def uses_reference_range(self) -> bool:
        return self.relative_to is not None or self.comparator == WITHIN_NORMAL_LIMITS

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> LatestLabRule:
        catalogue = load_catalogue()
        analyte = spec.get("analyte")
        if not isinstance(analyte, str) or analyte not in catalogue:
            raise ConfigError(f"{where}: unknown analyte {analyte!r} (see labs/catalogue.yaml)")
        comparator = spec.get("operator")
        if comparator != WITHIN_NORMAL_LIMITS and comparator not in COMPARATORS:
            raise ConfigError(
                f"{where}: operator must be one of {(*COMPARATORS, WITHIN_NORMAL_LIMITS)}"
            )
        relative_to = spec.get("relative_to")
        if comparator == WITHIN_NORMAL_LIMITS:
            extra = sorted(set(spec) & {"threshold", "unit", "relative_to"})
            if extra:
                raise ConfigError(f"{where}: {WITHIN_NORMAL_LIMITS} takes no {', '.join(extra)}")
            threshold, written = math.nan, ""
        elif relative_to is not None:
            threshold = _multiple(spec, where, relative_to)
            written = f"{threshold:g} × {relative_to.upper()}"
        else:
            threshold, written = _canonical_threshold(spec, where, catalogue[analyte])
        return cls(
            analyte=analyte,
            comparator=comparator,
            threshold=threshold,
            window=parse_window(spec.get("window"), where),
            when_absent=parse_absent(spec, where),
            relative_to=relative_to,
            written=written,
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
        status, wanted, otherwise = self._status(latest)
        assign_status(
            evidence,
            status,
            met=f"latest result {wanted}",
            not_met=f"latest result not {wanted}",
            otherwise=otherwise,
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

    def _status(self, latest: pd.DataFrame) -> tuple[pd.Series, str, str]:
        """Each latest result's status, what was asked in words, and the reason when the
        result cannot decide."""
        lower, upper, operator = latest["lower"], latest["upper"], latest["operator"]
        if self.comparator == WITHIN_NORMAL_LIMITS:
            above_low = compare_interval(lower, upper, operator, ">=", latest["normal_low"])
            below_high = compare_interval(lower, upper, operator, "<=", latest["normal_high"])
            return (
                combine_all([above_low, below_high]),
                "within its reference range",
                "reference range missing, or a qualified result it cannot place",
            )
        if self.relative_to is not None:
            limit = latest[RELATIVE_TO[self.relative_to]]
            threshold = limit * self.threshold
            asked = f"{self.comparator} {self.threshold:g} × {self.relative_to.upper()}"
            return (
                compare_interval(lower, upper, operator, self.comparator, threshold),
                asked,
                f"{self.relative_to.upper()} missing, or a qualified result it cannot place",
            )
        return (
            compare_interval(lower, upper, operator, self.comparator, self.threshold),
            f"{self.comparator} {self.threshold:g}",
            "qualified result cannot be compared with the threshold",
        )


def required_threshold(spec: dict[str, Any], where: str) -> float:
    """The rule's `threshold`, a finite number (`schema.number` refuses .nan and .inf)."""
    if "threshold" not in spec:
        raise ConfigError(f"{where}: threshold is required")
    return number(spec["threshold"], where, "threshold")


def _multiple(spec: dict[str, Any], where: str, relative_to: Any) -> float:
    """A threshold `relative_to` the ULN or LLN: a positive multiple, with no unit."""
    if relative_to not in RELATIVE_TO:
        raise ConfigError(f"{where}: relative_to must be one of {tuple(RELATIVE_TO)}")
    if "unit" in spec:
        raise ConfigError(
            f"{where}: a threshold relative_to {relative_to} is a multiple, with no unit"
        )
    multiple = required_threshold(spec, where)
    if multiple <= 0:
        raise ConfigError(f"{where}: 'threshold' must be a positive multiple")
    return multiple


def _canonical_threshold(spec: dict[str, Any], where: str, analyte: Analyte) -> tuple[float, str]:
    """A fixed threshold, written in any unit the catalogue knows, in the canonical unit; and
    as the trial file writes it ("100 G/L"), for a rendering to show beside it."""
    unit = text(spec.get("unit", analyte.unit), where, "unit")
    key = normalise_unit_text(pd.Series([unit], dtype="str")).iloc[0]
    factor = analyte.factors.get(key)
    if factor is None:
        raise ConfigError(f"{where}: unit {unit!r} is not known for {analyte.name}")
    given = required_threshold(spec, where)
    threshold = round(given * factor, 9)
    if not math.isfinite(threshold):  # finite in its unit, beyond any float in the canonical
        raise ConfigError(f"{where}: 'threshold' must be a finite number")
    return threshold, f"{given:g} {unit}"
