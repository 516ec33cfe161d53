"""Floats are written once per distinct bit pattern and spread back to every row."""

from __future__ import annotations

import numpy as np

from pipeline.review.float_text import texts_of_floats


def test_each_distinct_value_is_written_once_and_spread_back_in_order():
    numbers = np.array([1.5, -0.0, 0.0, np.nan, 1.5, np.inf, -0.0, 1.5])
    written: list[float] = []

    def write(number: float) -> str:
        written.append(number)
        return repr(number)

    texts = texts_of_floats(numbers, write).to_pylist()
    assert texts == [repr(n) for n in numbers.tolist()]
    assert texts[1] == "-0.0" and texts[2] == "0.0"  # equal floats, different bits
    assert len(written) == 5  # 1.5, -0.0, 0.0, nan, inf


def test_no_float_gives_no_text():
    assert texts_of_floats(np.array([], dtype="float64"), repr).to_pylist() == []
