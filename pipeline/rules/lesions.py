"""`lesion_measurements`: measurable disease on the latest CT/MRI study in a window (RECIST 1.1).

Each lesion of the study is classified as RECIST 1.1 does:
- a lymph node under `min_node_lesion_short_axis_mm` (10 mm) short axis is normal tissue, not a
  lesion; from there to under `min_node_short_axis_mm` (15 mm) it is a pathological but
  non-measurable lesion; from 15 mm it is measurable;
- another lesion is measurable from `min_longest_mm` (10 mm) longest diameter, and a
  non-measurable lesion below it (it still counts toward the total).

The study must hold at least `min_lesions` lesions, of which at least `min_measurable` are
measurable. What cannot be classified is counted both ways, so that it decides only when it
must: a node without a short axis (its short axis is at most its longest diameter, which can
settle it) and a lesion set aside by data quality. The criterion is unknown when such lesions
are the difference between met and not met.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.lookup import is_in
from pipeline.rules.conditions import Condition, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign, empty_evidence
from pipeline.rules.latest_record import parse_absent
from pipeline.rules.records import (
    latest_per_patient,
    mark_set_aside,
    select_records,
    set_aside_reasons,
)
from pipeline.rules.schema import integer, number
from pipeline.rules.windows import Window, parse_window
from pipeline.status import from_masks


@dataclass(frozen=True)
class LesionRule:
    study_where: tuple[Condition, ...]
    window: Window
    min_lesions: int
    min_measurable: int
    min_longest_mm: float
    min_node_short_axis_mm: float
    when_absent: int
    min_node_lesion_short_axis_mm: float = 10.0

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> LesionRule:
        return cls(
            study_where=parse_conditions(spec.get("study_where"), where, "imaging_studies"),
            window=parse_window(spec.get("window"), where),
            min_lesions=integer(
                spec.get("min_lesions", 1), where, "min_lesions", minimum=1, maximum=10_000
            ),
            min_measurable=integer(
                spec.get("min_measurable", 1), where, "min_measurable", minimum=0, maximum=10_000
            ),
            min_longest_mm=number(
                spec.get("min_longest_mm", 10), where, "min_longest_mm", minimum=0
            ),
            min_node_short_axis_mm=number(
                spec.get("min_node_short_axis_mm", 15), where, "min_node_short_axis_mm", minimum=0
            ),
            when_absent=parse_absent(spec, where),
            min_node_lesion_short_axis_mm=number(
                spec.get("min_node_lesion_short_axis_mm", 10),
                where,
                "min_node_lesion_short_axis_mm",
                minimum=0,
            ),
        )

    def classify(self, lesions: pd.DataFrame) -> pd.DataFrame:
        """Per lesion row, 0/1 counts: a certain lesion, a certain measurable lesion, and
        what is possible (`maybe_lesion`, `maybe_measurable`) for those that cannot be told."""
        node = lesions["is_lymph_node"].astype("boolean")
        longest = lesions["longest_diameter_mm"].astype("float64")
        short = lesions["short_axis_mm"].astype("float64")
        is_node = node.fillna(False).to_numpy(dtype=bool)
        not_node = (~node).fillna(False).to_numpy(dtype=bool)
        long_known = longest.notna().to_numpy()
        short_known = short.notna().to_numpy()
        lng, sht = longest.to_numpy(), short.to_numpy()
        with np.errstate(invalid="ignore"):
            # Lymph nodes: the short axis decides; without it, the longest diameter bounds it.
            node_axis = np.where(short_known, sht, np.nan)
            node_bound = np.where(short_known, sht, np.where(long_known, lng, np.inf))
            node_lesion = is_node & short_known & (node_axis >= self.min_node_lesion_short_axis_mm)
            node_measurable = is_node & short_known & (node_axis >= self.min_node_short_axis_mm)
            node_maybe_lesion = is_node & (node_bound >= self.min_node_lesion_short_axis_mm)
            node_maybe_measurable = is_node & (node_bound >= self.min_node_short_axis_mm)
            # Other lesions: always a lesion; measurable from the longest diameter.
            other_measurable = not_node & long_known & (lng >= self.min_longest_mm)
            other_maybe_measurable = not_node & ~(long_known & (lng < self.min_longest_mm))
            # Unknown whether it is a node: a lesion if not a node; measurable if either is.
            unsure = ~is_node & ~not_node
            unsure_maybe_measurable = unsure & ~(long_known & (lng < self.min_longest_mm))
        return pd.DataFrame(
            {
                "study_id": lesions["study_id"].to_numpy(),
                "lesion": (node_lesion | not_node).astype(int),
                "measurable": (node_measurable | other_measurable).astype(int),
                "maybe_lesion": (node_maybe_lesion | not_node | unsure).astype(int),
                "maybe_measurable": (
                    node_maybe_measurable | other_maybe_measurable | unsure_maybe_measurable
                ).astype(int),
                "size": np.where(is_node, node_axis, lng),
            }
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        studies = select_records(
            data, "imaging_studies", self.study_where, self.window, "study_date"
        )
        latest = latest_per_patient(studies, "study_date", "study_id")
        evidence = empty_evidence(
            data.index, self.when_absent, f"no study {self.window.describe()}", "imaging_lesions"
        )
        reasons = set_aside_reasons(
            data, "imaging_studies", self.study_where, self.window, "study_date"
        )
        if latest.empty:
            mark_set_aside(evidence, reasons, latest["study_date"])
            return evidence
        lesions = data.extracts["imaging_lesions"]
        lesions = lesions[is_in(lesions["study_id"], latest["study_id"])]
        per_study = (
            self.classify(lesions)
            .groupby("study_id")
            .agg(
                lesions=("lesion", "sum"),
                measurable=("measurable", "sum"),
                maybe_lesions=("maybe_lesion", "sum"),
                maybe_measurable=("maybe_measurable", "sum"),
                largest=("size", "max"),
            )
        )
        stats = (
            latest[["study_id", "study_date"]]
            .join(per_study, on="study_id")
            .join(_set_aside_lesions(data, latest["study_id"]), on="study_id")
            .fillna(
                {
                    "lesions": 0,
                    "measurable": 0,
                    "maybe_lesions": 0,
                    "maybe_measurable": 0,
                    "set_aside": 0,
                }
            )
        )
        # A lesion set aside by data quality could be anything, measurable included.
        most_lesions = stats["maybe_lesions"] + stats["set_aside"]
        most_measurable = stats["maybe_measurable"] + stats["set_aside"]
        ok = (stats["lesions"] >= self.min_lesions) & (stats["measurable"] >= self.min_measurable)
        fails = (most_lesions < self.min_lesions) | (most_measurable < self.min_measurable)
        undecided = np.where(
            stats["set_aside"] > 0,
            "lesions set aside by data quality decide the verdict on the latest study",
            "lymph nodes without a short axis decide the verdict on the latest study",
        )
        assign(
            evidence,
            stats.index,
            status=from_masks(ok, fails).to_numpy(),
            reason=np.select(
                [ok, fails],
                [
                    "measurable disease on the latest study",
                    "no measurable disease on the latest study",
                ],
                undecided,
            ),
            record_date=stats["study_date"].astype("datetime64[us]"),
            value=stats["largest"].astype("float64"),
            unit="mm",
            raw_value=(
                stats["measurable"].astype(int).astype("str")
                + " measurable of "
                + stats["lesions"].astype(int).astype("str")
                + " lesions"
            ),
        )
        mark_set_aside(evidence, reasons, latest["study_date"])  # a later set-aside row overrules
        return evidence


def _set_aside_lesions(data: ScreeningData, study_ids: pd.Series) -> pd.Series:
    """Lesions set aside by data quality per study of `study_ids`."""
    frame = data.quarantined.get("imaging_lesions")
    if frame is None or frame.empty or "study_id" not in frame.columns:
        return pd.Series(dtype="float64", name="set_aside")
    rows = frame[is_in(frame["study_id"], study_ids)]
    return rows.groupby("study_id").size().astype("float64").rename("set_aside")
