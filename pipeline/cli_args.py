"""Argument types of the `screening` command line: each value is checked as it is parsed.

A wrong value is a user error, not a bug: argparse turns the `ArgumentTypeError` raised here
into one line naming the option, what was wrong and what to give instead (exit status 2),
before any file is read. Messages quote the value typed (an option, never patient data).
Files and folders are checked by the steps reading them, in the order a run needs them
(trial, source config, key, then exports), each with its own one-line error.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import re
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.status import OVERALL_NAMES
from pipeline.trial import find_trial

EXAMPLE_DATE = "2026-11-24"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Day-first, month-first and year-first dates with '/', '.' or '-': read only to suggest the
# ISO spelling of what was probably meant, never accepted as such.
_OTHER_DATE = re.compile(r"(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})")


def _suggestion(text: str) -> str:
    """The ISO form of a date written another way (day first, else month first), or the
    house example: shown after "e.g.", so an ambiguous guess is still a correct example."""
    match = _OTHER_DATE.fullmatch(text.strip())
    if match:
        a, b, c = (int(part) for part in match.groups())
        orders = [(a, b, c)] if len(match.group(1)) == 4 else [(c, b, a), (c, a, b)]
        for year, month, day in orders:
            try:
                return dt.date(year, month, day).isoformat()
            except ValueError:
                continue
    return EXAMPLE_DATE


def iso_date(text: str) -> dt.date:
    """A calendar date written YYYY-MM-DD (the only spelling accepted: 03/04 is ambiguous)."""
    if not ISO_DATE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text}: expected YYYY-MM-DD, e.g. {_suggestion(text)}")
    year, month, day = (int(part) for part in text.split("-"))
    try:
        return dt.date(year, month, day)
    except ValueError:
        if 1 <= month <= 12 and year >= 1:
            days = calendar.monthrange(year, month)[1]
            month_name = calendar.month_name[month]
            detail = f"{month_name} {year} has {days} days"
        else:
            detail = "months run from 01 to 12"
        raise argparse.ArgumentTypeError(f"{text}: no such date ({detail})") from None


def _whole_number(text: str, minimum: int, example: str) -> int:
    try:
        value = int(text, 10)
    except ValueError:
        value = None
    if value is None or value < minimum:
        least = "at least 1" if minimum == 1 else f"{minimum} or more"
        raise argparse.ArgumentTypeError(
            f"{text}: expected a whole number, {least}, e.g. {example}"
        )
    return value


def patient_count(text: str) -> int:
    """A number of patients to generate: 1 or more."""
    return _whole_number(text, 1, "10000")


def seed(text: str) -> int:
    """A random seed: 0 or more (numpy refuses negative seeds)."""
    return _whole_number(text, 0, "1")


def trial_path(text: str) -> Path:
    """A trial id in trials/ or a path to a trial YAML file; an unknown one lists the trials."""
    try:
        return find_trial(text)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def overall_statuses(text: str) -> tuple[str, ...]:
    """Overall statuses, comma-separated: a misspelt one would silently select nobody."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names or any(name not in OVERALL_NAMES for name in names):
        raise argparse.ArgumentTypeError(
            f"{text}: expected statuses among {', '.join(OVERALL_NAMES)}, comma-separated, "
            "e.g. candidate,needs_review"
        )
    return names
