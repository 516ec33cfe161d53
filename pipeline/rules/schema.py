"""Typed reading of trial-file values: each check says which key is wrong and what it must be.

YAML types values by their look (`yes` is a boolean, `.nan` a float, `1e999` infinite), and
Python lets many of them through where a number or a text was meant (`True` is an int,
`float("nan")` compares false with everything, so a `.nan` threshold would silently make a
criterion unmeetable). A trial file is checked with these before any data is read, so a typo
stops the run at once with a one-line error rather than a traceback after validation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pipeline.errors import ConfigError

# Nothing screened looks back, or forward, further than a lifetime: bounds that keep date
# arithmetic (as-of minus a window, a course end plus an interval) well inside pandas' range.
MAX_YEARS = 100
MAX_MONTHS = 12 * MAX_YEARS
MAX_DAYS = 36_525


def _kind(value: Any) -> str:
    """What a value is, for the message (never the value itself: it may be long)."""
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number" if math.isfinite(value) else "not a finite number"
    if isinstance(value, str):
        return "a text"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


def mapping(value: Any, where: str, key: str) -> dict[str, Any]:
    """A mapping whose keys are texts."""
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: '{key}' must be a mapping, not {_kind(value)}")
    bad = [k for k in value if not isinstance(k, str)]
    if bad:
        raise ConfigError(f"{where}: '{key}' has a key that is not a text ({_kind(bad[0])})")
    return value


def known_keys(value: Mapping[str, Any], allowed: set[str] | frozenset[str], where: str) -> None:
    """Refuse keys a reader would ignore: a typo would silently change a criterion."""
    unknown = sorted(str(k) for k in set(value) - set(allowed))
    if unknown:
        raise ConfigError(f"{where}: unknown keys {unknown} (known: {sorted(allowed)})")


def text(value: Any, where: str, key: str, *, empty: bool = False) -> str:
    """A text (YAML's `yes`, `1.0` or a date are not texts: quote them)."""
    if not isinstance(value, str):
        raise ConfigError(f"{where}: '{key}' must be a text, not {_kind(value)}")
    if not empty and not value.strip():
        raise ConfigError(f"{where}: '{key}' must not be empty")
    return value


def label(value: Any, where: str, key: str) -> str:
    """An identifier or version written as a text or a number (`version: 1`, `protocol_item:
    3`), as a text."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ConfigError(f"{where}: '{key}' must be a text, not {_kind(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: '{key}' must be a text, not {_kind(value)}")
    result = str(value).strip()
    if not result:
        raise ConfigError(f"{where}: '{key}' must not be empty")
    return result


def boolean(value: Any, where: str, key: str) -> bool:
    """`true` or `false` (not 1, not "yes" in quotes)."""
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: '{key}' must be true or false, not {_kind(value)}")
    return value


def number(value: Any, where: str, key: str, *, minimum: float | None = None) -> float:
    """A finite number (`.nan` and `.inf` are refused: no comparison with them is meaningful)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: '{key}' must be a number, not {_kind(value)}")
    try:
        result = float(value)
    except OverflowError:  # an int beyond any float
        raise ConfigError(f"{where}: '{key}' must be a finite number") from None
    if not math.isfinite(result):
        raise ConfigError(f"{where}: '{key}' must be a finite number")
    if minimum is not None and result < minimum:
        raise ConfigError(f"{where}: '{key}' must be at least {minimum:g}")
    return result


def integer(value: Any, where: str, key: str, *, minimum: int, maximum: int) -> int:
    """A whole number from `minimum` to `maximum` (a bound is what keeps date arithmetic and
    array sizes from overflowing later, after the data was read)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"{where}: '{key}' must be a whole number, not {_kind(value)}")
    if not minimum <= value <= maximum:
        raise ConfigError(f"{where}: '{key}' must be from {minimum} to {maximum}")
    return value


def scalar(value: Any, where: str, key: str) -> str | int | float | bool:
    """A single text, number or boolean to compare a column with."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: '{key}' must be a finite number")
    if not isinstance(value, (str, int, float, bool)):
        raise ConfigError(f"{where}: '{key}' must be a text, number or boolean, not {_kind(value)}")
    return value


def sequence(value: Any, where: str, key: str) -> list[Any]:
    """A non-empty list."""
    if not isinstance(value, list):
        raise ConfigError(f"{where}: '{key}' must be a list, not {_kind(value)}")
    if not value:
        raise ConfigError(f"{where}: '{key}' must not be an empty list")
    return value


def texts(value: Any, where: str, key: str) -> tuple[str, ...]:
    """A non-empty list of non-empty texts."""
    return tuple(text(v, where, f"{key}[{i}]") for i, v in enumerate(sequence(value, where, key)))
