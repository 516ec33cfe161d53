"""Code sets: named, reusable groups of codes with hierarchy, as OHDSI concept sets are.

A trial names a drug class or a group of diagnoses once (`code_sets:` at the top of the
file) and uses it wherever a criterion lists codes (`atc_codes: kinase_inhibitors`, a
condition `{column: topography_code, op: in, value: small_intestine}`). An entry is an exact
code (`V10XX04`), a prefix standing for every code below it in the hierarchy (`L01EF*`), or a
range of categories (`C15-C26`, which includes C26.9); `exclude:` removes codes the same way
(`C44*`). An exact code matches only itself: `L01EF` is the class's own code, which no
administration carries, so a class is written `L01EF*`.

Every entry is checked against its code system's shape when the trial is loaded
(`code_systems`), and the code set is refused when an exclusion removes an inclusion
entirely: either would leave the criterion silently matching nothing. A missing code is
unknown, as every missing value is (`conditions.condition_status`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules import schema
from pipeline.rules.code_systems import SYSTEMS, CodeSystem
from pipeline.rules.vocabulary import normalised_code

CODE_SET_KEYS = frozenset({"system", "include", "exclude", "description"})
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,99}")
# The code sets of the trial being loaded: rules are parsed one by one, deep inside their
# primitives, and a code set reference is resolved where its codes are read.
_IN_SCOPE: ContextVar[Mapping[str, CodeSet] | None] = ContextVar("code_sets_in_scope", default=None)


@dataclass(frozen=True)
class CodePattern:
    """One entry: an exact `code`, a `prefix` (`low*`) or a `range` (`low-high`, compared on
    the codes' first len(low) characters, so a range of categories holds their subcodes)."""

    kind: str
    low: str
    high: str = ""

    def __str__(self) -> str:
        if self.kind == "prefix":
            return f"{self.low}*"
        if self.kind == "range":
            return f"{self.low}-{self.high}"
        return self.low

    def matches(self, code: str) -> bool:
        """Whether one code matches (for load-time checks; data is matched by `_matches`)."""
        if self.kind == "prefix":
            return code.startswith(self.low)
        if self.kind == "range":
            return self.low <= code[: len(self.low)] <= self.high
        return code == self.low

    def within(self, other: CodePattern) -> bool:
        """Whether every code this entry matches is matched by `other`."""
        if self.kind == "code":
            return other.matches(self.low)
        if other.kind == "prefix":
            return self.low.startswith(other.low) and (
                self.kind == "prefix" or self.high.startswith(other.low)
            )
        if other.kind == "range" and self.kind == "range":
            return other.matches(self.low) and other.matches(self.high)
        return False


@dataclass(frozen=True)
class CodeSet:
    """Codes of one system: any `include` entry, and no `exclude` entry. `name` is empty for
    a list written inline in a criterion."""

    system: CodeSystem
    include: tuple[CodePattern, ...]
    exclude: tuple[CodePattern, ...] = ()
    name: str = ""
    description: str = ""

    @property
    def exact_codes(self) -> tuple[str, ...] | None:
        """The codes, when the set is a plain list of exact codes (as `atc_codes` were)."""
        if self.exclude or any(p.kind != "code" for p in self.include):
            return None
        return tuple(p.low for p in self.include)

    @property
    def class_codes(self) -> tuple[str, ...]:
        """Exact codes of a class above the codes records carry (`L01EF`): they match only a
        record carrying the class code itself, which is rarely what the author meant."""
        leaf = self.system.leaf_length
        if leaf is None:
            return ()
        return tuple(p.low for p in self.include if p.kind == "code" and len(p.low) < leaf)

    def patterns_text(self) -> str:
        """The entries as written: `L01EF*, L01EA01 except L01EF03`."""
        text = ", ".join(str(p) for p in self.include)
        if self.exclude:
            text += " except " + ", ".join(str(p) for p in self.exclude)
        return text

    def describe(self) -> str:
        named = f"code set '{self.name}': " if self.name else ""
        return f"{named}{self.system.name} {self.patterns_text()}"

    def __str__(self) -> str:
        return self.describe()

    def contains(self, codes: pd.Series) -> pd.Series:
        """Per row, whether the code is in the set (False where it is missing: the caller
        makes a missing code unknown). Matched once per distinct code, then spread back by
        position: a code column repeats a few codes over many rows."""
        positions, distinct = pd.factorize(codes.astype("str"), use_na_sentinel=True)
        values = pd.Series(distinct, dtype="str")
        hit = _matches(values, self.include)
        if self.exclude:
            hit &= ~_matches(values, self.exclude)
        found = np.zeros(len(codes), dtype=bool)
        known = positions >= 0
        found[known] = hit[positions[known]]
        return pd.Series(found, index=codes.index)


def _matches(codes: pd.Series, patterns: tuple[CodePattern, ...]) -> np.ndarray:
    """Whether each code matches any pattern: one vectorised string operation per kind of
    entry (and per range), never one per row."""
    hit = np.zeros(len(codes), dtype=bool)
    exact = [p.low for p in patterns if p.kind == "code"]
    if exact:
        hit |= codes.isin(exact).to_numpy(dtype=bool)
    prefixes = tuple(p.low for p in patterns if p.kind == "prefix")
    if prefixes:
        hit |= codes.str.startswith(prefixes).fillna(False).to_numpy(dtype=bool)
    for p in (p for p in patterns if p.kind == "range"):
        head = codes.str.slice(0, len(p.low))
        hit |= ((head >= p.low) & (head <= p.high)).fillna(False).to_numpy(dtype=bool)
    return hit


def parse_pattern(raw: Any, system: CodeSystem, where: str, key: str) -> CodePattern:
    """One entry, refused unless some code of `system` can match it."""
    written = schema.text(raw, where, key)
    code = normalised_code(written)
    if system.is_code(code):
        return CodePattern("code", code)
    what = f"{where}: '{written}' in '{key}'"
    if not system.hierarchical and ("*" in code or code.count("-") > 1):
        raise ConfigError(
            f"{what} is not a code of {system.describe()}: {system.name} has no hierarchy, "
            "list exact codes"
        )
    if code.endswith("*"):
        stem = code[:-1]
        if system.is_prefix(stem):
            return CodePattern("prefix", stem)
        raise ConfigError(f"{what}: no code starts with '{stem}' ({system.describe()})")
    if system.hierarchical and code.count("-") == 1:
        low, high = (part.strip() for part in code.split("-"))
        if not (system.is_prefix(low) and system.is_prefix(high)):
            raise ConfigError(f"{what}: both ends of a range must begin {system.describe()}")
        if len(low) != len(high) or low > high:
            raise ConfigError(
                f"{what}: a range's ends have the same length and the first comes first "
                "(e.g. C15-C26)"
            )
        return CodePattern("range", low, high)
    hint = f" (write '{code}*' for every code starting with it)" if system.is_prefix(code) else ""
    raise ConfigError(f"{what} cannot match any {system.describe()}{hint}")


def _patterns(value: Any, system: CodeSystem, where: str, key: str) -> tuple[CodePattern, ...]:
    return tuple(
        parse_pattern(item, system, where, f"{key}[{i}]")
        for i, item in enumerate(schema.sequence(value, where, key))
    )


def _checked(code_set: CodeSet, where: str) -> CodeSet:
    """Refuse an inclusion an exclusion removes entirely: it would match nothing."""
    for entry in code_set.include:
        for removed in code_set.exclude:
            if entry.within(removed):
                raise ConfigError(
                    f"{where}: include '{entry}' is wholly removed by exclude '{removed}'"
                )
    return code_set


def parse_code_set(name: Any, spec: Any, path: str) -> CodeSet:
    """One entry of a trial's `code_sets:` mapping."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        raise ConfigError(
            f"{path}: code set name {name!r} must be a letter then letters, digits, '_', '.' or '-'"
        )
    where = f"{path}: code set '{name}'"
    spec = schema.mapping(spec, where, name)
    schema.known_keys(spec, CODE_SET_KEYS, where)
    system_name = spec.get("system")
    if system_name not in SYSTEMS:
        raise ConfigError(f"{where}: 'system' must be one of {sorted(SYSTEMS)}")
    system = SYSTEMS[system_name]
    if "include" not in spec:
        raise ConfigError(f"{where}: a code set needs 'include', a list of codes or patterns")
    exclude = spec.get("exclude")
    return _checked(
        CodeSet(
            system=system,
            include=_patterns(spec["include"], system, where, "include"),
            exclude=() if exclude is None else _patterns(exclude, system, where, "exclude"),
            name=name,
            description=schema.text(
                spec.get("description", ""), where, "description", empty=True
            ).strip(),
        ),
        where,
    )


def parse_code_sets(value: Any, path: str) -> dict[str, CodeSet]:
    """A trial's `code_sets:` mapping, name -> code set."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: 'code_sets' must be a mapping of names to code sets")
    return {name: parse_code_set(name, spec, path) for name, spec in value.items()}


@contextmanager
def in_scope(code_sets: Mapping[str, CodeSet]) -> Iterator[None]:
    """Make a trial's code sets the ones its criteria can name while they are parsed."""
    token = _IN_SCOPE.set(code_sets)
    try:
        yield
    finally:
        _IN_SCOPE.reset(token)


def resolve(value: Any, system: CodeSystem, where: str, key: str) -> CodeSet:
    """Codes where a criterion lists them: the name of one of the trial's code sets, or a
    list of entries written inline (exact codes, prefixes, ranges)."""
    if isinstance(value, str):
        known = _IN_SCOPE.get() or {}
        if value not in known:
            names = ", ".join(sorted(known)) or "none"
            raise ConfigError(
                f"{where}: '{key}' names no code set '{value}' (code sets of this trial: "
                f"{names}; a list of codes is written [{value}])"
            )
        found = known[value]
        if found.system != system:
            raise ConfigError(
                f"{where}: code set '{value}' holds {found.system.name} codes, '{key}' needs "
                f"{system.name} codes"
            )
        return found
    if not isinstance(value, list):
        raise ConfigError(
            f"{where}: '{key}' must be a list of codes or the name of a code set, "
            f"not {type(value).__name__}"
        )
    return _checked(CodeSet(system, _patterns(value, system, where, key)), where)
