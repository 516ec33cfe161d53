"""Long columns of review.html's data as JSON text, rendered by Arrow instead of Python.

At a million patients the page lists 11 million criterion rows in eight columns. Turning them
into Python lists for `json.dumps` took most of the page's time (about 20 s of 28). The
functions here give exactly the text `script_json` gives for the same values as a Python list
(the tests compare the two); Python touches only the distinct values of a column.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.review.float_text import texts_of_floats
from pipeline.review.page import JsonText

ArrowValues = pa.Array | pa.ChunkedArray


def _arrow(values: Any) -> ArrowValues:
    return values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values)


def _json_list(texts: ArrowValues) -> JsonText:
    """`[a,b,...]` of texts already written as JSON values (no null among them)."""
    texts = texts.combine_chunks() if isinstance(texts, pa.ChunkedArray) else texts
    if len(texts) == 0:
        return JsonText("[]")
    texts = texts.cast(pa.large_string())
    one_list = pa.LargeListArray.from_arrays(pa.array([0, len(texts)], pa.int64()), texts)
    joined = pc.binary_join(one_list, pa.scalar(",", pa.large_string()))[0].as_py()
    return JsonText(f"[{joined}]")


def json_integers(values: Any) -> JsonText:
    """Integers (numpy or Arrow) as a JSON array, null where missing."""
    array = _arrow(values)
    if not pa.types.is_integer(array.type):
        raise TypeError(f"json_integers takes integers, not {array.type}")
    return _json_list(pc.fill_null(pc.cast(array, pa.large_string()), "null"))


def json_floats(values: Any) -> JsonText:
    """Floats as a JSON array, null where missing or not finite (`float.__repr__`, as
    `json.dumps` writes them, of each distinct bit pattern: -0.0 stays -0.0)."""
    numbers = pc.cast(_arrow(values), pa.float64()).to_numpy(zero_copy_only=False)
    return _json_list(texts_of_floats(numbers, _json_float))


def _json_float(number: float) -> str:
    return repr(number) if math.isfinite(number) else "null"


def json_codes(
    values: ArrowValues, render: Callable[[pa.Array], pa.Array] | None = None
) -> tuple[JsonText, list[str]]:
    """Dictionary-encode a column: JSON codes into its sorted distinct texts (null where
    missing), and those texts. `render` writes the distinct values as text (dates as ISO
    days); it must give each distinct value its own text."""
    distinct = pc.unique(values).drop_null()
    texts = distinct if render is None else render(distinct)
    if len(pc.unique(texts)) != len(texts):
        raise ValueError("two distinct values were rendered as the same text")
    order = pc.sort_indices(texts).to_numpy()  # UTF-8 byte order: code point order
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    codes = pa.array(rank).take(pc.index_in(values, value_set=distinct))
    return json_integers(codes), [str(text) for text in texts.take(order).to_pylist()]


def iso_days(dates: pa.Array) -> pa.Array:
    """Dates (or timestamps) as 'YYYY-MM-DD' texts."""
    return pc.strftime(dates, format="%Y-%m-%d")
