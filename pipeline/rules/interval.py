"""`interval`: time from one event to the next matching event, optionally bounded.

The `from` event is the end (or start) of a treatment course; the `to` event is the first
matching record strictly after it. Without bounds the rule only asks that the `to` event
exists (e.g. a progression after the first PRRT).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.rules.conditions import Condition, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.courses import CourseSpec
from pipeline.rules.evidence import assign, empty_evidence
from pipeline.rules.latest_record import parse_absent
from pipeline.rules.records import select_records, set_aside_reasons
from pipeline.rules.schema import MAX_MONTHS, integer, mapping
from pipeline.rules.windows import Window
from pipeline.status import UNKNOWN, from_masks

COURSE_KEYS = ("atc_codes", "course_gap_days", "course")


@dataclass(frozen=True)
class IntervalRule:
    start: CourseSpec
    start_at: str
    extract: str
    where: tuple[Condition, ...]
    min_months: int | None
    when_absent: int

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> IntervalRule:
        start = mapping(spec.get("from") or {}, where, "from")
        end = mapping(spec.get("to") or {}, where, "to")
        unknown = sorted(
            {f"from.{k}" for k in set(start) - {"event", "at", *COURSE_KEYS}}
            | {f"to.{k}" for k in set(end) - {"extract", "where"}}
        )
        if unknown:
            raise ConfigError(f"{where}: unknown interval keys {unknown}")
        if start.get("event") != "treatment_course":
            raise ConfigError(f"{where}: 'from' must be a treatment_course event")
        start_at = start.get("at", "end")
        if start_at not in ("start", "end"):
            raise ConfigError(f"{where}: 'from.at' is start or end")
        extract = end.get("extract")
        if not isinstance(extract, str) or extract not in EXTRACTS:
            raise ConfigError(f"{where}: 'to.extract' must be a dated extract")
        if EXTRACTS[extract].date_column is None:
            raise ConfigError(f"{where}: 'to.extract' must be a dated extract")
        return cls(
            start=CourseSpec.parse(start, where),
            start_at=start_at,
            extract=extract,
            where=parse_conditions(end.get("where"), where, extract),
            min_months=None
            if spec.get("min_months") is None
            else integer(spec["min_months"], where, "min_months", minimum=0, maximum=MAX_MONTHS),
            when_absent=parse_absent(spec, where),
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        meta = EXTRACTS[self.extract]
        date = meta.date_column or ""
        courses = self.start.courses(data)
        starts = courses[self.start_at].rename("from_date")
        evidence = empty_evidence(data.index, UNKNOWN, "no starting treatment course", self.extract)
        records = select_records(data, self.extract, self.where, Window(), date)
        # reset_index: joining an empty frame names its index `patient_id` (pandas quirk),
        # which would clash with the column below.
        joined = records.join(starts, on="patient_id", how="inner").reset_index(drop=True)
        after = joined[joined[date] > joined["from_date"]]
        first = (
            after.sort_values(["patient_id", date], kind="stable")
            .drop_duplicates("patient_id", keep="first")
            .set_index("patient_id")
        )
        has_start = starts.index
        assign(
            evidence,
            has_start,
            status=self.when_absent,
            reason="no matching event after the treatment course",
        )
        reasons = set_aside_reasons(data, self.extract, self.where, Window(), date)
        doubtful = reasons.index.intersection(has_start).difference(first.index)
        assign(evidence, doubtful, status=UNKNOWN, reason=reasons.loc[doubtful, "reason"])
        if first.empty:
            return evidence
        idx = first.index
        from_date, to_date = first["from_date"], first[date]
        months = _whole_months(from_date, to_date)
        assign(
            evidence,
            idx,
            record_date=to_date.astype("datetime64[us]"),
            value=months.astype("float64"),
            raw_value=months.astype("str"),
            unit="months",
        )
        if self.min_months is None:
            assign(
                evidence,
                idx,
                status=from_masks(
                    pd.Series(True, index=idx), pd.Series(False, index=idx)
                ).to_numpy(),
                reason="matching event after the treatment course",
            )
            return evidence
        ok = to_date >= from_date + pd.DateOffset(months=self.min_months)
        assign(
            evidence,
            idx,
            status=from_masks(ok, ~ok).to_numpy(),
            reason=np.where(
                ok,
                f"interval of at least {self.min_months} months",
                f"interval shorter than {self.min_months} months",
            ),
        )
        return evidence


def _whole_months(start: pd.Series, end: pd.Series) -> pd.Series:
    """Completed calendar months between two dates."""
    months = (end.dt.year - start.dt.year) * 12 + (end.dt.month - start.dt.month)
    return months - (end.dt.day < start.dt.day).astype("int64")
