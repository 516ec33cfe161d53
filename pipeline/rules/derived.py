"""`derived_measure`: a value computed from other data by a published formula, vs a threshold.

Renal, cardiac and metabolic criteria are written on values no extract holds (an eGFR, a
creatinine clearance, a QTcF, a BMI, a corrected calcium): they are computed from the latest
results of their inputs (catalogue measurements, in canonical units) and, for some, the
patient's age and sex. The formulas live in `pipeline.rules.formulas`; the evidence shows
every input used, with its unit and date, so a coordinator can check the computation.

Measures (`measure:`):
- `egfr_ckd_epi_2021` (mL/min/1.73m2): latest creatinine, age at that sample, sex.
- `creatinine_clearance_cockcroft_gault` (mL/min): latest creatinine and body weight, age on
  the as-of date (the inputs may be of different days: the screening day is the one age),
  sex.
- `bmi` (kg/m2): latest body weight and body height.
- `qtcf` (ms): latest QT interval and the heart rate recorded with it (same date and time:
  the RR interval of that ECG, RR = 60 / rate). A heart rate from another time is no RR of
  this ECG: without one the measure is unknown. A heart rate set aside by data quality at
  the QT's time (or with an unreadable date) makes it unknown too; one of another time, which
  could not have been used, does not.
- `corrected_calcium` (mmol/L, Payne): latest calcium and albumin.

Each input is the latest result of its analyte in the rule's `window`, or in its own window
given in `input_windows` (a height measured years ago still gives the BMI). An input missing
is `unknown` (or `when_absent`) with a reason naming each missing input; a sex other than F
or M, or a missing birth date, is `unknown` for the formulas that need them.

A qualified input (`<40`) is an interval, and every formula is monotonic in each input, so the
measure is an interval too: it decides when the whole interval is on one side of the
threshold and is unknown otherwise. The computed bounds are rounded to 1e-6 before they are
compared: a value exactly on a threshold in decimal arithmetic (calcium 2.10 mmol/L with
albumin 30 g/L is 2.30 corrected, 2.3000000000000003 in binary floating point) is not pushed
off it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.lookup import positions
from pipeline.rules import formulas
from pipeline.rules.conditions import Condition
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign, empty_evidence
from pipeline.rules.formulas import egfr_ckd_epi_2021  # noqa: F401  (tests import it here)
from pipeline.rules.latest_lab import COMPARATORS, compare_interval, required_threshold
from pipeline.rules.latest_record import parse_absent
from pipeline.rules.records import (
    latest_per_patient,
    mark_patients_row_set_aside,
    mark_set_aside,
    select_records,
    set_aside_reasons,
)
from pipeline.rules.windows import Window, parse_window
from pipeline.status import UNKNOWN

_DECIDE = 6  # decimals of the computed bounds compared with the threshold


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    inputs: tuple[str, ...]  # catalogue analytes, in the formula's argument order
    increasing: tuple[bool, ...]  # the formula's direction in each input
    formula: Callable[..., np.ndarray]
    describe: str
    decimals: int = 1  # of the value shown
    age_at: str | None = None  # "sample" (of the first input), "as_of", or None: no age
    sex: bool = False
    paired: bool = False  # the other inputs are taken at the first one's date and time

    @property
    def patient_columns(self) -> frozenset[str]:
        return frozenset(
            ({"birth_date"} if self.age_at else set()) | ({"sex"} if self.sex else set())
        )

    def compute(self, args: list[np.ndarray], age: np.ndarray, female: np.ndarray) -> np.ndarray:
        extra: list[np.ndarray] = ([age] if self.age_at else []) + ([female] if self.sex else [])
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self.formula(*args, *extra)


MEASURES = {
    measure.name: measure
    for measure in (
        Measure(
            "egfr_ckd_epi_2021",
            "mL/min/1.73m2",
            ("creatinine",),
            (False,),
            formulas.egfr_from_umol,
            "eGFR (CKD-EPI 2021) from the latest creatinine, age and sex",
            age_at="sample",
            sex=True,
        ),
        Measure(
            "creatinine_clearance_cockcroft_gault",
            "mL/min",
            ("creatinine", "body_weight"),
            (False, True),
            formulas.cockcroft_gault,
            "creatinine clearance (Cockcroft-Gault) from the latest creatinine and weight, "
            "age and sex",
            age_at="as_of",
            sex=True,
        ),
        Measure(
            "bmi",
            "kg/m2",
            ("body_weight", "body_height"),
            (True, False),
            formulas.body_mass_index,
            "BMI from the latest weight and height",
        ),
        Measure(
            "qtcf",
            "ms",
            ("qt_interval", "heart_rate"),
            (True, True),
            formulas.qtcf,
            "QTcF (Fridericia) from the latest QT and the heart rate of the same ECG",
            paired=True,
        ),
        Measure(
            "corrected_calcium",
            "mmol/L",
            ("calcium", "albumin"),
            (True, False),
            formulas.corrected_calcium,
            "corrected calcium (Payne) from the latest calcium and albumin",
            decimals=2,
        ),
    )
}


@dataclass(frozen=True)
class DerivedMeasureRule:
    measure: Measure
    comparator: str
    threshold: float
    window: Window
    when_absent: int
    input_windows: Mapping[str, Window] = field(default_factory=dict)

    @property
    def analytes(self) -> frozenset[str]:
        return frozenset(self.measure.inputs)

    def window_of(self, analyte: str) -> Window:
        return self.input_windows.get(analyte, self.window)

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> DerivedMeasureRule:
        name = spec.get("measure")
        if not isinstance(name, str) or name not in MEASURES:
            raise ConfigError(f"{where}: unknown measure {name!r} (known: {sorted(MEASURES)})")
        measure = MEASURES[name]
        comparator = spec.get("operator")
        if comparator not in COMPARATORS:
            raise ConfigError(f"{where}: operator must be one of {COMPARATORS}")
        unit = spec.get("unit", measure.unit)
        if unit != measure.unit:
            raise ConfigError(f"{where}: {name} is in {measure.unit}, not {unit!r}")
        threshold = required_threshold(spec, where)
        return cls(
            measure=measure,
            comparator=comparator,
            threshold=threshold,
            window=parse_window(spec.get("window"), where),
            when_absent=parse_absent(spec, where),
            input_windows=_input_windows(spec.get("input_windows"), measure, where),
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        measure = self.measure
        latest = self._latest_inputs(data)
        evidence = empty_evidence(data.index, self.when_absent, "", "labs")
        assign(evidence, data.index, reason=self._missing_reasons(data.index, latest))
        complete = latest[measure.inputs[0]].index
        for analyte in measure.inputs[1:]:
            complete = complete.intersection(latest[analyte].index, sort=False)
        if len(complete):
            self._judge(evidence, [latest[a].loc[complete] for a in measure.inputs], data)
        for analyte in measure.inputs:
            where = (Condition("analyte", "eq", analyte),)
            seen = data
            if measure.paired and analyte != measure.inputs[0]:
                seen = _set_aside_at(data, latest[measure.inputs[0]]["collected_at"])
            reasons = set_aside_reasons(
                seen, "labs", where, self.window_of(analyte), "collected_at", certain=True
            )
            mark_set_aside(evidence, reasons, latest[analyte]["collected_at"])
        if measure.patient_columns:
            mark_patients_row_set_aside(evidence, data)
        return evidence

    def _latest_inputs(self, data: ScreeningData) -> dict[str, pd.DataFrame]:
        """Each input's latest result per patient; a paired input is the one recorded at
        the first input's date and time (the latest of them, by record id)."""
        first, *others = self.measure.inputs
        latest = {}
        for analyte in self.measure.inputs:
            where = (Condition("analyte", "eq", analyte),)
            records = select_records(data, "labs", where, self.window_of(analyte), "collected_at")
            if self.measure.paired and analyte in others:
                anchor = latest[first]["collected_at"]
                at = positions(anchor.index, records["patient_id"])
                same = np.zeros(len(records), dtype=bool)
                if len(anchor):
                    same = (at >= 0) & (
                        records["collected_at"].to_numpy() == anchor.to_numpy()[np.maximum(at, 0)]
                    )
                records = records[same]
            latest[analyte] = latest_per_patient(records, "collected_at", "record_id")
        return latest

    def _missing_reasons(self, index: pd.Index, latest: dict[str, pd.DataFrame]) -> pd.Series:
        """Per patient, the inputs missing, each named ("no body weight result ..."); empty
        for a patient with every input (then judged)."""
        reason = pd.Series("", index=index, dtype="str")
        first = self.measure.inputs[0]
        for analyte in self.measure.inputs:
            have = positions(latest[analyte].index, index) >= 0
            said = analyte.replace("_", " ")
            if self.measure.paired and analyte != first:
                # said only beside a result it should have come with
                have |= positions(latest[first].index, index) < 0
                text = f"no {said} recorded with the latest {first.replace('_', ' ')}"
            else:
                text = f"no {said} result {self.window_of(analyte).describe()}"
            piece = np.where(have, "", text)
            joiner = np.where((reason != "").to_numpy() & ~have, "; ", "")
            reason = reason + joiner + piece
        return reason.astype("str")

    def _judge(
        self, evidence: pd.DataFrame, inputs: list[pd.DataFrame], data: ScreeningData
    ) -> None:
        measure = self.measure
        index = inputs[0].index
        patients = data.patients.reindex(index)
        sex = patients["sex"].astype("str")
        female = (sex == "F").to_numpy(dtype=bool)
        known_sex = sex.isin(["F", "M"]).to_numpy(dtype=bool) | (not measure.sex)
        age = _age_years(patients["birth_date"], self._age_day(inputs[0], data))
        ages = age.to_numpy(dtype="float64", na_value=np.nan)
        known_age = ~np.isnan(ages) | (measure.age_at is None)
        low, high, low_incl, high_incl = self._bounds(inputs, ages, female)
        operator = pd.Series(_bound_operators(low_incl, high_incl), index=index, dtype="str")
        status = compare_interval(
            pd.Series(low, index=index),
            pd.Series(high, index=index),
            operator,
            self.comparator,
            self.threshold,
        ).to_numpy()
        status = np.where(known_sex & known_age, status, UNKNOWN).astype("int8")
        # The value shown: the formula on the inputs' own numbers (a qualified input's bound).
        values = [frame["value"].to_numpy(dtype="float64", na_value=np.nan) for frame in inputs]
        value = measure.compute(values, ages, female)
        shown = f"{self.comparator} {self.threshold:g} {measure.unit}"
        reason = np.where(
            ~known_sex,
            "sex needed for the formula is missing",
            np.where(
                ~known_age,
                "birth date needed for the formula is missing",
                np.select(
                    [status == 0, status == 1],
                    [f"{measure.describe} {shown}", f"{measure.describe} not {shown}"],
                    f"a qualified input cannot decide the {measure.name} against the threshold",
                ),
            ),
        )
        assign(
            evidence,
            index,
            status=status,
            reason=pd.array(reason, dtype="str"),
            # the computation is as recent as its oldest input
            record_date=_oldest([frame["collected_at"] for frame in inputs]),
            raw_value=self._inputs_text(inputs, age, sex),
            value=np.round(value, measure.decimals),
            unit=measure.unit,
        )

    def _age_day(self, first: pd.DataFrame, data: ScreeningData) -> pd.Series | pd.Timestamp:
        if self.measure.age_at == "sample":
            return first["collected_at"].dt.normalize()
        return data.as_of

    def _bounds(
        self, inputs: list[pd.DataFrame], ages: np.ndarray, female: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The measure's interval from its inputs' intervals: each formula is monotonic in
        each input, so the lowest value takes each input's bound on its falling side. A bound
        is inclusive when every input bound it is made of is."""
        low_args, high_args = [], []
        low_incl = np.ones(len(inputs[0]), dtype=bool)
        high_incl = np.ones(len(inputs[0]), dtype=bool)
        for frame, increasing in zip(inputs, self.measure.increasing, strict=True):
            op = frame["operator"].astype("str")
            lower = np.maximum(frame["lower"].to_numpy(dtype="float64", na_value=np.nan), 0.0)
            upper = np.maximum(frame["upper"].to_numpy(dtype="float64", na_value=np.nan), 0.0)
            lower_in = op.isin(["=", ">="]).to_numpy(dtype=bool)
            upper_in = op.isin(["=", "<="]).to_numpy(dtype=bool)
            if increasing:
                low_args.append(lower), high_args.append(upper)
                low_incl &= lower_in
                high_incl &= upper_in
            else:
                low_args.append(upper), high_args.append(lower)
                low_incl &= upper_in
                high_incl &= lower_in
        low = self.measure.compute(low_args, ages, female)
        high = self.measure.compute(high_args, ages, female)
        # 0 × inf and the like: no bound known on that side.
        low = np.where(np.isnan(low), -np.inf, np.round(low, _DECIDE))
        high = np.where(np.isnan(high), np.inf, np.round(high, _DECIDE))
        return low, high, low_incl, high_incl

    def _inputs_text(self, inputs: list[pd.DataFrame], age: pd.Series, sex: pd.Series) -> pd.Series:
        """ "creatinine 1.0 mg/dL of 2026-06-12; body weight 160 lb of 2026-06-01; age 60;
        sex M": every input as recorded, with its date."""
        parts = []
        for analyte, frame in zip(self.measure.inputs, inputs, strict=True):
            day = frame["collected_at"].dt.strftime("%Y-%m-%d").fillna("?")
            parts.append(
                analyte.replace("_", " ")
                + " "
                + frame["raw_with_unit"].astype("str").fillna("?")
                + " of "
                + day
            )
        if self.measure.age_at:
            parts.append("age " + age.astype("Int64").astype("str").fillna("?"))
        if self.measure.sex:
            parts.append("sex " + sex.fillna("?"))
        text = parts[0]
        for part in parts[1:]:
            text = text + "; " + part
        return text.astype("str")


def _set_aside_at(data: ScreeningData, anchor: pd.Series) -> ScreeningData:
    """The screening data with only the set-aside lab rows that could be a paired input:
    those at their patient's anchor time (the QT's), or with an unreadable date."""
    frame = data.quarantined.get("labs")
    if frame is None or frame.empty or "collected_at" not in frame.columns:
        return data
    dates = frame["collected_at"]
    if not pd.api.types.is_datetime64_any_dtype(dates):
        return data  # dates not typed: every row may be the one, as before
    at = positions(anchor.index, frame["patient_id"])
    same = np.zeros(len(frame), dtype=bool)
    if len(anchor):
        same = (at >= 0) & (
            dates.to_numpy() == anchor.to_numpy().astype(dates.dtype)[np.maximum(at, 0)]
        )
    keep = same | dates.isna().to_numpy()
    return replace(data, quarantined={**data.quarantined, "labs": frame[keep]})


def _bound_operators(low_incl: np.ndarray, high_incl: np.ndarray) -> np.ndarray:
    """The operator `compare_interval` reads an interval's inclusive ends from: `=` both,
    `>=` the lower only, `<=` the upper only, `>` neither."""
    return np.select([low_incl & high_incl, low_incl, high_incl], ["=", ">=", "<="], ">").astype(
        object
    )


def _oldest(dates: list[pd.Series]) -> pd.Series:
    oldest = dates[0].astype("datetime64[us]")
    for other in dates[1:]:
        oldest = oldest.where(oldest <= other, other.astype("datetime64[us]"))
    return oldest


def _age_years(birth: pd.Series, day: pd.Series | pd.Timestamp) -> pd.Series:
    """Age in whole years on `day` (a birthday on the day counts), float, NaN without a
    birth date."""
    if isinstance(day, pd.Timestamp):
        year, month, dom = day.year, day.month, day.day
    else:
        year, month, dom = day.dt.year, day.dt.month, day.dt.day
    before_birthday = (birth.dt.month > month) | ((birth.dt.month == month) & (birth.dt.day > dom))
    return (year - birth.dt.year - before_birthday.astype("Int64")).astype("float64")


def _input_windows(value: Any, measure: Measure, where: str) -> dict[str, Window]:
    """`input_windows: {body_height: {years: 5}}`: an input's own window. A paired input
    has none (it is taken with the first input)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: input_windows must be a mapping of input to window")
    windows = {}
    for analyte, window in value.items():
        if analyte not in measure.inputs:
            raise ConfigError(
                f"{where}: input_windows: {analyte!r} is not an input of {measure.name} "
                f"(inputs: {list(measure.inputs)})"
            )
        if measure.paired and analyte != measure.inputs[0]:
            raise ConfigError(
                f"{where}: input_windows: {analyte} is taken with the {measure.inputs[0]}, "
                "in its window"
            )
        windows[analyte] = parse_window(window, f"{where}: input_windows: {analyte}")
    return windows
