"""Sheets never exceed Excel's row limit; an overflow is stated in a Notes sheet."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pyarrow.parquet as pq

from pipeline.review import workbook
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root


def test_overflowing_sheets_are_capped_and_noted(small_hospital, tmp_path, monkeypatch):
    trial = load_trial(find_trial("lutathera-retreatment"))
    report = run_screening(
        trial,
        small_hospital.exports,
        load_source_config(repo_root() / "sources" / "synthetic-chu.yaml"),
        pd.Timestamp(AS_OF),
        tmp_path / "reports",
    ).report_dir
    tables = {n: pq.read_table(report / f"{n}.parquet") for n in ("candidates", "criteria")}
    monkeypatch.setattr(workbook, "EXCEL_MAX_DATA_ROWS", 10)
    path = tmp_path / "capped.xlsx"
    workbook.write_workbook(path, tables, trial, pd.Timestamp(AS_OF))
    book = openpyxl.load_workbook(path, read_only=True)
    for name in book.sheetnames:
        assert len(list(book[name].iter_rows(values_only=True))) <= 11, name
    notes = list(book[workbook.NOTES_SHEET].iter_rows(values_only=True))
    candidates = pd.read_parquet(report / "candidates.parquet")
    totals = {row[0]: row[2] for row in notes[1:]}
    assert (
        totals[workbook.STATUS_SHEETS["candidate"]]
        == (candidates["overall_status"] == "candidate").sum()
    )
    assert all(row[1] == 10 for row in notes[1:])
