"""FHIR `Observation.referenceRange` -> the labs extract's reference_low / reference_high.

The contract wants the laboratory's range in the result's own unit (staging converts both with
the result's factor). A FHIR range carries its own quantities, `low` and `high`, each with its
unit: the first range (`referenceRange[0]`, the one FHIR lists first, as a laboratory prints
it) is read, and each limit is brought into the unit of `valueQuantity`:

- the same unit (compared as the catalogue compares spellings: `g/dL` is `g/dl`) -> as is;
- another unit the lab catalogue lists for the analyte -> converted with the two factors
  (a range in g/L beside a value in g/dL is divided by ten);
- a limit without a unit, or in a unit the catalogue cannot relate to the value's -> no limit:
  a criterion relative to it is then `unknown`, never decided on a guessed unit.

A range given only as `text` ("<5") has no number here and gives no limit either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.labs.catalogue import analyte_by_loinc, load_catalogue
from pipeline.labs.values import normalise_unit_text

UCUM = "http://unitsofmeasure.org"
_QUANTITY = pa.struct(
    [
        ("value", pa.float64()),
        ("unit", pa.string()),
        ("system", pa.string()),
        ("code", pa.string()),
    ]
)
# The element's type in the reader's explicit schema (every other field of a range skipped).
REFERENCE_RANGES = pa.list_(pa.struct([("low", _QUANTITY), ("high", _QUANTITY)]))


def first_range(ranges: pa.Array) -> pa.Array:
    """Per Observation, its first reference range (null when it has none)."""
    lengths = pc.fill_null(pc.list_value_length(ranges), 0).to_numpy(zero_copy_only=False)
    has = lengths > 0
    starts = np.cumsum(lengths) - lengths
    at = pa.array(np.where(has, starts, 0), pa.int64(), mask=~has)
    flat = pc.list_flatten(ranges)
    if len(flat) == 0:
        return pa.nulls(len(ranges), REFERENCE_RANGES.value_type)
    return pc.take(flat, at)


def quantity_unit(quantity: pa.Array) -> pa.Array:
    """A quantity's UCUM code when its system is UCUM, else its unit as written."""
    ucum = pc.fill_null(pc.equal(pc.struct_field(quantity, "system"), UCUM), False)
    code = pc.if_else(ucum, pc.struct_field(quantity, "code"), pa.scalar(None, pa.string()))
    return pc.coalesce(code, pc.struct_field(quantity, "unit"))


def _factors() -> pd.Series:
    """Factor to the canonical unit per (analyte, normalised unit key)."""
    pairs = {
        (analyte.name, key): factor
        for analyte in load_catalogue().values()
        for key, factor in analyte.factors.items()
    }
    return pd.Series(pairs, dtype="float64")


def in_result_unit(
    limit: pa.Array, limit_unit: pa.Array, loinc: pa.Array, result_unit: pa.Array
) -> pa.Array:
    """Each limit expressed in its result's unit (null where that cannot be done safely).
    The factor is worked out once per distinct (code, limit unit, result unit), as the lab
    staging does: a Bulk export repeats a few of them over millions of results."""
    value = pc.cast(limit, pa.float64()).to_numpy(zero_copy_only=False)
    if len(value) == 0 or np.isnan(value).all():
        return pa.array(value, pa.float64(), from_pandas=True)
    keys = pd.DataFrame(
        {
            "loinc": pd.Series(loinc.to_pandas(), dtype="string").fillna(""),
            "theirs": pd.Series(limit_unit.to_pandas(), dtype="string").fillna(""),
            "ours": pd.Series(result_unit.to_pandas(), dtype="string").fillna(""),
        }
    )
    # group numbers in order of first appearance, as drop_duplicates keeps them
    codes = keys.groupby(["loinc", "theirs", "ours"], sort=False).ngroup().to_numpy()
    distinct = keys.drop_duplicates().reset_index(drop=True)
    theirs = normalise_unit_text(distinct["theirs"])
    ours = normalise_unit_text(distinct["ours"])
    analyte = distinct["loinc"].str.strip().map(analyte_by_loinc())
    factors = _factors()
    factor_of = factors.reindex(pd.MultiIndex.from_arrays([analyte, theirs])).to_numpy()
    factor_to = factors.reindex(pd.MultiIndex.from_arrays([analyte, ours])).to_numpy()
    same = (theirs == ours).to_numpy() & (theirs != "").to_numpy()
    ratio = np.where(same, 1.0, factor_of / factor_to)  # NaN: no safe conversion
    return pa.array(np.round(value * ratio[codes], 9), pa.float64(), from_pandas=True)


def reference_limits(
    ranges: pa.Array, loinc: pa.Array, result_unit: pa.Array
) -> tuple[pa.Array, pa.Array]:
    """reference_low and reference_high of each lab row, in the result's unit."""
    first = first_range(ranges)
    limits = []
    for bound in ("low", "high"):
        quantity = pc.struct_field(first, bound)
        value = pc.struct_field(quantity, "value")
        limits.append(in_result_unit(value, quantity_unit(quantity), loinc, result_unit))
    return limits[0], limits[1]
