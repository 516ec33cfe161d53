"""`record_count`: how many matching records a patient has in a window, against bounds.

"At least two prior lines of systemic therapy", "no hospitalisation for heart failure in the
last 6 months", "at most one RECIST progression": occurrence criteria in OHDSI Circe's sense.
`at_least: N` and `at_most: N` bound the count (both may be given; `at_most: 0` is "none",
`at_least: 1` "exists").

Counts are three-valued like everything else. A record counts for certain when its `where`
conditions are met and its date is in the window; it may count when a value `where` needs is
missing, when its date is missing, or when a row that could have been it was set aside by data
quality. With the certain count as a floor and the possible count as a ceiling, `at_least: N`
is met when the floor reaches N and not met when even the ceiling stays below; `at_most: N` is
met when the ceiling stays within N and not met when the floor exceeds it; in between the
criterion is unknown, and its reason says why.

`observed: true` asks that a verdict resting on records not found (`at_most` met, `at_least`
not met) be given only where the source saw the patient over the whole window: one of the
patient's observation periods (the optional `observation_periods` extract, OMOP's
observation_period) must cover it, from its first day (the as-of day, for a window without
one) to the as-of day. Elsewhere the verdict is unknown, "not observed over the whole window":
a record that is not there may simply not have been made here. A source without observation
periods leaves such a criterion unknown, "not available from this source" (it reads them).

`overlap: true` counts a record whose period (its start to its end: a prescription running
for months) meets the window, not only one that starts in it: "currently on warfarin"
(`pipeline.rules.periods`). A record without an end may count unless `missing_end_lasts`
says how long such a record lasts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.rules.conditions import Condition, conditions_status, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import empty_evidence
from pipeline.rules.latest_record import parse_dated_extract
from pipeline.rules.periods import overlap_membership
from pipeline.rules.records import screened, set_aside_reasons
from pipeline.rules.schema import integer
from pipeline.rules.undated import window_membership
from pipeline.rules.windows import UNITS, Offset, Window, parse_offset, parse_window
from pipeline.status import MET, NOT_MET, UNKNOWN

# More records than this in a count is not a protocol's threshold but a typo.
MAX_COUNT = 10_000


@dataclass(frozen=True)
class RecordCountRule:
    extract: str
    where: tuple[Condition, ...]
    window: Window
    at_least: int | None
    at_most: int | None
    observed: bool = False
    overlap: bool = False
    missing_end_lasts: Offset | None = None

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> RecordCountRule:
        extract = parse_dated_extract(spec, where, "record_count")
        bounds = [
            None
            if spec.get(key) is None
            else integer(spec[key], where, key, minimum=0, maximum=MAX_COUNT)
            for key in ("at_least", "at_most")
        ]
        if bounds == [None, None]:
            raise ConfigError(f"{where}: record_count needs 'at_least' and/or 'at_most'")
        if None not in bounds and bounds[1] < bounds[0]:
            raise ConfigError(f"{where}: 'at_most' is below 'at_least'")
        observed = spec.get("observed", False)
        if not isinstance(observed, bool):
            raise ConfigError(f"{where}: 'observed' is true or false, not {observed!r}")
        overlap, lasts = _parse_overlap(spec, where, extract)
        return cls(
            extract=extract,
            where=parse_conditions(spec.get("where"), where, extract),
            window=parse_window(spec.get("window"), where),
            at_least=bounds[0],
            at_most=bounds[1],
            observed=observed,
            overlap=overlap,
            missing_end_lasts=lasts,
        )

    def describe_bounds(self) -> str:
        if self.at_least is not None and self.at_most is not None:
            return f"between {self.at_least} and {self.at_most}"
        if self.at_least is not None:
            return f"at least {self.at_least}"
        return f"at most {self.at_most}"

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        date = EXTRACTS[self.extract].date_column or ""
        frame = data.extracts[self.extract]
        frame = frame[screened(data, frame["patient_id"])]
        matched = conditions_status(frame, self.where) if self.where else None
        certain_match = np.ones(len(frame), bool) if matched is None else (matched == 0)
        possible_match = np.ones(len(frame), bool) if matched is None else (matched != 1)
        dates = frame[date]
        if self.overlap:
            in_window, maybe_in_window = overlap_membership(
                frame, self.extract, self.window, data.as_of, self.missing_end_lasts
            )
        else:
            in_window, maybe_in_window = window_membership(
                frame, self.extract, self.window, data.as_of
            )
        certain = np.asarray(certain_match, dtype=bool) & in_window
        possible = np.asarray(possible_match, dtype=bool) & maybe_in_window
        patients = frame["patient_id"]
        floor = _per_patient(patients[certain], data.index)
        ceiling = _per_patient(patients[possible], data.index)
        # A set-aside row's end cannot be trusted: under `overlap`, any row begun by the
        # window's last day may have reached it.
        reach = Window(ending=self.window.ending) if self.overlap else self.window
        set_aside = set_aside_reasons(data, self.extract, self.where, reach, date)
        doubtful = pd.Series(False, index=data.index)
        doubtful.loc[set_aside.index.intersection(data.index)] = True
        ceiling_open = doubtful.to_numpy()  # a set-aside row may hide any number of records

        met = np.ones(len(data.index), bool)
        not_met = np.zeros(len(data.index), bool)
        if self.at_least is not None:
            met &= floor >= self.at_least
            not_met |= (ceiling < self.at_least) & ~ceiling_open
        if self.at_most is not None:
            met &= (ceiling <= self.at_most) & ~ceiling_open
            not_met |= floor > self.at_most
        unobserved = np.zeros(len(data.index), bool)
        if self.observed:  # an absence tells only where the patient was observed
            none = np.zeros(len(data.index), bool)
            absent = none if self.at_least is None else (ceiling < self.at_least) & ~ceiling_open
            found = none if self.at_most is None else floor > self.at_most
            # a `not_met` on records found stands; `met` under `at_most` rests on absences
            by_absence = (met & (self.at_most is not None)) | (absent & ~found)
            unobserved = by_absence & ~_observed_over(data, self.window)
            met &= ~unobserved
            not_met &= ~unobserved
        status = np.where(not_met, NOT_MET, np.where(met, MET, UNKNOWN)).astype("int8")

        period = " whose period meets the window" if self.overlap else ""
        wanted = f"{self.describe_bounds()} record(s){period} {self.window.describe()}"
        evidence = empty_evidence(data.index, UNKNOWN, "", self.extract)
        evidence["status"] = status
        evidence["value"] = floor.astype("float64")
        evidence["unit"] = pd.array(np.full(len(floor), "records", dtype=object), dtype="str")
        latest = (
            pd.Series(dates[certain].to_numpy(), index=patients[certain].to_numpy())
            .groupby(level=0)
            .max()
        )
        evidence["record_date"] = latest.reindex(data.index).astype("datetime64[us]").to_numpy()
        counted = pd.Series(floor, index=data.index).astype("str") + " counted"
        extra = pd.Series(ceiling - floor, index=data.index)
        uncertain = (" and " + extra.astype("str") + " more possible (missing values)").where(
            extra > 0, ""
        )
        verdict = pd.Series(
            np.where(status == MET, "", np.where(status == NOT_MET, "", "cannot tell; ")),
            index=data.index,
        )
        evidence["reason"] = pd.array(
            verdict + counted + uncertain + "; wanted " + wanted, dtype="str"
        )
        if unobserved.any():
            note = "; not observed over the whole window (no observation period covers it)"
            evidence.loc[unobserved, "reason"] = evidence.loc[unobserved, "reason"] + note
        undecided = set_aside.index.intersection(data.index[status == UNKNOWN])
        if len(undecided):
            evidence.loc[undecided, "reason"] = (
                evidence.loc[undecided, "reason"] + "; " + set_aside.loc[undecided, "reason"]
            )
        return evidence


def _parse_overlap(spec: dict[str, Any], where: str, extract: str) -> tuple[bool, Offset | None]:
    """`overlap: true` (a record counts when its period meets the window) needs an extract
    whose records have an end (`Extract.end_column`); `missing_end_lasts: {days: 90}` says how
    long a record without its end lasts, and only with `overlap`."""
    overlap = spec.get("overlap", False)
    if not isinstance(overlap, bool):
        raise ConfigError(f"{where}: 'overlap' is true or false, not {overlap!r}")
    if overlap and EXTRACTS[extract].end_column is None:
        with_end = sorted(name for name, meta in EXTRACTS.items() if meta.end_column)
        raise ConfigError(
            f"{where}: 'overlap' needs records with an end date ({', '.join(with_end)}); "
            f"{extract} records have none"
        )
    lasts = spec.get("missing_end_lasts")
    if lasts is None:
        return overlap, None
    if not overlap:
        raise ConfigError(f"{where}: 'missing_end_lasts' applies only with 'overlap: true'")
    if not isinstance(lasts, dict) or not lasts or set(lasts) - set(UNITS):
        raise ConfigError(f"{where}: missing_end_lasts is a mapping of {', '.join(UNITS)}")
    length = parse_offset(lasts, where, "missing_end_lasts")
    if length.zero:
        raise ConfigError(f"{where}: missing_end_lasts is a length of at least one day")
    return overlap, length


def _observed_over(data: ScreeningData, window: Window) -> np.ndarray:
    """Per patient of `data.index`, whether one observation period holds the window's first
    day (the as-of day for a window without one) through the as-of day. A period without an
    end is open; an undated period covers nothing."""
    periods = data.extracts["observation_periods"]
    periods = periods[screened(data, periods["patient_id"])]
    first = window.start(data.as_of)
    first = data.as_of if first is None else first
    starts = pd.to_datetime(periods["start_date"])
    ends = pd.to_datetime(periods["end_date"])
    covers = (starts <= first) & (ends.isna() | (ends >= data.as_of.normalize()))
    covered = periods.loc[covers.fillna(False).to_numpy(), "patient_id"].unique()
    return data.index.isin(covered)


def _per_patient(patient_ids: pd.Series, index: pd.Index) -> np.ndarray:
    """How many of the rows belong to each patient of `index` (0 for the others)."""
    counts = patient_ids.value_counts()
    return counts.reindex(index, fill_value=0).to_numpy(dtype="int64")
