"""Reading extract files: encodings, separators, structural damage, landing-folder safety."""

from __future__ import annotations

import os
import pickle
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.contract import EXTRACTS
from pipeline.errors import InputFileError
from pipeline.io import files
from pipeline.io.files import ROW_NUMBER, read_extract_file, resolve_in_folder
from pipeline.io.row_count import count_csv_data_rows
from pipeline.sources import ExtractSource, parse_source_config

SECRET = "ZORGLUB4711"
HEADER = "record_id,patient_id,assessed_on,assessment_type,value"


def source(**spec) -> ExtractSource:
    extracts = {n: {} for n in EXTRACTS}
    extracts["assessments"] = {"file": "assessments.csv", **spec}
    return parse_source_config({"extracts": extracts}, "test.yaml").extracts["assessments"]


def write(folder: Path, content: str | bytes, name: str = "assessments.csv") -> Path:
    path = folder / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def read(folder: Path, src: ExtractSource | None = None):
    return read_extract_file(folder, src or source(), EXTRACTS["assessments"])


def lines(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


GOOD = ("A1,P1,2026-01-02,ECOG,1", "A2,P2,2026-01-03,MENOPAUSAL_STATUS,POST")


# Encodings and separators
def test_utf8_file_is_read_as_text_in_contract_columns(tmp_path):
    write(tmp_path, lines(*GOOD, "A3,P3,2026-01-04,CONTRACEPTION,Méthode"))
    raw = read(tmp_path)
    assert list(raw.frame.columns) == [ROW_NUMBER, *EXTRACTS["assessments"].column_names]
    assert raw.frame["value"].tolist() == ["1", "POST", "Méthode"]
    assert raw.frame[ROW_NUMBER].tolist() == [1, 2, 3]
    assert raw.rows_read == 3


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig"])
def test_utf8_bom_is_not_part_of_the_first_column_name(tmp_path, encoding):
    write(tmp_path, b"\xef\xbb\xbf" + lines(*GOOD).encode("utf-8"))
    raw = read(tmp_path, source(encoding=encoding))
    assert raw.frame.columns[1] == "record_id"
    assert raw.frame["record_id"].tolist() == ["A1", "A2"]
    assert raw.ignored_columns == []


def test_utf8_bom_before_a_renamed_first_column(tmp_path):
    content = "IDENT,IPP,DATE,TYPE,VAL\nA1,P1,2026-01-02,ECOG,1\n"
    write(tmp_path, b"\xef\xbb\xbf" + content.encode("utf-8"))
    src = source(
        columns={
            "IDENT": "record_id",
            "IPP": "patient_id",
            "DATE": "assessed_on",
            "TYPE": "assessment_type",
            "VAL": "value",
        }
    )
    raw = read(tmp_path, src)
    assert raw.frame["record_id"].tolist() == ["A1"]


def test_cp1252_accented_text_is_read_correctly(tmp_path):
    content = lines("A1,P1,2026-01-02,CONTRACEPTION,stérilet posé à J-3 (œstrogènes)")
    write(tmp_path, content.encode("cp1252"))
    raw = read(tmp_path, source(encoding="cp1252"))
    assert raw.frame["value"].iloc[0] == "stérilet posé à J-3 (œstrogènes)"


def test_cp1252_header_with_accents_maps_columns(tmp_path):
    content = (
        "record_id;patient_id;date_évaluation;assessment_type;value\nA1;P1;02/01/2026;ECOG;1\n"
    )
    write(tmp_path, content.encode("cp1252"))
    src = source(encoding="cp1252", separator=";", columns={"date_évaluation": "assessed_on"})
    raw = read(tmp_path, src)
    assert raw.frame["assessed_on"].tolist() == ["02/01/2026"]


def test_semicolon_separator_keeps_comma_decimals_in_the_field(tmp_path):
    content = HEADER.replace(",", ";") + "\nA1;P1;2026-01-02;LIFE_EXPECTANCY;7,5\n"
    write(tmp_path, content)
    raw = read(tmp_path, source(separator=";"))
    assert raw.frame["value"].tolist() == ["7,5"]
    assert raw.frame["patient_id"].tolist() == ["P1"]


def test_crlf_line_endings(tmp_path):
    write(tmp_path, lines(*GOOD).replace("\n", "\r\n"))
    raw = read(tmp_path)
    assert raw.frame["value"].tolist() == ["1", "POST"]
    assert raw.rows_read == 2


def test_empty_fields_stay_empty_text_not_null_guesses(tmp_path):
    write(tmp_path, lines("A1,P1,2026-01-02,ECOG,", "A2,P2,2026-01-02,ECOG,NA"))
    raw = read(tmp_path)
    assert raw.frame["value"].tolist() == ["", "NA"]


def test_unmapped_columns_are_reported_and_dropped(tmp_path):
    write(tmp_path, HEADER + ",comment\nA1,P1,2026-01-02,ECOG,1,free text\n")
    raw = read(tmp_path)
    assert raw.ignored_columns == ["comment"]
    assert "comment" not in raw.frame.columns


# Structural damage
def test_line_with_a_missing_field_names_file_line_and_column(tmp_path):
    path = write(tmp_path, lines(GOOD[0], f"A2,P2,2026-01-03,{SECRET}", GOOD[1]))
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 3
    assert error.column == "value"
    assert str(path) in str(error) and "line 3" in str(error)
    assert SECRET not in str(error)


def test_line_with_an_extra_field_names_file_line_and_column(tmp_path):
    path = write(tmp_path, lines(*GOOD, f"A3,P3,2026-01-03,ECOG,1,{SECRET}"))
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 4
    assert error.column is not None
    assert "line 4" in str(error)
    assert SECRET not in str(error)


def test_first_malformed_line_is_named_when_there_are_several(tmp_path):
    write(tmp_path, lines(GOOD[0], "A2,P2", GOOD[1], "A4,P4,x"))
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    assert caught.value.line == 3
    assert "2 malformed" in str(caught.value)


def test_malformed_line_is_found_in_a_large_file(tmp_path):
    rows = [f"A{i},P{i},2026-01-02,ECOG,1" for i in range(200_000)]
    rows[150_000] = f"A150000,P1,{SECRET}"
    write(tmp_path, lines(*rows))
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    assert caught.value.line == 150_002
    assert SECRET not in str(caught.value)


def test_undecodable_utf8_byte_names_the_line(tmp_path):
    content = lines(*GOOD).encode("utf-8") + f"A3,P3,2026-01-03,ECOG,{SECRET}\xff\n".encode(
        "latin-1"
    )
    path = write(tmp_path, content)
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == 4
    assert SECRET not in str(error)


def test_undecodable_cp1252_byte_names_the_line(tmp_path):
    content = (
        lines(GOOD[0]).encode("cp1252") + f"A2,P2,2026-01-03,ECOG,{SECRET}".encode() + (b"\x81\n")
    )
    write(tmp_path, content)
    with pytest.raises(InputFileError) as caught:
        read(tmp_path, source(encoding="cp1252"))
    assert caught.value.line == 3
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("block_bytes", [None, 60])
def test_undecodable_byte_in_a_malformed_line_names_line_and_column_quietly(
    tmp_path, monkeypatch, block_bytes
):
    """pyarrow decodes a malformed line before our handler sees it; for a byte that does not
    decode that fails inside pyarrow, which used to print the error with a byte of the row to
    stderr and leave us with "cannot parse as CSV". Now the line and column are named, and
    nothing is printed (streamed read, and ranges parsed on their own with small blocks)."""
    printed = []
    monkeypatch.setattr(sys, "unraisablehook", printed.append)
    if block_bytes:
        monkeypatch.setattr(files, "BLOCK_BYTES", block_bytes)
    rows = [*GOOD, *(f"A{i},P{i},2026-01-02,ECOG,1" for i in range(5))]
    bad = f"A9,P9,{SECRET}\xff\n".encode("latin-1")  # three fields of five
    path = write(tmp_path, lines(*rows).encode("utf-8") + bad + b"A10,P10,2026-01-02,ECOG,1\n")
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    error = caught.value
    assert (error.path, error.line, error.column) == (str(path), 9, "assessed_on")
    assert "not valid utf-8" in error.reason and SECRET not in str(error)
    assert printed == []


def test_malformed_lines_are_still_named_when_the_file_decodes(tmp_path):
    write(tmp_path, lines(GOOD[0], f"A2,P2,{SECRET}", GOOD[1]))
    with pytest.raises(InputFileError, match="has 3 fields, expected 5") as caught:
        read(tmp_path)
    assert (caught.value.line, caught.value.column) == (3, "assessment_type")


def test_missing_required_column_names_the_hospitals_column(tmp_path):
    write(tmp_path, "IDENT,IPP,DATE,TYPE\nA1,P1,2026-01-02,ECOG\n")
    src = source(
        columns={
            "IDENT": "record_id",
            "IPP": "patient_id",
            "DATE": "assessed_on",
            "TYPE": "assessment_type",
            "RESULTAT": "value",
        }
    )
    with pytest.raises(InputFileError) as caught:
        read(tmp_path, src)
    assert caught.value.column == "RESULTAT"
    assert "RESULTAT" in str(caught.value)


def test_empty_file_raises(tmp_path):
    write(tmp_path, b"")
    with pytest.raises(InputFileError, match="empty"):
        read(tmp_path)


def test_header_only_file_raises(tmp_path):
    write(tmp_path, HEADER + "\n")
    with pytest.raises(InputFileError, match="no data rows"):
        read(tmp_path)


def test_duplicate_header_names_raise(tmp_path):
    write(tmp_path, HEADER + ",value\nA1,P1,2026-01-02,ECOG,1,2\n")
    with pytest.raises(InputFileError, match="duplicate"):
        read(tmp_path)


def test_missing_file_raises(tmp_path):
    with pytest.raises(InputFileError, match="not found"):
        read(tmp_path)


# Landing folder
def test_relative_path_out_of_the_landing_folder_is_refused(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    write(tmp_path, lines(*GOOD), "outside.csv")
    with pytest.raises(InputFileError, match="outside the landing folder"):
        read(landing, source(file="../outside.csv"))


def test_symlink_out_of_the_landing_folder_is_refused(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    outside = write(tmp_path, lines(*GOOD), "outside.csv")
    os.symlink(outside, landing / "assessments.csv")
    with pytest.raises(InputFileError, match="outside the landing folder"):
        read(landing)


def test_absolute_file_name_elsewhere_is_refused(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    outside = write(tmp_path, lines(*GOOD), "outside.csv")
    with pytest.raises(InputFileError):
        resolve_in_folder(landing, str(outside))


def test_symlink_inside_the_landing_folder_is_allowed(tmp_path):
    (tmp_path / "export").mkdir()
    real = write(tmp_path / "export", lines(*GOOD), "real.csv")
    os.symlink(real, tmp_path / "export" / "assessments.csv")
    assert read(tmp_path / "export").frame["record_id"].tolist() == ["A1", "A2"]


# Row counts
@pytest.mark.parametrize(
    "content",
    [
        lines(*GOOD),
        lines(*GOOD).replace("\n", "\r\n"),
        lines(*(f"A{i},P{i},2026-01-02,ECOG,{i % 5}" for i in range(1000))),
    ],
)
def test_row_count_agrees_with_the_parser(tmp_path, content):
    path = write(tmp_path, content)
    raw = read(tmp_path)
    assert count_csv_data_rows(path) == len(raw.frame) == raw.rows_read


def test_row_count_agrees_without_a_final_line_break_when_allowed(tmp_path):
    path = write(tmp_path, lines(*GOOD).rstrip("\n"))
    raw = read(tmp_path, source(require_final_newline=False))
    assert count_csv_data_rows(path) == len(raw.frame) == raw.rows_read == 2


def test_missing_final_line_break_is_a_truncated_file(tmp_path):
    path = write(tmp_path, lines(*GOOD, f"A3,P3,2026-01-04,ECOG,{SECRET}").rstrip("\n"))
    with pytest.raises(InputFileError, match="truncated") as caught:
        read(tmp_path)
    assert caught.value.path == str(path)
    assert caught.value.line == 4
    assert SECRET not in str(caught.value)


def test_row_count_of_an_empty_file_is_zero(tmp_path):
    assert count_csv_data_rows(write(tmp_path, b"")) == 0


# Parquet
def test_parquet_values_become_text_and_dates_are_kept(tmp_path):
    table = pa.table(
        {
            "record_id": ["A1"],
            "patient_id": ["P1"],
            "assessed_on": pa.array([pd.Timestamp("2026-01-02").date()], pa.date32()),
            "assessment_type": ["ECOG"],
            "value": pa.array([1], pa.int64()),
        }
    )
    pq.write_table(table, tmp_path / "assessments.parquet")
    raw = read(tmp_path, source(file="assessments.parquet", format="parquet"))
    assert raw.frame["value"].tolist() == ["1"]
    assert raw.rows_read == 1
    assert str(raw.frame["assessed_on"].iloc[0])[:10] == "2026-01-02"


def test_file_that_is_not_parquet_raises(tmp_path):
    write(tmp_path, f"not parquet {SECRET}", "assessments.parquet")
    with pytest.raises(InputFileError) as caught:
        read(tmp_path, source(file="assessments.parquet", format="parquet"))
    assert SECRET not in str(caught.value)


def test_blank_line_is_counted_the_same_by_both_counts(tmp_path):
    """A blank line is either a reported malformed line or a counted row, never lost."""
    path = write(tmp_path, lines(GOOD[0], "", GOOD[1]))
    try:
        raw = read(tmp_path)
    except InputFileError as error:  # reporting the blank line as malformed is also fine
        assert error.line == 3
        return
    assert count_csv_data_rows(path) == len(raw.frame) == raw.rows_read


# Line-aligned byte ranges (what worker processes parse)
RANGE_CONTENTS = [
    lines(*GOOD),
    lines(*GOOD).replace("\n", "\r\n"),
    lines(*GOOD).rstrip("\n"),
    lines(*(f"A{i},P{i},2026-01-02,ECOG,{'x' * (i % 40)}" for i in range(300))),
]


@pytest.mark.parametrize("content", RANGE_CONTENTS)
@pytest.mark.parametrize("block", [1, 7, 64, 1 << 20])
def test_line_ranges_cover_the_data_lines_once_each_ending_at_a_line_break(
    tmp_path, content, block
):
    path = write(tmp_path, content)
    data = path.read_bytes()
    start = data.index(b"\n") + 1
    ranges = list(files.line_ranges(path, start, block))
    assert b"".join(data[o : o + n] for o, n, _ in ranges) == data[start:]
    assert [o for o, _, _ in ranges] == [
        start + sum(n for _, n, _ in ranges[:i]) for i in range(len(ranges))
    ]
    assert all(data[o + n - 1 : o + n] == b"\n" for o, n, _ in ranges[:-1])
    assert sum(k for _, _, k in ranges) == count_csv_data_rows(path)


@pytest.mark.parametrize("content", RANGE_CONTENTS)
def test_small_ranges_give_the_frame_of_one_range(tmp_path, content, monkeypatch):
    write(tmp_path, content)
    src = source(require_final_newline=False)
    whole = read(tmp_path, src).frame
    monkeypatch.setattr(files, "BLOCK_BYTES", 50)
    streamed = files.open_extract_file(tmp_path, src, EXTRACTS["assessments"])
    readers = list(streamed.batch_readers())
    assert len(readers) > 1 or len(content) < 100
    parts = [pickle.loads(pickle.dumps(reader))() for reader in readers]  # as a worker would
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)
    assert whole[ROW_NUMBER].tolist() == list(range(1, streamed.rows_read + 1))


def test_malformed_line_in_a_later_range_names_its_line_in_the_file(tmp_path, monkeypatch):
    rows = [f"A{i},P{i},2026-01-02,ECOG,1" for i in range(500)]
    rows[400], rows[450] = f"A400,P1,{SECRET}", "A450"
    write(tmp_path, lines(*rows))
    monkeypatch.setattr(files, "BLOCK_BYTES", 1000)
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    assert caught.value.line == 402
    assert "2 malformed" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_undecodable_byte_in_a_later_range_names_its_line(tmp_path, monkeypatch):
    rows = [f"A{i},P{i},2026-01-02,ECOG,1" for i in range(500)]
    content = lines(*rows).encode("utf-8") + f"A9,P9,2026-01-03,ECOG,{SECRET}\xff\n".encode(
        "latin-1"
    )
    write(tmp_path, content)
    monkeypatch.setattr(files, "BLOCK_BYTES", 1000)
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    assert caught.value.line == 502
    assert SECRET not in str(caught.value)


def test_bare_carriage_return_is_refused_not_miscounted(tmp_path):
    """Arrow ends a line at a lone CR, the line count does not: the rows would not
    reconcile, so the file is refused, naming the exact line and field of the CR."""
    write(tmp_path, lines(GOOD[0], f"A2,P2,2026-01-03,ECOG,{SECRET}\rA3,P3,2026-01-03,ECOG,2"))
    with pytest.raises(InputFileError, match="carriage return") as caught:
        read(tmp_path)
    assert (caught.value.line, caught.value.column) == (3, "value")
    assert SECRET not in str(caught.value)


BROKEN = {
    "line feed in a quoted field": (f'A9,P9,2026-01-02,ECOG,"{SECRET}\n{SECRET}"', "value"),
    "quote never closed": (f'A9,P9,"2026-01-02,ECOG,{SECRET}', "assessed_on"),
    "bare CR, full row after it": (
        f"A9,P9,2026-01-02,ECOG,{SECRET}\rA8,P8,2026-01-02,ECOG,1",
        "value",
    ),
    "bare CR, short rows": (f"A9,P9,2026-01-02,{SECRET}\rEX,1", "assessment_type"),
}


@pytest.mark.parametrize("block", [300, 1 << 20])
@pytest.mark.parametrize("case", list(BROKEN))
def test_a_line_break_inside_a_field_names_its_exact_line_deep_in_a_block(
    tmp_path, monkeypatch, case, block
):
    """The error names the physical line (header is line 1) and the field, whether the
    bad line is in the first block or hundreds of lines into a later one; a stray inch
    mark in an unquoted field before it is not mistaken for it."""
    bad, column = BROKEN[case]
    rows = [f"A{i},P{i},2026-01-02,ECOG,1" for i in range(700)]
    rows[10] = 'A10,P10,2026-01-02,ECOG,5"'  # a quote inside an unquoted field: legal
    write(tmp_path, lines(*rows[:600], bad, *rows[600:]))
    monkeypatch.setattr(files, "BLOCK_BYTES", block)
    with pytest.raises(InputFileError) as caught:
        read(tmp_path)
    assert (caught.value.line, caught.value.column) == (602, column)
    assert "line break inside a field" in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "assessments.csv") + ", line 602")
    assert SECRET not in str(caught.value)


def test_ranges_are_cut_once_by_the_pass_that_reads_the_whole_file(tmp_path, monkeypatch):
    write(tmp_path, lines(*(f"A{i},P{i},2026-01-02,ECOG,1" for i in range(300))))
    monkeypatch.setattr(files, "BLOCK_BYTES", 500)
    cuts = []
    original = files.line_ranges

    def counted(*args):
        cuts.append(args)
        return original(*args)

    monkeypatch.setattr(files, "line_ranges", counted)
    streamed = files.open_extract_file(tmp_path, source(), EXTRACTS["assessments"])
    next(streamed.batch_readers())  # a pass stopped early caches nothing
    first = list(streamed.batch_readers())
    second = list(streamed.batch_readers())
    assert len(first) > 5 and first == second
    assert len(cuts) == 2


@pytest.mark.parametrize(
    "values",
    [
        pa.array([[SECRET], ["2"]]),
        pa.array([{"v": SECRET}, {"v": "2"}]),
        pa.array([[("k", SECRET)], [("k", "2")]], pa.map_(pa.string(), pa.string())),
    ],
    ids=["list", "struct", "map"],
)
def test_a_parquet_column_of_nested_type_is_a_one_line_error_naming_it(tmp_path, values):
    table = pa.table(
        {
            "record_id": ["A1", "A2"],
            "patient_id": ["P1", "P2"],
            "assessed_on": ["2026-01-02"] * 2,
            "assessment_type": ["ECOG"] * 2,
            "VAL": values,
        }
    )
    pq.write_table(table, tmp_path / "assessments.parquet")
    src = source(file="assessments.parquet", format="parquet", columns={"VAL": "value"})
    with pytest.raises(InputFileError, match="nested type") as caught:
        read(tmp_path, src)
    assert caught.value.column == "VAL"
    assert caught.value.path == str(tmp_path / "assessments.parquet")
    assert "\n" not in str(caught.value) and SECRET not in str(caught.value)
