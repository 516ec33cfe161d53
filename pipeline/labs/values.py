"""Vectorised parsing of lab values as exported, and their normalisation to canonical units.

A qualified value such as `<0.5` is kept as an interval (upper bound 0.5, exclusive), never
coerced to its bound: a threshold is met only if every value in the interval meets it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.labs.catalogue import analyte_by_loinc, load_catalogue

_VALUE = (
    r"^\s*(?P<op><=|>=|≤|≥|<|>|=)?\s*(?P<num>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*$"
)
_OPS = {"≤": "<=", "≥": ">=", "": "="}

# Output columns of normalise_labs.
LAB_COLUMNS = (
    "analyte",
    "operator",
    "value",
    "canonical_unit",
    "lower",
    "upper",
    "normal_low",
    "normal_high",
)


def normalise_unit_text(units: pd.Series) -> pd.Series:
    """Spelling-insensitive unit keys: `10*9/L`, `x10^9/l` and `10^9/L` compare equal, and so
    do UCUM's `[iU]/L` (the code an OMOP unit concept or a FHIR quantity carries) and `IU/L`.

    Case matters once: `G/L` (giga per litre, a cell count) is not `g/L` (grams per litre),
    so the giga prefix is spelled out before everything is lower-cased.
    """
    u = units.astype("str").str.strip()
    u = u.str.replace(r"^(?:G|giga|Giga|GIGA)\s*/\s*[lL]$", "10^9/L", regex=True)
    u = u.str.lower()
    u = u.str.replace(r"\s+", "", regex=True)
    u = u.str.replace("µ", "u", regex=False).str.replace("μ", "u", regex=False)
    u = u.str.replace("³", "3", regex=False)
    u = u.str.replace("[iu]", "iu", regex=False)  # UCUM writes the international unit [iU]
    u = u.str.replace(r"^x?10[\*\^e]?(\d)", r"10^\1", regex=True)
    u = u.str.replace(r"(?<![a-z])ui(?=/)", "iu", regex=True)
    u = u.str.replace("mui/", "miu/", regex=False)
    return u


def parse_lab_values(raw: pd.Series, decimal: str = ".") -> pd.DataFrame:
    """Operator and number of each raw value; both missing where the text is not a value.

    Only the hospital's declared decimal mark is accepted: with `.` declared, `1,500` is not
    read as 1.5 (nor as 1500) but rejected, because it is ambiguous.
    """
    other = "," if decimal == "." else "."
    text = raw.astype("str")
    text = text.mask(text.str.contains(other, regex=False))
    parts = text.str.extract(_VALUE)
    operator = parts["op"].fillna("").replace(_OPS)
    number = pd.to_numeric(parts["num"].str.replace(",", ".", regex=False), errors="coerce")
    parsed = number.notna()
    return pd.DataFrame(
        {
            "operator": operator.where(parsed).astype("str"),
            "number": number.astype("float64"),
        },
        index=raw.index,
    )


def _distinct(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's position among the distinct values, and those values (a missing value, if
    any, last).

    Lab extracts repeat a few thousand distinct texts over tens of millions of rows: the
    string work is done once per distinct text, then spread back with `_spread`.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = pd.Series(uniques, dtype=values.dtype)
    missing = codes < 0
    if missing.any():
        distinct = pd.concat([distinct, pd.Series([pd.NA], dtype=values.dtype)], ignore_index=True)
        codes = np.where(missing, len(uniques), codes)
    return codes, distinct


def _spread(done: pd.Series, codes: np.ndarray, index: pd.Index) -> pd.Series:
    """Per-distinct results back to every row. The values are taken in their own array
    (Arrow's take for text): no Python object per row, as `to_numpy` would make."""
    return pd.Series(done.array.take(codes), index=index, dtype=done.dtype)


_HAS_LOWER = ["=", ">", ">="]
_HAS_UPPER = ["=", "<", "<="]


def normalise_labs(
    loinc: pd.Series,
    value_raw: pd.Series,
    unit: pd.Series,
    decimal: str = ".",
    reference_low: pd.Series | None = None,
    reference_high: pd.Series | None = None,
) -> pd.DataFrame:
    """Analyte, operator, canonical value and interval bounds; NaN where not normalisable.

    The reference range (`reference_low`, `reference_high`: numbers in the result's unit) is
    converted with the result's own factor into `normal_low` / `normal_high`, so a criterion
    relative to the ULN compares like with like whatever unit the laboratory used.

    Also returns boolean columns `unparseable` (free text in the value) and `unknown_unit`
    (a catalogue analyte with a unit not listed for it).
    """
    catalogue = load_catalogue()
    codes = analyte_by_loinc()
    index = loinc.index
    # Each step works on the distinct texts; the factor table's codes come from them too.
    loinc_codes, loinc_distinct = _distinct(loinc)
    analyte_of = loinc_distinct.astype("str").str.strip().map(codes).astype("str")
    analyte = _spread(analyte_of, loinc_codes, index)
    raw_codes, raw_distinct = _distinct(value_raw)
    parsed = parse_lab_values(raw_distinct, decimal)
    operator = _spread(parsed["operator"], raw_codes, index)
    number = parsed["number"].to_numpy()[raw_codes]
    has_lower = parsed["operator"].isin(_HAS_LOWER).to_numpy()[raw_codes]
    has_upper = parsed["operator"].isin(_HAS_UPPER).to_numpy()[raw_codes]
    unit_codes, unit_distinct = _distinct(unit.fillna(""))
    # One factor per (analyte, unit) pair that occurs, instead of a pass per analyte.
    a_of, a_names = pd.factorize(analyte_of, use_na_sentinel=True)
    u_of, u_keys = pd.factorize(normalise_unit_text(unit_distinct), use_na_sentinel=True)
    a_codes, u_codes = a_of[loinc_codes], u_of[unit_codes]
    table = np.full((len(a_names) + 1, len(u_keys) + 1), np.nan)
    canonical = pd.Series([None] * (len(a_names) + 1), dtype="str")  # last: no analyte
    for i, name in enumerate(a_names):
        spec = catalogue.get(name)
        if spec is None:
            continue
        canonical[i] = spec.unit
        table[i, : len(u_keys)] = pd.Series(u_keys).map(spec.factors).astype("float64")
    a_rows = np.where(a_codes < 0, len(a_names), a_codes)
    factor = table[a_codes, u_codes]
    value = pd.Series(number * factor, index=index, dtype="float64").round(9)
    present = value.notna().to_numpy()
    lower = value.where(has_lower, -np.inf).where(present)
    upper = value.where(has_upper, np.inf).where(present)
    limits = {
        name: (
            pd.Series(np.nan, index=index, dtype="float64")
            if limit is None
            else (limit.astype("float64") * factor).round(9)
        )
        for name, limit in (("normal_low", reference_low), ("normal_high", reference_high))
    }
    return pd.DataFrame(
        {
            "analyte": analyte,
            "operator": operator,
            "value": value,
            "canonical_unit": _spread(canonical, a_rows, index),
            "lower": lower,
            "upper": upper,
            **limits,
            "unparseable": pd.Series(np.isnan(number), index=index),
            "unknown_unit": analyte.notna().to_numpy() & ~np.isnan(number) & np.isnan(factor),
        },
        index=index,
    )
