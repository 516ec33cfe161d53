"""The workbook's writer against XlsxWriter (docs/performance.md, twelfth round).

Not part of `make bench`, and XlsxWriter is not a dependency: install it in a scratch
environment (`uv pip install xlsxwriter`), screen a hospital, then
`python scripts/workbook_writers.py REPORT_DIR` prints each writer's best of two times on the
same sheets (status sheets and criteria detail, bold frozen header, auto filter, safe text).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import xlsxwriter

from pipeline.review import workbook as ours
from pipeline.review.safe_cells import safe_cell_text
from pipeline.trial import Trial, find_trial, load_trial

AS_OF = pd.Timestamp("2026-11-24")


def with_xlsxwriter(path: Path, tables: dict, trial: Trial) -> None:
    """The same sheets through XlsxWriter's constant-memory mode (one call per row)."""
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    bold = book.add_format({"bold": True})

    def sheet(title: str, frame: pd.DataFrame) -> None:
        worksheet = book.add_worksheet(title)
        worksheet.freeze_panes(1, 1)
        worksheet.write_row(0, 0, list(frame.columns), bold)
        worksheet.autofilter(0, 0, len(frame), len(frame.columns) - 1)
        columns = []
        for name in frame.columns:
            column = frame[name]
            if pd.api.types.is_string_dtype(column) or column.dtype == object:
                column = safe_cell_text(column)
            columns.append(column.astype(object).where(column.notna(), None).tolist())
        for number, row in enumerate(zip(*columns, strict=True), start=1):
            worksheet.write_row(number, 0, row)

    patients = ours.patient_frame(tables["candidates"], trial)
    for status, title in ours.STATUS_SHEETS.items():
        sheet(title, ours._in_words(patients[patients["overall_status"] == status]))
    positions, overall = ours.detail_order(tables["criteria"], tables["candidates"])
    detail = ours.detail_frame(tables["criteria"], positions, overall, trial)
    sheet(ours.DETAIL_SHEET, ours._in_words(detail))
    book.close()


def best_of_two(write: Callable[[Path], None], folder: Path) -> tuple[float, float]:
    """Best time in seconds and the file's size in MB."""
    times = []
    for attempt in range(2):
        path = folder / f"{attempt}.xlsx"
        start = time.perf_counter()
        write(path)
        times.append(time.perf_counter() - start)
    return min(times), path.stat().st_size / 1e6


def main(report: Path) -> None:
    tables = {
        name: pq.read_table(report / f"{name}.parquet") for name in ("candidates", "criteria")
    }
    trial = load_trial(find_trial("lutathera-retreatment"))
    writers = {
        "hand-rendered rows (pipeline/review/workbook.py)": lambda p: ours.write_workbook(
            p, tables, trial, AS_OF
        ),
        "XlsxWriter constant_memory": lambda p: with_xlsxwriter(p, tables, trial),
    }
    print(f"{tables['candidates'].num_rows:,} patients")
    with tempfile.TemporaryDirectory() as scratch:
        for name, write in writers.items():
            seconds, size = best_of_two(write, Path(scratch))
            print(f"{name}: best {seconds:.2f} s, {size:.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
