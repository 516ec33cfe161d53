"""One run at a time per trial and as-of date: an exclusive `flock` beside the reports.

Two runs of the same trial and date would build the same report and race to publish it. The
second one fails at once with a one-line error rather than waiting: a nightly job that finds
another run in progress (a manual re-run, a stuck scheduler) should say so, not hang behind
it, and it stops before writing anything, so it cannot damage the published report. The lock
is `REPORTS/<trial>/.<as-of>.lock`, an empty file that is never removed (removing a lock file
while another process waits on it lets two processes hold "the" lock). The kernel releases
the lock when the holder exits, even on SIGKILL: a crashed run never leaves it held (its
forked workers, which may outlive it, close their copies of the lock).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipeline.errors import ScreeningError, writing
from pipeline.publish import report_umask

# Descriptors of the locks this process holds (closed in forked children: `_close_in_child`).
_HELD: set[int] = set()


def _close_in_child() -> None:
    """A forked worker (validation, screening) inherits the lock's descriptor, and a flock
    lasts while any descriptor of it is open: if the run were killed, a worker left behind
    would keep the lock, and every later run would be refused. The child closes its copies;
    the lock stays with the run."""
    for fd in _HELD:
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_in_child)


class RunLockedError(ScreeningError):
    """Another run of the same trial and as-of date holds the lock."""


def lock_path(target: Path) -> Path:
    """The lock file of the report folder `target` (REPORTS/<trial>/<as-of>)."""
    return target.parent / f".{target.name}.lock"


@contextmanager
def run_lock(target: Path) -> Iterator[Path]:
    """Hold the lock of `target` for the block; raise `RunLockedError` if another process
    (or another `run_lock` of this process) holds it."""
    path = lock_path(target)
    with writing(path), report_umask():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(
                f"{path}: another run of trial '{target.parent.name}' for {target.name} is in "
                "progress; this run stopped and left the published report alone"
            ) from None
        _HELD.add(fd)
        yield path
    finally:
        _HELD.discard(fd)
        os.close(fd)  # closing the only descriptor releases the lock
