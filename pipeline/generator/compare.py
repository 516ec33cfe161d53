"""Comparing a report directory with the generator's truth (the oracle)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def report_statuses(report_dir: Path) -> pd.DataFrame:
    """patient_id, criterion_id, status from a report, overall included (re-identified)."""
    reid = pd.read_parquet(report_dir / "reidentification.parquet")
    criteria = pd.read_parquet(report_dir / "criteria.parquet")
    candidates = pd.read_parquet(report_dir / "candidates.parquet")
    overall = candidates[["pseudonym", "overall_status"]].rename(
        columns={"overall_status": "status"}
    )
    overall["criterion_id"] = "overall"
    long = pd.concat([criteria[["pseudonym", "criterion_id", "status"]], overall])
    long = long.merge(reid, on="pseudonym", how="left")
    return long[["patient_id", "criterion_id", "status"]].astype("str")


def mismatches(report_dir: Path, truth_path: Path) -> pd.DataFrame:
    """Rows where the report and the truth disagree, or that only one of them has."""
    got = report_statuses(report_dir)
    want = pd.read_parquet(truth_path).astype("str")
    both = want.merge(
        got,
        on=["patient_id", "criterion_id"],
        how="outer",
        suffixes=("_expected", "_reported"),
        indicator=True,
    )
    differ = (both["_merge"] != "both") | (both["status_expected"] != both["status_reported"])
    return both[differ].drop(columns="_merge")
