"""`omop: concept_sets:` in a source config: what each set names, checked when the config
is loaded (every error one line naming the file and the key), and what it makes available.
How the sets are read is `pipeline.io.omop_concepts`, whose docstring has the example."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pipeline.contract import ASSESSMENT_TYPES, GRADES
from pipeline.errors import ConfigError

PATHOLOGY_FIELDS = ("grade", "ki67_percent")
TARGETS = (*ASSESSMENT_TYPES, *PATHOLOGY_FIELDS)
_NUMBER = r"\d+(\.\d+)?"
# Per target: the values a `values` entry may give (a pattern), whether value_as_number is
# read when no answer concept maps, and whether `values` may be given at all.
_VALUES: dict[str, tuple[str | None, bool]] = {
    "ECOG": ("[0-5]", True),
    "KARNOFSKY": (r"\d{1,3}", True),
    "NYHA": ("[1-4]", True),
    "LIFE_EXPECTANCY": (_NUMBER, True),
    "MENOPAUSAL_STATUS": ("PRE|POST", False),
    "CONTRACEPTION": ("EFFECTIVE|NONE", False),
    "grade": ("|".join(GRADES), False),
    "ki67_percent": (None, True),
}


@dataclass(frozen=True)
class ConceptSet:
    """One target's concepts and, for answers given as concepts, their contract values."""

    target: str
    concepts: tuple[int, ...]
    values: dict[str, str]

    @property
    def reads_numbers(self) -> bool:
        return _VALUES[self.target][1]


def _concept_id(value: Any, where: str) -> int:
    text = str(value)
    if isinstance(value, bool) or not text.isdigit() or int(text) == 0:
        raise ConfigError(f"{where}: '{text}' is not a concept id (digits, not 0)")
    return int(text)


def parse_concept_sets(spec: Any, where: str) -> dict[str, ConceptSet]:
    """Validate `concept_sets:` (every error one line naming the config file and the key)."""
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must map a target ({', '.join(TARGETS)}) to its concepts")
    sets: dict[str, ConceptSet] = {}
    owner: dict[int, str] = {}
    for target, body in spec.items():
        here = f"{where}: '{target}'"
        if target not in TARGETS:
            raise ConfigError(f"{here}: unknown target (known: {', '.join(TARGETS)})")
        if not isinstance(body, dict):
            raise ConfigError(f"{here} must be a mapping with 'concepts' (and 'values')")
        unknown = sorted(str(k) for k in set(body) - {"concepts", "values"})
        if unknown:
            raise ConfigError(f"{here}: unknown keys {unknown} (known: ['concepts', 'values'])")
        concepts = body.get("concepts")
        if not isinstance(concepts, list) or not concepts:
            raise ConfigError(f"{here}: 'concepts' must be a non-empty list of concept ids")
        ids = tuple(dict.fromkeys(_concept_id(c, f"{here}: 'concepts'") for c in concepts))
        for concept in ids:
            if concept in owner:
                raise ConfigError(f"{here}: 'concepts': {concept} is already in '{owner[concept]}'")
            owner[concept] = target
        sets[target] = ConceptSet(target, ids, _values(target, body.get("values"), here))
    return sets


def _values(target: str, spec: Any, here: str) -> dict[str, str]:
    pattern, numbers = _VALUES[target]
    if spec is None:
        if not numbers:
            raise ConfigError(f"{here}: 'values' is required (answer concept -> {pattern})")
        return {}
    if pattern is None:
        raise ConfigError(f"{here}: 'values' not accepted: {target} is read from value_as_number")
    if not isinstance(spec, dict) or not spec:
        raise ConfigError(f"{here}: 'values' must map answer concept ids to values")
    table = {}
    for answer, value in spec.items():
        concept = _concept_id(answer, f"{here}: 'values'")
        text = str(value).strip().upper() if not isinstance(value, bool) else ""
        if not re.fullmatch(pattern, text):
            raise ConfigError(
                f"{here}: 'values': the value of {concept} must be one of {pattern} (quote numbers)"
                if isinstance(value, bool)
                else f"{here}: 'values': the value of {concept} must match {pattern}"
            )
        table[str(concept)] = text
    return table


def assessment_sets(sets: dict[str, ConceptSet]) -> dict[str, ConceptSet]:
    return {t: s for t, s in sets.items() if t in ASSESSMENT_TYPES}


def all_concepts(sets: dict[str, ConceptSet]) -> list[int]:
    return sorted(c for s in sets.values() for c in s.concepts)


def without_configured(
    defaults: dict[str, tuple[str, ...] | None], sets: dict[str, ConceptSet]
) -> dict[str, tuple[str, ...] | None]:
    """The kind's gaps less what the concept sets fill: grade and Ki-67 once theirs has one;
    the assessments extract once any assessment type has a set, each type without one still
    unavailable (`assessment_type=LIFE_EXPECTANCY`, see `pipeline.rules.reads.BY_VALUE`), so
    a criterion on it is unknown, "not available from this source", not "no record"."""
    gaps = dict(defaults)
    if assessment_sets(sets):
        lacking = tuple(f"assessment_type={t}" for t in ASSESSMENT_TYPES if t not in sets)
        if lacking:
            gaps["assessments"] = lacking
        else:
            gaps.pop("assessments", None)
    pathology = gaps.get("pathology")
    if pathology is not None:
        gaps["pathology"] = tuple(c for c in pathology if c not in sets)
        if not gaps["pathology"]:
            gaps.pop("pathology")
    return gaps
