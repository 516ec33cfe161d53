"""`lesion_measurements`: measurable disease on the latest CT/MRI study in a window (RECIST 1.1).

A lesion is measurable when its longest diameter reaches `min_longest_mm` (non-nodal) or its
short axis reaches `min_node_short_axis_mm` (lymph nodes). The study must hold at least
`min_lesions` lesions of which at least `min_measurable` are measurable.
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
from pipeline.rules.records import latest_per_patient, select_records
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

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> LesionRule:
        return cls(
            study_where=parse_conditions(spec.get("study_where"), where),
            window=parse_window(spec.get("window"), where),
            min_lesions=int(spec.get("min_lesions", 1)),
            min_measurable=int(spec.get("min_measurable", 1)),
            min_longest_mm=float(spec.get("min_longest_mm", 10)),
            min_node_short_axis_mm=float(spec.get("min_node_short_axis_mm", 15)),
            when_absent=parse_absent(spec, where),
        )

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        studies = select_records(
            data, "imaging_studies", self.study_where, self.window, "study_date"
        )
        latest = latest_per_patient(studies, "study_date", "study_id")
        evidence = empty_evidence(
            data.index, self.when_absent, f"no study {self.window.describe()}", "imaging_lesions"
        )
        if latest.empty:
            return evidence
        lesions = data.extracts["imaging_lesions"]
        lesions = lesions[is_in(lesions["study_id"], latest["study_id"])]
        node = lesions["is_lymph_node"].fillna(False).astype(bool)
        size = lesions["short_axis_mm"].where(node, lesions["longest_diameter_mm"])
        threshold = np.where(node, self.min_node_short_axis_mm, self.min_longest_mm)
        per_study = (
            pd.DataFrame(
                {
                    "study_id": lesions["study_id"],
                    "measurable": (size >= threshold).fillna(False).astype(int),
                    "unmeasured": size.isna().astype(int),
                    "size": size,
                }
            )
            .groupby("study_id")
            .agg(
                lesions=("measurable", "size"),
                measurable=("measurable", "sum"),
                unmeasured=("unmeasured", "sum"),
                largest=("size", "max"),
            )
        )
        set_aside = data.quarantined.get("imaging_lesions")
        doubtful_studies = set(set_aside["study_id"].dropna()) if set_aside is not None else set()
        stats = (
            latest[["study_id", "study_date"]]
            .join(per_study, on="study_id")
            .fillna({"lesions": 0, "measurable": 0, "unmeasured": 0})
        )
        ok = (stats["lesions"] >= self.min_lesions) & (stats["measurable"] >= self.min_measurable)
        # Unmeasured or set-aside lesions could still make the study qualify: unknown, not not_met.
        could_qualify = (stats["lesions"] >= self.min_lesions) & (
            stats["measurable"] + stats["unmeasured"] >= self.min_measurable
        )
        doubtful = stats["study_id"].isin(doubtful_studies) | could_qualify
        assign(
            evidence,
            stats.index,
            status=from_masks(ok, ~ok & ~doubtful).to_numpy(),
            reason=np.select(
                [ok, ~ok & doubtful],
                [
                    "measurable disease on the latest study",
                    "lesions set aside or unmeasured on the latest study",
                ],
                "no measurable disease on the latest study",
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
        return evidence
