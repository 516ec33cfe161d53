"""From raw extracts to screening data: type, de-duplicate, validate with Great Expectations,
quarantine failing rows, and cut records at the as-of date.

Every row read ends up in exactly one place: accepted, quarantined (with the first failing
rule of its extract's suite and that rule's reason), or removed as an exact duplicate of a row
kept. `ExtractAccount.reconcile` checks that against the row count taken without the parser.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.as_of_cut import after_as_of
from pipeline.conform import conform_extract, number_from_text
from pipeline.contract import EXTRACTS, Extract
from pipeline.errors import BatchValidationError, ScreeningError
from pipeline.io.code_issues import count_codes, merge_issues
from pipeline.io.files import ROW_NUMBER, RawExtract, ReadThen, is_unavailable
from pipeline.labs.values import LAB_COLUMNS, normalise_labs
from pipeline.lookup import is_in, positions
from pipeline.parallel import Background, map_in_order, worker_count
from pipeline.quality.gx_runner import SuiteOutcome, make_context, merge_outcomes, validate_frame
from pipeline.quality.suites import (
    CONFORMS,
    DERIVED_FLAGS,
    SAFE_TEXT,
    columns_named,
    flagged_column,
    load_suites,
    resolve,
)
from pipeline.quality.whole_extract import (
    DuplicateWitnesses,
    ExtractKeys,
    check_hashed_keys,
    judge_first_pass,
    read_first_pass,
    split_suite,
    whole_extract_pass,
)
from pipeline.rules.context import ScreeningData
from pipeline.rules.latest_lab import LATEST_LAB_COLUMNS
from pipeline.sources import ExtractSource, SourceConfig

RULE_ID = "rule_id"
REASON = "reason"


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
    sha256: str = ""  # taken as the input was read (`RawExtract.sha256`); else from `path`
    # Rows per test code the lab catalogue does not know (labs only): a site that exported
    # its own code numbers instead of LOINC sees it at once.
    unknown_codes: dict[str, int] = field(default_factory=dict)
    # Every code that left rows unusable, per code (`pipeline.io.code_issues`): the reader's
    # unmapped codes, then the lab codes and units the catalogue does not know.
    code_issues: list[dict[str, Any]] = field(default_factory=list)
    # Resources the reader read that this contract has no use for, per resource type.
    not_used: dict[str, int] = field(default_factory=dict)
    # Declared unavailable by the source config: the whole extract (delivered empty) or some
    # columns. The criteria reading them are `unknown` (`pipeline.rules.reads`).
    unavailable: bool = False
    unavailable_columns: list[str] = field(default_factory=list)

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
            "codes_unknown_to_catalogue": dict(sorted(self.unknown_codes.items())),
            "rows_with_unusable_codes": sum(int(i["rows"]) for i in self.code_issues),
            "resources_read_not_used": dict(sorted(self.not_used.items())),
            "unavailable": self.unavailable,
            "unavailable_columns": list(self.unavailable_columns),
        }


@dataclass(frozen=True)
class ValidationSettings:
    """Run-dependent values of the suites."""

    as_of: pd.Timestamp
    previous_rows: dict[str, int] = field(default_factory=dict)
    future_tolerance_days: int = 31
    warn_drop: float = 0.2
    fatal_drop: float = 0.5

    def parameters(self, name: str) -> dict[str, Any]:
        previous = self.previous_rows.get(name)
        max_date = self.as_of + pd.Timedelta(days=self.future_tolerance_days + 1)
        return {
            "max_date": (max_date - pd.Timedelta(microseconds=1)).isoformat(),
            "min_rows_warn": max(1, math.ceil(previous * (1 - self.warn_drop))) if previous else 1,
            "min_rows_fatal": max(1, math.ceil(previous * (1 - self.fatal_drop)))
            if previous
            else 1,
            "warn_drop": f"{self.warn_drop:.0%}",
            "fatal_drop": f"{self.fatal_drop:.0%}",
        }


@dataclass
class ValidatedExtract:
    """One extract after validation: accepted typed rows, quarantined rows, and the audit."""

    name: str
    accepted: pd.DataFrame
    quarantine: pd.DataFrame
    account: ExtractAccount
    summary: list[dict[str, Any]]
    result_json: dict[str, Any]


@dataclass
class PreparedExtracts:
    data: ScreeningData
    accounts: dict[str, ExtractAccount]
    quarantine: dict[str, pd.DataFrame]
    summary: list[dict[str, Any]]
    results: dict[str, dict[str, Any]]
    previous_rows: dict[str, int] = field(default_factory=dict)
    # Distinct ids of the patients extract (rows accepted or set aside): every one of them
    # must be in the report (`reconcile_patients`).
    patients_exported: int = 0
    patients_set_aside: int = 0

    def reconcile_patients(self, reported: int) -> dict[str, int]:
        """Raise when a report does not hold every exported patient exactly once."""
        if reported != self.patients_exported:
            raise ScreeningError(
                f"patients: reconciliation failed: {self.patients_exported} patients exported "
                f"but {reported} reported"
            )
        return {
            "exported": self.patients_exported,
            "reported": reported,
            "screened_with_patients_row_set_aside": self.patients_set_aside,
        }


def set_aside_patients(quarantine: pd.DataFrame, accepted_ids: pd.Index) -> pd.Series:
    """Patients whose every patients row was set aside: id -> the rule of their first row set
    aside. They were exported, so they are screened all the same (with nothing known from
    that row), and their other records stay theirs: not orphans."""
    if quarantine.empty or "patient_id" not in quarantine.columns:
        return pd.Series(dtype="str", index=pd.Index([], name="patient_id", dtype="str"))
    rows = quarantine[["patient_id", RULE_ID]].sort_index(kind="stable")
    rows = rows[rows["patient_id"].notna() & ~rows["patient_id"].isin(accepted_ids)]
    first = rows.drop_duplicates("patient_id", keep="first")
    return pd.Series(
        first[RULE_ID].to_numpy(),
        index=pd.Index(first["patient_id"].to_numpy(), name="patient_id", dtype="str"),
        dtype="str",
    )


def patients_reference(
    patients: pd.DataFrame, quarantine: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Every exported patient's birth and death dates, for relational and date plausibility
    checks: accepted patients with theirs, patients whose row was set aside without (their
    records are checked against no date, and are not orphans)."""
    reference = patients.set_index("patient_id")[["birth_date", "death_date"]]
    if quarantine is not None:
        extra = set_aside_patients(quarantine, reference.index).index
        if len(extra):
            reference = reference.reindex(reference.index.append(extra))
    return reference


def validation_frame(
    name: str, typed: pd.DataFrame, decimal: str, patients: pd.DataFrame | None
) -> pd.DataFrame:
    """The typed frame plus the derived columns the suite's expectations read."""
    frame = typed
    if name == "labs":
        labs = normalise_labs(
            frame["loinc_code"],
            frame["value_raw"],
            frame["unit"],
            decimal,
            frame.get("reference_low"),
            frame.get("reference_high"),
        )
        unit_text = frame["unit"].fillna("").astype("str")
        frame = frame.assign(  # same index: columns joined without a copy to numpy
            **{column: labs[column] for column in LAB_COLUMNS},
            raw_with_unit=(frame["value_raw"].astype("str") + " " + unit_text).str.strip(),
            unit__known=~labs["unknown_unit"],
            **{"value_raw" + CONFORMS: ~(labs["analyte"].notna() & labs["unparseable"])},
        )
    if name == "assessments":
        frame = frame.assign(value_number=number_from_text(frame["value"]))
    if patients is not None:
        ids = frame["patient_id"]
        if patients.index.is_unique and not patients.index.hasnans:
            # One hash lookup per row for the three columns (ids hashed once, not thrice).
            at = positions(patients.index, ids)
            known = at >= 0
            birth = _take_dates(patients["birth_date"], at, known)
            death = _take_dates(patients["death_date"], at, known)
        else:
            known = ids.isin(patients.index).to_numpy()
            birth = ids.map(patients["birth_date"]).astype("datetime64[us]").to_numpy()
            death = ids.map(patients["death_date"]).astype("datetime64[us]").to_numpy()
        frame = frame.assign(
            patient_id__known=known,
            patient_birth_date=birth,
            patient_death_day_end=(
                pd.Series(death, index=frame.index) + pd.Timedelta(days=1)
            ).astype("datetime64[us]"),
        )
    return frame


_NS_MIN, _NS_MAX = pd.Timestamp.min, pd.Timestamp.max


def suite_columns(suite: dict[str, Any], frame: pd.DataFrame) -> list[str]:
    """The frame's columns the suite reads (in frame order): Great Expectations copies the
    whole frame for every row condition, so the columns it never reads are left out."""
    wanted = set(columns_named(suite))
    conditions = [
        str(e["kwargs"]["row_condition"])
        for e in suite["expectations"]
        if e["kwargs"].get("row_condition")
    ]
    for column in frame.columns:
        if any(re.search(rf"(?<![\w.]){re.escape(column)}(?!\w)", c) for c in conditions):
            wanted.add(column)
    return [c for c in frame.columns if c in wanted]


def condition_only_columns(suite: dict[str, Any], frame: pd.DataFrame) -> list[str]:
    """Text columns that only row conditions read (`analyte` in `analyte=="ALB"`)."""
    named = set(columns_named(suite))
    return [
        c
        for c in suite_columns(suite, frame)
        if c not in named and pd.api.types.is_string_dtype(frame[c])
    ]


def gx_frame(frame: pd.DataFrame, part: dict[str, Any]) -> pd.DataFrame:
    """The rows and columns of `frame` that a suite part reads, typed for Great Expectations'
    speed.

    A part of one equality condition (see `split_by_condition`) gets only the rows its
    condition keeps. Text columns read only by row conditions become categoricals: GX filters
    the frame once per condition, and on a categorical that is a comparison of small integer
    codes, not of strings; the rows kept are the same.
    """
    selected = frame[suite_columns(part, frame)]
    rows = condition_rows(selected, part)
    if rows is not None:
        selected = selected[rows]
    categories = condition_only_columns(part, selected)
    if categories:
        selected = selected.astype(dict.fromkeys(categories, "category"))
    return nanosecond_dates(selected)


def judged_parts(
    frame: pd.DataFrame, parts: list[dict[str, Any]]
) -> list[tuple[dict[str, Any], pd.DataFrame]]:
    """Each suite part with the rows it reads (`gx_frame`); the parts that keep no row of
    this batch (an analyte it does not hold) are judged together in one call on no rows.

    Great Expectations still runs every expectation, and a part's outcome is merged by rule
    (`merge_outcomes`), so the results are those of one call per part; but a call costs the
    same fixed time whatever its rows, and most analytes of the catalogue are absent from
    most blocks of a lab extract."""
    judged, idle = [], []
    for part in parts:
        rows = gx_frame(frame, part)
        (idle if rows.empty and len(parts) > 1 else judged).append((part, rows))
    if len(idle) > 1:
        together = {**idle[0][0], "expectations": [e for p, _ in idle for e in p["expectations"]]}
        idle = [(together, gx_frame(frame.iloc[:0], together))]
    return judged + idle


# A row condition of the form column=="text" (or 'text') in the pandas condition syntax.
_EQUALITY = re.compile(
    r"""\s*(?P<column>[A-Za-z_]\w*)\s*==\s*(?P<q>["'])(?P<value>[^"'\\]*)(?P=q)\s*"""
)


def equality_condition(expectation: dict[str, Any]) -> tuple[str, str] | None:
    """(column, text) of an expectation's `column=="text"` row condition, else None."""
    kwargs = expectation["kwargs"]
    if kwargs.get("condition_parser") != "pandas":
        return None
    match = _EQUALITY.fullmatch(str(kwargs.get("row_condition") or ""))
    return (match["column"], match["value"]) if match else None


def condition_rows(frame: pd.DataFrame, part: dict[str, Any]) -> np.ndarray | None:
    """Which rows of `frame` the equality condition shared by every expectation of `part`
    keeps (as pandas' query keeps them: a missing value is not equal); None if the part has
    no such single condition."""
    conditions = {equality_condition(e) for e in part["expectations"]}
    if len(conditions) != 1:
        return None
    condition = conditions.pop()
    if condition is None or condition[0] not in frame.columns:
        return None
    column, value = condition
    return frame[column].eq(value).fillna(False).to_numpy(dtype=bool)


def split_by_condition(suite: dict[str, Any]) -> list[dict[str, Any]]:
    """The suite in parts: expectations without a row condition; one part per equality
    condition (`analyte=="albumin"`), in suite order; then any other conditional ones.

    Great Expectations filters the frame it is given once per row-conditioned expectation
    with a pandas query over every row: the ten queries over each lab batch, one per analyte,
    took half of its time. A part of one equality condition is handed only
    the rows its condition keeps (`gx_frame`); GX still applies the condition, so verdicts
    and counts are the same. Each part also gets only the columns it reads.
    """
    plain: list[dict[str, Any]] = []
    other: list[dict[str, Any]] = []
    by_condition: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for expectation in suite["expectations"]:
        condition = equality_condition(expectation)
        if condition is not None:
            by_condition.setdefault(condition, []).append(expectation)
        elif expectation["kwargs"].get("row_condition"):
            other.append(expectation)
        else:
            plain.append(expectation)
    parts = [plain, *by_condition.values(), other]
    return [{**suite, "expectations": part} for part in parts if part]


def nanosecond_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its datetime columns as datetime64[ns] where every value fits.

    Great Expectations compares datetime64[ns] columns with bounds vectorised, but any other
    resolution one value at a time in Python (minutes at tens of millions of rows). The
    values are the same instants; a column with a date outside the ns range keeps its unit.
    """
    casts = {}
    for column in frame.columns:
        series = frame[column]
        if not pd.api.types.is_datetime64_dtype(series) or series.dtype == "datetime64[ns]":
            continue
        low, high = series.min(), series.max()
        if pd.isna(low) or (low >= _NS_MIN and high <= _NS_MAX):
            casts[column] = "datetime64[ns]"
    return frame.astype(casts) if casts else frame


def _take_dates(dates: pd.Series, at: np.ndarray, known: np.ndarray) -> np.ndarray:
    """`dates` at positions `at` as datetime64[us]; NaT where the position is unknown (-1)."""
    values = dates.astype("datetime64[us]").to_numpy()
    out = values[np.where(known, at, 0)] if len(values) else np.full(len(at), np.datetime64("NaT"))
    out = out.astype("datetime64[us]")
    out[~known] = np.datetime64("NaT")
    return out


def first_failing_rule(
    index: pd.Index, suite: dict[str, Any], failing: dict[str, np.ndarray]
) -> pd.Series:
    """Per row, the first rule of the suite (in suite order) that the row fails, else NA."""
    rule_of = pd.Series(pd.NA, index=index, dtype="str")
    for expectation in suite["expectations"]:
        rule = expectation["meta"]["rule_id"]
        rows = failing.get(rule)
        if rows is None or len(rows) == 0:
            continue
        still_free = rule_of.loc[rows].isna().to_numpy()
        rule_of.loc[rows[still_free]] = rule
    return rule_of


def _reasons(suite: dict[str, Any], source: ExtractSource) -> dict[str, str]:
    """Rule reasons, naming the hospital's own column where the source config renames it."""
    reasons = {}
    for expectation in suite["expectations"]:
        meta, kwargs = expectation["meta"], expectation["kwargs"]
        column = flagged_column(str(kwargs.get("column", "")))
        theirs = source.hospital_column(column) if column else column
        suffix = f" (hospital column '{theirs}')" if theirs and theirs != column else ""
        reasons[meta["rule_id"]] = meta["reason"] + suffix
    return reasons


AcceptedSink = Callable[[pd.DataFrame], None]
RowFilter = Callable[[pd.DataFrame], pd.DataFrame]


@dataclass(frozen=True)
class ScreenedRows:
    """The accepted rows and columns the screening can read, cut in the worker that validated
    them so the parent never holds the rest: rows dated after the as-of day (the screening
    data stops there), and, given `analytes` (see `Trial.lab_analytes_read`), the lab rows of
    other analytes and the lab columns `latest_lab` does not read (raw value, unit and code
    texts once normalised: a quarter of the labs' memory)."""

    name: str
    as_of: pd.Timestamp
    analytes: frozenset[str] | None = None

    def __call__(self, frame: pd.DataFrame) -> pd.DataFrame:
        keep = np.ones(len(frame), dtype=bool)
        keep &= ~after_as_of(EXTRACTS[self.name], frame, self.as_of)  # NaT kept
        if self.name == "labs" and self.analytes is not None:
            keep &= frame["analyte"].isin(sorted(self.analytes)).to_numpy()
            frame = frame[list(LATEST_LAB_COLUMNS)]
        return frame if keep.all() else frame[keep]


def screened_rows(as_of: pd.Timestamp, analytes: frozenset[str] | None) -> dict[str, RowFilter]:
    """`ScreenedRows` of every extract."""
    return {name: ScreenedRows(name, as_of, analytes) for name in EXTRACTS}


@dataclass
class BatchVerdict:
    """What the row-level rules decided for one batch (sent back from a worker process)."""

    accepted: pd.DataFrame
    quarantined: pd.DataFrame
    outcomes: list[SuiteOutcome]
    rules: dict[str, int]
    rows_after_as_of: int
    rows_accepted: int
    witnesses: pd.DataFrame | None
    hashed_keys: pd.DataFrame | None = None
    unknown_codes: dict[str, int] = field(default_factory=dict)
    code_issues: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class RowLevelPass:
    """The second pass's work on one batch: type, derive, validate, split. A pure function
    of the batch, so batches can be validated on several processes and merged in order."""

    extract: Extract
    spec: ExtractSource
    suite: dict[str, Any]
    parts: list[dict[str, Any]]
    reasons: dict[str, str]
    keys: ExtractKeys
    witnesses: DuplicateWitnesses
    patients: pd.DataFrame | None
    context: Any
    as_of: pd.Timestamp
    keep_accepted: RowFilter | None

    def __call__(self, batch: pd.DataFrame) -> BatchVerdict:
        witnesses = self.witnesses.rows_in(batch)
        delivered = len(batch)
        batch = self.keys.without_duplicates(batch)
        if batch.empty and delivered:  # every row a removed duplicate: nothing to validate
            return BatchVerdict(batch, batch, [], {}, 0, 0, witnesses)
        name = self.extract.name
        raw = RawExtract(name, batch, "", len(batch))
        frame = validation_frame(
            name, conform_extract(raw, self.extract, self.spec), self.spec.decimal, self.patients
        )
        failing = self.keys.failing_rows_in(frame.index)
        outcomes = []
        for part, rows in judged_parts(frame, self.parts):
            outcome = validate_frame(self.context, rows, part)
            outcomes.append(outcome)
            failing |= outcome.failing_rows
        rule_of = first_failing_rule(frame.index, self.suite, failing)
        bad = rule_of.notna().to_numpy()
        quarantined = frame[bad].assign(rule_id=rule_of[bad], reason=rule_of[bad].map(self.reasons))
        derived = [
            c for c in frame.columns if c.endswith(DERIVED_FLAGS) or c.startswith("patient_")
        ]
        # The records' columns, not copied (copy-on-write); the rows are taken once, after
        # `keep_accepted` has cut them (most lab rows), not copied whole and then cut.
        accepted = frame.drop(columns=[c for c in derived if c != "patient_id"])
        rows_accepted = int(len(bad) - bad.sum())
        rows_after_as_of = 0
        if self.extract.date_column is not None:  # counted here: `keep_accepted` may drop rows
            later = after_as_of(self.extract, accepted, self.as_of)
            rows_after_as_of = int((later & ~bad).sum())
        if self.keep_accepted is not None:
            accepted = self.keep_accepted(accepted)
        if bad.any():
            quarantined_rows = accepted.index.isin(frame.index[bad])
            if quarantined_rows.any():
                accepted = accepted[~quarantined_rows]
        rules = {str(k): int(v) for k, v in rule_of[bad].value_counts().items()}
        unknown_codes = codes_unknown_to_catalogue(frame) if name == "labs" else {}
        issues = lab_code_issues(frame) if name == "labs" else []
        return BatchVerdict(
            accepted,
            quarantined,
            outcomes,
            rules,
            rows_after_as_of,
            rows_accepted,
            witnesses,
            self.keys.hashed_key_rows(frame),
            unknown_codes,
            issues,
        )


def codes_unknown_to_catalogue(labs: pd.DataFrame) -> dict[str, int]:
    """Rows per lab test code that names no analyte of the catalogue (accepted or not).

    Only codes whose text is safe (`conformance.labs.loinc_code.text`) are counted: the
    counts are written out by code, and a control character or a 40,000-character code
    must not reach that file; those rows are counted under their rule instead."""
    unknown_rows = labs["analyte"].isna() & labs["loinc_code"].notna()
    flag = "loinc_code" + SAFE_TEXT
    if flag in labs.columns:
        unknown_rows &= labs[flag].astype(bool)
    unknown = labs["loinc_code"][unknown_rows]
    return {str(code): int(rows) for code, rows in unknown.value_counts().items()}


CATALOGUE_REASON = "test code unknown to the lab catalogue: no criterion reads these rows"


def lab_code_issues(labs: pd.DataFrame) -> list[dict[str, Any]]:
    """Per code, lab rows the catalogue cannot use: a test code it does not know (the rows
    of `codes_unknown_to_catalogue`), and a unit it does not list for a test it knows (those
    rows are set aside by `conformance.labs.unit.known`). Text that is not safe is counted
    under its own rule, never here."""
    unknown_rows = labs["analyte"].isna() & labs["loinc_code"].notna()
    safe_code = _flag(labs, "loinc_code")
    issues = count_codes(
        labs["loinc_code"][unknown_rows & safe_code],
        column="loinc_code",
        system="LOINC",
        check="catalogue",
        reason=CATALOGUE_REASON,
    )
    if "unit__known" not in labs.columns:
        return issues
    bad_unit = ~labs["unit__known"].astype(bool) & safe_code & _flag(labs, "unit")
    if bad_unit.any():
        rows = labs.loc[bad_unit, ["loinc_code", "analyte", "unit"]]
        for (code, analyte), group in rows.groupby(["loinc_code", "analyte"], sort=True):
            issues += count_codes(
                group["unit"],
                column="unit",
                system="UCUM",
                check="catalogue",
                reason=f"unit not in the lab catalogue for {code} ({analyte}): row set aside",
            )
    return issues


def _flag(frame: pd.DataFrame, column: str) -> pd.Series:
    flag = column + SAFE_TEXT
    if flag in frame.columns:
        return frame[flag].astype(bool)
    return pd.Series(True, index=frame.index)


def validate_extract(
    raw: RawExtract,
    source: SourceConfig,
    settings: ValidationSettings,
    suite: dict[str, Any],
    context: Any,
    patients: pd.DataFrame | None = None,
    *,
    batch_rows: int | None = None,
    accepted_sink: AcceptedSink | None = None,
    keep_accepted: RowFilter | None = None,
    workers: int = 1,
    judged: ExtractKeys | None = None,
) -> ValidatedExtract:
    """Validate one extract in two passes over its batches; stop the run on a batch-level
    failure. `judged` is the first pass's outcome when it was run ahead (`judge_ahead`).

    Memory follows the batch, not the file: the first pass keeps only row hashes and the
    columns of the whole-extract rules (see `pipeline.quality.whole_extract`); the second
    types, validates and splits each batch (`RowLevelPass`, on `workers` processes, merged in
    batch order). Accepted rows go to `accepted_sink` when one is given (a Parquet writer),
    else they are gathered in `ValidatedExtract.accepted`, cut by `keep_accepted` when given
    (rows the screening will read; the counts include every row).
    """
    name = raw.name
    extract: Extract = EXTRACTS[name]
    spec = source.extracts[name]
    account = ExtractAccount(
        name,
        raw.path,
        raw.rows_read,
        ignored_columns=raw.ignored_columns,
        sha256=raw.sha256,
        # declared so, or (an optional extract) not delivered in the landing folder
        unavailable=source.extract_unavailable(name) or is_unavailable(raw.path),
        unavailable_columns=list(source.unavailable_columns(name)),
    )
    resolved = resolve(suite, settings.parameters(name))
    whole_suite, row_suite = split_suite(resolved)
    keys = judged
    if keys is None:
        keys = whole_extract_pass(raw, extract, spec, whole_suite, context, batch_rows, workers)
    _stop_on_failures(name, keys.outcome, settings, account.unavailable)
    account.duplicates_removed = len(keys.duplicates)
    witnesses = DuplicateWitnesses(keys)
    job = RowLevelPass(
        extract,
        spec,
        resolved,
        split_by_condition(row_suite),
        _reasons(resolved, spec),
        keys,
        witnesses,
        patients,
        context,
        settings.as_of,
        keep_accepted if accepted_sink is None else None,
    )
    outcomes = [keys.outcome]
    accepted_parts: list[pd.DataFrame] = []
    quarantined: list[pd.DataFrame] = []
    rules: Counter[str] = Counter()
    unknown_codes: Counter[str] = Counter()
    issues: list[list[dict[str, Any]]] = [raw.code_issues]
    hashed_keys: list[pd.DataFrame] = []
    for verdict in map_in_order(ReadThen(job), raw.batch_readers(batch_rows), workers):
        witnesses.add(verdict.witnesses)
        if not verdict.outcomes:  # every row of the batch was a removed duplicate
            continue
        if verdict.hashed_keys is not None:
            hashed_keys.append(verdict.hashed_keys)
        outcomes.extend(verdict.outcomes)
        if len(verdict.quarantined) or not quarantined:  # the first, even empty, gives columns
            quarantined.append(verdict.quarantined)
        rules.update(verdict.rules)
        unknown_codes.update(verdict.unknown_codes)
        issues.append(verdict.code_issues)
        account.rows_accepted += verdict.rows_accepted
        account.rows_after_as_of += verdict.rows_after_as_of
        account.rows_quarantined += len(verdict.quarantined)
        if accepted_sink is not None:
            accepted_sink(verdict.accepted)
        elif len(verdict.accepted) or not accepted_parts:
            accepted_parts.append(verdict.accepted)
    witnesses.check(name)
    check_hashed_keys(name, hashed_keys)
    account.rules = {str(k): int(v) for k, v in rules.items()}
    account.unknown_codes = dict(sorted(unknown_codes.items()))
    account.code_issues = merge_issues(*issues)
    account.not_used = dict(sorted(raw.not_used.items()))
    account.reconcile()
    merged = merge_outcomes(resolved, outcomes)
    summary = [*merged.summary, _duplicates_summary(name, account)]
    if name == "labs":
        summary.append(_unknown_codes_summary(account))
        summary.append(_coverage_summary(account, "unit", "catalogue", "lab_units_known"))
    if any(i["check"] == "mapping" for i in account.code_issues):
        columns = sorted({i["column"] for i in account.code_issues if i["check"] == "mapping"})
        summary += [
            _coverage_summary(account, c, "mapping", "source_codes_mapped") for c in columns
        ]
    return ValidatedExtract(
        name,
        _concat(accepted_parts),
        _concat(quarantined),
        account,
        summary,
        merged.result_json,
    )


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    if not parts:
        return pd.DataFrame()
    return parts[0] if len(parts) == 1 else pd.concat(parts)


def _stop_on_failures(
    name: str, outcome: SuiteOutcome, settings: ValidationSettings, unavailable: bool = False
) -> None:
    """A failed `stop` rule stops the run; an extract the source declared unavailable is
    empty by declaration, so its volume rules (rows against the previous export) do not."""
    stops = [
        s
        for s in outcome.summary
        if s["handling"] == "stop"
        and not s["success"]
        and not (unavailable and s.get("dimension") == "volume")
    ]
    if stops:
        first = stops[0]
        raise BatchValidationError(
            f"{name}: {first['rule_id']} failed "
            f"(observed {first['observed_value']:.0f} rows; "
            f"previous export {settings.previous_rows.get(name)}): the run stops"
        )


def _duplicates_summary(name: str, account: ExtractAccount) -> dict[str, Any]:
    return {
        "extract": name,
        "rule_id": f"uniqueness.{name}.exact_duplicate",
        "expectation_type": "exact_duplicate_rows_removed",
        "column": "",
        "dimension": "uniqueness",
        "handling": "remove",
        "success": account.duplicates_removed == 0,
        "element_count": account.rows_read,
        "unexpected_count": account.duplicates_removed,
        "unexpected_percent": 100.0 * account.duplicates_removed / max(account.rows_read, 1),
        "observed_value": None,
    }


def _unknown_codes_summary(account: ExtractAccount) -> dict[str, Any]:
    """Lab rows whose test code the catalogue does not know: reported, never set aside (most
    are routine tests no criterion reads), counted per code in `dq/unknown_codes.parquet`."""
    return _report_row(
        account,
        "coverage.labs.loinc_code.catalogue",
        "lab_codes_known_to_the_catalogue",
        "loinc_code",
        rows=sum(account.unknown_codes.values()),
        codes=len(account.unknown_codes),
    )


def _coverage_summary(
    account: ExtractAccount, column: str, check: str, expectation: str
) -> dict[str, Any]:
    """Rows whose `column` code could not be used (per code in `dq/unknown_codes.parquet`):
    `catalogue`, a unit the lab catalogue does not list for its test; `mapping`, a source
    code (an OMOP concept, a FHIR coding) with no code of the contract."""
    found = [i for i in account.code_issues if i["column"] == column and i["check"] == check]
    return _report_row(
        account,
        f"coverage.{account.name}.{column}.{check}",
        expectation,
        column,
        rows=sum(int(i["rows"]) for i in found),
        codes=len(found),
    )


def _report_row(
    account: ExtractAccount, rule_id: str, expectation: str, column: str, *, rows: int, codes: int
) -> dict[str, Any]:
    """A summary row of a count the run makes itself (not a GX expectation): reported, never
    set aside; its observed value is the number of distinct codes."""
    return {
        "extract": account.name,
        "rule_id": rule_id,
        "expectation_type": expectation,
        "column": column,
        "dimension": "conformance",
        "handling": "report",
        "success": rows == 0,
        "element_count": account.rows_read,
        "unexpected_count": rows,
        "unexpected_percent": 100.0 * rows / max(account.rows_read, 1),
        "observed_value": float(codes),
    }


def judge_ahead(
    raw: RawExtract,
    source: SourceConfig,
    settings: ValidationSettings,
    suite: dict[str, Any],
    context: Any,
    batch_rows: int | None,
    workers: int,
) -> Background[ExtractKeys]:
    """An extract's first pass, read here, then judged (exact duplicates, whole-extract
    rules) on a forked process, so that the caller reads the next extract meanwhile: that
    serial work on the whole extract left every core but one idle."""
    extract = EXTRACTS[raw.name]
    whole_suite = split_suite(resolve(suite, settings.parameters(raw.name)))[0]
    spec = source.extracts[raw.name]
    keys = read_first_pass(raw, extract, spec, whole_suite, batch_rows, workers)
    return Background(functools.partial(judge_first_pass, keys, context), workers)


def validate_all(
    raws: dict[str, RawExtract],
    source: SourceConfig,
    settings: ValidationSettings,
    batch_rows: int | None = None,
    keep_accepted: dict[str, RowFilter] | None = None,
    workers: int | None = None,
    on_validated: Callable[[ValidatedExtract], None] | None = None,
) -> dict[str, ValidatedExtract]:
    """Every extract's first pass (each judged on a process of its own while the next is
    read: `judge_ahead`), then the second passes: patients first (their accepted ids anchor
    every other extract), then the others; each extract's batches on `workers` processes
    (default: `worker_count()`). `on_validated` hears of each extract when it is done (the
    command line's progress on a terminal)."""
    suites = load_suites()
    context = make_context()
    filters = keep_accepted or {}
    processes = worker_count() if workers is None else workers
    judged: dict[str, Background[ExtractKeys]] = {}

    def validate(name: str, reference: pd.DataFrame | None) -> ValidatedExtract:
        done = validate_extract(
            raws[name],
            source,
            settings,
            suites[name],
            context,
            reference,
            batch_rows=batch_rows,
            keep_accepted=filters.get(name),
            workers=processes,
            judged=judged[name].result(),
        )
        if on_validated is not None:
            on_validated(done)
        return done

    try:
        for name in EXTRACTS:
            judged[name] = judge_ahead(
                raws[name], source, settings, suites[name], context, batch_rows, processes
            )
        validated = {"patients": validate("patients", None)}
        reference = patients_reference(
            validated["patients"].accepted, validated["patients"].quarantine
        )
        for name in EXTRACTS:
            if name != "patients":
                validated[name] = validate(name, reference)
    finally:
        for handle in judged.values():
            handle.cancel()  # only a run that stopped early leaves one running
    return validated


def assemble(validated: dict[str, ValidatedExtract], as_of: pd.Timestamp) -> PreparedExtracts:
    """Screening data: accepted records on or before the as-of day, patients indexed by id."""
    extracts: dict[str, pd.DataFrame] = {}
    for name, item in validated.items():
        accepted = item.accepted
        if EXTRACTS[name].date_column is not None:
            later = after_as_of(EXTRACTS[name], accepted, as_of)  # counted in validate_extract
            if later.any():
                accepted = accepted[~later]
        extracts[name] = accepted.reset_index(drop=True)
    lesions = extracts["imaging_lesions"]
    extracts["imaging_lesions"] = lesions[
        is_in(lesions["study_id"], extracts["imaging_studies"]["study_id"])
    ].reset_index(drop=True)
    patients = extracts.pop("patients").set_index("patient_id")
    quarantine = {name: item.quarantine for name, item in validated.items()}
    set_aside = set_aside_patients(quarantine["patients"], patients.index)
    if ROW_NUMBER in patients.columns:  # nullable: a set-aside patient's row has none
        patients = patients.astype({ROW_NUMBER: "Int64"})
    if len(set_aside):  # screened with an empty row: nobody exported is lost
        patients = patients.reindex(patients.index.append(set_aside.index))
    data = ScreeningData(
        as_of=as_of,
        patients=patients,
        extracts=extracts,
        quarantined=quarantine,
        patients_set_aside=set_aside,
        unavailable=unavailable_of(item.account for item in validated.values()),
    )
    return PreparedExtracts(
        data=data,
        accounts={name: item.account for name, item in validated.items()},
        quarantine=quarantine,
        summary=[row for item in validated.values() for row in item.summary],
        results={name: item.result_json for name, item in validated.items()},
        patients_exported=len(patients.index),
        patients_set_aside=len(set_aside),
    )


def unavailable_of(accounts: Iterable[ExtractAccount]) -> dict[str, frozenset[str] | None]:
    """What the source could not provide, per extract: None for the whole extract, else the
    columns (as `ScreeningData.unavailable` holds it)."""
    result: dict[str, frozenset[str] | None] = {}
    for account in accounts:
        if account.unavailable:
            result[account.name] = None
        elif account.unavailable_columns:
            result[account.name] = frozenset(account.unavailable_columns)
    return result


def prepare_extracts(
    raws: dict[str, RawExtract],
    source: SourceConfig,
    as_of: pd.Timestamp,
    previous_rows: dict[str, int] | None = None,
    batch_rows: int | None = None,
    lab_analytes: frozenset[str] | None = None,
    on_validated: Callable[[ValidatedExtract], None] | None = None,
) -> PreparedExtracts:
    """Validate every extract and assemble the screening data (the in-process path); with
    `lab_analytes` (see `Trial.lab_analytes_read`) other accepted lab rows, and the lab
    columns no rule reads, are left out (`ScreenedRows`)."""
    settings = ValidationSettings(as_of=as_of, previous_rows=previous_rows or {})
    validated = validate_all(
        raws,
        source,
        settings,
        batch_rows,
        screened_rows(as_of, lab_analytes),
        on_validated=on_validated,
    )
    prepared = assemble(validated, as_of)
    prepared.previous_rows = dict(settings.previous_rows)
    return prepared
