"""The one entry point the run calls: write every review file into the staging directory."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.parallel import map_in_order
from pipeline.publish import write_parquet
from pipeline.review.changes import compute_changes, read_previous, statuses
from pipeline.review.chart import attrition_svg
from pipeline.review.page import render_page
from pipeline.review.payload import build_payload
from pipeline.review.workbook import write_workbook
from pipeline.trial import Trial

REVIEW_FILES = ("review.html", "changes.parquet", "candidates.xlsx", "attrition.svg")


def write_review_outputs(
    staging: Path,
    tables: Mapping[str, pa.Table],
    trial: Trial,
    previous: Path | None,
    *,
    as_of: pd.Timestamp,
    extracts: Mapping[str, Mapping[str, Any]],
    workers: int = 1,
) -> dict[str, int]:
    """Write review.html, changes.parquet, candidates.xlsx and attrition.svg (the first and
    the workbook on two processes when `workers` allows).

    Reads only the candidates, criteria and attrition tables (never the re-identification
    table). `previous` is the earlier report to compare with, or None. Returns file name ->
    row count (patients listed, changes, patients in the workbook, criteria in the chart).
    """
    as_of_text = as_of.date().isoformat()
    previous_as_of = pd.Timestamp(previous.name) if previous is not None else None
    old = read_previous(previous) if previous is not None else None
    changes = compute_changes(
        statuses(tables["candidates"]),
        old,
        previous_as_of.date() if previous_as_of is not None else None,
    )
    write_parquet(changes, staging / "changes.parquet")

    attrition = tables["attrition"].to_pandas()
    svg = attrition_svg(attrition, f"{trial.title} — {as_of_text}")
    (staging / "attrition.svg").write_text(svg, "utf-8")

    job = _LargeFile(staging, tables, trial, as_of, changes, previous_as_of, extracts, svg)
    patients, workbook_rows = map_in_order(job, LARGE_FILES, workers)
    return {
        "review.html": patients,
        "changes.parquet": changes.num_rows,
        "candidates.xlsx": workbook_rows,
        "attrition.svg": len(attrition),
    }


LARGE_FILES = ("review.html", "candidates.xlsx")


@dataclass(frozen=True)
class _LargeFile:
    """Writes one of the two large review files; they take about as long as each other, so
    a run with two processes writes them side by side (each file's bytes are the same)."""

    staging: Path
    tables: Mapping[str, pa.Table]
    trial: Trial
    as_of: pd.Timestamp
    changes: pa.Table
    previous_as_of: pd.Timestamp | None
    extracts: Mapping[str, Mapping[str, Any]]
    svg: str

    def __call__(self, name: str) -> int:
        """Write `name`; the patients it lists."""
        if name == "candidates.xlsx":
            return write_workbook(self.staging / name, self.tables, self.trial, self.as_of)
        payload = build_payload(
            self.trial,
            self.as_of.date().isoformat(),
            self.tables,
            self.changes,
            self.previous_as_of.date().isoformat() if self.previous_as_of is not None else None,
            self.extracts,
        )
        (self.staging / name).write_text(render_page(payload, self.svg), "utf-8")
        return len(payload["patients"]["pseudonym"])
