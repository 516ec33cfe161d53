"""`treatment_courses`: administrations grouped into courses; count in one course vs a number.

A new course starts when the gap since the previous administration of the same drugs exceeds
`course_gap_days` (Lutathera cycles are 8 weeks apart; a retreatment comes months later).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.code_sets import CodeSet, resolve
from pipeline.rules.code_systems import SYSTEMS
from pipeline.rules.conditions import Condition
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign, empty_evidence
from pipeline.rules.latest_record import parse_absent
from pipeline.rules.records import select_records, set_aside_reasons
from pipeline.rules.schema import MAX_DAYS, integer
from pipeline.rules.windows import Window
from pipeline.status import MET, UNKNOWN, from_masks

COUNT_OPERATORS = {"eq": np.equal, "ge": np.greater_equal, "le": np.less_equal}


@dataclass(frozen=True)
class CourseSpec:
    """Which administrations, and how they split into courses."""

    atc_codes: CodeSet
    course_gap_days: int
    course: int

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> CourseSpec:
        """`atc_codes`: a list of ATC codes or patterns (`L01EF*`), or a code set's name."""
        if "atc_codes" not in spec:
            raise ConfigError(f"{where}: atc_codes is required")
        codes = resolve(spec["atc_codes"], SYSTEMS["atc"], where, "atc_codes")
        course = integer(spec.get("course", 1), where, "course", minimum=1, maximum=1000)
        gap = integer(
            spec.get("course_gap_days", 120), where, "course_gap_days", minimum=1, maximum=MAX_DAYS
        )
        return cls(codes, gap, course)

    @property
    def where(self) -> tuple[Condition, ...]:
        return (Condition("atc_code", "in", self.atc_codes),)

    def courses(self, data: ScreeningData) -> pd.DataFrame:
        """One row per patient for the requested course: administrations, start and end."""
        records = select_records(data, "treatments", self.where, Window(), "administered_on")
        ordered = records.sort_values(["patient_id", "administered_on"], kind="stable")
        patient = ordered["patient_id"].to_numpy()
        dates = ordered["administered_on"].to_numpy()
        new_patient = np.ones(len(ordered), dtype=bool)
        new_patient[1:] = patient[1:] != patient[:-1]
        gap = np.zeros(len(ordered), dtype="timedelta64[us]")
        gap[1:] = dates[1:] - dates[:-1]
        new_course = new_patient | (gap > np.timedelta64(self.course_gap_days, "D"))
        starts = np.cumsum(new_course)
        first_of_patient = np.maximum.accumulate(np.where(new_patient, starts, 0))
        course_no = starts - first_of_patient + 1
        ordered = ordered.assign(course_no=course_no)
        chosen = ordered[ordered["course_no"] == self.course]
        return chosen.groupby("patient_id", sort=False).agg(
            administrations=("administered_on", "size"),
            start=("administered_on", "min"),
            end=("administered_on", "max"),
        )


@dataclass(frozen=True)
class TreatmentCoursesRule:
    course: CourseSpec
    op: str
    count: int
    when_absent: int

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> TreatmentCoursesRule:
        op = spec.get("op", "ge")
        if not isinstance(op, str) or op not in COUNT_OPERATORS:
            raise ConfigError(f"{where}: op must be one of {sorted(COUNT_OPERATORS)}")
        if "count" not in spec:
            raise ConfigError(f"{where}: count is required")
        count = integer(spec["count"], where, "count", minimum=1, maximum=100_000)
        return cls(CourseSpec.parse(spec, where), op, count, parse_absent(spec, where))

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        courses = self.course.courses(data)
        evidence = empty_evidence(
            data.index, self.when_absent, "no administration recorded", "treatments"
        )
        if not courses.empty:
            counts = courses["administrations"]
            ok = pd.Series(COUNT_OPERATORS[self.op](counts.to_numpy(), self.count), counts.index)
            assign(
                evidence,
                courses.index,
                status=from_masks(ok, ~ok).to_numpy(),
                reason=np.where(
                    ok,
                    f"course {self.course.course}: count {self.op} {self.count}",
                    f"course {self.course.course}: count not {self.op} {self.count}",
                ),
                value=counts.astype("float64"),
                raw_value=counts.astype("str"),
                record_date=courses["end"].astype("datetime64[us]"),
                unit="administrations",
            )
        # A set-aside administration could change the count, except that more administrations
        # cannot undo a count already at least the minimum.
        reasons = set_aside_reasons(
            data, "treatments", self.course.where, Window(), "administered_on"
        )
        set_aside = reasons.index
        still_certain = evidence.loc[set_aside, "status"].eq(MET) & (self.op == "ge")
        doubtful = set_aside[~still_certain.to_numpy()]
        assign(evidence, doubtful, status=UNKNOWN, reason=reasons.loc[doubtful, "reason"])
        return evidence
