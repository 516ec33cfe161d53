"""`written_as`: a text is taken from Arrow's strptime only when it is the instant's own
spelling, byte for byte, as `pc.strftime` writes it."""

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipeline.date_text import written_as

FORMATS = ["%Y-%m-%d", "%d/%m/%Y %H:%M", "%Y%m%d%H%M%S", "T%H:%M:%S on %d.%m.%Y", "%m", "à %Hh%M"]


def _instants(n: int, seed: int) -> pa.Array:
    rng = np.random.default_rng(seed)
    low, high = -62135596800, 253402300799  # 0001-01-01 to 9999-12-31 23:59:59
    seconds = np.concatenate([rng.integers(low, high, n), [low, high, 0, -1, 86399]])
    instants = pa.array(seconds, pa.timestamp("s"))
    return pa.concat_arrays([instants, pa.array([None], pa.timestamp("s"))])


@pytest.mark.parametrize("fmt", FORMATS)
def test_what_strftime_writes_is_written_as_the_instant(fmt):
    instants = _instants(100_000, 7)
    written = written_as(pc.strftime(instants, format=fmt), instants, fmt)
    assert written[:-1].all()
    assert not written[-1]  # a missing instant


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_text_of_another_instant_is_not(fmt):
    instants = _instants(20_000, 11)
    rng = np.random.default_rng(3)
    shift = rng.choice([0, 1, 60, 3600, 86400, 86400 * 31, 86400 * 366], len(instants))
    others = pc.add(instants, pa.array(shift, pa.duration("s")))
    texts = pc.strftime(others, format=fmt)
    same = pc.equal(texts, pc.strftime(instants, format=fmt)).fill_null(False)
    assert written_as(texts, instants, fmt).tolist() == same.to_pylist()


def test_spellings_other_than_the_canonical_one_are_not():
    instants = pa.array([1_740_825_000] * 7 + [None], pa.timestamp("s"))  # 2025-03-01 10:30
    texts = pa.array(
        [
            "01/03/2025 10:30",
            "1/03/2025 10:30",
            "01/03/2025 10:30 ",
            "01-03-2025 10:30",
            "01/03/2025 1:030",
            "01/03/2025 10:3é",
            None,
            "01/03/2025 10:30",
        ]
    )
    fmt = "%d/%m/%Y %H:%M"
    assert written_as(texts, instants, fmt).tolist() == [True] + [False] * 7


def test_chunked_and_large_text_and_sliced_arrays():
    instants = _instants(1000, 5)
    texts = pc.strftime(instants, format="%d/%m/%Y").cast(pa.large_string())
    chunked = pa.chunked_array([texts[:300], texts[300:]])
    assert written_as(chunked, instants, "%d/%m/%Y")[:-1].all()
    assert written_as(texts[10:20], instants[10:20], "%d/%m/%Y").all()


def test_a_format_with_other_fields_is_refused():
    with pytest.raises(ValueError, match="zero-padded"):
        written_as(pa.array(["01 Mar 2025"]), pa.array([0], pa.timestamp("s")), "%d %b %Y")
