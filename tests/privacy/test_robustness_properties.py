"""Property-based robustness: arbitrary bytes and cell text never raise anything but the
project's own clear error, and never lose a row without a reason (issue 5)."""

from __future__ import annotations

import math
import string

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.contract import EXTRACTS
from pipeline.errors import ScreeningError
from pipeline.io.files import read_extract_file
from pipeline.labs.values import normalise_labs, normalise_unit_text, parse_lab_values
from pipeline.sources import parse_source_config

HEADER = "record_id;patient_id;loinc_code;value_raw;unit;collected_at"
SOURCE = parse_source_config(
    {
        "defaults": {"separator": ";", "decimal": ","},
        "extracts": {**{n: {} for n in EXTRACTS}, "labs": {"file": "labs.csv"}},
    },
    "test.yaml",
).extracts["labs"]
SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(body=st.binary(max_size=400))
def test_arbitrary_bytes_never_raise_anything_but_our_error(tmp_path_factory, body):
    folder = tmp_path_factory.mktemp("bytes")
    (folder / "labs.csv").write_bytes(HEADER.encode() + b"\n" + body)
    try:
        raw = read_extract_file(folder, SOURCE, EXTRACTS["labs"])
    except ScreeningError:
        return
    assert len(raw.frame) == raw.rows_read  # read rows are all there, none silently dropped


cell = st.text(
    alphabet=st.characters(blacklist_characters=';\n\r"', blacklist_categories=("Cs",)),
    max_size=12,
)


@SETTINGS
@given(rows=st.lists(st.lists(cell, min_size=6, max_size=6), min_size=1, max_size=20))
def test_well_formed_lines_of_arbitrary_text_are_all_read(tmp_path_factory, rows):
    folder = tmp_path_factory.mktemp("cells")
    lines = [HEADER] + [";".join(row) for row in rows]
    (folder / "labs.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        raw = read_extract_file(folder, SOURCE, EXTRACTS["labs"])
    except ScreeningError as error:  # e.g. a line of only blanks: named, with its line
        assert error.line is not None or "no data rows" in str(error)
        return
    assert raw.rows_read == len(rows) == len(raw.frame)
    assert list(raw.frame["row_number"]) == list(range(1, len(rows) + 1))


@SETTINGS
@given(text=st.text(max_size=30), decimal=st.sampled_from([".", ","]))
def test_lab_value_parser_never_raises_and_never_half_parses(text, decimal):
    parsed = parse_lab_values(pd.Series([text], dtype="str"), decimal).iloc[0]
    if pd.isna(parsed["number"]):
        assert pd.isna(parsed["operator"])
    else:
        assert parsed["operator"] in {"=", "<", "<=", ">", ">="}
        assert not math.isnan(parsed["number"])


@SETTINGS
@given(
    value=st.text(alphabet=string.digits + "<>=.,- eE", max_size=12),
    unit=st.text(max_size=10),
    loinc=st.sampled_from(["718-7", "751-8", "777-3", "21198-7", "0000-0", ""]),
)
def test_normalisation_flags_instead_of_guessing(value, unit, loinc):
    out = normalise_labs(
        pd.Series([loinc], dtype="str"),
        pd.Series([value], dtype="str"),
        pd.Series([unit], dtype="str"),
    ).iloc[0]
    known_analyte = not pd.isna(out["analyte"])
    if known_analyte and not out["unparseable"] and not out["unknown_unit"]:
        assert not math.isnan(out["value"])
    else:
        assert math.isnan(out["value"])  # nothing is converted on a guess
    assert isinstance(normalise_unit_text(pd.Series([unit], dtype="str")).iloc[0], str)
