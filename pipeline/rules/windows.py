"""Look-back windows ending on the as-of day, in calendar months or days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.schema import MAX_DAYS, MAX_MONTHS, integer


@dataclass(frozen=True)
class Window:
    """Records dated from `as_of - length` to the as-of day, both ends included."""

    months: int = 0
    days: int = 0

    @property
    def unbounded(self) -> bool:
        return self.months == 0 and self.days == 0

    def start(self, as_of: pd.Timestamp) -> pd.Timestamp | None:
        if self.unbounded:
            return None
        return as_of - pd.DateOffset(months=self.months, days=self.days)

    def contains(self, dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
        """Dates inside the window (dates after the as-of day are cut before rules run)."""
        start = self.start(as_of)
        inside = dates < as_of + pd.Timedelta(days=1)
        if start is not None:
            inside &= dates.dt.normalize() >= start
        return inside.fillna(False).astype(bool)

    def describe(self) -> str:
        if self.unbounded:
            return "any time before the as-of date"
        parts = []
        if self.months:
            parts.append(f"{self.months} months")
        if self.days:
            parts.append(f"{self.days} days")
        return " and ".join(parts) + " before the as-of date"


def parse_window(spec: Any, where: str) -> Window:
    """`{months: 4}`, `{days: 28}` or nothing (unbounded).

    Lengths are whole numbers up to a hundred years, checked here: `as_of - DateOffset` of
    100,000 months would overflow only when the rule runs, after every extract was validated.
    """
    if spec is None:
        return Window()
    if not isinstance(spec, dict) or set(spec) - {"months", "days"}:
        raise ConfigError(f"{where}: window is a mapping with 'months' and/or 'days'")
    months = integer(spec.get("months", 0), where, "window.months", minimum=0, maximum=MAX_MONTHS)
    days = integer(spec.get("days", 0), where, "window.days", minimum=0, maximum=MAX_DAYS)
    return Window(months=months, days=days)
