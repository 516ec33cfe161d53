"""Trials as data: a YAML file lists criteria in protocol order, each a rule primitive."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError
from pipeline.rules import (
    AgeRule,
    AliveRule,
    ConfirmAtVisitRule,
    IntervalRule,
    LatestLabRule,
    LatestRecordRule,
    LesionRule,
    PatientAttributeRule,
    Rule,
    TreatmentCoursesRule,
    parse_rule,
)
from pipeline.rules.alive import ALIVE_CRITERION_ID, ALIVE_TEXT

KINDS = ("inclusion", "exclusion")
# Primitives that read no lab row, unless their `extract` is labs (latest_record, interval).
_NO_LAB_READS = frozenset(
    {
        AgeRule,
        AliveRule,
        PatientAttributeRule,
        LatestRecordRule,
        TreatmentCoursesRule,
        IntervalRule,
        LesionRule,
        ConfirmAtVisitRule,
    }
)


@dataclass(frozen=True)
class Criterion:
    id: str
    order: int
    kind: str
    text: str
    rule: Rule
    applies_when: tuple[Rule, ...] = ()
    protocol_item: str = ""
    to_confirm: str = ""


@dataclass(frozen=True)
class Trial:
    id: str
    title: str
    version: str
    criteria: tuple[Criterion, ...]
    path: str
    sha256: str

    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def lab_analytes_read(self) -> frozenset[str] | None:
        """The analytes whose lab results some criterion can read, so the rest can be left
        out of the screening data (most lab rows are routine tests no criterion asks for).

        None (keep every lab row) unless every rule is a primitive known to read labs only
        through `latest_lab`: a rule reading labs any other way may need any row.
        """
        analytes: set[str] = set()
        for criterion in self.criteria:
            for rule in (criterion.rule, *criterion.applies_when):
                if isinstance(rule, LatestLabRule):
                    analytes.add(rule.analyte)
                elif type(rule) not in _NO_LAB_READS or getattr(rule, "extract", "") == "labs":
                    return None
        return frozenset(analytes)


def parse_trial(data: dict[str, Any], path: str, sha256: str) -> Trial:
    """Validate a trial mapping and build its rules."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a trial file is a mapping")
    for key in ("id", "title", "criteria"):
        if key not in data:
            raise ConfigError(f"{path}: missing '{key}'")
    criteria = []
    seen: set[str] = set()
    for order, spec in enumerate(data["criteria"], start=1):
        cid = str(spec.get("id", ""))
        where = f"{path}: criterion '{cid or order}'"
        if not cid or cid in seen or cid == "overall":
            raise ConfigError(f"{where}: criterion ids must be unique, non-empty, not 'overall'")
        seen.add(cid)
        kind = spec.get("kind", "inclusion")
        if kind not in KINDS:
            raise ConfigError(f"{where}: kind must be one of {KINDS}")
        criteria.append(
            Criterion(
                id=cid,
                order=order,
                kind=kind,
                text=str(spec.get("text", "")).strip(),
                rule=parse_rule(spec.get("rule"), where),
                applies_when=tuple(
                    parse_rule(rule, f"{where} applies_when")
                    for rule in spec.get("applies_when") or []
                ),
                protocol_item=str(spec.get("protocol_item", order)),
                to_confirm=str(spec.get("to_confirm", "")).strip(),
            )
        )
    if not criteria:
        raise ConfigError(f"{path}: a trial needs at least one criterion")
    criteria = _with_vital_status(criteria, data.get("exclude_deceased", True), path)
    return Trial(
        id=str(data["id"]),
        title=str(data["title"]),
        version=str(data.get("version", "1")),
        criteria=tuple(criteria),
        path=path,
        sha256=sha256,
    )


def _with_vital_status(
    criteria: list[Criterion], exclude_deceased: Any, path: str
) -> list[Criterion]:
    """The criteria, led by `alive` (`pipeline.rules.alive`) unless the trial file says
    `exclude_deceased: false` or already places an `alive` rule itself. A deceased patient on
    a recruitment list is the worst kind of false candidate, so every trial has it by default.
    """
    if not isinstance(exclude_deceased, bool):
        raise ConfigError(f"{path}: exclude_deceased is true or false")
    if not exclude_deceased or any(isinstance(c.rule, AliveRule) for c in criteria):
        return criteria
    if any(c.id == ALIVE_CRITERION_ID for c in criteria):
        raise ConfigError(
            f"{path}: criterion id '{ALIVE_CRITERION_ID}' is reserved for the vital status "
            "criterion every trial gets (or say exclude_deceased: false)"
        )
    alive = Criterion(
        id=ALIVE_CRITERION_ID,
        order=1,
        kind="inclusion",
        text=ALIVE_TEXT,
        rule=AliveRule(),
        protocol_item="vital status",
    )
    return [alive, *(replace(c, order=c.order + 1) for c in criteria)]


def load_trial(path: str | Path) -> Trial:
    """Read and validate a trial YAML file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = yaml.safe_load(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read trial file: {exc}") from None
    return parse_trial(data, str(path), hashlib.sha256(raw).hexdigest())


def trials_folder() -> Path:
    """The repository's trials/ folder."""
    return Path(__file__).resolve().parent.parent / "trials"


def find_trial(name_or_path: str) -> Path:
    """A trial id (file name in trials/) or a path to a trial file."""
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") and candidate.is_file():
        return candidate
    in_folder = trials_folder() / f"{name_or_path}.yaml"
    if in_folder.is_file():
        return in_folder
    raise ConfigError(f"no trial named '{name_or_path}' in {trials_folder()}")
