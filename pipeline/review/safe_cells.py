"""Spreadsheet formula injection: text from the data must never become a formula in Excel."""

from __future__ import annotations

import re

import pandas as pd

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
