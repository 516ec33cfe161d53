"""Floats written as text once per distinct value, spread back to every row by Arrow.

The page's JSON and the workbook's cells both write millions of floats that repeat (lab
values): formatting each in Python was most of their cost. Distinct values are found by bit
pattern, so -0.0 and 0.0 (equal as floats) keep their own texts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa


def texts_of_floats(numbers: np.ndarray, write: Callable[[float], str]) -> pa.Array:
    """`write(number)` of every float64 in `numbers`, as a large_string array; `write` is
    called once per distinct bit pattern (NaN and the infinities included)."""
    bits = np.ascontiguousarray(numbers, dtype="float64").view("int64")
    codes, distinct = pd.factorize(bits)
    texts = [write(number) for number in distinct.view("float64").tolist()]
    return pa.array(texts, pa.large_string()).take(pa.array(codes))
