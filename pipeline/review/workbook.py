"""candidates.xlsx: the lists as a spreadsheet the recruitment team can sort, filter and annotate.

One sheet per overall status and one sheet of criteria detail: the criteria still open (unknown
or to confirm) of candidate and needs-review patients, with their evidence and what to confirm.
Every criterion of every patient is in review.html and criteria.parquet; a sheet of all of them
would take openpyxl minutes to write at hospital scale. Pseudonyms only. Every text cell goes
through `neutralise_formula`; the file is byte-identical for the same inputs (fixed document
dates and zip entry times).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.xml.functions import tostring

from pipeline.review.safe_cells import neutralise_formula
from pipeline.status import OVERALL_NAMES, STATUS_NAMES
from pipeline.trial import Trial

STATUS_SHEETS = {
    "candidate": "Candidates",
    "needs_review": "Needs review",
    "not_eligible": "Not eligible",
}
DETAIL_SHEET = "Criteria detail"
DETAIL_STATUSES = ("candidate", "needs_review")
OPEN_CRITERION_STATUSES = ("unknown", "to_confirm")

PATIENT_COLUMNS = {
    "pseudonym": "Pseudonym",
    "overall_status": "Overall status",
    **{f"n_{name}": name.replace("_", " ").capitalize() for name in STATUS_NAMES},
    "not_met_criteria": "Not met criteria",
    "unknown_criteria": "Unknown criteria",
    "to_confirm_criteria": "To confirm criteria",
    "remains_to_confirm": "Remains to confirm at the inclusion visit",
}
DETAIL_COLUMNS = {
    "pseudonym": "Pseudonym",
    "overall_status": "Overall status",
    "criterion_order": "Order",
    "protocol_item": "Protocol item",
    "criterion_id": "Criterion",
    "criterion_text": "Criterion text",
    "status": "Status",
    "source": "Source",
    "record_date": "Record date",
    "raw_value": "Recorded value",
    "value": "Value",
    "unit": "Unit",
    "reason": "Reason",
    "remains_to_confirm": "Remains to confirm",
}
WIDTHS = {"Pseudonym": 25, "Criterion text": 60, "Reason": 40}


def _joined(lists: pa.ChunkedArray, mapping: Mapping[str, str] | None = None) -> pd.Series:
    """A list column as '; '-joined text (optionally mapping each element first)."""
    flat = lists.to_pandas().explode()
    if mapping is not None:
        flat = flat.map(mapping)
    joined = flat.dropna().astype("str").groupby(level=0).agg("; ".join)
    return joined.reindex(range(len(lists)), fill_value="").astype("str")


def patient_frame(candidates: pa.Table, trial: Trial) -> pd.DataFrame:
    """One row per patient with readable list columns and what remains to confirm."""
    to_confirm = {c.id: c.to_confirm or c.text for c in trial.criteria}
    frame = pd.DataFrame(
        {
            "pseudonym": candidates["pseudonym"].to_pandas(),
            "overall_status": candidates["overall_status"].to_pandas(),
            **{f"n_{n}": candidates[f"n_{n}"].to_pandas().astype("int64") for n in STATUS_NAMES},
            "not_met_criteria": _joined(candidates["not_met_criteria"]),
            "unknown_criteria": _joined(candidates["unknown_criteria"]),
            "to_confirm_criteria": _joined(candidates["to_confirm_criteria"]),
            "remains_to_confirm": _joined(candidates["to_confirm_criteria"], to_confirm),
        }
    )
    return frame[list(PATIENT_COLUMNS)]


def detail_frame(criteria: pa.Table, patients: pd.DataFrame, trial: Trial) -> pd.DataFrame:
    """Open criteria (unknown, to confirm) of candidate and needs-review patients, with texts."""
    listed = patients.loc[
        patients["overall_status"].isin(DETAIL_STATUSES), ["pseudonym", "overall_status"]
    ]
    open_rows = criteria.filter(pc.is_in(criteria["status"], pa.array(OPEN_CRITERION_STATUSES)))
    rows = open_rows.to_pandas().merge(listed, on="pseudonym", how="inner", sort=False)
    rows = rows.sort_values(["pseudonym", "criterion_order"], kind="stable")
    by_id = {c.id: c for c in trial.criteria}
    ids = rows["criterion_id"]
    remains = ids.map({k: c.to_confirm or c.text for k, c in by_id.items()})
    rows = rows.assign(
        criterion_order=rows["criterion_order"].astype("int64"),
        protocol_item=ids.map({k: c.protocol_item for k, c in by_id.items()}),
        criterion_text=ids.map({k: c.text for k, c in by_id.items()}),
        remains_to_confirm=remains.where(rows["status"] == "to_confirm", ""),
    )
    return rows[list(DETAIL_COLUMNS)].reset_index(drop=True)


def _cells(frame: pd.DataFrame) -> list[pd.Series]:
    """Columns ready for openpyxl: text neutralised, missing values as None."""
    out = []
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_string_dtype(column) or column.dtype == object:
            column = neutralise_formula(column)
        column = column.astype(object)
        out.append(column.where(column.notna(), None))
    return out


def _write_sheet(workbook: Workbook, title: str, frame: pd.DataFrame, headers: list[str]) -> None:
    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "B2"
    for index, header in enumerate(headers):
        letter = _letter(index)
        sheet.column_dimensions[letter].width = WIDTHS.get(header, max(12, len(header) + 2))
    last = f"{_letter(len(headers) - 1)}{len(frame) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    sheet.append(headers)
    for row in zip(*_cells(frame), strict=True):
        sheet.append(row)


def _letter(index: int) -> str:
    return get_column_letter(index + 1)


def _fixed_zip(raw: bytes, core_xml: bytes, when: datetime) -> bytes:
    """Rewrite the xlsx zip with fixed entry times and our document properties."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = core_xml if info.filename == "docProps/core.xml" else source.read(info)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()


def write_workbook(
    path: Path, tables: Mapping[str, pa.Table], trial: Trial, as_of: pd.Timestamp
) -> int:
    """Write candidates.xlsx; returns the number of patient rows over the status sheets."""
    patients = patient_frame(tables["candidates"], trial)
    workbook = Workbook(write_only=True)
    when = datetime(as_of.year, as_of.month, as_of.day)
    props = workbook.properties
    props.creator = props.lastModifiedBy = "trial-screening"
    props.title = f"{trial.id} {as_of.date().isoformat()}"
    props.created = props.modified = when
    headers = list(PATIENT_COLUMNS.values())
    for status in OVERALL_NAMES:
        subset = patients[patients["overall_status"] == status]
        _write_sheet(workbook, STATUS_SHEETS[status], subset, headers)
    detail = detail_frame(tables["criteria"], patients, trial)
    _write_sheet(workbook, DETAIL_SHEET, detail, list(DETAIL_COLUMNS.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    props.modified = when  # openpyxl stamps the save time; keep the file reproducible
    path.write_bytes(_fixed_zip(buffer.getvalue(), tostring(props.to_tree()), when))
    return len(patients)
