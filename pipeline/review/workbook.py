"""candidates.xlsx: the lists as a spreadsheet the recruitment team can sort, filter and annotate.

One sheet per overall status and one sheet of criteria detail: the criteria still open (unknown
or to confirm) of candidate and needs-review patients, with their evidence and what to confirm.
Statuses and criteria are in words, as the review page says them (`labels`), under a bold,
frozen header. Each status sheet ends with the team's latest decision (`pipeline.feedback`) and
three empty columns, Decision, Decision date and Note, that `screening feedback import` reads
back: the workbook is also the form the team fills in.
Every criterion of every patient is in review.html and criteria.parquet; a sheet of all of them
would take any writer minutes at hospital scale. Pseudonyms only. Every text cell goes
through `safe_cell_text` and is written as text (`#N/A` too: never an error cell), so no value
can fail the file or become a formula; the file is byte-identical for the same inputs (fixed
document dates and zip entry times).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import xlsxwriter

from pipeline.review.labels import DECISION_LABELS, OVERALL_LABELS, STATUS_LABELS
from pipeline.review.safe_cells import safe_cell_text
from pipeline.status import OVERALL_NAMES, STATUS_NAMES
from pipeline.trial import Trial

STATUS_SHEETS = {
    "candidate": "Candidates",
    "needs_review": "Needs review",
    "not_eligible": "Not eligible",
}
DETAIL_SHEET = "Criteria detail"
NOTES_SHEET = "Notes"
# Excel shows at most 1,048,576 rows per sheet, header included: never write more, say so.
EXCEL_MAX_DATA_ROWS = 1_048_575
DETAIL_STATUSES = ("candidate", "needs_review")
OPEN_CRITERION_STATUSES = ("unknown", "to_confirm")

# The team's columns, empty, read back by `screening feedback import` (pipeline.feedback).
DECISION_COLUMNS = {"decision": "Decision", "decision_date": "Decision date", "note": "Note"}
PATIENT_COLUMNS = {
    "pseudonym": "Pseudonym",
    "overall_status": "Overall status",
    **{f"n_{name}": name.replace("_", " ").capitalize() for name in STATUS_NAMES},
    "not_met_criteria": "Not met criteria",
    "unknown_criteria": "Unknown criteria",
    "to_confirm_criteria": "To confirm criteria",
    "remains_to_confirm": "Remains to confirm at the inclusion visit",
    "latest_decision": "Latest decision",
    "latest_decision_date": "Latest decision date",
    **DECISION_COLUMNS,
}
DETAIL_COLUMNS = {
    "pseudonym": "Pseudonym",
    "overall_status": "Overall status",
    "criterion_order": "Order",
    "protocol_item": "Protocol item",
    "criterion_id": "Criterion id",
    "criterion_text": "Criterion",
    "status": "Status",
    "source": "Source",
    "record_date": "Record date",
    "raw_value": "Recorded value",
    "value": "Value",
    "unit": "Unit",
    "reason": "Reason",
    "remains_to_confirm": "Remains to confirm",
}
WIDTHS = {
    "Pseudonym": 25,
    "Criterion": 60,
    "Reason": 40,
    "Not met criteria": 50,
    "Unknown criteria": 50,
    "To confirm criteria": 50,
    "Remains to confirm at the inclusion visit": 50,
    "Note": 40,
}


def joined_text(lists: pa.ChunkedArray, mapping: Mapping[str, str] | None = None) -> pd.Series:
    """A list column as '; '-joined text (optionally mapping each element first).

    Elements that are missing (or that the mapping does not know) are left out; a missing
    or empty list gives ''. Vectorised with Arrow: no per-row Python.
    """
    array = lists.combine_chunks() if isinstance(lists, pa.ChunkedArray) else lists
    flat = pc.list_flatten(array)
    parents = pc.list_parent_indices(array)
    if mapping is not None:
        keys = pa.array(list(mapping), pa.string())
        flat = pa.array(list(mapping.values()), pa.string()).take(pc.index_in(flat, keys))
    keep = pc.is_valid(flat)
    flat, parents = flat.filter(keep), parents.filter(keep)
    counts = np.bincount(parents.to_numpy(), minlength=len(array))
    offsets = pa.array(np.concatenate([[0], np.cumsum(counts)]).astype("int32"))
    joined = pc.binary_join(pa.ListArray.from_arrays(offsets, flat.cast(pa.string())), "; ")
    return joined.to_pandas()  # Arrow-backed str, no Python object per row


def _decisions(candidates: pa.Table) -> dict[str, pd.Series]:
    """The team's latest decision in words and its date as YYYY-MM-DD ('' where none), and
    the empty columns the team fills in."""
    n = candidates.num_rows
    empty = pd.Series(None, index=pd.RangeIndex(n), dtype="str")
    if "decision" not in candidates.column_names:
        latest, date = empty, empty
    else:
        latest = candidates["decision"].to_pandas().map(DECISION_LABELS).astype("str")
        date = pc.cast(candidates["decision_date"], pa.string()).to_pandas().astype("str")
    return {
        "latest_decision": latest,
        "latest_decision_date": date,
        **{name: empty for name in DECISION_COLUMNS},
    }


def patient_frame(candidates: pa.Table, trial: Trial) -> pd.DataFrame:
    """One row per patient, in words: overall status, the criteria by their protocol text,
    what remains to confirm, the team's latest decision and its empty decision columns."""
    to_confirm = {c.id: c.to_confirm or c.text for c in trial.criteria}
    texts = {c.id: c.text for c in trial.criteria}
    frame = pd.DataFrame(
        {
            "pseudonym": candidates["pseudonym"].to_pandas(),
            "overall_status": candidates["overall_status"].to_pandas(),
            **{f"n_{n}": candidates[f"n_{n}"].to_pandas().astype("int64") for n in STATUS_NAMES},
            "not_met_criteria": joined_text(candidates["not_met_criteria"], texts),
            "unknown_criteria": joined_text(candidates["unknown_criteria"], texts),
            "to_confirm_criteria": joined_text(candidates["to_confirm_criteria"], texts),
            "remains_to_confirm": joined_text(candidates["to_confirm_criteria"], to_confirm),
            **_decisions(candidates),
        }
    )
    return frame[list(PATIENT_COLUMNS)]


def _in_words(frame: pd.DataFrame) -> pd.DataFrame:
    """Statuses as the review page says them (the sheets are split on the raw values)."""
    words = {"overall_status": frame["overall_status"].map(OVERALL_LABELS).astype("str")}
    if "status" in frame.columns:
        words["status"] = frame["status"].map(STATUS_LABELS).astype("str")
    return frame.assign(**words)


def detail_order(criteria: pa.Table, candidates: pa.Table) -> tuple[np.ndarray, pa.Array]:
    """The detail sheet's rows in sheet order, as positions in `criteria`, with the overall
    status of each row's patient: the open criteria (unknown, to confirm) of candidate and
    needs-review patients, by pseudonym then criterion order.

    Found on Arrow arrays and integer positions, so that only the rows the sheet can hold
    are turned into pandas (at a million patients, half of the two million open rows).
    """
    listed = candidates.filter(pc.is_in(candidates["overall_status"], pa.array(DETAIL_STATUSES)))
    names = listed["pseudonym"].combine_chunks()
    rank = np.empty(len(names), dtype="int64")
    rank[pc.sort_indices(names).to_numpy()] = np.arange(len(names))  # pseudonym order
    patient = pc.index_in(criteria["pseudonym"], value_set=names)
    is_open = pc.is_in(criteria["status"], pa.array(OPEN_CRITERION_STATUSES))
    keep = pc.and_(pc.is_valid(patient), is_open).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(keep)
    patients = patient.filter(keep).to_numpy().astype("int64")
    orders = criteria["criterion_order"].to_numpy()[positions]
    order = np.lexsort((orders, rank[patients]))  # stable, as a stable sort_values
    return positions[order], listed["overall_status"].combine_chunks().take(patients[order])


def _rows_at(table: pa.Table, positions: np.ndarray) -> pa.Table:
    """`table.take(positions)`; by a mask when the positions increase (the report tables
    come sorted), which is several times quicker than a take across many chunks."""
    if len(positions) and (np.diff(positions) <= 0).any():
        return table.take(pa.array(positions))
    wanted = np.zeros(table.num_rows, dtype=bool)
    wanted[positions] = True
    return table.filter(pa.array(wanted))


def detail_frame(
    criteria: pa.Table, positions: np.ndarray, overall_status: pa.Array, trial: Trial
) -> pd.DataFrame:
    """The detail sheet's rows (`detail_order`, or its first rows), with criterion texts."""
    rows = _rows_at(criteria, positions).to_pandas()
    rows["overall_status"] = overall_status.to_pandas()
    by_id = {c.id: c for c in trial.criteria}
    ids = rows["criterion_id"]
    remains = ids.map({k: c.to_confirm or c.text for k, c in by_id.items()})
    rows = rows.assign(
        criterion_order=rows["criterion_order"].astype("int64"),
        protocol_item=ids.map({k: c.protocol_item for k, c in by_id.items()}),
        criterion_text=ids.map({k: c.text for k, c in by_id.items()}),
        remains_to_confirm=remains.where(rows["status"] == "to_confirm", ""),
    )
    return rows[list(DETAIL_COLUMNS)]


def _write_sheet(
    book: xlsxwriter.Workbook,
    title: str,
    frame: pd.DataFrame,
    headers: list[str],
    formats: dict[str, Any],
) -> Any:
    """Add a sheet: bold frozen header, filter over the rows, column widths, then the rows in
    order (constant-memory mode flushes each row once the next begins).

    Each column is written by the one XlsxWriter call its kind takes (`write_string`,
    `write_number`, `write_datetime`), so a text is always a text cell, never a formula,
    number or error that the writer would infer from it; a missing value is no cell."""
    sheet = book.add_worksheet(title)
    sheet.freeze_panes(1, 1)
    for index, header in enumerate(headers):
        sheet.set_column(index, index, WIDTHS.get(header, max(12, len(header) + 2)))
    sheet.autofilter(0, 0, max(len(frame), 1), len(headers) - 1)
    for index, header in enumerate(headers):
        sheet.write_string(0, index, header, formats["header"])
    writers = [_column_writer(sheet, frame[name], formats) for name in frame.columns]
    columns = [values for values, _ in writers]
    calls = [call for _, call in writers]
    for row, values in enumerate(zip(*columns, strict=True), start=1):
        for col, (value, call) in enumerate(zip(values, calls, strict=True)):
            if value is not None:
                call(row, col, value)
    return sheet


def _column_writer(
    sheet: Any, column: pd.Series, formats: dict[str, Any]
) -> tuple[list[Any], Callable[[int, int, Any], Any]]:
    """A column's cell values (None: no cell) and the call that writes one of them."""
    if pd.api.types.is_integer_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.astype("float64")
        return _present(values.where(values.notna(), None)), sheet.write_number
    if pd.api.types.is_float_dtype(column):
        finite = np.isfinite(column.to_numpy(dtype="float64", na_value=np.nan))
        return _present(column.where(finite, None)), sheet.write_number
    if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) == "date":
        date = formats["date"]
        return _present(column), lambda row, col, value: sheet.write_datetime(row, col, value, date)
    text = safe_cell_text(column.astype("str").where(column.notna(), None))
    text = text.where(text.notna() & (text != ""), None)
    return _present(text), sheet.write_string


def _present(values: pd.Series) -> list[Any]:
    """The values as Python objects, missing ones as None."""
    return values.astype(object).where(values.notna(), None).tolist()


def _offer_decisions(sheet: Any, headers: list[str]) -> None:
    """The Decision column offers the four decisions in a drop-down (typed text outside
    them draws a warning; `screening feedback import` refuses it with its line)."""
    column = headers.index(DECISION_COLUMNS["decision"])
    sheet.data_validation(
        1,
        column,
        EXCEL_MAX_DATA_ROWS,
        column,
        {
            "validate": "list",
            "source": list(DECISION_LABELS.values()),
            "ignore_blank": True,
            "error_type": "warning",
            "error_message": "Contacted, Declined, Enrolled or Screen failure",
        },
    )


def _shown(rows: int, title: str, cut: list[tuple[str, int, int]]) -> int:
    """How many rows a sheet can hold; an overflow is recorded for the Notes sheet, never
    hidden."""
    if rows <= EXCEL_MAX_DATA_ROWS:
        return rows
    cut.append((title, EXCEL_MAX_DATA_ROWS, rows))
    return EXCEL_MAX_DATA_ROWS


def write_workbook(
    path: Path, tables: Mapping[str, pa.Table], trial: Trial, as_of: pd.Timestamp
) -> int:
    """Write candidates.xlsx; returns the number of patient rows over the status sheets.

    XlsxWriter in constant-memory mode keeps one row of a sheet in memory at a time; its zip
    entries carry a fixed time and the document's dates are the as-of day, so the same
    tables give the same bytes. Strings are never read as numbers, formulas or links."""
    patients = patient_frame(tables["candidates"], trial)
    when = datetime(as_of.year, as_of.month, as_of.day)
    options = {
        "constant_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "tmpdir": str(path.parent),
    }
    book = xlsxwriter.Workbook(str(path), options)
    book.set_properties(
        {
            "title": f"{trial.id} {as_of.date().isoformat()}",
            "author": "trial-screening",
            "created": when,
        }
    )
    formats = {
        "header": book.add_format({"bold": True}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
    }
    headers = list(PATIENT_COLUMNS.values())
    cut: list[tuple[str, int, int]] = []
    for status in OVERALL_NAMES:
        subset = patients[patients["overall_status"] == status]
        subset = subset.iloc[: _shown(len(subset), STATUS_SHEETS[status], cut)]
        sheet = _write_sheet(book, STATUS_SHEETS[status], _in_words(subset), headers, formats)
        _offer_decisions(sheet, headers)
    positions, overall_status = detail_order(tables["criteria"], tables["candidates"])
    shown = _shown(len(positions), DETAIL_SHEET, cut)
    detail = detail_frame(tables["criteria"], positions[:shown], overall_status[:shown], trial)
    detail_headers = list(DETAIL_COLUMNS.values())
    _write_sheet(book, DETAIL_SHEET, _in_words(detail), detail_headers, formats)
    if cut:
        notes = pd.DataFrame(
            [(t, s, n, "candidates.parquet / criteria.parquet") for t, s, n in cut],
            columns=["sheet", "rows shown", "rows in the report", "complete list in"],
        ).astype({"rows shown": "int64", "rows in the report": "int64"})
        _write_sheet(book, NOTES_SHEET, notes, list(notes.columns), formats)
    book.close()
    return len(patients)
