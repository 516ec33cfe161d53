"""Key positions: Arrow's look-up gives what `Index.get_indexer` gives."""

import numpy as np
import pandas as pd
import pytest

from pipeline.lookup import positions

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
