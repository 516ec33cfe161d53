"""Text a spreadsheet cell can always hold, shown as text: never a formula, an error cell, a
character the file format forbids, or more than a cell holds.

The data-quality rules already set aside rows with control characters or over-long text
(`conformance.<extract>.<column>.text`); this is the writers' own defence, for text that
reaches them by any other path (a trial file's wording, a reason, a future column).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

# Characters an xlsx file cannot hold (XML 1.0): the C0 controls but tab, line feed and
# carriage return, and U+FFFE, U+FFFF. DEL is legal but invisible, so it is shown too.
# The ASCII ones escaped, the two non-characters literal: one pattern for Python's re and
# Arrow's RE2 alike (pandas' `.str` methods use either, by dtype).
UNWRITABLE = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f\ufffe\uffff]"
# Excel's limit on the characters of one cell.
EXCEL_MAX_CELL_CHARS = 32_767
CUT_MARKER = " [… cut: longer than a spreadsheet cell holds]"


def _picture(match: re.Match[str]) -> str:
    """The visible stand-in of a control character: its Unicode control picture (␀, ␁, ␡),
    or the replacement character for the two non-characters."""
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def _text_accessor(values: pd.Series) -> Any:
    """`values.str`, or None for a column that holds no text (numbers, dates)."""
    if values.empty or not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return None
    try:
        return values.str
    except AttributeError:  # an object column holding no text at all (dates, say)
        return None


def show_controls(values: pd.Series) -> pd.Series:
    """Unwritable characters replaced by visible control pictures, so a cell shows that
    something was there instead of failing the file (or hiding it). Vectorised; only the
    values that hold one are rewritten."""
    text = _text_accessor(values)
    if text is None:
        return values
    bad = text.contains(UNWRITABLE, regex=True).fillna(False).astype(bool)
    if not bad.any():
        return values
    fixed = values[bad].astype(str).str.replace(UNWRITABLE, _picture, regex=True)
    return values.where(~bad, fixed).astype(values.dtype)


def cut_to_cell(values: pd.Series, limit: int = EXCEL_MAX_CELL_CHARS) -> pd.Series:
    """Text longer than a cell holds cut, ending with `CUT_MARKER` (the cut is visible)."""
    text = _text_accessor(values)
    if text is None:
        return values
    long = (text.len() > limit).fillna(False).astype(bool)
    if not long.any():
        return values
    cut = values[long].astype(str).str.slice(0, limit - len(CUT_MARKER)) + CUT_MARKER
    return values.where(~long, cut).astype(values.dtype)


def safe_cell_text(values: pd.Series) -> pd.Series:
    """Text any cell can hold as text: controls shown, formulas neutralised, then cut."""
    return cut_to_cell(neutralise_formula(show_controls(values)))


# A cell starting with one of these is evaluated (or can be) by spreadsheet software.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = "[" + re.escape("".join(FORMULA_STARTS)) + "]"


def neutralise_formula(values: pd.Series) -> pd.Series:
    """Text that could be read as a formula gets a leading ' so Excel shows it as text.

    Vectorised over a Series; missing values and non-text values (numbers, dates) are left
    as they are, so a negative number stays a number.
    """
    if not (pd.api.types.is_string_dtype(values) or values.dtype == object):
        return values
    try:
        matched = values.str.match(_PATTERN)
    except AttributeError:  # an object column holding no text at all (dates, say)
        return values
    risky = matched.fillna(False).astype(bool)
    if not risky.any():
        return values
    return values.where(~risky, "'" + values.astype(str))
