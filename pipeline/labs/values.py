"""Vectorised parsing of lab values as exported, and their normalisation to canonical units.

A qualified value such as `<0.5` is kept as an interval (upper bound 0.5, exclusive), never
coerced to its bound: a threshold is met only if every value in the interval meets it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from pipeline.labs.catalogue import analyte_by_loinc, load_catalogue

_VALUE = (
    r"^\s*(?P<op><=|>=|≤|≥|<|>|=)?\s*(?P<num>[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*$"
)
_OPS = {"≤": "<=", "≥": ">=", "": "="}

# Output columns of normalise_labs.
LAB_COLUMNS = ("analyte", "operator", "value", "canonical_unit", "lower", "upper")


def normalise_unit_text(units: pd.Series) -> pd.Series:
    """Spelling-insensitive unit keys: `10*9/L`, `x10^9/l` and `10^9/L` compare equal.

    Case matters once: `G/L` (giga per litre, a cell count) is not `g/L` (grams per litre),
    so the giga prefix is spelled out before everything is lower-cased.
    """
    u = units.astype("str").str.strip()
    u = u.str.replace(r"^(?:G|giga|Giga|GIGA)\s*/\s*[lL]$", "10^9/L", regex=True)
    u = u.str.lower()
    u = u.str.replace(r"\s+", "", regex=True)
    u = u.str.replace("µ", "u", regex=False).str.replace("μ", "u", regex=False)
    u = u.str.replace("³", "3", regex=False)
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


def _per_unique(values: pd.Series, function: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`function` applied to the distinct values only, spread back to every row.

    Lab extracts repeat a few thousand distinct texts over tens of millions of rows: the
    string work is done once per distinct text. Missing values stay missing.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    done = function(pd.Series(uniques, dtype=values.dtype))
    result = done.take(np.where(codes < 0, 0, codes)) if len(done) else done.reindex([0] * 0)
    result = pd.Series(result.to_numpy(), index=values.index, dtype=done.dtype)
    missing = codes < 0
    if missing.any():
        result[missing] = function(pd.Series([pd.NA], dtype=values.dtype)).iloc[0]
    return result


def normalise_labs(
    loinc: pd.Series, value_raw: pd.Series, unit: pd.Series, decimal: str = "."
) -> pd.DataFrame:
    """Analyte, operator, canonical value and interval bounds; NaN where not normalisable.

    Also returns boolean columns `unparseable` (free text in the value) and `unknown_unit`
    (a catalogue analyte with a unit not listed for it).
    """
    catalogue = load_catalogue()
    codes = analyte_by_loinc()
    analyte = _per_unique(loinc, lambda u: u.astype("str").str.strip().map(codes).astype("str"))
    operator = _per_unique(value_raw, lambda u: parse_lab_values(u, decimal)["operator"])
    number = _per_unique(value_raw, lambda u: parse_lab_values(u, decimal)["number"])
    parsed = pd.DataFrame({"operator": operator, "number": number}, index=loinc.index)
    unit_key = _per_unique(unit.fillna(""), normalise_unit_text)
    # One factor per (analyte, unit) pair that occurs, instead of a pass per analyte.
    a_codes, a_names = pd.factorize(analyte, use_na_sentinel=True)
    u_codes, u_keys = pd.factorize(unit_key, use_na_sentinel=True)
    table = np.full((len(a_names) + 1, len(u_keys) + 1), np.nan)
    canonical = np.full(len(a_names) + 1, None, dtype=object)
    for i, name in enumerate(a_names):
        spec = catalogue.get(name)
        if spec is None:
            continue
        canonical[i] = spec.unit
        table[i, : len(u_keys)] = pd.Series(u_keys).map(spec.factors).astype("float64")
    factor = pd.Series(table[a_codes, u_codes], index=loinc.index, dtype="float64")
    canonical_unit = pd.Series(canonical[a_codes], index=loinc.index).astype("str")
    canonical_unit = canonical_unit.where(pd.Series(canonical[a_codes]).notna().to_numpy())
    value = (parsed["number"] * factor).round(9)
    op = parsed["operator"]
    lower = value.where(op.isin(["=", ">", ">="]), -np.inf).where(value.notna())
    upper = value.where(op.isin(["=", "<", "<="]), np.inf).where(value.notna())
    known = analyte.notna()
    return pd.DataFrame(
        {
            "analyte": analyte,
            "operator": op,
            "value": value,
            "canonical_unit": canonical_unit,
            "lower": lower,
            "upper": upper,
            "unparseable": parsed["number"].isna(),
            "unknown_unit": known & parsed["number"].notna() & factor.isna(),
        },
        index=loinc.index,
    )
