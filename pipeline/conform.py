"""Typing raw text columns per the contract, with a reason for every row that cannot be typed.

Nothing is coerced silently: a value that does not parse under the hospital's declared format
sets its row aside with a rule id naming the column, and the row never reaches screening.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline.contract import Column, Extract
from pipeline.io.files import ROW_NUMBER, RawExtract
from pipeline.sources import ExtractSource

RULE_ID = "rule_id"
REASON = "reason"


@dataclass
class RowIssues:
    """Per-row failures found while typing: one boolean mask and one reason per rule."""

    masks: dict[str, pd.Series]
    reasons: dict[str, str]


def _text(series: pd.Series) -> pd.Series:
    """Stripped text with empty strings as missing."""
    if not pd.api.types.is_string_dtype(series):
        return series
    stripped = series.str.strip()
    return stripped.mask(stripped == "")


def _parse_dates(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(text):
        return text.astype("datetime64[us]")
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in formats:
        todo = result.isna() & text.notna()
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        result[todo] = parsed.astype("datetime64[us]")
    return result


def _parse_float(text: pd.Series, decimal: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(text):
        return text.astype("float64")
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def _parse_bool(text: pd.Series, source: ExtractSource) -> pd.Series:
    lowered = text.str.lower()
    trues = {v.lower() for v in source.true_values}
    falses = {v.lower() for v in source.false_values}
    result = pd.Series(pd.NA, index=text.index, dtype="boolean")
    result[lowered.isin(trues)] = True
    result[lowered.isin(falses)] = False
    return result


def _map_codes(text: pd.Series, mapping: dict[str, str]) -> pd.Series:
    if not mapping:
        return text.str.upper()
    return text.replace(mapping).str.upper()


def conform_column(
    raw: pd.Series, column: Column, source: ExtractSource
) -> tuple[pd.Series, pd.Series | None]:
    """Typed column and a mask of present values that failed to type (None when not possible)."""
    text = _text(raw)
    present = text.notna()
    if column.type in ("id", "str"):
        return text.astype("str"), None
    if column.type == "code":
        codes = _map_codes(text, source.values.get(column.name, {})).astype("str")
        if column.allowed is None:
            return codes, None
        return codes, present & ~codes.isin(column.allowed)
    if column.type == "date":
        typed = _parse_dates(text, (source.date_format,)).dt.normalize()
    elif column.type == "datetime":
        typed = _parse_dates(text, source.datetime_formats)
    elif column.type == "float":
        typed = _parse_float(text, source.decimal)
    elif column.type == "int":
        floats = _parse_float(text, source.decimal)
        integral = floats.notna() & (np.floor(floats) == floats)
        typed = floats.where(integral).astype("Int64")
    elif column.type == "bool":
        typed = _parse_bool(text, source)
    else:  # pragma: no cover - the contract only uses the types above
        raise ValueError(column.type)
    return typed, present & typed.isna()


def conform_extract(raw: RawExtract, extract: Extract, source: ExtractSource) -> pd.DataFrame:
    """Typed frame with `row_number`, plus the first failing rule and reason per bad row."""
    frame = raw.frame
    typed: dict[str, pd.Series] = {ROW_NUMBER: frame[ROW_NUMBER]}
    first_rule = pd.Series(pd.NA, index=frame.index, dtype="str")
    first_reason = pd.Series(pd.NA, index=frame.index, dtype="str")

    def flag(mask: pd.Series, rule: str, reason: str) -> None:
        hit = mask & first_rule.isna()
        first_rule[hit] = rule
        first_reason[hit] = reason

    for column in extract.columns:
        if column.identifying:
            continue
        values, invalid = conform_column(frame[column.name], column, source)
        typed[column.name] = values
        theirs = source.hospital_column(column.name)
        if column.required:
            flag(
                frame[column.name].isna() | (_text(frame[column.name]).isna()),
                f"completeness.{extract.name}.{column.name}.not_null",
                f"required value missing in column '{theirs}'",
            )
        if invalid is not None:
            kind = "value set" if column.type == "code" else f"{column.type} format"
            flag(
                invalid.fillna(False).astype(bool),
                f"conformance.{extract.name}.{column.name}.{column.type}",
                f"value in column '{theirs}' does not match the declared {kind}",
            )
    result = pd.DataFrame(typed, index=frame.index)
    result[RULE_ID] = first_rule
    result[REASON] = first_reason
    return result
