"""`around_event`: matching records counted in a window relative to another event.

OHDSI Circe's correlated criteria: a window whose two ends are offsets before or after an
index event, here the trial's own anchor (`anchors.Anchor`: the first or latest record of a
kind). "No chemotherapy within 4 weeks after surgery" is at most 0 chemotherapy records from
0 days to 4 weeks after the latest surgery; "progression within 12 months of the first
diagnosis" is at least 1 progression from 0 days to 12 months after the first diagnosis.

Both ends of `event_window` are whole days and both are included: `{start: {days: 0}, end:
{weeks: 4, side: after}}` holds the anchor's day and the day four weeks later; an end that
must be excluded is written one day in (`{days: 1, side: after}`). Only records on or before
the as-of date exist when the screening runs, so a window reaching past it is read up to it.

Three-valued as `record_count` is: the certain count is a floor, the possible count (records
with a missing value, a missing date, or set aside) a ceiling. With no anchor, or an anchor
that cannot be told, the criterion is `unknown`, never not_met: the reason says why, and
otherwise names the anchor and its date (the evidence's record date is the anchor's).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.rules import schema
from pipeline.rules.anchors import Anchor, anchor_reason
from pipeline.rules.conditions import Condition, conditions_status, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign, empty_evidence
from pipeline.rules.latest_record import parse_dated_extract
from pipeline.rules.record_count import MAX_COUNT
from pipeline.rules.records import screened, set_aside_reasons
from pipeline.rules.windows import UNITS, Offset, Window, parse_offset
from pipeline.status import MET, NOT_MET, UNKNOWN

SIDES = ("before", "after")
EDGE_KEYS = frozenset({*UNITS, "side"})


@dataclass(frozen=True)
class Edge:
    """One end of the window: `offset` before or after the anchor's day."""

    offset: Offset
    side: str

    def at(self, anchors: pd.Series) -> pd.Series:
        step = pd.DateOffset(
            years=self.offset.years,
            months=self.offset.months,
            weeks=self.offset.weeks,
            days=self.offset.days,
        )
        days = anchors.dt.normalize()
        return days - step if self.side == "before" else days + step

    def describe(self) -> str:
        if self.offset.zero:
            return "the anchor's day"
        return f"{self.offset.describe()} {self.side}"


def _edge(value: Any, where: str, key: str) -> Edge:
    spec = schema.mapping(value, where, key)
    schema.known_keys(spec, EDGE_KEYS, f"{where}: event_window.{key}")
    offset = parse_offset(spec, where, f"event_window.{key}")
    side = spec.get("side", "after" if offset.zero else None)
    if side not in SIDES:
        raise ConfigError(f"{where}: 'event_window.{key}.side' is before or after, not {side!r}")
    return Edge(offset, side)


@dataclass(frozen=True)
class AroundEventRule:
    anchor: Anchor
    extract: str
    where: tuple[Condition, ...]
    start: Edge
    end: Edge
    at_least: int | None
    at_most: int | None

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> AroundEventRule:
        anchor = Anchor.parse(spec.get("anchor"), where)
        extract = parse_dated_extract(spec, where, "around_event")
        window = schema.mapping(spec.get("event_window"), where, "event_window")
        schema.known_keys(window, {"start", "end"}, f"{where}: event_window")
        if set(window) != {"start", "end"}:
            raise ConfigError(f"{where}: an around_event event_window needs both 'start' and 'end'")
        start, end = _edge(window["start"], where, "start"), _edge(window["end"], where, "end")
        probe = pd.Series([pd.Timestamp("2000-03-31")])  # month ends differ most
        if (start.at(probe) > end.at(probe)).any():
            raise ConfigError(f"{where}: the window ends before it starts")
        bounds = [
            None
            if spec.get(key) is None
            else schema.integer(spec[key], where, key, minimum=0, maximum=MAX_COUNT)
            for key in ("at_least", "at_most")
        ]
        if bounds == [None, None]:
            raise ConfigError(f"{where}: around_event needs 'at_least' and/or 'at_most'")
        if None not in bounds and bounds[1] < bounds[0]:
            raise ConfigError(f"{where}: 'at_most' is below 'at_least'")
        return cls(
            anchor=anchor,
            extract=extract,
            where=parse_conditions(spec.get("where"), where, extract),
            start=start,
            end=end,
            at_least=bounds[0],
            at_most=bounds[1],
        )

    def describe_window(self) -> str:
        return f"from {self.start.describe()} to {self.end.describe()} the {self.anchor.describe()}"

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        found, doubtful = self.anchor.resolve(data)
        anchor_date = found[EXTRACTS[self.anchor.extract].date_column or ""]
        evidence = empty_evidence(
            data.index, UNKNOWN, f"no anchor ({self.anchor.describe()})", self.extract
        )
        if len(doubtful):
            assign(
                evidence,
                doubtful.index,
                reason=("anchor cannot be told: " + doubtful).to_numpy(),
            )
        decided = found.index.difference(doubtful.index)
        if decided.empty:
            return evidence
        anchors = anchor_date.loc[decided]
        low, high = self.start.at(anchors), self.end.at(anchors) + pd.Timedelta(days=1)

        date = EXTRACTS[self.extract].date_column or ""
        frame = data.extracts[self.extract]
        frame = frame[screened(data, frame["patient_id"])]
        frame = frame[frame["patient_id"].isin(decided).to_numpy()]
        matched = conditions_status(frame, self.where).to_numpy()
        row_low = low.reindex(frame["patient_id"]).to_numpy()
        row_high = high.reindex(frame["patient_id"]).to_numpy()
        dates = frame[date].dt.normalize().to_numpy()
        inside = (dates >= row_low) & (dates < row_high)
        undated = pd.isna(dates)
        floor = _count(frame["patient_id"][(matched == MET) & inside], decided)
        ceiling = _count(frame["patient_id"][(matched != NOT_MET) & (inside | undated)], decided)
        set_aside = set_aside_reasons(data, self.extract, self.where, Window(), date)
        open_ceiling = decided.isin(set_aside.index)

        met = np.ones(len(decided), bool)
        not_met = np.zeros(len(decided), bool)
        if self.at_least is not None:
            met &= floor >= self.at_least
            not_met |= (ceiling < self.at_least) & ~open_ceiling
        if self.at_most is not None:
            met &= (ceiling <= self.at_most) & ~open_ceiling
            not_met |= floor > self.at_most
        status = np.where(not_met, NOT_MET, np.where(met, MET, UNKNOWN)).astype("int8")
        extra = ceiling - floor
        possible = np.where(extra > 0, " and " + extra.astype("str") + " more possible", "")
        aside = np.where(open_ceiling & (status == UNKNOWN), "; a record was set aside", "")
        reason = (
            anchor_reason(self.anchor, anchors).to_numpy()
            + "; "
            + floor.astype("str")
            + " counted"
            + possible
            + aside
            + f"; wanted {_bounds(self.at_least, self.at_most)} {self.extract} record(s) "
            + self.describe_window()
        )
        assign(
            evidence,
            decided,
            status=status,
            reason=reason.astype("str"),
            record_date=anchors.astype("datetime64[us]"),
            value=floor.astype("float64"),
            unit="records",
        )
        return evidence


def _bounds(at_least: int | None, at_most: int | None) -> str:
    if at_least is not None and at_most is not None:
        return f"between {at_least} and {at_most}"
    return f"at least {at_least}" if at_least is not None else f"at most {at_most}"


def _count(patient_ids: pd.Series, index: pd.Index) -> np.ndarray:
    return patient_ids.value_counts().reindex(index, fill_value=0).to_numpy(dtype="int64")
