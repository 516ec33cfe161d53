"""Look-back windows ending on the as-of day, in calendar months or days."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.errors import ConfigError


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
    """`{months: 4}`, `{days: 28}` or nothing (unbounded)."""
    if spec is None:
        return Window()
    if not isinstance(spec, dict) or set(spec) - {"months", "days"}:
        raise ConfigError(f"{where}: window is a mapping with 'months' and/or 'days'")
    months, days = int(spec.get("months", 0)), int(spec.get("days", 0))
    if months < 0 or days < 0:
        raise ConfigError(f"{where}: window lengths cannot be negative")
    return Window(months=months, days=days)
