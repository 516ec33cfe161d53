"""Error types the pipeline raises on purpose.

Every message names the file and, where it makes sense, the line and column, and never
carries a patient value: these messages end up in logs and Airflow's database.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any


class ScreeningError(Exception):
    """Base class for every error the pipeline raises deliberately."""


class InputFileError(ScreeningError):
    """An export file that cannot be used at all: the run must stop before screening."""

    def __init__(
        self, path: str, message: str, *, line: int | None = None, column: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.column = column
        self.reason = message
        where = self.path
        if line is not None:
            where += f", line {line}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        """Pickled with its parts, so an error raised in a worker process arrives whole."""
        return partial(InputFileError, line=self.line, column=self.column), (self.path, self.reason)


class ConfigError(ScreeningError):
    """A trial, source or key configuration that is invalid."""


class BatchValidationError(ScreeningError):
    """A batch-level data-quality failure (empty extract, volume drop, ...): stop the run."""


class OutputError(ScreeningError):
    """A file the pipeline writes that cannot be written (full disk, no permission...)."""


# Why a write failed, in words an operator acts on; other errors give their system message.
_WRITE_FAILURES = {
    errno.ENOSPC: "no space left on the device (disk full)",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.EFBIG: "file too large for the file system or the process's size limit",
    errno.EIO: "input/output error",
}


def write_failure(exc: OSError) -> str:
    """What went wrong in a write, in one line (an OSError raised by Arrow may carry no
    errno, only its message: the reason is then read from that message)."""
    if exc.errno in _WRITE_FAILURES:
        return _WRITE_FAILURES[exc.errno]
    return failure_in_text(str(exc)) or exc.strerror or type(exc).__name__


def failure_in_text(text: str) -> str | None:
    """The write failure a message names by its system text ("No space left on device"),
    for libraries that report an OSError only as text (Arrow, Great Expectations' log)."""
    lowered = text.lower()
    for code, reason in _WRITE_FAILURES.items():
        if os.strerror(code).lower() in lowered:
            return reason
    return None


@contextmanager
def writing(path: str | os.PathLike[str]) -> Iterator[None]:
    """Turn an OSError raised while writing `path` (a file or the folder being filled) into
    a one-line `OutputError` naming the file it concerns: the command line then exits with
    status 2 and no traceback. The error names the file the system names, else `path`."""
    try:
        yield
    except OSError as exc:
        where = exc.filename if isinstance(exc.filename, str) and exc.filename else str(path)
        raise OutputError(f"{where}: cannot write: {write_failure(exc)}") from None
