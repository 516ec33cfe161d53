"""Anchor events: the first or the latest matching record of a patient, as a date.

OHDSI Circe measures windows from an index event; a protocol does the same ("started more
than 12 weeks ago" is measured from the first administration, "within 12 months of the
first diagnosis" from the first diagnosis). An anchor is that event, defined in the trial:
`{extract: conditions, where: [...], record: first}`.

Three-valued like every record read: a record that might match (a value `where` needs is
missing), a matching record without a date, or a row set aside by data quality could be the
first (or latest) record, so the anchor's date is then doubtful and whatever rests on it
`unknown`, with the reason. For a first record, a doubtful row of any date counts (the
set-aside reasons keep one row per patient, not the earliest): unknown rather than a wrong
anchor.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.rules import schema
from pipeline.rules.conditions import Condition, conditions_status, parse_conditions
from pipeline.rules.context import ScreeningData
from pipeline.rules.records import screened, set_aside_reasons
from pipeline.rules.windows import Window
from pipeline.status import MET, NOT_MET

ANCHOR_KEYS = frozenset({"extract", "where", "record"})
RECORDS = ("first", "last")


@dataclass(frozen=True)
class Anchor:
    """The `record` (first or last) of `extract` matching `where`, on or before the as-of date."""

    extract: str
    where: tuple[Condition, ...]
    record: str

    @classmethod
    def parse(cls, value: Any, where: str, key: str = "anchor") -> Anchor:
        spec = schema.mapping(value, where, key)
        schema.known_keys(spec, ANCHOR_KEYS, f"{where}: {key}")
        extract = spec.get("extract")
        if (
            not isinstance(extract, str)
            or not EXTRACTS.get(extract)
            or not (EXTRACTS[extract].date_column)
        ):
            raise ConfigError(f"{where}: '{key}.extract' must be a dated extract, not {extract!r}")
        record = spec.get("record")
        if record not in RECORDS:
            raise ConfigError(f"{where}: '{key}.record' is first or last, not {record!r}")
        return cls(extract, parse_conditions(spec.get("where"), where, extract), record)

    def describe(self) -> str:
        return f"{self.record} {self.extract} record"

    def resolve(self, data: ScreeningData) -> tuple[pd.DataFrame, pd.Series]:
        """(anchor records indexed by patient, every column of the extract kept;
        per doubtful patient, why the anchor cannot be told). A doubtful patient may also
        have an anchor record: the caller makes them unknown."""
        meta = EXTRACTS[self.extract]
        date = meta.date_column or ""
        frame = data.extracts[self.extract]
        frame = frame[screened(data, frame["patient_id"])]
        status = conditions_status(frame, self.where).to_numpy()
        dated = frame[date].notna().to_numpy()
        certain = frame[(status == MET) & dated]
        tiebreak = [meta.record_id] if meta.record_id else []
        ordered = certain.sort_values(["patient_id", date, *tiebreak], kind="stable")
        keep = "first" if self.record == "first" else "last"
        found = ordered.drop_duplicates("patient_id", keep=keep).set_index("patient_id")
        anchor_date = found[date].reindex(data.index)

        # Rows that could be the anchor but cannot be read as such.
        unsure = frame[(status != NOT_MET) & ~((status == MET) & dated)]
        own = unsure[date]
        their_anchor = anchor_date.reindex(unsure["patient_id"]).to_numpy()
        no_anchor = pd.isna(their_anchor)
        undated = own.isna().to_numpy()
        if self.record == "first":  # an undated record may be older than any dated one
            could_be = no_anchor | undated | (own.to_numpy() < their_anchor)
        else:  # an undated record happened by the date it was recorded, if the extract has one
            recorded = (
                unsure[meta.known_column]
                if meta.known_column is not None
                else pd.Series(pd.NaT, index=unsure.index)
            )
            undated_later = undated & ~(recorded.to_numpy() <= their_anchor)
            could_be = no_anchor | undated_later | (own.to_numpy() > their_anchor)
        doubtful = pd.Series(
            f"a {self.extract} record that may be the {self.record} one has a missing value "
            "or date",
            index=pd.Index(unsure["patient_id"][could_be].unique(), name="patient_id"),
            dtype="str",
        )
        set_aside = set_aside_reasons(data, self.extract, self.where, Window(), date)
        if len(set_aside):
            accepted = anchor_date.reindex(set_aside.index)
            if self.record == "first":
                hit = np.ones(len(set_aside), bool)
            else:
                hit = (
                    accepted.isna() | set_aside["date"].isna() | (set_aside["date"] > accepted)
                ).to_numpy(dtype=bool)
            reasons = set_aside["reason"][hit]
            doubtful = pd.concat([doubtful[~doubtful.index.isin(reasons.index)], reasons])
        return found, doubtful.astype("str")


def anchor_reason(anchor: Anchor, dates: pd.Series) -> pd.Series:
    """`anchor: first conditions record of 2024-01-02`, per patient (indexed as `dates`)."""
    return ("anchor: " + anchor.describe() + " of " + dates.dt.strftime("%Y-%m-%d")).astype("str")
