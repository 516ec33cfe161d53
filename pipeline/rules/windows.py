"""Look-back windows before the as-of day, in calendar years, months, weeks and days.

`{months: 3}` is the last three months up to the as-of day. Protocols also need windows that
end before it: "a somatostatin analogue started more than 12 weeks ago" is a record between
the first day on record and 12 weeks before the as-of date (`{ending: {weeks: 12}}`), "another
malignancy within 3 years but not in the last month" is `{years: 3, ending: {months: 1}}`.
Both ends are included. Lengths are calendar arithmetic (`pd.DateOffset`): a month before
31 March is 28 or 29 February.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.schema import MAX_DAYS, MAX_MONTHS, MAX_YEARS, integer

UNITS = ("years", "months", "weeks", "days")
_MAXIMA = {"years": MAX_YEARS, "months": MAX_MONTHS, "weeks": MAX_DAYS // 7, "days": MAX_DAYS}


@dataclass(frozen=True)
class Offset:
    """A calendar length before the as-of date."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0

    @property
    def zero(self) -> bool:
        return not (self.years or self.months or self.weeks or self.days)

    @property
    def calendar(self) -> pd.DateOffset:
        return pd.DateOffset(years=self.years, months=self.months, weeks=self.weeks, days=self.days)

    def before(self, as_of: pd.Timestamp) -> pd.Timestamp:
        return as_of - self.calendar

    def describe(self) -> str:
        parts = [f"{getattr(self, unit)} {unit}" for unit in UNITS if getattr(self, unit)]
        return " and ".join(parts)


@dataclass(frozen=True)
class Window:
    """Records dated from `as_of - length` (no limit when the length is zero) to
    `as_of - ending` (the as-of day when zero), both ends included."""

    length: Offset = Offset()
    ending: Offset = Offset()

    @property
    def unbounded(self) -> bool:
        return self.length.zero and self.ending.zero

    def start(self, as_of: pd.Timestamp) -> pd.Timestamp | None:
        return None if self.length.zero else self.length.before(as_of)

    def end(self, as_of: pd.Timestamp) -> pd.Timestamp:
        """The window's last day (its whole day is inside)."""
        return self.ending.before(as_of).normalize()

    def contains(self, dates: pd.Series, as_of: pd.Timestamp) -> pd.Series:
        """Dates inside the window (dates after the as-of day are cut before rules run)."""
        start = self.start(as_of)
        inside = dates < self.end(as_of) + pd.Timedelta(days=1)
        if start is not None:
            inside &= dates.dt.normalize() >= start
        return inside.fillna(False).astype(bool)

    def describe(self) -> str:
        if self.unbounded:
            return "any time before the as-of date"
        if self.ending.zero:
            return f"{self.length.describe()} before the as-of date"
        if self.length.zero:
            return f"at least {self.ending.describe()} before the as-of date"
        return f"from {self.length.describe()} to {self.ending.describe()} before the as-of date"


def parse_offset(spec: dict[str, Any], where: str, key: str) -> Offset:
    """A calendar length written as `{weeks: 12}` (units may be combined; each bounded)."""
    values = {
        unit: integer(spec.get(unit, 0), where, f"{key}.{unit}", minimum=0, maximum=_MAXIMA[unit])
        for unit in UNITS
    }
    return Offset(**values)


def parse_window(spec: Any, where: str) -> Window:
    """`{months: 4}`, `{days: 28}`, `{years: 3, ending: {months: 1}}` or nothing (unbounded).

    Lengths are whole numbers up to a hundred years, checked here: `as_of - DateOffset` of
    100,000 months would overflow only when the rule runs, after every extract was validated.
    A window that ends before it starts would hold nothing: refused.
    """
    if spec is None:
        return Window()
    keys = (*UNITS, "ending")
    if not isinstance(spec, dict) or set(spec) - set(keys):
        raise ConfigError(f"{where}: window is a mapping of {', '.join(keys)}")
    ending = spec.get("ending", {})
    if not isinstance(ending, dict) or set(ending) - set(UNITS):
        raise ConfigError(f"{where}: window.ending is a mapping of {', '.join(UNITS)}")
    window = Window(
        parse_offset(spec, where, "window"), parse_offset(ending, where, "window.ending")
    )
    probe = pd.Timestamp("2000-03-31")  # month ends make calendar lengths differ most
    start = window.start(probe)
    if start is not None and start > window.end(probe):
        raise ConfigError(f"{where}: window ends ({ending}) before it starts")
    return window
