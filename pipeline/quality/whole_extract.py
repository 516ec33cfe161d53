"""The first pass over an extract: what no single batch can tell.

Three kinds of rule need every row at once: exact duplicate rows (removed, the first kept),
uniqueness of a key (every row sharing a value is set aside) and the volume rules (row counts).
The first pass reads the batches keeping only a 64-bit hash of each row and the typed columns
of those rules; Great Expectations then runs the whole-extract rules on that narrow frame, and
the second pass (in `pipeline.prepare`) validates the batches against the row-level rules.

A hash match alone never removes a row: `DuplicateWitnesses` keeps the text of the rows a
match involves and checks, after the second pass, that each removed row equals its first
occurrence in every column: a hash collision (odds about 1 in 10,000 for 50 million distinct
rows) stops the run instead of losing a row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from pipeline.conform import conform_column
from pipeline.contract import Extract
from pipeline.errors import ScreeningError
from pipeline.io.files import ROW_NUMBER, RawExtract
from pipeline.quality.gx_runner import SuiteOutcome, validate_frame
from pipeline.quality.suites import columns_named
from pipeline.sources import ExtractSource

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
    content = batch.drop(columns=[ROW_NUMBER])
    return pd.util.hash_pandas_object(content, index=False, hash_key=_HASH_KEY).to_numpy()


@dataclass
class ExtractKeys:
    """What the first pass learnt: duplicate rows (with their first occurrence) and the
    outcome of the whole-extract rules on the rows left."""

    duplicates: np.ndarray
    first_occurrences: np.ndarray
    outcome: SuiteOutcome

    def without_duplicates(self, batch: pd.DataFrame) -> pd.DataFrame:
        if len(self.duplicates) == 0:
            return batch
        removed = np.isin(batch[ROW_NUMBER].to_numpy(), self.duplicates)
        return batch[~removed] if removed.any() else batch

    def failing_rows_in(self, rows: pd.Index) -> dict[str, np.ndarray]:
        """The whole-extract rules' failing rows that fall in this batch."""
        wanted = rows.to_numpy()
        return {
            rule: failing[np.isin(failing, wanted)]
            for rule, failing in self.outcome.failing_rows.items()
        }


def whole_extract_pass(
    raw: RawExtract,
    extract: Extract,
    source: ExtractSource,
    suite: dict[str, Any],
    context: Any,
    batch_rows: int | None,
) -> ExtractKeys:
    """Hash every row, find exact duplicates, and run the whole-extract rules."""
    columns = columns_named(suite)
    numbers, hashes, parts = [], [], []
    for batch in raw.batches(batch_rows):
        numbers.append(batch[ROW_NUMBER].to_numpy())
        hashes.append(row_hashes(batch))
        parts.append(
            pd.DataFrame(
                {c: conform_column(batch[c], extract.column(c), source)[0] for c in columns},
                index=batch.index,
            )
        )
    row_numbers = np.concatenate(numbers)
    keys = pd.Series(np.concatenate(hashes))
    duplicated = keys.duplicated(keep="first").to_numpy()
    first_rows = _first_occurrences(keys, duplicated, row_numbers)
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
    frame.index = pd.Index(row_numbers)
    del parts, hashes
    outcome = validate_frame(context, frame[~duplicated], suite)
    return ExtractKeys(row_numbers[duplicated], first_rows, outcome)


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

    def collect(self, batch: pd.DataFrame) -> None:
        if len(self.keys.duplicates) == 0:
            return
        involved = np.concatenate([self.keys.duplicates, self.keys.first_occurrences])
        taken = np.isin(batch[ROW_NUMBER].to_numpy(), involved)
        if taken.any():
            self.rows.append(batch[taken])

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
