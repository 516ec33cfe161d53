"""`latest_record`: the most recent matching record in a window must meet conditions.

Used for assessments (ECOG, life expectancy), tumour-board decisions, pathology and imaging
findings. No record in the window gives `when_absent` (unknown unless the trial says otherwise);
a record set aside by data quality gives unknown, never a silent not_met.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.conform import number_from_text
from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.rules.conditions import Condition, conditions_status, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign_status, empty_evidence, fill_from
from pipeline.rules.records import (
    latest_per_patient,
    mark_set_aside,
    select_records,
    set_aside_reasons,
)
from pipeline.rules.windows import Window, parse_window
from pipeline.status import STATUS_CODES

ABSENT_STATUSES = ("unknown", "to_confirm", "not_met")


def parse_absent(spec: dict[str, Any], where: str) -> int:
    value = spec.get("when_absent", "unknown")
    if value not in ABSENT_STATUSES:
        raise ConfigError(f"{where}: when_absent must be one of {ABSENT_STATUSES}")
    return STATUS_CODES[value]


def parse_dated_extract(spec: dict[str, Any], where: str, primitive: str) -> str:
    """The `extract` a record rule reads: one with a date column (windows need it)."""
    extract = spec.get("extract")
    if not isinstance(extract, str) or extract not in EXTRACTS or not EXTRACTS[extract].date_column:
        raise ConfigError(f"{where}: {primitive} needs a dated extract, not {extract!r}")
    return extract


@dataclass(frozen=True)
class LatestRecordRule:
    extract: str
    where: tuple[Condition, ...]
    conditions: tuple[Condition, ...]
    window: Window
    when_absent: int
    combine: str = "all"

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> LatestRecordRule:
        extract = parse_dated_extract(spec, where, "latest_record")
        conditions = parse_conditions(spec.get("conditions"), where, extract)
        if not conditions:
            raise ConfigError(f"{where}: latest_record needs at least one condition")
        return cls(
            extract=extract,
            where=parse_conditions(spec.get("where"), where, extract),
            conditions=conditions,
            window=parse_window(spec.get("window"), where),
            when_absent=parse_absent(spec, where),
            combine=spec.get("combine", "all"),
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        meta = EXTRACTS[self.extract]
        date = meta.date_column or ""
        records = select_records(data, self.extract, self.where, self.window, date)
        latest = latest_per_patient(records, date, meta.record_id or date)
        evidence = empty_evidence(
            data.index, self.when_absent, f"no record {self.window.describe()}", self.extract
        )
        reasons = set_aside_reasons(data, self.extract, self.where, self.window, date)
        if latest.empty:
            mark_set_aside(evidence, reasons, latest[date])
            return evidence
        status = conditions_status(latest, self.conditions, self.combine)
        value_column = self.conditions[0].column
        assign_status(
            evidence,
            status,
            met="latest record meets the conditions",
            not_met="latest record fails the conditions",
            otherwise="latest record lacks a value the conditions need",
            value=number_from_text(latest[value_column]),
        )
        fill_from(evidence, latest, date_column=date, raw_column=value_column)
        mark_set_aside(evidence, reasons, latest[date])  # a later set-aside row overrules
        return evidence
