"""`derived_measure`: a value computed from other data by a published formula, vs a threshold.

Renal function criteria are written on an estimated GFR, which no extract holds: it is computed
from the latest creatinine, the patient's age and sex. The formula lives here, once, cited and
tested against published values, instead of being approximated in each trial file. The
evidence shows the inputs used (creatinine with its unit and date, age, sex), so a coordinator
can check the computation.

Measures (`measure:`):
- `egfr_ckd_epi_2021`: CKD-EPI 2021 creatinine equation, without race (Inker et al., N Engl J
  Med 2021;385:1737-49), in mL/min/1.73 m²:
  142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^-1.200 × 0.9938^age × 1.012 (female),
  Scr in mg/dL, κ 0.7 (F) / 0.9 (M), α -0.241 (F) / -0.302 (M), age in years at the sample.

A qualified creatinine (`<40`) is an interval, and the formula decreases with creatinine, so
the eGFR is an interval too (`> f(40)`): it decides when the whole interval is on one side of
the threshold and is unknown otherwise. Missing sex or birth date: unknown, saying which.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.conditions import Condition
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign, empty_evidence
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

UMOL_PER_MG_DL = 88.42  # creatinine: 1 mg/dL = 88.42 µmol/L (the lab catalogue's factor)
# A creatinine interval's bound seen from the eGFR side: the formula decreases.
_TURNED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


def egfr_ckd_epi_2021(
    creatinine_mg_dl: np.ndarray, age: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """CKD-EPI 2021 eGFR (mL/min/1.73 m²); a creatinine of 0 gives +inf (an open bound)."""
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = np.maximum(creatinine_mg_dl, 0.0) / kappa
    with np.errstate(divide="ignore"):
        low = np.power(np.minimum(ratio, 1.0), alpha)
    high = np.power(np.maximum(ratio, 1.0), -1.200)
    return 142.0 * low * high * np.power(0.9938, age) * np.where(female, 1.012, 1.0)


@dataclass(frozen=True)
class Measure:
    name: str
    unit: str
    analyte: str  # the lab input
    describe: str


MEASURES = {
    "egfr_ckd_epi_2021": Measure(
        "egfr_ckd_epi_2021",
        "mL/min/1.73m2",
        "creatinine",
        "eGFR (CKD-EPI 2021) from the latest creatinine, age and sex",
    ),
}


@dataclass(frozen=True)
class DerivedMeasureRule:
    measure: Measure
    comparator: str
    threshold: float
    window: Window
    when_absent: int

    @property
    def analytes(self) -> frozenset[str]:
        return frozenset({self.measure.analyte})

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
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        where = (Condition("analyte", "eq", self.measure.analyte),)
        records = select_records(data, "labs", where, self.window, "collected_at")
        latest = latest_per_patient(records, "collected_at", "record_id")
        evidence = empty_evidence(
            data.index,
            self.when_absent,
            f"no {self.measure.analyte} result {self.window.describe()}",
            "labs",
        )
        reasons = set_aside_reasons(data, "labs", where, self.window, "collected_at", certain=True)
        if not latest.empty:
            self._judge(evidence, latest, data)
        mark_set_aside(evidence, reasons, latest["collected_at"])
        mark_patients_row_set_aside(evidence, data)
        return evidence

    def _judge(self, evidence: pd.DataFrame, latest: pd.DataFrame, data: ScreeningData) -> None:
        patients = data.patients.reindex(latest.index)
        sex = patients["sex"].astype("str")
        female = (sex == "F").to_numpy(dtype=bool)
        known_sex = sex.isin(["F", "M"]).to_numpy(dtype=bool)
        birth = patients["birth_date"]
        taken = latest["collected_at"].dt.normalize()
        before_birthday = (birth.dt.month > taken.dt.month) | (
            (birth.dt.month == taken.dt.month) & (birth.dt.day > taken.dt.day)
        )
        age = (taken.dt.year - birth.dt.year - before_birthday.astype("Int64")).astype("float64")
        known_age = age.notna().to_numpy()
        ages = age.to_numpy(dtype="float64", na_value=np.nan)
        # The creatinine interval (canonical µmol/L) turned into an eGFR interval.
        low_scr = latest["lower"].to_numpy(dtype="float64", na_value=np.nan) / UMOL_PER_MG_DL
        high_scr = latest["upper"].to_numpy(dtype="float64", na_value=np.nan) / UMOL_PER_MG_DL
        egfr_low = egfr_ckd_epi_2021(high_scr, ages, female)
        egfr_high = egfr_ckd_epi_2021(low_scr, ages, female)
        operator = latest["operator"].astype("str").map(_TURNED).astype("str")
        status = compare_interval(
            pd.Series(egfr_low, index=latest.index),
            pd.Series(egfr_high, index=latest.index),
            operator,
            self.comparator,
            self.threshold,
        ).to_numpy()
        status = np.where(known_sex & known_age, status, UNKNOWN).astype("int8")
        # The value shown: the eGFR, or the bound a qualified creatinine gives it.
        value = np.where(operator.isin(["<", "<="]).to_numpy(), egfr_high, egfr_low)
        shown = f"{self.comparator} {self.threshold:g} {self.measure.unit}"
        reason = np.where(
            ~known_sex,
            "sex needed for the formula is missing",
            np.where(
                ~known_age,
                "birth date needed for the formula is missing",
                np.select(
                    [status == 0, status == 1],
                    [f"{self.measure.describe} {shown}", f"{self.measure.describe} not {shown}"],
                    "qualified creatinine cannot decide the eGFR against the threshold",
                ),
            ),
        )
        inputs = (
            self.measure.analyte
            + " "
            + latest["raw_with_unit"].astype("str")
            + "; age "
            + age.astype("Int64").astype("str").fillna("?")
            + "; sex "
            + sex.fillna("?")
        )
        assign(
            evidence,
            latest.index,
            status=status,
            reason=pd.array(reason, dtype="str"),
            record_date=latest["collected_at"].astype("datetime64[us]"),
            raw_value=inputs.astype("str"),
            value=np.round(value, 1),
            unit=self.measure.unit,
        )
