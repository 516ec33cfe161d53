"""The first pass over an extract: what no single batch can tell.

Three kinds of rule need every row at once: exact duplicate rows (removed, the first kept),
uniqueness of a key (every row sharing a value is set aside) and the volume rules (row counts).
The first pass reads the batches keeping only a 64-bit hash of each row and the typed columns
of those rules; Great Expectations then runs the whole-extract rules on that narrow frame, and
the second pass (in `pipeline.prepare`) validates the batches against the row-level rules.

A hash match alone never removes a row: `DuplicateWitnesses` keeps the text of the rows a
match involves and checks, after the second pass, that each removed row equals its first
occurrence in every column: a hash collision (odds about 1 in 10,000 for 50 million distinct
rows) stops the run instead of losing a row. Single-column keys (record ids) are judged on
64-bit hashes the same way: `check_hashed_keys` confirms on the text every row set aside.

The batches of both passes may be handled by worker processes (`pipeline.parallel`): the
per-batch work (`_KeyColumns` here, `RowLevelPass` in `pipeline.prepare`) is a pure function
of the batch, and the results are gathered in batch order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.conform import conform_column
from pipeline.contract import Extract
from pipeline.errors import ScreeningError
from pipeline.io.files import ROW_NUMBER, RawExtract, ReadThen
from pipeline.parallel import map_in_order
from pipeline.quality.gx_runner import SuiteOutcome, validate_frame
from pipeline.quality.suites import columns_named
from pipeline.sources import ExtractSource
from pipeline.text_hash import combine_hashes, series_text_hashes

WHOLE_EXTRACT_TYPES = frozenset(
    {
        "expect_column_values_to_be_unique",
        "expect_compound_columns_to_be_unique",
        "expect_table_row_count_to_be_between",
    }
)
_HASH_KEY = "screening-dups-1"  # hash_pandas_object takes a 16-character key


def split_suite(suite: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The suite's whole-extract expectations, and its row-level ones (order kept in each)."""
    whole = [e for e in suite["expectations"] if e["type"] in WHOLE_EXTRACT_TYPES]
    rows = [e for e in suite["expectations"] if e["type"] not in WHOLE_EXTRACT_TYPES]
    return {**suite, "expectations": whole}, {**suite, "expectations": rows}


def row_hashes(batch: pd.DataFrame) -> np.ndarray:
    """A 64-bit hash of every contract column's text, per row (the row number left out)."""
    return combine_hashes([_value_hashes(batch[c]) for c in batch.columns if c != ROW_NUMBER])


def _value_hashes(values: pd.Series) -> np.ndarray:
    """One hash per value: on the Arrow buffers for Arrow-backed text (a column keeps its
    dtype in every batch of an extract, so all its batches are hashed the same way)."""
    hashes = series_text_hashes(values)
    if hashes is None:
        hashes = pd.util.hash_pandas_object(values, index=False, hash_key=_HASH_KEY).to_numpy()
    return hashes


@dataclass
class ExtractKeys:
    """What the first pass learnt: duplicate rows (with their first occurrence) and the
    outcome of the whole-extract rules on the rows left."""

    duplicates: np.ndarray
    first_occurrences: np.ndarray
    outcome: SuiteOutcome
    hashed: dict[str, str] = field(default_factory=dict)  # rule id -> column judged on hashes

    def without_duplicates(self, batch: pd.DataFrame) -> pd.DataFrame:
        if len(self.duplicates) == 0:
            return batch
        removed = np.isin(batch[ROW_NUMBER].to_numpy(), self.duplicates)
        return batch[~removed] if removed.any() else batch

    def hashed_key_rows(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """The typed key of this batch's rows that a uniqueness rule judged on hashes set
        aside (None if none), for `check_hashed_keys`."""
        parts = []
        for rule, column in self.hashed.items():
            failing = self.outcome.failing_rows.get(rule)
            if failing is None or len(failing) == 0:
                continue
            at = np.isin(frame.index.to_numpy(), failing)
            if at.any():
                keys = frame[column][at].astype("str").to_numpy()
                parts.append(pd.DataFrame({"rule": rule, "key": keys}))
        return pd.concat(parts, ignore_index=True) if parts else None

    def failing_rows_in(self, rows: pd.Index) -> dict[str, np.ndarray]:
        """The whole-extract rules' failing rows that fall in this batch."""
        wanted = rows.to_numpy()
        return {
            rule: failing[np.isin(failing, wanted)]
            for rule, failing in self.outcome.failing_rows.items()
        }


def key_hashes(values: pd.Series) -> pd.Series:
    """A 64-bit hash per value, missing where the value is missing (uniqueness skips those)."""
    return pd.Series(_value_hashes(values), index=values.index, dtype="UInt64").mask(
        values.isna().to_numpy()
    )


def hashed_unique_rules(suite: dict[str, Any]) -> dict[str, str]:
    """Rule id -> column of the single-column uniqueness rules whose column no other
    whole-extract rule reads: those are judged on 64-bit hashes of the key. Tens of millions
    of ids then travel and compare as integers, not text; `check_hashed_keys` confirms every
    row set aside on the text."""
    single = {
        e["meta"]["rule_id"]: str(e["kwargs"]["column"])
        for e in suite["expectations"]
        if e["type"] == "expect_column_values_to_be_unique"
    }
    others = columns_named(
        {
            **suite,
            "expectations": [
                e for e in suite["expectations"] if e["meta"]["rule_id"] not in single
            ],
        }
    )
    return {rule: column for rule, column in single.items() if column not in others}


def check_hashed_keys(name: str, rows: list[pd.DataFrame]) -> None:
    """Every row a hashed uniqueness rule set aside shares its key text with another such
    row; a row alone with its text was set aside by a hash collision: stop the run."""
    if not rows:
        return
    seen = pd.concat(rows, ignore_index=True)
    if not seen.duplicated(["rule", "key"], keep=False).all():
        raise ScreeningError(
            f"{name}: two different keys share a hash; uniqueness cannot be judged safely "
            "(the run stops rather than set a row aside wrongly)"
        )


@dataclass(frozen=True)
class _KeyColumns:
    """Per batch: row numbers, row hashes, and the typed columns of the whole-extract rules
    (as 64-bit hashes for the columns in `hashed`)."""

    extract: Extract
    source: ExtractSource
    columns: list[str]
    hashed: frozenset[str]

    def __call__(self, batch: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        typed = {}
        for c in self.columns:
            values = conform_column(batch[c], self.extract.column(c), self.source)[0]
            typed[c] = key_hashes(values) if c in self.hashed else values
        part = pd.DataFrame(typed, index=batch.index)
        return batch[ROW_NUMBER].to_numpy(), row_hashes(batch), part


@dataclass
class FirstPass:
    """What the first pass read of a whole extract: row numbers, row hashes, and the typed
    columns of the whole-extract rules, in row order."""

    row_numbers: np.ndarray
    hashes: np.ndarray
    frame: pd.DataFrame
    suite: dict[str, Any]
    hashed: dict[str, str]


def read_first_pass(
    raw: RawExtract,
    extract: Extract,
    source: ExtractSource,
    suite: dict[str, Any],
    batch_rows: int | None,
    workers: int = 1,
) -> FirstPass:
    """The first pass: hash every row and type the columns of the whole-extract rules (the
    batches are hashed and typed on `workers` processes)."""
    columns = columns_named(suite)
    hashed = hashed_unique_rules(suite)
    numbers, hashes, parts = [], [], []
    job = _KeyColumns(extract, source, columns, frozenset(hashed.values()))
    for batch_numbers, batch_hashes, part in map_in_order(
        ReadThen(job), raw.batch_readers(batch_rows), workers
    ):
        numbers.append(batch_numbers)
        hashes.append(batch_hashes)
        parts.append(part)
    row_numbers = np.concatenate(numbers)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    frame.index = pd.Index(row_numbers)
    return FirstPass(row_numbers, np.concatenate(hashes), frame, suite, hashed)


def judge_first_pass(keys: FirstPass, context: Any) -> ExtractKeys:
    """Find exact duplicates and run the whole-extract rules on the rows left. Serial work
    on the whole extract: `pipeline.prepare.validate_all` runs it on a forked process while
    the next extracts are read."""
    hashes = pd.Series(keys.hashes)
    duplicated = hashes.duplicated(keep="first").to_numpy()
    first_rows = _first_occurrences(hashes, duplicated, keys.row_numbers)
    outcome = validate_frame(context, keys.frame[~duplicated], keys.suite)
    return ExtractKeys(keys.row_numbers[duplicated], first_rows, outcome, keys.hashed)


def whole_extract_pass(
    raw: RawExtract,
    extract: Extract,
    source: ExtractSource,
    suite: dict[str, Any],
    context: Any,
    batch_rows: int | None,
    workers: int = 1,
) -> ExtractKeys:
    """Hash every row, find exact duplicates, and run the whole-extract rules."""
    keys = read_first_pass(raw, extract, source, suite, batch_rows, workers)
    return judge_first_pass(keys, context)


def _first_occurrences(
    keys: pd.Series, duplicated: np.ndarray, row_numbers: np.ndarray
) -> np.ndarray:
    """For each duplicate row (in order), the row number of the first row with its hash."""
    if not duplicated.any():
        return np.empty(0, dtype="int64")
    codes, _ = pd.factorize(keys)
    first_position = pd.Series(np.arange(len(codes))).groupby(codes).transform("min").to_numpy()
    return row_numbers[first_position[duplicated]]


@dataclass
class DuplicateWitnesses:
    """The text of the rows a hash match involves, gathered during the second pass, to check
    that each removed row really equals the first occurrence it was matched to."""

    keys: ExtractKeys
    rows: list[pd.DataFrame] = field(default_factory=list)

    def rows_in(self, batch: pd.DataFrame) -> pd.DataFrame | None:
        """The batch's rows that a hash match involves (None if none): a pure function of
        the batch, so a worker process can pick them and the parent `add` them."""
        if len(self.keys.duplicates) == 0:
            return None
        involved = np.concatenate([self.keys.duplicates, self.keys.first_occurrences])
        taken = np.isin(batch[ROW_NUMBER].to_numpy(), involved)
        return batch[taken] if taken.any() else None

    def add(self, rows: pd.DataFrame | None) -> None:
        if rows is not None:
            self.rows.append(rows)

    def collect(self, batch: pd.DataFrame) -> None:
        self.add(self.rows_in(batch))

    def check(self, name: str) -> None:
        if len(self.keys.duplicates) == 0:
            return
        seen = pd.concat(self.rows).set_index(ROW_NUMBER)
        removed = seen.loc[self.keys.duplicates].reset_index(drop=True)
        first = seen.loc[self.keys.first_occurrences].reset_index(drop=True)
        same = (removed == first) | (removed.isna() & first.isna())
        if not bool(same.to_numpy(dtype=bool, na_value=False).all()):
            raise ScreeningError(
                f"{name}: two different rows share a row hash; exact duplicates cannot be "
                "removed safely (the run stops rather than lose a row)"
            )
