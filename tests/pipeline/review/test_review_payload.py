"""The page's long columns, encoded a chunk at a time, are the JSON of the whole column."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.review import payload
from pipeline.review.page import script_json


@pytest.fixture(params=[1, 2, 3, 1000])
def chunk(request, monkeypatch):
    monkeypatch.setattr(payload, "JSON_CHUNK", request.param)
    return request.param


def test_integers_in_chunks(chunk):
    values = np.array([0, 7, 300, 2**40, 5], dtype="int64")
    assert payload.json_array(values).text == script_json(values.tolist())
    assert payload.json_array(values[:0]).text == "[]"


def test_codes_in_chunks_keep_missing_values_as_null(chunk):
    text, dictionary = payload._codes(pd.Series(["b", None, "a", "<b>", "b"], dtype="str"))
    assert dictionary == ["<b>", "a", "b"]
    assert json.loads(text.text) == [2, None, 1, 0, 2]
    assert text.text == script_json([2, None, 1, 0, 2])


def test_numbers_in_chunks_write_missing_and_non_finite_values_as_null(chunk):
    values = pd.Series([1.5, np.nan, np.inf, -0.0, 1e16, None, 100.0], dtype="float64")
    assert payload._numbers(values).text == script_json([1.5, None, None, -0.0, 1e16, None, 100.0])


def test_arrow_columns_in_chunks_escape_text(chunk):
    column = pa.chunked_array([["p<1>", None], ["p&2", "é\u2028"]])
    text = payload.json_array(column, lambda part: part.to_pylist()).text
    assert text == script_json(["p<1>", None, "p&2", "é\u2028"])
    assert "<" not in text and "&" not in text
