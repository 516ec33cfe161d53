"""Hashes of text columns on the Arrow buffers: equal text, equal hash; else distinct."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipeline.text_hash import arrow_text_hashes, combine_hashes, series_text_hashes

# lengths around the 8-byte steps, prefixes, a trailing NUL, non-ASCII text
TRICKY = [
    "",
    "a",
    "a\0",
    "\0",
    "ab",
    "abcdefg",
    "abcdefgh",
    "abcdefghi",
    "abcdefghijklmnop",
    "abcdefghijklmnopq",
    "abcdefghijklmnop\0",
    "Créatinine µmol/L",
    "Créatinine µmol/l",
    "LAB0000000001",
    "LAB0000000010",
]


def test_every_tricky_value_has_its_own_hash_and_missing_one_more():
    hashes = arrow_text_hashes(pa.array([*TRICKY, None]))
    assert len(set(hashes.tolist())) == len(TRICKY) + 1


def test_a_value_hashes_the_same_whatever_its_neighbours_offset_and_string_type():
    alone = arrow_text_hashes(pa.array(TRICKY))
    shuffled = list(reversed(TRICKY))
    neighbours = arrow_text_hashes(pa.array(["zzzzzzzzzzzz", *shuffled, "yyyyyyyyyyyyyyy"]))
    assert neighbours[1:-1].tolist() == list(reversed(alone.tolist()))
    sliced = pa.array(["before", "x" * 40, *TRICKY]).slice(2)
    assert arrow_text_hashes(sliced).tolist() == alone.tolist()
    large = pa.array(TRICKY, type=pa.large_string())
    assert arrow_text_hashes(large).tolist() == alone.tolist()
    chunked = pa.chunked_array([pa.array(TRICKY[:5]), pa.array(TRICKY[5:])])
    assert arrow_text_hashes(chunked).tolist() == alone.tolist()


def test_missing_values_share_one_hash_unlike_the_empty_text():
    hashes = arrow_text_hashes(pa.array([None, "", None, "a"]))
    assert hashes[0] == hashes[2]
    assert hashes[0] != hashes[1]


@given(st.lists(st.text(max_size=30), min_size=1, max_size=40))
def test_equal_text_gives_equal_hashes_and_distinct_text_distinct_hashes(values):
    hashes = arrow_text_hashes(pa.array(values)).tolist()
    by_text = dict(zip(values, hashes, strict=True))
    assert [by_text[v] for v in values] == hashes
    assert len(set(by_text.values())) == len(by_text)


def test_a_million_distinct_record_ids_have_a_million_hashes():
    ids = pa.array([f"LAB{n:010d}" for n in range(1_000_000)])
    assert len(np.unique(arrow_text_hashes(ids))) == 1_000_000


def test_other_types_are_refused():
    with pytest.raises(TypeError, match="strings"):
        arrow_text_hashes(pa.array([1, 2]))


def test_rows_hash_their_columns_in_order():
    a = arrow_text_hashes(pa.array(["a", "ab", "b"]))
    b = arrow_text_hashes(pa.array(["b", "", "a"]))
    rows = combine_hashes([a, b])
    assert rows[0] != rows[2]  # ("a", "b") against ("b", "a")
    assert rows[0] != combine_hashes([b, a])[0]
    assert len(set(rows.tolist())) == 3
    assert combine_hashes([a, b]).tolist() == rows.tolist()


def test_only_arrow_backed_text_series_are_hashed_here():
    text = pd.Series(["a", None, "b"], dtype="str")
    assert (
        series_text_hashes(text).tolist() == arrow_text_hashes(pa.array(["a", None, "b"])).tolist()
    )
    assert series_text_hashes(pd.Series([1, 2])) is None
    assert series_text_hashes(pd.Series(["a"], dtype=object)) is None
