"""The synthetic laboratory's reference range: per code and unit as written, none elsewhere."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa

from pipeline.generator.lab_ranges import RANGES, with_reference_ranges
from pipeline.labs.catalogue import analyte_by_loinc, load_catalogue
from pipeline.labs.values import normalise_unit_text


def test_the_range_of_each_code_and_unit_and_none_elsewhere():
    labs = pa.table(
        {
            "CODE_LOINC": ["718-7", "718-7", "9811-1", "751-8", "718-7", None],
            "UNITE": ["g/L", "g%", "µg/L", "10^3/µL", "mmol/L", "g/L"],
        }
    )
    out = with_reference_ranges(labs).to_pydict()
    assert out["BORNE_INF"] == ["120", "", "", "1,8", "7,45", ""]
    assert out["BORNE_SUP"] == ["160", "", "", "7,5", "9,93", ""]
    assert with_reference_ranges(labs.slice(0, 0)).num_rows == 0


def test_every_range_is_ordered_and_in_a_unit_the_catalogue_knows():
    """The same range whatever the unit: each limit, converted to the canonical unit, is
    within 1% of the g/dL (or canonical) one, and low <= high."""
    catalogue, analyte = load_catalogue(), analyte_by_loinc()
    canonical: dict[str, tuple[float, float]] = {}
    for (code, unit), (low, high) in RANGES.items():
        spec = catalogue[analyte[code]]
        key = normalise_unit_text(pd.Series([unit]))[0]
        factor = spec.factors[key]
        limits = (float(low.replace(",", ".")) * factor, float(high.replace(",", ".")) * factor)
        assert limits[0] <= limits[1], (code, unit)
        first = canonical.setdefault(code, limits)
        assert abs(limits[1] - first[1]) <= 0.01 * first[1], (code, unit)
