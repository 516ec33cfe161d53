"""The laboratory's reference range on the synthetic hospital's lab results.

A French laboratory prints a reference range beside each result, in the result's unit; the
hospital exports it as BORNE_INF / BORNE_SUP (decimal comma, like the result). The range here
is a plausible adult range per analyte, written in each unit the generator uses, so the same
limits travel through every output the generator writes (the files, the warehouse loaded from
them, the OMOP tables' range_low / range_high and the FHIR referenceRange) and a criterion
relative to the ULN is read alike on every path. Chromogranin A carries none, as many
laboratories print none: the missing range travels too. No random draw is made, so adding the
ranges changes nothing else the generator writes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# (LOINC code, unit as the hospital writes it) -> (lower limit, upper limit), as written.
_CELLS = ("G/L", "10*9/L", "10^9/L", "10^3/µL")
RANGES: dict[tuple[str, str], tuple[str, str]] = {
    ("718-7", "g/dL"): ("12", "16"),
    ("718-7", "g/L"): ("120", "160"),
    ("718-7", "mmol/L"): ("7,45", "9,93"),
    ("751-8", "/mm3"): ("1800", "7500"),
    **{("751-8", unit): ("1,8", "7,5") for unit in _CELLS},
    ("777-3", "/mm3"): ("150000", "400000"),
    **{("777-3", unit): ("150", "400") for unit in _CELLS},
    ("21198-7", "UI/L"): ("0", "5"),
    ("21198-7", "mUI/mL"): ("0", "5"),
    ("2160-0", "µmol/L"): ("45", "110"),
    ("1742-6", "UI/L"): ("7", "40"),
    ("1920-8", "UI/L"): ("10", "40"),
    ("1975-2", "µmol/L"): ("3", "21"),
    ("1751-7", "g/L"): ("35", "50"),
}
LOW, HIGH = "BORNE_INF", "BORNE_SUP"


def with_reference_ranges(labs: pa.Table) -> pa.Table:
    """The labs table with BORNE_INF / BORNE_SUP appended: the range of the row's code and
    unit, empty where the laboratory gives none (a unit outside the table, such as g%).

    Codes and units are dictionary-encoded, so the lookup runs on a small table of their
    distinct pairs and is spread back by integer indices: no text is built per row (the
    bench's exports hold tens of millions of results)."""
    code = pc.dictionary_encode(_text(labs.column("CODE_LOINC")))
    unit = pc.dictionary_encode(_text(labs.column("UNITE")))
    codes, units = code.dictionary.to_pylist(), unit.dictionary.to_pylist()
    entry = {pair: i for i, pair in enumerate(RANGES)}
    table = np.array(
        [[entry.get((c, u), -1) for u in units] for c in codes], dtype=np.int64
    ).reshape(len(codes), len(units))
    at = table[
        code.indices.to_numpy(zero_copy_only=False), unit.indices.to_numpy(zero_copy_only=False)
    ]
    found = pa.array(at, pa.int64(), mask=at < 0)
    lows = pa.array([low for low, _ in RANGES.values()], pa.string())
    highs = pa.array([high for _, high in RANGES.values()], pa.string())
    return labs.append_column(LOW, pc.fill_null(pc.take(lows, found), "")).append_column(
        HIGH, pc.fill_null(pc.take(highs, found), "")
    )


def _text(column: pa.ChunkedArray) -> pa.Array:
    return pc.fill_null(column.combine_chunks().cast(pa.string()), "")
