"""Rule primitives: small, parameterised building blocks that trial files combine.

Each primitive parses its YAML mapping (`parse`) and evaluates every patient at once
(`evaluate`), returning one evidence row per patient. Add a primitive here to extend the
language; trials themselves never need code.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.age import AgeRule
from pipeline.rules.alive import AliveRule
from pipeline.rules.around_event import AroundEventRule
from pipeline.rules.attribute import PatientAttributeRule
from pipeline.rules.confirm import ConfirmAtVisitRule
from pipeline.rules.context import ScreeningData
from pipeline.rules.courses import TreatmentCoursesRule
from pipeline.rules.derived import DerivedMeasureRule
from pipeline.rules.first_record import FirstRecordRule
from pipeline.rules.groups import GROUP_KINDS, GroupRule
from pipeline.rules.interval import IntervalRule
from pipeline.rules.latest_lab import LatestLabRule
from pipeline.rules.latest_record import LatestRecordRule
from pipeline.rules.lesions import LesionRule
from pipeline.rules.record_count import RecordCountRule

# The parameters each primitive reads: anything else is a typo that would silently weaken a
# criterion (e.g. `min_year: 18` leaving the age unbounded), so it is refused.
PARAMETERS: dict[str, frozenset[str]] = {
    "alive": frozenset(),
    "age": frozenset({"min_years", "max_years"}),
    "patient_attribute": frozenset({"conditions", "combine"}),
    "latest_record": frozenset(
        {"extract", "where", "conditions", "window", "when_absent", "combine"}
    ),
    "latest_lab": frozenset(
        {"analyte", "operator", "threshold", "unit", "window", "when_absent", "relative_to"}
    ),
    "treatment_courses": frozenset(
        {"atc_codes", "course_gap_days", "course", "op", "count", "when_absent"}
    ),
    "interval": frozenset({"from", "to", "min_months", "when_absent"}),
    "lesion_measurements": frozenset(
        {
            "study_where",
            "window",
            "min_lesions",
            "min_measurable",
            "min_longest_mm",
            "min_node_short_axis_mm",
            "min_node_lesion_short_axis_mm",
            "when_absent",
        }
    ),
    "confirm_at_visit": frozenset({"note"}),
    "record_count": frozenset(
        {
            "extract",
            "where",
            "window",
            "at_least",
            "at_most",
            "observed",
            "overlap",
            "missing_end_lasts",
        }
    ),
    "first_record": frozenset(
        {"extract", "where", "window", "conditions", "combine", "when_absent"}
    ),
    "around_event": frozenset(
        {"anchor", "extract", "where", "event_window", "at_least", "at_most"}
    ),
    "derived_measure": frozenset(
        {"measure", "operator", "threshold", "unit", "window", "input_windows", "when_absent"}
    ),
    **{kind: frozenset({"rules"}) for kind in GROUP_KINDS},
}


class Rule(Protocol):
    def evaluate(self, data: ScreeningData) -> pd.DataFrame: ...


PRIMITIVES: dict[str, Any] = {
    "alive": AliveRule,
    "age": AgeRule,
    "patient_attribute": PatientAttributeRule,
    "latest_record": LatestRecordRule,
    "latest_lab": LatestLabRule,
    "treatment_courses": TreatmentCoursesRule,
    "interval": IntervalRule,
    "lesion_measurements": LesionRule,
    "confirm_at_visit": ConfirmAtVisitRule,
    "record_count": RecordCountRule,
    "first_record": FirstRecordRule,
    "around_event": AroundEventRule,
    "derived_measure": DerivedMeasureRule,
    **{kind: GroupRule for kind in GROUP_KINDS},
}


def parse_rule(spec: dict[str, Any], where: str) -> Rule:
    """Build a rule from its trial-file mapping (`primitive:` names the building block)."""
    if not isinstance(spec, dict) or "primitive" not in spec:
        raise ConfigError(f"{where}: a rule is a mapping with a 'primitive'")
    name = spec["primitive"]
    if not isinstance(name, str) or name not in PRIMITIVES:
        raise ConfigError(f"{where}: unknown primitive {name!r} (known: {sorted(PRIMITIVES)})")
    params = {k: v for k, v in spec.items() if k != "primitive"}
    unknown = sorted(str(k) for k in set(params) - PARAMETERS[name])
    if unknown:
        raise ConfigError(
            f"{where}: unknown {name} parameters {unknown} (known: {sorted(PARAMETERS[name])})"
        )
    if params.get("combine", "all") not in ("all", "any"):
        raise ConfigError(f"{where}: combine is 'all' or 'any'")
    try:
        if name in GROUP_KINDS:  # its branches are rules: parsed by this function
            return GroupRule.parse_group(name, params, where, parse_rule)
        return PRIMITIVES[name].parse(params, where)
    except (AttributeError, KeyError, OverflowError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: invalid {name} rule ({exc})") from None
