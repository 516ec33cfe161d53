"""Typing raw text per the contract under a hospital's declared formats."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.conform import _parse_dates, conform_column, conform_extract, text_is_safe
from pipeline.contract import EXTRACTS
from pipeline.io.files import ROW_NUMBER
from pipeline.quality.suites import CONFORMS, SAFE_TEXT
from pipeline.sources import ExtractSource, parse_source_config
from tests.pipeline.frames import raw


def source(name: str, **spec) -> ExtractSource:
    extracts = {n: {} for n in EXTRACTS}
    extracts[name] = spec
    return parse_source_config({"extracts": extracts}, "test.yaml").extracts[name]


def column(name: str, col: str):
    return EXTRACTS[name].column(col)


def text(*values: str | None) -> pd.Series:
    return pd.Series(list(values), dtype="str")


FRENCH = {
    "separator": ";",
    "date_format": "%d/%m/%Y",
    "decimal": ",",
    "true_values": ["O"],
    "false_values": ["N"],
}


# Dates
def test_declared_day_first_date_is_parsed():
    typed, invalid = conform_column(
        text("24/11/2026", "01/02/2026"),
        column("patients", "birth_date"),
        source("patients", **FRENCH),
    )
    assert list(typed) == [pd.Timestamp("2026-11-24"), pd.Timestamp("2026-02-01")]
    assert not invalid.any()


def test_impossible_date_is_rejected_not_rolled_over():
    typed, invalid = conform_column(
        text("31/02/2026"), column("patients", "birth_date"), source("patients", **FRENCH)
    )
    assert pd.isna(typed.iloc[0])
    assert bool(invalid.iloc[0])


def test_iso_date_is_rejected_when_the_format_is_day_first():
    typed, invalid = conform_column(
        text("2026-11-24"), column("patients", "birth_date"), source("patients", **FRENCH)
    )
    assert pd.isna(typed.iloc[0])
    assert bool(invalid.iloc[0])


def test_day_first_date_is_rejected_when_the_format_is_iso():
    typed, invalid = conform_column(
        text("24/11/2026"), column("patients", "birth_date"), source("patients")
    )
    assert pd.isna(typed.iloc[0])
    assert bool(invalid.iloc[0])


def test_date_with_trailing_text_is_rejected():
    _typed, invalid = conform_column(
        text("24/11/2026 extra"), column("patients", "birth_date"), source("patients", **FRENCH)
    )
    assert bool(invalid.iloc[0])


def test_empty_optional_date_is_missing_not_invalid():
    typed, invalid = conform_column(
        text("", None, "  "), column("patients", "death_date"), source("patients", **FRENCH)
    )
    assert typed.isna().all()
    assert not invalid.any()


def test_datetime_accepts_each_declared_format():
    src = source("labs", datetime_formats=["%d/%m/%Y %H:%M", "%d/%m/%Y"])
    typed, invalid = conform_column(
        text("24/11/2026 08:30", "24/11/2026", "2026-11-24"), column("labs", "collected_at"), src
    )
    assert typed.iloc[0] == pd.Timestamp("2026-11-24 08:30")
    assert typed.iloc[1] == pd.Timestamp("2026-11-24")
    assert list(invalid) == [False, False, True]


# Numbers
def test_comma_decimal_is_read_when_declared():
    typed, invalid = conform_column(
        text("12,5", "3"), column("pathology", "ki67_percent"), source("pathology", **FRENCH)
    )
    assert list(typed) == [12.5, 3.0]
    assert not invalid.any()


def test_comma_decimal_is_rejected_when_the_decimal_is_a_point():
    typed, invalid = conform_column(
        text("12,5"), column("pathology", "ki67_percent"), source("pathology")
    )
    assert pd.isna(typed.iloc[0])
    assert bool(invalid.iloc[0])


def test_non_integral_int_is_rejected():
    typed, invalid = conform_column(
        text("2", "2.5", "x"),
        column("imaging_studies", "krenning_score"),
        source("imaging_studies"),
    )
    assert typed.iloc[0] == 2
    assert list(invalid) == [False, True, True]


# Booleans
def test_declared_booleans_o_and_n():
    typed, invalid = conform_column(
        text("O", "N", "o", "", "yes"),
        column("patients", "social_security_affiliated"),
        source("patients", **FRENCH),
    )
    assert typed.iloc[0] is True or typed.iloc[0] == True  # noqa: E712
    assert typed.iloc[1] == False  # noqa: E712
    assert typed.iloc[2] == True  # noqa: E712
    assert pd.isna(typed.iloc[3])
    assert pd.isna(typed.iloc[4])
    assert list(invalid) == [False, False, False, False, True]


# Codes
def test_value_map_translates_hospital_codes():
    src = source("patients", values={"sex": {"1": "M", "2": "F"}})
    typed, invalid = conform_column(text("1", "2", "f"), column("patients", "sex"), src)
    assert list(typed) == ["M", "F", "F"]
    assert not invalid.any()


def test_code_outside_the_value_set_is_invalid():
    src = source("patients", values={"sex": {"1": "M", "2": "F"}})
    _typed, invalid = conform_column(text("3", "U"), column("patients", "sex"), src)
    assert list(invalid) == [True, True]


@pytest.mark.parametrize(
    ("exported", "expected"),
    [
        ("RETRAITEMENT_PRRT", "PRRT_RETREATMENT"),
        ("retraitement_prrt", "PRRT_RETREATMENT"),
        ("  Retraitement_PRRT ", "PRRT_RETREATMENT"),
        ("SURVEILLANCE", "SURVEILLANCE"),
        ("surveillance", "SURVEILLANCE"),
    ],
)
def test_value_maps_match_whatever_the_case_and_surrounding_spaces(exported, expected):
    src = source("tumour_board", values={"decision": {"RETRAITEMENT_PRRT": "PRRT_RETREATMENT"}})
    typed, invalid = conform_column(text(exported), column("tumour_board", "decision"), src)
    assert typed.iloc[0] == expected
    assert not invalid.any()


def test_value_maps_match_whatever_the_accents():
    src = source("imaging_studies", values={"uptake_vs_liver": {"EGAL": "EQUAL", "SUP": "ABOVE"}})
    typed, invalid = conform_column(
        text("Égal", "égal", "EGAL", "Sup"), column("imaging_studies", "uptake_vs_liver"), src
    )
    assert list(typed) == ["EQUAL", "EQUAL", "EQUAL", "ABOVE"]
    assert not invalid.any()


@pytest.mark.parametrize(
    ("extract", "name", "values", "invalid"),
    [
        ("tumour_board", "decision", ("PRRT_RETREATMENT", "XYZ"), [False, True]),
        (
            "pathology",
            "topography_code",
            ("C17.1", "c18", "17.1", "C17.12"),
            [False, False, True, True],
        ),
        ("pathology", "morphology_code", ("8240/3", "8240", "M8240/3"), [False, True, True]),
        # ICD-10-CM's neuroendocrine C7A is a code; C5O (letter O for zero) a typo
        (
            "conditions",
            "icd10_code",
            ("C17.1", "C7A.010", "D3A.8", "C5O.9", "C7"),
            [False, False, False, True, True],
        ),
        ("labs", "loinc_code", ("718-7", "3000963", "LP1234-5"), [False, True, True]),
        (
            "treatments",
            "atc_code",
            ("V10XX04", "L01", "v10xx04", "lutathera"),
            [False, False, False, True],
        ),
    ],
)
def test_a_code_outside_its_columns_vocabulary_is_invalid(extract, name, values, invalid):
    _typed, flags = conform_column(text(*values), column(extract, name), source(extract))
    assert list(flags) == invalid


def test_a_sites_own_codes_extend_a_closed_set():
    src = source("tumour_board", codes={"decision": ["RADIOTHERAPIE"]})
    _typed, invalid = conform_column(
        text("radiotherapie", "CHIMIO"), column("tumour_board", "decision"), src
    )
    assert list(invalid) == [False, True]


def test_text_is_stripped():
    typed, _ = conform_column(text("  P1 "), column("patients", "patient_id"), source("patients"))
    assert typed.iloc[0] == "P1"


# Whole extracts
def test_extract_keeps_row_numbers_as_index_and_flags_unparsed_values():
    rows = [
        {"patient_id": "P1", "birth_date": "1960-01-01", "sex": "M"},
        {"patient_id": "P2", "birth_date": "1960-13-01", "sex": "F"},
    ]
    frame = conform_extract(raw("patients", rows), EXTRACTS["patients"], source("patients"))
    assert list(frame.index) == [1, 2]
    assert list(frame[ROW_NUMBER]) == [1, 2]
    assert frame["birth_date"].dtype.kind == "M"
    assert frame["birth_date" + CONFORMS].tolist() == [True, False]


def test_missing_optional_value_conforms():
    frame = conform_extract(
        raw("patients", [{"patient_id": "P1", "birth_date": "", "sex": "M"}]),
        EXTRACTS["patients"],
        source("patients"),
    )
    assert bool(frame["birth_date" + CONFORMS].iloc[0])
    assert pd.isna(frame["birth_date"].iloc[0])


def test_identifying_columns_are_dropped():
    frame = conform_extract(
        raw("patients", [{"patient_id": "P1", "birth_date": "1960-01-01", "sex": "M"}]),
        EXTRACTS["patients"],
        source("patients"),
    )
    assert "family_name" not in frame.columns
    assert "given_name" not in frame.columns


def test_two_digit_year_is_rejected_when_the_format_has_four():
    typed, invalid = conform_column(
        text("24/11/26"), column("treatments", "administered_on"), source("treatments", **FRENCH)
    )
    assert pd.isna(typed.iloc[0])
    assert bool(invalid.iloc[0])


# Arrow parses canonical timestamps, pandas everything else: the result must be pandas' own.
DATETIME_FORMATS = [
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%y %H:%M",  # not zero-padded numbers only: pandas parses it whole
    "%d %b %Y",
]
ODD_TIMESTAMPS = [
    "1/03/2025 10:30",  # no zero padding: pandas accepts it
    "01/03/2025 7:05",
    "31/02/2025 10:00",  # no such day: a C strptime would roll it over into March
    "29/02/2024 23:59",  # leap day
    "29/02/2025 23:59",
    "01/03/2025 10:30:61",  # pandas reads second 61 as the next minute
    "01/03/2025 24:00",
    "00/01/2025",
    "01/13/2025 00:00",
    "12/03/0099 10:00",  # a year strftime writes without padding
    "2025-02-30 00:00:00",
    "2025-2-3 1:2:3",
    "01/03/2025 10:30 ",
    "01/03/2025T10:30",
    "",
    None,
]


@pytest.mark.parametrize("fmt", DATETIME_FORMATS)
def test_datetimes_parse_exactly_as_pandas_parses_them(fmt):
    instants = pd.date_range("1999-12-31 23:59:59", periods=500, freq="7h13min17s")
    values = [*instants.strftime(fmt), *ODD_TIMESTAMPS]
    parsed = _parse_dates(text(*values), (fmt,))
    expected = pd.to_datetime(text(*values), format=fmt, errors="coerce").astype("datetime64[us]")
    pd.testing.assert_series_equal(parsed, expected, check_names=False)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 35),
            st.integers(0, 14),
            st.integers(0, 2100),
            st.integers(0, 25),
            st.integers(0, 61),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_generated_timestamps_parse_exactly_as_pandas_parses_them(parts):
    """Day, month, year, hour and minute out of range or unpadded, in every combination."""
    fmt = "%d/%m/%Y %H:%M"
    values = [
        (f"{d:02d}/{m:02d}/{y:04d} {h:02d}:{mi:02d}" if pad else f"{d}/{m}/{y} {h}:{mi}")
        for d, m, y, h, mi, pad in parts
    ]
    parsed = _parse_dates(text(*values), (fmt,))
    expected = pd.to_datetime(text(*values), format=fmt, errors="coerce").astype("datetime64[us]")
    pd.testing.assert_series_equal(parsed, expected, check_names=False)


# Text values: control characters and length
@pytest.mark.parametrize(
    "value", ["\x00", "a\x01b", "\x0b", "\x0c", "x\x1f", "\x7f", "\ufffe", "\uffff", "a" * 256]
)
def test_text_with_a_control_character_or_too_long_is_unsafe(value):
    assert text_is_safe(text("ok", value, None), 255).tolist() == [True, False, True]


@pytest.mark.parametrize(
    "value", ["a\tb", "a\nb", "a\rb", "#N/A", '=HYPERLINK("x")', "\u202eevil", "🧪", "é" * 255]
)
def test_text_with_tabs_line_breaks_formulas_and_any_printable_character_is_safe(value):
    assert text_is_safe(text(value), 255).tolist() == [True]


def test_every_text_column_gets_a_safe_text_flag_on_its_raw_value():
    frame = conform_extract(
        raw(
            "assessments",
            [
                {
                    "record_id": "A1",
                    "patient_id": "P1",
                    "assessed_on": "2026-01-01",
                    "assessment_type": "ECOG\x01",
                    "value": "1",
                },
                {
                    "record_id": "A2",
                    "patient_id": "P1",
                    "assessed_on": "2026-01-01",
                    "assessment_type": "ECOG",
                    "value": "x" * 4000,
                },
                {
                    "record_id": "A3",
                    "patient_id": "P1",
                    "assessed_on": "2026-01-01",
                    "assessment_type": "ECOG",
                    "value": "x" * 4001,
                },
            ],
        ),
        EXTRACTS["assessments"],
        source("assessments"),
    )
    flags = {c: frame[c].tolist() for c in frame.columns if c.endswith(SAFE_TEXT)}
    assert flags == {
        "record_id" + SAFE_TEXT: [True, True, True],
        "patient_id" + SAFE_TEXT: [True, True, True],
        "assessment_type" + SAFE_TEXT: [False, True, True],
        "value" + SAFE_TEXT: [True, True, False],
    }
