"""Which timestamp texts Arrow's strptime read as written: the fast path of date typing.

Arrow's C++ strptime parses tens of millions of timestamps in a fraction of pandas' time, but
a C strptime accepts texts that pandas rejects or reads otherwise: numbers without zero
padding, days it rolls over into the next month. A value is taken from Arrow only when its
text is the canonical spelling of the instant parsed (`written_as`); pandas parses the rest.

The check reads the texts as a matrix of bytes (the values of the canonical length, one row
each): the format's literal bytes must be in place, and each field's zero-padded digits must
equal that field of the instant. Formatting every instant back to text and comparing took
a third of the date typing of a 1M validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.text_hash import text_buffers

# Formats of zero-padded numbers and literal text only: the ones `written_as` can check.
NUMERIC_FORMAT = re.compile(r"(?:%[YmdHMS]|[^%])*")

# Each field of a numeric format: how to read it from an instant, and its zero-padded width.
FIELDS: dict[str, tuple[Callable[[pa.Array], pa.Array], int]] = {
    "%Y": (pc.year, 4),
    "%m": (pc.month, 2),
    "%d": (pc.day, 2),
    "%H": (pc.hour, 2),
    "%M": (pc.minute, 2),
    "%S": (pc.second, 2),
}


def _layout(fmt: str) -> list[tuple[str | None, bytes, int, int]]:
    """(field or None, literal bytes, offset, width) of each piece of a numeric format."""
    pieces, offset = [], 0
    for token in re.findall(r"%[YmdHMS]|[^%]+", fmt):
        if token in FIELDS:
            pieces.append((token, b"", offset, FIELDS[token][1]))
        else:
            literal = token.encode("utf-8")
            pieces.append((None, literal, offset, len(literal)))
        offset += pieces[-1][3]
    return pieces


def written_as(
    values: pa.Array | pa.ChunkedArray, instants: pa.Array | pa.ChunkedArray, fmt: str
) -> np.ndarray:
    """Mask of the `values` that are exactly `instants` written with `fmt` (a format of
    `NUMERIC_FORMAT`), as `pc.strftime` writes them, years zero-padded to four digits; False
    where the value or the instant is missing."""
    if not NUMERIC_FORMAT.fullmatch(fmt):
        raise ValueError(f"not a format of zero-padded numbers: {fmt!r}")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(instants, pa.ChunkedArray):
        instants = instants.combine_chunks()
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        raise TypeError(f"written_as takes strings, not {values.type}")
    layout = _layout(fmt)
    length = sum(width for *_, width in layout)
    written = np.zeros(len(values), dtype=bool)
    if length == 0 or len(values) == 0:
        return written
    offsets, data = text_buffers(values)
    starts = offsets[:-1]
    present = pc.and_(pc.is_valid(values), pc.is_valid(instants))
    candidates = np.flatnonzero(
        (offsets[1:] - starts == length) & present.to_numpy(zero_copy_only=False)
    )
    if not len(candidates):
        return written
    # One row of bytes per candidate: rows of a strided view of the data (no index matrix).
    windows = np.lib.stride_tricks.sliding_window_view(
        np.concatenate([data, np.zeros(length, dtype=np.uint8)]), length
    )
    matrix = windows[starts[candidates]]
    good = np.ones(len(candidates), dtype=bool)
    taken = instants.take(pa.array(candidates))
    for field, literal, offset, width in layout:
        block = matrix[:, offset : offset + width]
        if field is None:
            good &= (block == np.frombuffer(literal, dtype=np.uint8)).all(axis=1)
            continue
        digits = block - np.uint8(ord("0"))  # wraps: a byte below "0" becomes large
        good &= (digits <= 9).all(axis=1)
        number = np.zeros(len(candidates), dtype=np.int64)
        for position in range(width):
            number = number * 10 + digits[:, position]
        good &= number == FIELDS[field][0](taken).to_numpy(zero_copy_only=False)
    written[candidates] = good
    return written
