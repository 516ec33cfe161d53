"""From raw extracts to screening data: type, de-duplicate, set aside bad rows, cut at as-of.

Every row read ends up in exactly one place: accepted, set aside (with a rule id and reason),
or removed as an exact duplicate of a row kept. `ExtractAccount` records the counts and
`reconcile` checks them against the row count taken independently of the parser.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from pipeline.conform import REASON, RULE_ID, conform_extract
from pipeline.contract import EXTRACTS, Extract
from pipeline.errors import ScreeningError
from pipeline.io.files import ROW_NUMBER, RawExtract
from pipeline.labs.values import normalise_labs
from pipeline.rules.context import ScreeningData
from pipeline.sources import SourceConfig


@dataclass
class ExtractAccount:
    """Where the rows of one extract went."""

    name: str
    path: str
    rows_read: int
    rows_accepted: int = 0
    rows_quarantined: int = 0
    duplicates_removed: int = 0
    rows_after_as_of: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    rules: dict[str, int] = field(default_factory=dict)

    def reconcile(self) -> None:
        """Raise when a row is unaccounted for: the parser or a rule lost or invented rows."""
        accounted = self.rows_accepted + self.rows_quarantined + self.duplicates_removed
        if accounted != self.rows_read:
            raise ScreeningError(
                f"{self.name}: reconciliation failed: {self.rows_read} rows read but "
                f"{self.rows_accepted} accepted + {self.rows_quarantined} quarantined + "
                f"{self.duplicates_removed} duplicates removed = {accounted}"
            )

    def as_manifest(self) -> dict[str, object]:
        return {
            "file": self.path.rsplit("/", 1)[-1],
            "rows_read": self.rows_read,
            "rows_accepted": self.rows_accepted,
            "rows_quarantined": self.rows_quarantined,
            "duplicates_removed": self.duplicates_removed,
            "rows_after_as_of": self.rows_after_as_of,
            "ignored_columns": self.ignored_columns,
            "quarantine_rules": dict(sorted(self.rules.items())),
        }


@dataclass
class PreparedExtracts:
    data: ScreeningData
    accounts: dict[str, ExtractAccount]
    quarantine: dict[str, pd.DataFrame]


def drop_exact_duplicates(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Remove rows identical to an earlier row in every contract column; keep the first."""
    columns = [c for c in frame.columns if c != ROW_NUMBER]
    duplicated = frame.duplicated(subset=columns, keep="first")
    return frame[~duplicated], int(duplicated.sum())


def flag(frame: pd.DataFrame, mask: pd.Series, rule_id: str, reason: str) -> None:
    """Set a row's rule and reason unless an earlier rule already set it aside."""
    hit = mask.fillna(False).astype(bool) & frame[RULE_ID].isna()
    frame.loc[hit, RULE_ID] = rule_id
    frame.loc[hit, REASON] = reason


def _flag_duplicate_ids(frame: pd.DataFrame, extract: Extract) -> None:
    if extract.record_id is None:
        return
    ids = frame[extract.record_id]
    flag(
        frame,
        ids.notna() & ids.duplicated(keep=False),
        f"uniqueness.{extract.name}.{extract.record_id}",
        f"{extract.record_id} is not unique (rows differ): which one is right cannot be told",
    )


def _add_lab_values(frame: pd.DataFrame, decimal: str) -> pd.DataFrame:
    labs = normalise_labs(frame["loinc_code"], frame["value_raw"], frame["unit"], decimal)
    flag(
        frame,
        labs["analyte"].notna() & labs["unparseable"],
        "conformance.labs.value_raw.numeric",
        "result is not a number (with an optional <, >, <=, >= qualifier)",
    )
    flag(
        frame,
        labs["unknown_unit"],
        "conformance.labs.unit.known",
        "unit is not known for this test: not converted, cannot satisfy a criterion",
    )
    labs = labs.drop(columns=["unparseable", "unknown_unit"])
    unit_text = frame["unit"].fillna("").astype("str")
    raw_with_unit = (frame["value_raw"].astype("str") + " " + unit_text).str.strip()
    return pd.concat([frame, labs, raw_with_unit.rename("raw_with_unit")], axis=1)


def prepare_extracts(
    raws: dict[str, RawExtract], source: SourceConfig, as_of: pd.Timestamp
) -> PreparedExtracts:
    """Type every extract, set aside the rows that fail, and cut records at the as-of date."""
    typed: dict[str, pd.DataFrame] = {}
    accounts: dict[str, ExtractAccount] = {}
    for name, extract in EXTRACTS.items():
        raw = raws[name]
        account = ExtractAccount(name, raw.path, raw.rows_read, ignored_columns=raw.ignored_columns)
        deduplicated, account.duplicates_removed = drop_exact_duplicates(raw.frame)
        deduplicated = RawExtract(name, deduplicated, raw.path, raw.rows_read)
        frame = conform_extract(deduplicated, extract, source.extracts[name])
        _flag_duplicate_ids(frame, extract)
        if name == "labs":
            frame = _add_lab_values(frame, source.extracts[name].decimal)
        typed[name] = frame
        accounts[name] = account

    patients_ok = typed["patients"][RULE_ID].isna()
    known_patients = pd.Index(typed["patients"].loc[patients_ok, "patient_id"])
    for name, frame in typed.items():
        if name == "patients":
            continue
        flag(
            frame,
            frame["patient_id"].notna() & ~frame["patient_id"].isin(known_patients),
            f"relational.{name}.patient_id.exists",
            "patient is not in the patients extract",
        )

    extracts: dict[str, pd.DataFrame] = {}
    quarantine: dict[str, pd.DataFrame] = {}
    cut = as_of + pd.Timedelta(days=1)
    for name, frame in typed.items():
        bad = frame[RULE_ID].notna()
        account = accounts[name]
        quarantine[name] = frame[bad]
        accepted = frame[~bad].drop(columns=[RULE_ID, REASON])
        account.rows_quarantined = int(bad.sum())
        account.rows_accepted = len(accepted)
        account.rules = {str(k): int(v) for k, v in frame.loc[bad, RULE_ID].value_counts().items()}
        date = EXTRACTS[name].date_column
        if date is not None:
            later = accepted[date] >= cut
            account.rows_after_as_of = int(later.sum())
            accepted = accepted[~later]
        extracts[name] = accepted.reset_index(drop=True)
        account.reconcile()

    _cut_lesions_of_later_studies(extracts)
    patients = extracts.pop("patients").set_index("patient_id")
    data = ScreeningData(as_of=as_of, patients=patients, extracts=extracts, quarantined=quarantine)
    return PreparedExtracts(data, accounts, quarantine)


def _cut_lesions_of_later_studies(extracts: dict[str, pd.DataFrame]) -> None:
    """Lesions carry no date of their own: they belong to a study that must be in range."""
    lesions = extracts["imaging_lesions"]
    extracts["imaging_lesions"] = lesions[
        lesions["study_id"].isin(extracts["imaging_studies"]["study_id"])
    ].reset_index(drop=True)
