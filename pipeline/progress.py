"""Stage lines for a person watching a long run in a terminal, and silence for everyone else.

A run of 100,000 patients takes minutes: on a terminal each stage shows its name while it
runs, then how long it took and how many rows (or patients) it went through, per second.
Written to stderr, and only when stderr is a terminal, so that logs, pipes and `--json`
output stay clean. Stage names and counts only: never a value read from the data.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import TextIO


def _unheard(detail: str, rows: int) -> None:
    """Where a stage's partial counts go when nobody watches."""


@dataclass
class StageRows:
    """What a stage went through, set by the code running it (None: not counted); `partial`
    tells a watcher how far a long stage has got (what was just done, rows so far)."""

    rows: int | None = None
    unit: str = "rows"
    partial: Callable[[str, int], None] = field(default=_unheard)


# A stage: `with stage("validating extracts") as done: ...; done.rows = n`.
Stage = Callable[[str], AbstractContextManager[StageRows]]


def silent(name: str) -> AbstractContextManager[StageRows]:
    """The stage of a caller nobody watches (the DAG, tests, a pipe)."""
    return contextlib.nullcontext(StageRows())


class TerminalProgress:
    """Stage lines on `stream`: the stage name when it starts, then its time and rows."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[StageRows]:
        start = time.perf_counter()

        def partial(detail: str, rows: int) -> None:
            rate = _rate(rows, time.perf_counter() - start)
            self._show(f"  {name} ... {detail}, {rows:,} rows so far{rate}", end="")

        done = StageRows(partial=partial)
        self._show(f"  {name} ...", end="")  # replaced by the stage's line when it ends
        yield done
        elapsed = time.perf_counter() - start
        line = f"  {name}: {elapsed:.1f} s"
        if done.rows is not None:
            line += f", {done.rows:,} {done.unit}{_rate(done.rows, elapsed)}"
        self._show(line, end="\n")

    def _show(self, line: str, end: str) -> None:
        """Replace the current terminal line (back to its start, cleared) with `line`."""
        self.stream.write(f"\r\x1b[K{line}{end}")
        self.stream.flush()


def _rate(count: int, seconds: float) -> str:
    return f" ({count / seconds:,.0f}/s)" if seconds > 0 else ""


def progress_for(quiet: bool, stream: TextIO | None = None) -> Stage:
    """Stage lines when `stream` (default stderr) is a terminal and not `quiet`, else none."""
    stream = sys.stderr if stream is None else stream
    return TerminalProgress(stream) if not quiet and stream.isatty() else silent
