"""What a trial file may compare, checked when the trial is loaded, before any data is read.

A condition on a column the extract does not have, or comparing a code column with a value
outside that column's vocabulary (`assessment_type eq KPS`, `recist_response eq pd`),
would leave every patient unknown or silently not met. Such a trial is refused with the
criterion named. Values are compared in their normalised spelling (`conform.code_key`), which
is how codes arrive after typing.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from pipeline.contract import EXTRACTS, Column
from pipeline.errors import ConfigError
from pipeline.labs.values import LAB_COLUMNS

# Columns derived while typing, which conditions may read besides the contract's.
DERIVED_COLUMNS = {
    "labs": (*LAB_COLUMNS, "raw_with_unit"),
}
_CODE_OPERATORS = ("eq", "ne", "in", "not_in")
_ORDER_OPERATORS = ("gt", "ge", "lt", "le")


def _values(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def normalised_code(value: Any) -> str:
    """A trial file's code in the spelling codes have after typing (`conform.code_key`)."""
    text = unicodedata.normalize("NFKD", str(value).strip())
    return "".join(c for c in text if not unicodedata.combining(c)).upper()


def _in_vocabulary(column: Column, value: str) -> bool:
    if column.allowed is not None:
        return value in column.allowed
    return column.pattern is not None and re.fullmatch(column.pattern, value) is not None


def _vocabulary_text(column: Column) -> str:
    if column.allowed is not None:
        return "one of " + ", ".join(column.allowed)
    return column.pattern_name or "a valid code"


def check_condition(extract: str, column_name: str, op: str, value: Any, where: str) -> Any:
    """Refuse a condition the data of `extract` can never answer as the author means; the
    value back, in the spelling codes have after typing where the column holds codes."""
    contract = EXTRACTS[extract]
    derived = DERIVED_COLUMNS.get(extract, ())
    readable = [c.name for c in contract.columns if not c.identifying]
    if column_name not in readable and column_name not in derived:
        raise ConfigError(
            f"{where}: condition on unknown column '{column_name}' of {extract} "
            f"(columns: {', '.join([*readable, *derived])})"
        )
    if column_name in derived:
        return value
    column = contract.column(column_name)
    if op in ("is_true", "is_false") and column.type != "bool":
        raise ConfigError(f"{where}: {op} needs a true/false column, '{column_name}' is not")
    if column.type != "code":
        return value
    normalised = [normalised_code(item) for item in _values(value)]
    spelled = normalised if isinstance(value, list | tuple) else normalised[0]
    if not column.has_vocabulary:
        return spelled
    if op in _CODE_OPERATORS:
        for item in _values(value):
            code = normalised_code(item)
            if not _in_vocabulary(column, code):
                raise ConfigError(
                    f"{where}: '{item}' is not a code of {extract}.{column_name} "
                    f"({_vocabulary_text(column)})"
                )
    elif op == "prefix":
        for item in _values(value):
            code = normalised_code(item)
            possible = (
                any(known.startswith(code) for known in column.allowed)
                if column.allowed is not None
                else bool(code)
            )
            if not possible:
                raise ConfigError(
                    f"{where}: prefix '{item}' can match no code of {extract}.{column_name} "
                    f"({_vocabulary_text(column)})"
                )
    elif op in _ORDER_OPERATORS:
        raise ConfigError(f"{where}: {op} compares numbers, '{column_name}' holds codes")
    return spelled
