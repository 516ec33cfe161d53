"""neutralise_formula: text that a spreadsheet could evaluate is shown as text."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.review.safe_cells import (
    CUT_MARKER,
    EXCEL_MAX_CELL_CHARS,
    neutralise_formula,
    safe_cell_text,
)

HOSTILE = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_starts_get_a_leading_quote(text):
    out = neutralise_formula(pd.Series([text], dtype="str"))
    assert out.iloc[0] == "'" + text


def test_harmless_text_missing_values_and_numbers_are_unchanged():
    values = pd.Series(["P-0123", "a=b", " =x", "", None, "ok"], dtype="str")
    out = neutralise_formula(values)
    assert out.iloc[:4].tolist() == ["P-0123", "a=b", " =x", ""]
    assert pd.isna(out.iloc[4])
    assert out.iloc[5] == "ok"
    numbers = pd.Series([-1.5, 2.0])
    assert neutralise_formula(numbers) is numbers


def test_object_columns_only_touch_text():
    values = pd.Series(["=1", -5, 3.25, None, "fine"], dtype=object)
    out = neutralise_formula(values)
    assert out.tolist()[:3] == ["'=1", -5, 3.25]
    assert out.iloc[3] is None and out.iloc[4] == "fine"
    dates = pd.Series([pd.Timestamp("2026-01-01").date()], dtype=object)
    assert neutralise_formula(dates).tolist() == dates.tolist()


def test_is_vectorised_and_keeps_the_index():
    values = pd.Series(["=x"] * 1000 + ["y"] * 1000, index=range(5000, 7000), dtype="str")
    out = neutralise_formula(values)
    assert out.index.equals(values.index)
    assert (out.str.startswith("'=")).sum() == 1000


@pytest.mark.parametrize("dtype", ["str", object])
def test_safe_cell_text_shows_controls_neutralises_and_cuts_text_only(dtype):
    values = pd.Series(["a\x00b", "=x", None, "y" * 40_000, "plain"], dtype=dtype)
    out = safe_cell_text(values)
    assert out.iloc[0] == "a\u2400b"
    assert out.iloc[1] == "'=x"
    assert pd.isna(out.iloc[2])
    assert len(out.iloc[3]) == EXCEL_MAX_CELL_CHARS and out.iloc[3].endswith(CUT_MARKER)
    assert out.iloc[4] == "plain"
    assert out.dtype == values.dtype


def test_safe_cell_text_leaves_numbers_in_a_mixed_column_alone():
    out = safe_cell_text(pd.Series([1.5, "a\x01", None, -2], dtype=object))
    assert out.tolist() == [1.5, "a\u2401", None, -2]
