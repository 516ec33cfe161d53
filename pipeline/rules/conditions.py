"""Conditions on record columns, evaluated with three-valued logic (missing value: unknown)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from pipeline.conform import number_from_text
from pipeline.errors import ConfigError
from pipeline.rules import schema
from pipeline.rules.code_sets import CodeSet, resolve
from pipeline.rules.code_systems import column_system
from pipeline.rules.vocabulary import check_condition
from pipeline.status import combine_all, combine_any, from_masks

OPERATORS = (
    "eq",
    "ne",
    "in",
    "not_in",
    "gt",
    "ge",
    "lt",
    "le",
    "is_true",
    "is_false",
    "prefix",
    "is_missing",
    "is_present",
)
# Operators that take no value; `is_missing` / `is_present` are the only ones a missing value
# decides (met or not met), never unknown.
NO_VALUE = ("is_true", "is_false", "is_missing", "is_present")
# What the value of each operator that takes one must be; the other operators take none.
_VALUE_TYPES = {
    "eq": "scalar",
    "ne": "scalar",
    "in": "scalars",
    "not_in": "scalars",
    "prefix": "texts",
    "gt": "number",
    "ge": "number",
    "lt": "number",
    "le": "number",
}


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: Any = None
    numeric: bool = False

    def describe(self) -> str:
        return (
            f"{self.column} {self.op} {self.value}"
            if self.value is not None
            else (f"{self.column} {self.op}")
        )


def parse_conditions(
    specs: list[dict[str, Any]] | None, where: str, extract: str | None = None
) -> tuple[Condition, ...]:
    """Validate condition mappings from a trial file; given the `extract` they read, their
    columns and code values too (`vocabulary.check_condition`)."""
    result = []
    if specs is not None and not isinstance(specs, list):
        raise ConfigError(f"{where}: conditions are a list of mappings, not {type(specs).__name__}")
    for spec in specs or []:
        if not isinstance(spec, dict):
            raise ConfigError(f"{where}: a condition is a mapping with a column, op and value")
        op = spec.get("op")
        if op not in OPERATORS:
            raise ConfigError(f"{where}: unknown operator {op!r} (use one of {OPERATORS})")
        if "column" not in spec:
            raise ConfigError(f"{where}: a condition needs a column")
        unknown = sorted(set(spec) - {"column", "op", "value", "numeric"})
        if unknown:
            raise ConfigError(f"{where}: unknown condition keys {unknown}")
        if op not in NO_VALUE and "value" not in spec:
            raise ConfigError(f"{where}: operator {op} needs a value")
        value = spec.get("value")
        column = schema.text(spec["column"], where, "column")
        system = None if extract is None else column_system(extract, column)
        named_set = op in ("in", "not_in") and isinstance(value, str) and system is not None
        if op in ("in", "not_in", "prefix") and not isinstance(value, list) and not named_set:
            raise ConfigError(
                f"{where}: operator {op} takes a list value"
                + (" (or, on a coded column, the name of a code set)" if op != "prefix" else "")
            )
        if not named_set:
            _check_value(op, spec, where)
        if system is not None and op in ("in", "not_in"):
            # Exact codes, prefixes (`C17*`), ranges (`C15-C26`) or a code set's name.
            value = resolve(value, system, where, "value")
        elif extract is not None:
            value = check_condition(extract, column, op, value, where)
        result.append(
            Condition(
                column, op, value, schema.boolean(spec.get("numeric", False), where, "numeric")
            )
        )
    return tuple(result)


def _check_value(op: str, spec: dict[str, Any], where: str) -> None:
    """The value's type for its operator, checked at load: a text compared with `gt`, or a
    `.nan` anything, would otherwise fail (or never match) only when the rule runs."""
    if op not in _VALUE_TYPES:
        if spec.get("value") is not None:
            raise ConfigError(f"{where}: operator {op} takes no value")
        return
    value = spec.get("value")
    kind = _VALUE_TYPES[op]
    if kind == "number":
        schema.number(value, where, "value")
    elif kind == "scalar":
        schema.scalar(value, where, "value")
    else:
        for i, item in enumerate(schema.sequence(value, where, "value")):
            if kind == "texts":
                schema.text(item, where, f"value[{i}]")
            else:
                schema.scalar(item, where, f"value[{i}]")


def _column(frame: pd.DataFrame, condition: Condition) -> pd.Series:
    if condition.column not in frame.columns:
        raise ConfigError(f"condition on unknown column '{condition.column}'")
    series = frame[condition.column]
    if condition.numeric:
        series = number_from_text(series)
    return series


def condition_status(frame: pd.DataFrame, condition: Condition) -> pd.Series:
    """Per-row status: met / not_met, unknown where the value is missing."""
    series = _column(frame, condition)
    present = series.notna()
    op, value = condition.op, condition.value
    if op in ("is_missing", "is_present"):
        missing = pd.Series(~present.to_numpy(dtype=bool), index=frame.index)
        holds = missing if op == "is_missing" else ~missing
        return from_masks(holds, ~holds)
    if op == "eq":
        holds = series == value
    elif op == "ne":
        holds = series != value
    elif op in ("in", "not_in") and isinstance(value, CodeSet):
        holds = value.contains(series)
        holds = ~holds if op == "not_in" else holds
    elif op == "in":
        holds = series.isin(value)
    elif op == "not_in":
        holds = ~series.isin(value)
    elif op == "prefix":
        holds = series.astype("str").str.startswith(tuple(str(v) for v in value))
    elif op == "is_true":
        holds = series.astype("boolean") == True  # noqa: E712 - nullable boolean
    elif op == "is_false":
        holds = series.astype("boolean") == False  # noqa: E712 - nullable boolean
    else:
        threshold = float(value)
        holds = {
            "gt": series > threshold,
            "ge": series >= threshold,
            "lt": series < threshold,
            "le": series <= threshold,
        }[op]
    holds = holds.fillna(False).astype(bool)
    return from_masks(present & holds, present & ~holds)


def conditions_status(
    frame: pd.DataFrame, conditions: tuple[Condition, ...], combine: str = "all"
) -> pd.Series:
    """Status of all (or any) conditions per row."""
    statuses = [condition_status(frame, c) for c in conditions]
    if not statuses:
        return from_masks(pd.Series(True, index=frame.index), pd.Series(False, index=frame.index))
    return combine_all(statuses) if combine == "all" else combine_any(statuses)


def filter_rows(frame: pd.DataFrame, conditions: tuple[Condition, ...]) -> pd.Series:
    """Boolean mask of rows whose `where` conditions are certainly met."""
    if not conditions:
        return pd.Series(True, index=frame.index)
    return conditions_status(frame, conditions) == 0


def possibly_matching(frame: pd.DataFrame, conditions: tuple[Condition, ...]) -> pd.Series:
    """Rows that match or might match (a missing value cannot rule a row out)."""
    if not conditions:
        return pd.Series(True, index=frame.index)
    return conditions_status(frame, conditions) != 1
