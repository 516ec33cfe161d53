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
from dataclasses import dataclass
from typing import TextIO


@dataclass
class StageRows:
    """What a stage went through, set by the code running it (None: not counted)."""

    rows: int | None = None
    unit: str = "rows"


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
        done = StageRows()
        self.stream.write(f"  {name} ...")  # replaced by the stage's line when it ends
        self.stream.flush()
        start = time.perf_counter()
        yield done
        elapsed = time.perf_counter() - start
        line = f"  {name}: {elapsed:.1f} s"
        if done.rows is not None:
            line += f", {done.rows:,} {done.unit}"
            if elapsed > 0:
                line += f" ({done.rows / elapsed:,.0f}/s)"
        self.stream.write(f"\r\x1b[K{line}\n")  # back to the line start, clear it
        self.stream.flush()


def progress_for(quiet: bool, stream: TextIO | None = None) -> Stage:
    """Stage lines when `stream` (default stderr) is a terminal and not `quiet`, else none."""
    stream = sys.stderr if stream is None else stream
    return TerminalProgress(stream) if not quiet and stream.isatty() else silent
