"""Finding the exact line where a CSV file breaks its one-record-per-line structure.

The contract forbids line breaks inside fields, and the reader cuts files at line feeds. A
line feed inside a quoted field, or a bare carriage return (which Arrow takes for a line end
and the line count does not), makes the parsed rows drift from the physical lines: Arrow's
own error then names a row of the wrong line, or only the batch. This scan runs only after a
parse has failed: it reads the file once, in chunks, with numpy, to find the first physical
line (1-based, header included) holding a bare carriage return or a quoted field left open at
the line end, and the field it starts in. Nothing of the line's content is kept or quoted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

_CHUNK = 1 << 24
_LF, _CR, _QUOTE = 10, 13, 34


@dataclass(frozen=True)
class BrokenLine:
    """Where the structure breaks: 1-based physical line, 0-based field, and what is wrong."""

    line: int
    field: int
    problem: str


BARE_CR = "a carriage return without a line feed (a line break inside a field?)"
OPEN_QUOTE = "a quoted field is not closed on its line (a line break inside a field?)"


def locate_broken_line(path: Path, separator: str, encoding: str = "utf-8") -> BrokenLine | None:
    """The first line of the file with a bare CR or a quoted field open at its end, or None."""
    sep = separator.encode(encoding)[0]
    first_line = 1
    pending = b""
    with path.open("rb") as handle:
        while True:
            chunk = handle.read(_CHUNK)
            data = pending + chunk
            if not data:
                return None
            cut = data.rfind(b"\n") + 1 if chunk else len(data)
            if cut == 0:  # a line longer than the chunk: read on
                pending = data
                continue
            piece, pending = data[:cut], data[cut:]
            found = _first_broken(piece, first_line, sep)
            if found is not None:
                return found
            first_line += piece.count(b"\n")


def _first_broken(piece: bytes, first_line: int, sep: int) -> BrokenLine | None:
    """The first broken line of `piece` (whole lines), numbered from `first_line`."""
    data = np.frombuffer(piece, dtype=np.uint8)
    feeds = np.flatnonzero(data == _LF)
    starts = np.concatenate([[0], feeds + 1])
    returns = np.flatnonzero(data == _CR)
    following = np.append(data, 0)[returns + 1]  # a CR at the very end counts as bare
    bare = returns[following != _LF]
    bare_line = int(np.searchsorted(feeds, bare[0])) if len(bare) else None
    quotes = np.flatnonzero(data == _QUOTE)
    per_line = np.bincount(np.searchsorted(feeds, quotes), minlength=len(starts))
    for index in np.flatnonzero(per_line % 2 == 1):  # candidates; a stray inch mark is not
        if bare_line is not None and index >= bare_line:
            break
        line = piece[starts[index] : feeds[index] if index < len(feeds) else len(piece)]
        opening = _open_quote(line.rstrip(b"\r"), sep)
        if opening is not None:
            return BrokenLine(
                first_line + int(index), _fields_before(line, opening, sep), OPEN_QUOTE
            )
    if bare_line is None:
        return None
    line_start = int(starts[bare_line])
    field = _fields_before(piece[line_start:], int(bare[0]) - line_start, sep)
    return BrokenLine(first_line + bare_line, field, BARE_CR)


def _open_quote(line: bytes, sep: int) -> int | None:
    """Position of the quote opening a field still open at the end of `line`, else None.

    CSV quoting as Arrow reads it: a quote opens a field only at the field's start, and a
    doubled quote inside a quoted field is a literal quote. Error path, one line at a time.
    """
    quoted, at_start, opening, i = False, True, None, 0
    while i < len(line):
        byte = line[i]
        if quoted:
            if byte == _QUOTE:
                if i + 1 < len(line) and line[i + 1] == _QUOTE:
                    i += 1
                else:
                    quoted = False
        elif byte == _QUOTE and at_start:
            quoted, opening = True, i
        at_start = not quoted and byte == sep
        i += 1
    return opening if quoted else None


def _fields_before(line: bytes, position: int, sep: int) -> int:
    """Separators outside quoted fields before `position`: the 0-based field it is in."""
    quoted, fields = False, 0
    for byte in line[:position]:  # error path only, one line
        if byte == _QUOTE:
            quoted = not quoted
        elif byte == sep and not quoted:
            fields += 1
    return fields
