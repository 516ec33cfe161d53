"""`first_record`: the earliest matching record ever, whose date must fall in a window.

"Date of first diagnosis of X", "first administration of a somatostatin analogue": the
first record is looked for over the whole history up to the as-of date (unlike
`latest_record`, which looks only inside its window), then its date is checked against the
window, and its values against `conditions` when given. "A somatostatin analogue started
more than 12 weeks before inclusion" is the first SSA administration in the window
`{ending: {weeks: 12}}`: a first administration 11 weeks ago is not met, even if the patient
also has one 13 weeks ago (it is not the first). No record gives `when_absent` (unknown by
default); a record that might be the first but cannot be read (`anchors.Anchor.resolve`)
gives unknown, never not_met. The evidence carries the first record's date, and the reason
says which record it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.conform import number_from_text
from pipeline.contract import EXTRACTS
from pipeline.rules.anchors import Anchor, anchor_reason
from pipeline.rules.conditions import Condition, conditions_status, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import assign, empty_evidence, fill_from
from pipeline.rules.latest_record import parse_absent, parse_dated_extract
from pipeline.rules.windows import Window, parse_window
from pipeline.status import MET, NOT_MET, UNKNOWN


@dataclass(frozen=True)
class FirstRecordRule:
    extract: str
    where: tuple[Condition, ...]
    window: Window
    conditions: tuple[Condition, ...]
    when_absent: int
    combine: str = "all"

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> FirstRecordRule:
        extract = parse_dated_extract(spec, where, "first_record")
        return cls(
            extract=extract,
            where=parse_conditions(spec.get("where"), where, extract),
            window=parse_window(spec.get("window"), where),
            conditions=parse_conditions(spec.get("conditions"), where, extract),
            when_absent=parse_absent(spec, where),
            combine=spec.get("combine", "all"),
        )

    @property
    def anchor(self) -> Anchor:
        return Anchor(self.extract, self.where, "first")

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        date = EXTRACTS[self.extract].date_column or ""
        first, doubtful = self.anchor.resolve(data)
        evidence = empty_evidence(
            data.index, self.when_absent, f"no {self.extract} record", self.extract
        )
        if len(first):
            in_window = self.window.contains(first[date], data.as_of).to_numpy(dtype=bool)
            status = np.where(in_window, MET, NOT_MET).astype("int8")
            if self.conditions:
                values = conditions_status(first, self.conditions, self.combine).to_numpy()
                status = np.where(
                    in_window & (values == NOT_MET),
                    NOT_MET,
                    np.where(in_window & (values == UNKNOWN), UNKNOWN, status),
                ).astype("int8")
            verdict = np.select(
                [status == MET, status == NOT_MET],
                [
                    f"; in the window ({self.window.describe()})",
                    np.where(
                        in_window,
                        "; fails the conditions",
                        f"; outside the window ({self.window.describe()})",
                    ),
                ],
                "; lacks a value the conditions need",
            )
            reason = anchor_reason(self.anchor, first[date]) + verdict
            assign(evidence, first.index, status=status, reason=reason.to_numpy())
            raw = self.conditions[0].column if self.conditions else None
            fill_from(evidence, first, date_column=date, raw_column=raw)
            if raw is not None:
                assign(evidence, first.index, value=number_from_text(first[raw]))
        if len(doubtful):
            assign(evidence, doubtful.index, status=UNKNOWN, reason=doubtful.to_numpy())
        return evidence
