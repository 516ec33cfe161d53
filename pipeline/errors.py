"""Error types the pipeline raises on purpose.

Every message names the file and, where it makes sense, the line and column, and never
carries a patient value: these messages end up in logs and Airflow's database.
"""

from __future__ import annotations

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
