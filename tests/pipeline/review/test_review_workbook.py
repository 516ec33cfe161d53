"""candidates.xlsx read back with openpyxl: same rows as the Parquet, no live formula."""

from __future__ import annotations

import zipfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from pipeline.review import workbook as workbook_module
from pipeline.review.labels import OVERALL_LABELS
from pipeline.review.safe_cells import CUT_MARKER, EXCEL_MAX_CELL_CHARS, FORMULA_STARTS
from pipeline.review.workbook import (
    DETAIL_COLUMNS,
    DETAIL_SHEET,
    PATIENT_COLUMNS,
    STATUS_SHEETS,
    write_workbook,
)
from tests.pipeline.review.crafted import TINY, crafted_tables, pseudonym

PATIENT_COLUMNS_LETTERS = {
    header: get_column_letter(i + 1) for i, header in enumerate(PATIENT_COLUMNS.values())
}
HOSTILE = '=HYPERLINK("http://evil.example","x")'


def sheet_frame(workbook, title: str) -> pd.DataFrame:
    rows = list(workbook[title].iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def assert_no_formula(workbook) -> None:
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert not cell.value.startswith(FORMULA_STARTS), (
                        sheet.title,
                        cell.coordinate,
                        cell.value,
                    )


@pytest.fixture(scope="module")
def real_workbook(small_reports):
    report = small_reports[1]
    return report, load_workbook(report / "candidates.xlsx")


def test_one_sheet_per_status_with_the_parquet_rows(real_workbook):
    report, workbook = real_workbook
    assert workbook.sheetnames == [*STATUS_SHEETS.values(), DETAIL_SHEET]
    candidates = pd.read_parquet(report / "candidates.parquet")
    for status, title in STATUS_SHEETS.items():
        sheet = sheet_frame(workbook, title)
        expected = candidates[candidates["overall_status"] == status]
        assert list(sheet.columns) == list(PATIENT_COLUMNS.values())
        assert sheet["Pseudonym"].tolist() == expected["pseudonym"].tolist(), status
        assert (sheet["Overall status"] == OVERALL_LABELS[status]).all()
        assert sheet["Unknown"].tolist() == expected["n_unknown"].tolist()
    assert sum(len(sheet_frame(workbook, t)) for t in STATUS_SHEETS.values()) == len(candidates)


def test_criteria_detail_lists_the_open_criteria_of_listed_patients(real_workbook):
    report, workbook = real_workbook
    detail = sheet_frame(workbook, DETAIL_SHEET)
    assert list(detail.columns) == list(DETAIL_COLUMNS.values())
    criteria = pd.read_parquet(report / "criteria.parquet")
    candidates = pd.read_parquet(report / "candidates.parquet")
    listed = candidates.loc[candidates["overall_status"] != "not_eligible", "pseudonym"]
    expected = criteria[
        criteria["pseudonym"].isin(listed) & criteria["status"].isin(["unknown", "to_confirm"])
    ]
    assert len(detail) == len(expected) > 0
    assert detail["Pseudonym"].tolist() == expected["pseudonym"].tolist()
    assert detail["Criterion id"].tolist() == expected["criterion_id"].tolist()
    to_confirm = detail[detail["Status"] == "to confirm"]
    assert to_confirm["Remains to confirm"].str.len().gt(0).all()


def test_layout_frozen_header_filter_and_pseudonyms_only(real_workbook, small_hospital):
    workbook = real_workbook[1]
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "B2"
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")
    raw_ids = set(pd.read_parquet(small_hospital.truth)["patient_id"])
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows(values_only=True):
            assert not raw_ids.intersection(v for v in row if isinstance(v, str))
    assert_no_formula(workbook)


def test_hostile_text_is_written_as_text(tmp_path):
    tables = crafted_tables(
        {pseudonym("a"): ["met", "unknown", "to_confirm"], pseudonym("b"): ["met"] * 3},
        reasons={pseudonym("a"): HOSTILE, pseudonym("b"): "@SUM(A1)"},
    )
    path = tmp_path / "candidates.xlsx"
    write_workbook(path, tables, TINY, pd.Timestamp("2026-11-24"))
    workbook = load_workbook(path)
    assert_no_formula(workbook)
    reasons = sheet_frame(workbook, DETAIL_SHEET)["Reason"].tolist()
    assert "'" + HOSTILE in reasons
    values = sheet_frame(workbook, DETAIL_SHEET)["Recorded value"]
    assert (values == "9,5 g/dL").all()


def test_file_carries_no_wall_clock_time(tmp_path):
    tables = crafted_tables({pseudonym("a"): ["met"] * 3})
    path = tmp_path / "candidates.xlsx"
    write_workbook(path, tables, TINY, pd.Timestamp("2026-11-24"))
    with zipfile.ZipFile(path) as archive:  # XlsxWriter's one fixed entry time, in 1980
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 31, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert core.count("2026-11-24T00:00:00Z") == 2  # created and modified
    properties = load_workbook(path).properties
    assert properties.created == properties.modified == pd.Timestamp("2026-11-24").to_pydatetime()


def test_the_same_tables_give_the_same_file(real_workbook, lutathera_trial, tmp_path):
    """The published workbook, rewritten from its own Parquet tables, is the same bytes."""
    report, workbook = real_workbook
    assert max(sheet.max_row for sheet in workbook.worksheets) > 3 * 7
    tables = {
        name: pq.read_table(report / f"{name}.parquet")
        for name in ("candidates", "criteria", "attrition")
    }
    write_workbook(tmp_path / "again.xlsx", tables, lutathera_trial, pd.Timestamp(report.name))
    assert (tmp_path / "again.xlsx").read_bytes() == (report / "candidates.xlsx").read_bytes()


def test_detail_rows_are_in_pseudonym_then_criterion_order_whatever_the_table_order(tmp_path):
    """The report tables come sorted, but the detail sheet does not rely on it: shuffled
    tables give the same rows, in the order of a stable sort by pseudonym then order."""
    names = "qbxadmcz"
    statuses = {
        pseudonym(letter): [["met", "unknown", "to_confirm"], ["not_met"] * 3, ["met"] * 3][i % 3]
        for i, letter in enumerate(names)
    }
    tables = crafted_tables(statuses)
    shuffled = {
        name: table.take(np.random.default_rng(5).permutation(table.num_rows))
        for name, table in tables.items()
    }
    write_workbook(tmp_path / "sorted.xlsx", tables, TINY, pd.Timestamp("2026-11-24"))
    write_workbook(tmp_path / "shuffled.xlsx", shuffled, TINY, pd.Timestamp("2026-11-24"))
    detail = sheet_frame(load_workbook(tmp_path / "shuffled.xlsx"), DETAIL_SHEET)
    criteria = tables["criteria"].to_pandas()
    listed = tables["candidates"].to_pandas().query("overall_status != 'not_eligible'")
    expected = criteria[
        criteria["pseudonym"].isin(listed["pseudonym"])
        & criteria["status"].isin(["unknown", "to_confirm"])
    ].sort_values(["pseudonym", "criterion_order"], kind="stable")
    assert detail["Pseudonym"].tolist() == expected["pseudonym"].tolist()
    assert detail["Order"].tolist() == expected["criterion_order"].tolist()
    assert len(detail) == 2 * len(names[::3]) and len(set(detail["Pseudonym"])) > 1
    sorted_detail = sheet_frame(load_workbook(tmp_path / "sorted.xlsx"), DETAIL_SHEET)
    pd.testing.assert_frame_equal(detail, sorted_detail)


def test_rows_are_taken_by_mask_or_by_position_alike():
    table = pa.table({"x": pa.chunked_array([[0, 1, 2], [3, 4], [5, 6, 7]])})
    for positions in ([1, 3, 4, 7], [7, 1, 4], [], [2, 2, 5]):
        taken = workbook_module._rows_at(table, np.array(positions, dtype="int64"))
        assert taken["x"].to_pylist() == positions


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("#N/A", "#N/A"),
        ("#DIV/0!", "#DIV/0!"),
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("a\x00b\x01c\x1f\x7f", "a\u2400b\u2401c\u241f\u2421"),
        ("\ufffe\uffff", "\ufffd\ufffd"),
        ("\u202eevil", "\u202eevil"),
        ("🧪 <script>alert(1)</script> & co", "🧪 <script>alert(1)</script> & co"),
    ],
)
def test_any_text_is_written_as_a_plain_text_cell(tmp_path, text, shown):
    """Every row gives a text cell holding the value as shown: no formula, no error cell,
    no failure."""
    names = [pseudonym(letter) for letter in "abcd"]
    tables = crafted_tables(
        {name: ["met", "unknown", "to_confirm"] for name in names},
        reasons=dict.fromkeys(names, text),
    )
    path = tmp_path / "candidates.xlsx"
    write_workbook(path, tables, TINY, pd.Timestamp("2026-11-24"))
    sheet = load_workbook(path)[DETAIL_SHEET]
    column = list(DETAIL_COLUMNS.values()).index("Reason")
    cells = [row[column] for row in sheet.iter_rows(min_row=2)]
    assert len(cells) == 2 * len(names)
    assert {(cell.data_type, cell.value) for cell in cells} == {("s", shown)}


def test_text_longer_than_a_cell_is_cut_with_a_visible_marker(tmp_path):
    names = [pseudonym(letter) for letter in "abc"]
    tables = crafted_tables(
        {name: ["met", "unknown", "to_confirm"] for name in names},
        reasons=dict.fromkeys(names, "x" * 40_000),
    )
    path = tmp_path / "candidates.xlsx"
    write_workbook(path, tables, TINY, pd.Timestamp("2026-11-24"))
    reasons = sheet_frame(load_workbook(path), DETAIL_SHEET)["Reason"]
    assert len(reasons) == 2 * len(names)
    assert (reasons.str.len() == EXCEL_MAX_CELL_CHARS).all()
    assert reasons.str.endswith(CUT_MARKER).all()
    assert reasons.str.startswith("x" * 30_000).all()


def test_headers_bold_and_frozen_statuses_and_criteria_in_words(real_workbook):
    report, workbook = real_workbook
    trial_texts = {
        row["criterion_id"]: row["text"]
        for row in pq.read_table(report / "attrition.parquet").to_pylist()
    }
    candidates = pd.read_parquet(report / "candidates.parquet").set_index("pseudonym")
    for title in STATUS_SHEETS.values():
        sheet = workbook[title]
        header = next(sheet.iter_rows(min_row=1, max_row=1))
        assert [c.value for c in header] == list(PATIENT_COLUMNS.values())
        assert all(cell.font.b for cell in header), title
        assert sheet.freeze_panes == "B2"
    needs = sheet_frame(workbook, STATUS_SHEETS["needs_review"])
    assert len(needs) > 0
    for _, row in needs.head(20).iterrows():
        ids = candidates.loc[row["Pseudonym"], "unknown_criteria"]
        assert row["Unknown criteria"] == "; ".join(trial_texts[i] for i in ids)
        assert not set(ids) & set(row["Unknown criteria"].split("; "))  # words, not ids
    detail = sheet_frame(workbook, DETAIL_SHEET)
    assert set(detail["Status"]) == {"unknown", "to confirm"}
    assert set(detail["Overall status"]) == {"Candidate", "Needs review"}
    assert (detail["Criterion"] == detail["Criterion id"].map(trial_texts)).all()


def test_decision_columns_are_empty_for_the_team(real_workbook):
    _, workbook = real_workbook
    for title in STATUS_SHEETS.values():
        sheet = sheet_frame(workbook, title)
        for header in ("Decision", "Decision date", "Note", "Latest decision"):
            assert sheet[header].isna().all(), (title, header)
        [offer] = workbook[title].data_validations.dataValidation
        column = PATIENT_COLUMNS_LETTERS["Decision"]
        assert str(offer.sqref) == f"{column}2:{column}1048576"
        assert offer.formula1 == '"Contacted,Declined,Enrolled,Screen failure"'
