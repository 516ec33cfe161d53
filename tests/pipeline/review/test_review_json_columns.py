"""Columns written as JSON by Arrow are exactly the JSON of the same values as Python lists."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.review.json_columns import (
    iso_days,
    json_codes,
    json_floats,
    json_integers,
)
from pipeline.review.page import script_json


@pytest.mark.parametrize(
    "values",
    [
        np.array([0, 7, 300, 2**40, 5, -3], dtype="int64"),
        np.array([], dtype="int64"),
        pa.array([1, None, 3], pa.int16()),
        pa.chunked_array([[1, None], [], [7]], pa.int32()),
        pa.chunked_array([], pa.int64()),
    ],
)
def test_integers_are_the_json_of_the_python_list(values):
    as_list = values.tolist() if isinstance(values, np.ndarray) else values.to_pylist()
    assert json_integers(values).text == script_json(as_list)


def test_integers_refuse_other_types():
    with pytest.raises(TypeError, match="integers"):
        json_integers(pa.array([1.5]))


def test_floats_are_python_reprs_and_null_where_missing_or_not_finite():
    values = [1.5, None, float("nan"), float("inf"), -float("inf"), -0.0, 0.0, 1e16, 1e-05]
    values += [0.1 + 0.2, 100.0, 1.5, -2.25]
    expected = [v if v is not None and np.isfinite(v) else None for v in values]
    text = json_floats(pa.chunked_array([values[:4], values[4:]], pa.float64())).text
    assert text == script_json(expected)
    assert '"-0.0' not in text and ",-0.0," in text  # the sign of zero is kept
    assert json_floats(pa.array([], pa.float64())).text == "[]"
    assert json_floats(pa.array([None, None], pa.float64())).text == "[null,null]"


def test_codes_index_the_sorted_distinct_texts_as_factorize_does():
    texts = ["b", None, "a", "<b>", "b", "é", "z", "", "É", "a"]
    text, dictionary = json_codes(pa.chunked_array([texts[:3], texts[3:]], pa.string()))
    codes, uniques = pd.factorize(pd.Series(texts, dtype="str"), sort=True)
    assert dictionary == list(uniques)
    assert text.text == script_json([int(c) if c >= 0 else None for c in codes])
    assert json.loads(text.text)[1] is None


def test_codes_of_an_empty_or_all_missing_column():
    assert json_codes(pa.array([], pa.string())) == (json_integers(pa.array([], pa.int64())), [])
    text, dictionary = json_codes(pa.array([None, None], pa.string()))
    assert (text.text, dictionary) == ("[null,null]", [])


def test_dates_are_coded_by_their_iso_day():
    days = [dt.date(2026, 11, 24), None, dt.date(1999, 1, 2), dt.date(2026, 11, 24)]
    text, dictionary = json_codes(pa.array(days, pa.date32()), iso_days)
    assert dictionary == ["1999-01-02", "2026-11-24"]
    assert text.text == "[1,null,0,1]"


def test_a_render_that_merges_values_is_refused():
    with pytest.raises(ValueError, match="same text"):
        json_codes(pa.array(["a", "b"]), lambda distinct: pa.array(["x"] * len(distinct)))
