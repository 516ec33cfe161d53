"""Finding the first byte of a CSV file that its declared encoding cannot decode.

Arrow reports an undecodable byte without a line number, and when the byte sits in a malformed
line (too few or too many fields) it fails inside pyarrow, before our invalid-row handler runs:
pyarrow prints that decode error to stderr, quoting a byte of the row and its position, and
stops the parse. Both helpers here serve the error path, so the run stops with the file, line
and column named and nothing of the row printed.
"""

from __future__ import annotations

import codecs
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Undecodable:
    """Where decoding first fails: 1-based line and byte within it, 0-based field."""

    line: int
    byte: int
    field: int


def locate_undecodable(path: Path, encoding: str, separator: str) -> Undecodable | None:
    """The first undecodable byte of the file, or None if the whole file decodes.

    The field is the number of separators before the byte outside double quotes (the
    contract forbids line breaks inside fields, so each line is whole).
    """
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as handle:
        for line, raw_line in enumerate(handle, start=1):
            try:
                decoder.decode(raw_line)
            except UnicodeDecodeError as exc:
                before = raw_line[: exc.start].decode(encoding, errors="replace")
                return Undecodable(line, exc.start + 1, _fields_before(before, separator))
    return None


def _fields_before(text: str, separator: str) -> int:
    quoted, fields = False, 0
    for char in text:  # error path only, one line
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            fields += 1
    return fields


@contextmanager
def row_decode_errors_unprinted(handler: Callable[..., Any]) -> Iterator[None]:
    """While the block runs, a decode error that pyarrow raises for `handler`'s row (and can
    only print) is dropped, not printed: the parse then fails and the caller names the line
    with `locate_undecodable`. Any other unraisable exception goes to the previous hook."""
    previous = sys.unraisablehook

    def hook(unraisable: Any) -> None:
        if unraisable.object is handler and isinstance(unraisable.exc_value, UnicodeDecodeError):
            return
        previous(unraisable)

    sys.unraisablehook = hook
    try:
        yield
    finally:
        if sys.unraisablehook is hook:
            sys.unraisablehook = previous
