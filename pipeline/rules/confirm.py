"""`confirm_at_visit`: what hospital data cannot tell (consent, willingness, contraception)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import empty_evidence
from pipeline.rules.schema import text
from pipeline.status import TO_CONFIRM


@dataclass(frozen=True)
class ConfirmAtVisitRule:
    note: str

    @classmethod
    def parse(cls, spec: dict[str, Any], where: str) -> ConfirmAtVisitRule:
        return cls(text(spec.get("note", "to confirm at the inclusion visit"), where, "note"))

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        return empty_evidence(data.index, TO_CONFIRM, self.note, None)
