"""Trials as data: a YAML file lists criteria in protocol order, each a rule primitive."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pipeline.config_yaml import SAFE_NAME, load_config_yaml
from pipeline.errors import ConfigError
from pipeline.rules import (
    AgeRule,
    AliveRule,
    ConfirmAtVisitRule,
    DerivedMeasureRule,
    FirstRecordRule,
    IntervalRule,
    LatestLabRule,
    LatestRecordRule,
    LesionRule,
    PatientAttributeRule,
    RecordCountRule,
    Rule,
    TreatmentCoursesRule,
    parse_rule,
    schema,
)
from pipeline.rules.alive import ALIVE_CRITERION_ID, ALIVE_TEXT
from pipeline.rules.code_sets import CodeSet, in_scope, parse_code_sets
from pipeline.rules.groups import leaf_rules

KINDS = ("inclusion", "exclusion")
TRIAL_KEYS = frozenset({"id", "title", "version", "code_sets", "criteria", "exclude_deceased"})
CRITERION_KEYS = frozenset(
    {"id", "kind", "text", "rule", "applies_when", "protocol_item", "to_confirm"}
)
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
        RecordCountRule,
        FirstRecordRule,
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
    code_sets: Mapping[str, CodeSet] = field(default_factory=dict)

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
            for top in (criterion.rule, *criterion.applies_when):
                for rule in leaf_rules(top):
                    if isinstance(rule, LatestLabRule):
                        analytes.add(rule.analyte)
                    elif isinstance(rule, DerivedMeasureRule):
                        analytes.update(rule.analytes)
                    elif type(rule) not in _NO_LAB_READS or getattr(rule, "extract", "") == "labs":
                        return None
        return frozenset(analytes)


def _criterion(spec: Any, order: int, path: str, seen: set[str]) -> Criterion:
    """One criterion, every key typed; `where` names the file and the criterion."""
    if not isinstance(spec, dict):
        raise ConfigError(
            f"{path}: criterion {order}: a criterion is a mapping with an id and a rule, "
            f"not {type(spec).__name__}"
        )
    raw_id = spec.get("id")
    cid = "" if raw_id is None else schema.label(raw_id, f"{path}: criterion {order}", "id")
    where = f"{path}: criterion '{cid or order}'"
    if not cid or cid in seen or cid == "overall":
        raise ConfigError(f"{where}: criterion ids must be unique, non-empty, not 'overall'")
    seen.add(cid)
    schema.known_keys(spec, CRITERION_KEYS, where)
    kind = spec.get("kind", "inclusion")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConfigError(f"{where}: kind must be one of {KINDS}")
    if "rule" not in spec:
        raise ConfigError(f"{where}: a criterion needs a rule")
    applies_when = spec.get("applies_when")
    if applies_when is not None and not isinstance(applies_when, list):
        raise ConfigError(f"{where}: 'applies_when' must be a list of rules")
    return Criterion(
        id=cid,
        order=order,
        kind=kind,
        text=schema.text(spec.get("text", ""), where, "text", empty=True).strip(),
        rule=parse_rule(spec["rule"], where),
        applies_when=tuple(
            parse_rule(rule, f"{where} applies_when") for rule in applies_when or []
        ),
        protocol_item=schema.label(spec.get("protocol_item", order), where, "protocol_item"),
        to_confirm=schema.text(spec.get("to_confirm", ""), where, "to_confirm", empty=True).strip(),
    )


def parse_trial(data: Any, path: str, sha256: str) -> Trial:
    """Validate a trial mapping against the trial schema and build its rules.

    Every key is typed and bounded here, so that a wrong trial file stops a run before any
    export is read (not after validating a million rows), with one line naming the file, the
    criterion and the key.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a trial file is a mapping")
    for key in ("id", "title", "criteria"):
        if key not in data:
            raise ConfigError(f"{path}: missing '{key}'")
    schema.known_keys(data, TRIAL_KEYS, path)
    specs = data["criteria"]
    if not isinstance(specs, list):
        raise ConfigError(
            f"{path}: 'criteria' must be a list of criteria, not {type(specs).__name__}"
        )
    if not specs:
        raise ConfigError(f"{path}: a trial needs at least one criterion")
    code_sets = parse_code_sets(data.get("code_sets"), path)
    seen: set[str] = set()
    with in_scope(code_sets):
        criteria = [
            _criterion(spec, order, path, seen) for order, spec in enumerate(specs, start=1)
        ]
    criteria = _with_vital_status(criteria, data.get("exclude_deceased", True), path)
    trial_id = schema.label(data["id"], path, "id")
    if not SAFE_NAME.fullmatch(trial_id):
        # The id names the run's work and report folders and the DAG: never a path.
        raise ConfigError(
            f"{path}: 'id' must be letters, digits, '.', '_' or '-' (at most 100, "
            "not starting with '.')"
        )
    return Trial(
        id=trial_id,
        title=schema.text(data["title"], path, "title"),
        version=schema.label(data.get("version", "1"), path, "version"),
        criteria=tuple(criteria),
        path=path,
        sha256=sha256,
        code_sets=code_sets,
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
    """Read and validate a trial YAML file, under the limits of `pipeline.config_yaml` (size,
    nesting, no aliases): a trial file may come from anywhere, and is read before any data."""
    path = Path(path)
    data, raw = load_config_yaml(path, "trial file")
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
    if candidate.suffix in (".yaml", ".yml") or len(candidate.parts) > 1:
        what = "not a file" if candidate.exists() else "no such file"
        raise ConfigError(f"{name_or_path}: {what}; give a trial id or a trial YAML file")
    known = sorted(p.stem for p in trials_folder().glob("*.yaml"))
    raise ConfigError(
        f"no trial named '{name_or_path}' in {trials_folder()}; "
        f"available: {', '.join(known) or 'none'} (or give a path to a trial YAML file)"
    )
