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


def normalise_labs(
    loinc: pd.Series, value_raw: pd.Series, unit: pd.Series, decimal: str = "."
) -> pd.DataFrame:
    """Analyte, operator, canonical value and interval bounds; NaN where not normalisable.

    Also returns boolean columns `unparseable` (free text in the value) and `unknown_unit`
    (a catalogue analyte with a unit not listed for it).
    """
    catalogue = load_catalogue()
    analyte = loinc.astype("str").str.strip().map(analyte_by_loinc()).astype("str")
    parsed = parse_lab_values(value_raw, decimal)
    unit_key = normalise_unit_text(unit.fillna(""))
    factor = pd.Series(np.nan, index=loinc.index, dtype="float64")
    canonical_unit = pd.Series(pd.NA, index=loinc.index, dtype="str")
    for name, spec in catalogue.items():
        rows = analyte == name
        if not rows.any():
            continue
        factor[rows] = unit_key[rows].map(spec.factors).astype("float64")
        canonical_unit[rows] = spec.unit
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
