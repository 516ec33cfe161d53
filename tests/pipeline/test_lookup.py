"""Key positions: the hashed look-up gives what `Index.get_indexer` gives, hash collisions
included; membership is that of `isin`."""

import gc

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipeline import lookup
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


def _hash_by_length(values):
    """A deliberately weak hash: every value of one length collides."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return pc.utf8_length(array).fill_null(-1).to_numpy(zero_copy_only=False).astype(np.uint64)


def test_a_key_sharing_a_hash_with_an_index_value_is_confirmed_on_its_text(monkeypatch):
    monkeypatch.setattr(lookup, "arrow_text_hashes", _hash_by_length)
    index = pd.Index(["A", "BB", "CCC"], dtype="str")
    keys = pd.Series(["BB", "XX", "Y", "CCC", "ZZZZ", None], dtype="str")
    hashed = lookup.HashedIndex.of(index)
    assert hashed is not None
    assert hashed.positions(pa.array(keys.array)).tolist() == [1, -1, -1, 2, -1, -1]


def test_an_index_whose_values_share_a_hash_is_looked_up_without_hashes(monkeypatch):
    monkeypatch.setattr(lookup, "arrow_text_hashes", _hash_by_length)
    index = pd.Index(["P1", "P2", "P33"], dtype="str")
    assert lookup.HashedIndex.of(index) is None
    keys = pd.Series(["P2", "P33", "P3", None, "P1"], dtype="str")
    assert positions(index, keys).tolist() == index.get_indexer(keys).tolist()


def test_an_index_is_hashed_once_while_it_lives():
    index = pd.Index([f"P{i}" for i in range(50)], dtype="str")
    keys = pd.Series(["P3", "P49", "nobody"], dtype="str")
    assert positions(index, keys).tolist() == [3, 49, -1]
    entry = lookup._PREPARED[id(index)]
    assert positions(index, keys[:1]).tolist() == [3]
    assert lookup._PREPARED[id(index)] is entry
    key = id(index)
    del index
    gc.collect()
    assert key not in lookup._PREPARED


def test_keys_in_several_chunks_and_of_another_string_type():
    index = pd.Index(["P1", "P2", "P3"], dtype="str")
    chunked = pd.concat([pd.Series(["P3", None], dtype="str"), pd.Series(["P1"], dtype="str")])
    assert positions(index, chunked.reset_index(drop=True)).tolist() == [2, -1, 0]
    large = pa.array(["P2", "x"], pa.large_string())
    hashed = lookup.HashedIndex.of(index)
    assert hashed.positions(large).tolist() == [1, -1]
