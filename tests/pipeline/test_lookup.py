"""Key positions: Arrow's look-up gives what `Index.get_indexer` gives."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.lookup import is_in, positions

INDEX = pd.Index(["P1", "P22", "", "P333", "é"], dtype="str")


@pytest.mark.parametrize(
    "keys",
    [
        ["P333", "P1", "P1", "nobody", "é", "", "p1", "P1 "],
        [None, "P22", None],
        [],
    ],
)
def test_positions_are_those_of_get_indexer(keys):
    series = pd.Series(keys, dtype="str")
    found = positions(INDEX, series)
    assert found.dtype == np.intp
    assert found.tolist() == INDEX.get_indexer(series).tolist()


def test_an_empty_index_finds_nothing():
    keys = pd.Series(["P1", None], dtype="str")
    assert positions(pd.Index([], dtype="str"), keys).tolist() == [-1, -1]


@pytest.mark.parametrize(
    ("index", "keys"),
    [
        (pd.Index(["P1", "P2"], dtype=object), pd.Series(["P2", "x"], dtype="str")),
        (INDEX, pd.Series(["P22", "x"], dtype=object)),
        (pd.Index([10, 20]), pd.Series([20, 30])),
    ],
)
def test_other_dtypes_are_left_to_pandas(index, keys):
    assert positions(index, keys).tolist() == index.get_indexer(keys).tolist()


@pytest.mark.parametrize(
    ("values", "allowed"),
    [
        (["S1", "S2", "", "s1", "S1 ", "é", None], ["S1", "", "é"]),
        (["S1", None, "S2"], ["S2", None]),
        (["S1", None], []),
        ([], ["S1"]),
    ],
)
def test_membership_is_that_of_isin(values, allowed):
    series = pd.Series(values, dtype="str")
    for allowed_as in (pd.Series(allowed, dtype="str"), pd.Index(allowed, dtype="str")):
        found = is_in(series, allowed_as)
        assert found.dtype == np.bool_
        assert found.tolist() == series.isin(allowed_as).tolist()


def test_membership_of_an_index():
    index = pd.Index(["P1", "P2", "P3"], dtype="str")
    assert is_in(index, pd.Series(["P3", "P1"], dtype="str")).tolist() == [True, False, True]


@pytest.mark.parametrize(
    ("values", "allowed"),
    [
        (pd.Series(["S1", "S2"], dtype=object), pd.Series(["S2"], dtype="str")),
        (pd.Series(["S1", "S2"], dtype="str"), pd.Series(["S2"], dtype=object)),
        (pd.Series([1, 2, 3]), pd.Series([3, 1])),
    ],
)
def test_membership_of_other_dtypes_is_left_to_pandas(values, allowed):
    assert is_in(values, allowed).tolist() == values.isin(allowed).tolist()


def test_membership_of_large_string_values():
    values = pd.Series(["a", "b", None], dtype=pd.ArrowDtype(pa.large_string()))
    allowed = pd.Series(["b"], dtype="str")
    assert is_in(values, allowed).tolist() == [False, True, False]


@pytest.mark.parametrize("n_keys", [0, 3, 24, 25, 60, 400])
def test_positions_are_those_of_get_indexer_for_any_number_of_keys(n_keys):
    index = pd.Index([f"P{i}" for i in range(100)], dtype="str")
    rng = np.random.default_rng(n_keys)
    keys = pd.Series([f"P{i}" for i in rng.integers(0, 130, n_keys)], dtype="str")
    assert positions(index, keys).tolist() == index.get_indexer(keys).tolist()


def test_a_non_unique_index_is_pandas_error():
    with pytest.raises(pd.errors.InvalidIndexError):
        positions(pd.Index(["P1", "P1"], dtype="str"), pd.Series(["P1"] * 4, dtype="str"))
