"""A plain DuckDB screening of the bench's hospital: the honest baseline `make bench` times.

The same files, the same row rules and the Lutathera trial's statuses, in SQL, without this
project's machinery: no Great Expectations, evidence, reports, Data Docs, pseudonyms or
manifest. Its statuses are compared with the generator's truth, so it cannot be fast by being
wrong. `stage` reads and sets rows aside; `screen` computes the statuses.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from pipeline.baseline.screen import screen
from pipeline.baseline.stage import Staged, stage_all
from pipeline.sources import SourceConfig


@dataclass(frozen=True)
class BaselineRun:
    statuses: pd.DataFrame  # patient_id, a column per criterion, overall
    staged: Staged
    stage_s: float
    screen_s: float


def run_baseline(
    exports: Path, source: SourceConfig, as_of: str, *, threads: int | None = None
) -> BaselineRun:
    """Stage and screen one night's files in an in-memory DuckDB (all cores unless told)."""
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        start = time.perf_counter()
        staged = stage_all(con, exports, source, as_of)
        staged_at = time.perf_counter()
        statuses = screen(con, as_of)
        return BaselineRun(statuses, staged, staged_at - start, time.perf_counter() - staged_at)
    finally:
        con.close()


def long_statuses(statuses: pd.DataFrame) -> pd.DataFrame:
    """patient_id, criterion_id, status: the shape of the generator's truth."""
    return statuses.melt(
        id_vars="patient_id",
        value_vars=[c for c in statuses.columns if c != "patient_id"],
        var_name="criterion_id",
        value_name="status",
    )
