"""64-bit hashes of text columns, computed on the Arrow buffers with numpy.

The first pass of validation hashes every row of every extract (exact duplicates) and every
record id (uniqueness); key look-ups hash the patient ids (`pipeline.lookup`). pandas hashes
Arrow-backed text through one Python object per value: about a second per million lab rows.
Here the bytes are read eight at a time straight from the Arrow data buffer, one vectorised
step per eight bytes of the longest values, and mixed with the 64-bit finaliser of
MurmurHash3. No hash decides an outcome on its own: every match is confirmed on its text by
the caller, and a collision stops the run or falls back to a look-up without hashes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa


def is_arrow_text(values: pd.Index | pd.Series) -> bool:
    """Whether `values` hold Arrow-backed text (pandas' default `str` dtype), whose buffers
    Arrow's kernels and these hashes can read without a Python object per value."""
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


_SEED = np.uint64(0x9E3779B97F4A7C15)
_LENGTH_FACTOR = np.uint64(0xC2B2AE3D27D4EB4F)
_COLUMN_FACTOR = np.uint64(0x165667B19E3779F9)
_MISSING = np.uint64(0x2545F4914F6CDD1D)
# _KEEP[n]: the low n bytes of a little-endian word (the bytes that belong to the value)
_KEEP = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def _finalise(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's fmix64: every input bit reaches every output bit (in place)."""
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xFF51AFD7ED558CCD)
    h ^= h >> np.uint64(33)
    h *= np.uint64(0xC4CEB93FE51A85A3)
    h ^= h >> np.uint64(33)
    return h


def text_buffers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """The value offsets (one more than the values: the last is the end) and the data bytes
    of a (large) string array, read in place; the data ends with the last value."""
    offset_type = np.int64 if pa.types.is_large_string(values.type) else np.int32
    _, offset_buffer, data_buffer = values.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=offset_type)[
        values.offset : values.offset + len(values) + 1
    ].astype(np.int64)
    data = (
        np.frombuffer(data_buffer, dtype=np.uint8)[: offsets[-1]]
        if data_buffer is not None
        else np.empty(0, dtype=np.uint8)
    )
    return offsets, data


def arrow_text_hashes(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each value of a string column (missing values share one hash)."""
    if isinstance(values, pa.ChunkedArray):
        parts = [arrow_text_hashes(chunk) for chunk in values.chunks]
        return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        raise TypeError(f"arrow_text_hashes takes strings, not {values.type}")
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.uint64)
    offsets, data = text_buffers(values)
    starts = offsets[:-1]
    lengths = offsets[1:] - starts
    padded = np.zeros(len(data) + 8, dtype=np.uint8)
    padded[: len(data)] = data
    words = np.ndarray(shape=(len(data) + 1,), dtype="<u8", buffer=padded, strides=(1,))
    h = _SEED ^ (lengths.astype(np.uint64) * _LENGTH_FACTOR)
    h ^= words[starts] & _KEEP[np.minimum(lengths, 8)]  # every value's first word, at once
    _finalise(h)
    rows, step = np.flatnonzero(lengths > 8), 8
    while len(rows):  # the next word of the values that still have one
        left = lengths[rows] - step
        word = words[starts[rows] + step] & _KEEP[np.minimum(left, 8)]
        h[rows] = _finalise(h[rows] ^ word)
        step += 8
        rows = rows[left > 8]
    _finalise(h)
    if values.null_count:
        h[values.is_null().to_numpy(zero_copy_only=False)] = _MISSING
    return h


def series_text_hashes(values: pd.Series) -> np.ndarray | None:
    """`arrow_text_hashes` of an Arrow-backed text Series (None for any other dtype)."""
    if not is_arrow_text(values):
        return None
    return arrow_text_hashes(pa.array(values.array))


def combine_hashes(columns: list[np.ndarray]) -> np.ndarray:
    """One hash per row from the hashes of its columns, in order."""
    h = np.full(len(columns[0]) if columns else 0, _SEED, dtype=np.uint64)
    for column in columns:
        h = _finalise(h * _COLUMN_FACTOR ^ column)
    return h
