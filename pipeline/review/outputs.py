"""The one entry point the run calls: write every review file into the staging directory."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.errors import writing
from pipeline.feedback import SETTLED
from pipeline.publish import write_parquet
from pipeline.review.changes import compute_changes, read_previous, statuses
from pipeline.review.chart import attrition_svg
from pipeline.review.page import write_page
from pipeline.review.payload import LISTED, build_payload
from pipeline.review.workbook import write_workbook
from pipeline.trial import Trial


def settled_patients(candidates: pa.Table) -> pd.Index | None:
    """Pseudonyms whose latest decision (`pipeline.feedback`) is enrolled or declined."""
    if "decision" not in candidates.column_names:
        return None
    decided = candidates.filter(pc.is_in(candidates["decision"], pa.array(SETTLED)))
    return pd.Index(decided["pseudonym"].to_pylist())


REVIEW_FILES = ("review.html", "changes.parquet", "candidates.xlsx", "attrition.svg")


def write_review_outputs(
    staging: Path,
    tables: Mapping[str, pa.Table],
    trial: Trial,
    previous: Path | None,
    *,
    as_of: pd.Timestamp,
    extracts: Mapping[str, Mapping[str, Any]],
    rule_texts: Mapping[str, str] | None = None,
) -> dict[str, int]:
    """Write review.html, changes.parquet, candidates.xlsx and attrition.svg.

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
        settled_patients(tables["candidates"]),
    )
    write_parquet(changes, staging / "changes.parquet")

    attrition = tables["attrition"].to_pandas()
    svg = attrition_svg(attrition, f"{trial.title} — {as_of_text}")
    with writing(staging / "attrition.svg"):
        (staging / "attrition.svg").write_text(svg, "utf-8")

    payload = build_payload(
        trial,
        as_of_text,
        tables,
        changes,
        previous_as_of.date().isoformat() if previous_as_of is not None else None,
        extracts,
        rule_texts,
    )
    listed = sum(payload["counts"][status] for status in LISTED)
    with writing(staging / "review.html"):
        write_page(staging / "review.html", payload, svg)
    del payload  # freed before the workbook's own peak

    with writing(staging / "candidates.xlsx"):
        workbook_rows = write_workbook(staging / "candidates.xlsx", tables, trial, as_of)
    return {
        "review.html": listed,
        "changes.parquet": changes.num_rows,
        "candidates.xlsx": workbook_rows,
        "attrition.svg": len(attrition),
    }
