"""Which extracts and columns each rule reads, so that what a source cannot provide is told
apart from what a patient does not have.

A source config may declare extracts (or optional columns) unavailable: an OMOP warehouse has
no tumour-board decisions. Read as empty, they would make a criterion `not_met` or decide it
through `when_absent`, as if every patient had no decision. A criterion whose rule reads
anything unavailable is instead `unknown` with the reason "not available from this source",
and an applicability gate that reads it is not used to set the criterion aside.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pipeline.contract import EXTRACTS
from pipeline.rules.age import AgeRule
from pipeline.rules.alive import AliveRule
from pipeline.rules.around_event import AroundEventRule
from pipeline.rules.attribute import PatientAttributeRule
from pipeline.rules.conditions import Condition
from pipeline.rules.confirm import ConfirmAtVisitRule
from pipeline.rules.courses import CourseSpec, TreatmentCoursesRule
from pipeline.rules.derived import DerivedMeasureRule
from pipeline.rules.first_record import FirstRecordRule
from pipeline.rules.groups import GroupRule
from pipeline.rules.interval import IntervalRule
from pipeline.rules.latest_lab import LatestLabRule
from pipeline.rules.latest_record import LatestRecordRule
from pipeline.rules.lesions import LesionRule
from pipeline.rules.record_count import RecordCountRule

UNAVAILABLE_REASON = "not available from this source"

# Columns derived while typing, by the contract columns they come from.
_DERIVED = {
    "labs": {
        name: ("loinc_code", "value_raw", "unit")
        for name in ("analyte", "operator", "value", "canonical_unit", "lower", "upper")
    }
    | {
        "normal_low": ("loinc_code", "unit", "reference_low"),
        "normal_high": ("loinc_code", "unit", "reference_high"),
    }
    | {"raw_with_unit": ("value_raw", "unit")},
    "assessments": {"value_number": ("value",)},
}

Reads = dict[str, frozenset[str]]
# Code columns some of whose values a source may lack while it has the column: an OMOP source
# reads each assessment type through a concept set of the site's, so it can give ECOG and not
# menopausal status. A rule selecting rows by such a value (`eq` / `in`) also reads
# `column=VALUE`, which a source declares unavailable the same way as a column.
BY_VALUE = {"assessments": "assessment_type"}


def _columns(extract: str, conditions: Iterable[Condition], *extra: str) -> frozenset[str]:
    derived = _DERIVED.get(extract, {})
    names: set[str] = set(extra)
    for condition in conditions:
        names.update(derived.get(condition.column, (condition.column,)))
        if BY_VALUE.get(extract) == condition.column and condition.op in ("eq", "in"):
            values = (
                condition.value if isinstance(condition.value, list | tuple) else [condition.value]
            )
            names.update(f"{condition.column}={str(v).strip().upper()}" for v in values)
    return frozenset(names)


def _dated(extract: str, conditions: Iterable[Condition]) -> frozenset[str]:
    date = EXTRACTS[extract].date_column
    return _columns(extract, conditions, *([date] if date else []))


def _courses(course: CourseSpec) -> Reads:
    return {"treatments": frozenset({"atc_code", "administered_on"})}


def rule_reads(rule: object) -> Reads:
    """Extract -> the contract columns the rule reads. A rule type not listed here is an
    error, so that a new primitive cannot silently escape the unavailable check."""
    if isinstance(rule, AgeRule):
        return {"patients": frozenset({"birth_date"})}
    if isinstance(rule, AliveRule):
        return {"patients": frozenset({"death_date"})}
    if isinstance(rule, PatientAttributeRule):
        return {"patients": _columns("patients", rule.conditions)}
    if isinstance(rule, LatestRecordRule):
        return {rule.extract: _dated(rule.extract, (*rule.where, *rule.conditions))}
    if isinstance(rule, LatestLabRule):
        limits = {"reference_low", "reference_high"} if rule.uses_reference_range else set()
        return {"labs": frozenset({"loinc_code", "value_raw", "unit", "collected_at", *limits})}
    if isinstance(rule, TreatmentCoursesRule):
        return _courses(rule.course)
    if isinstance(rule, IntervalRule):
        reads = _courses(rule.start)
        end = _dated(rule.extract, rule.where)
        return {**reads, rule.extract: reads.get(rule.extract, frozenset()) | end}
    if isinstance(rule, LesionRule):
        return {
            "imaging_studies": _dated("imaging_studies", rule.study_where) | {"study_id"},
            "imaging_lesions": frozenset(
                {"study_id", "is_lymph_node", "longest_diameter_mm", "short_axis_mm"}
            ),
        }
    if isinstance(rule, ConfirmAtVisitRule):
        return {}
    if isinstance(rule, DerivedMeasureRule):
        labs = {"labs": frozenset({"loinc_code", "value_raw", "unit", "collected_at"})}
        patients = rule.measure.patient_columns
        return {**labs, "patients": patients} if patients else labs
    if isinstance(rule, RecordCountRule):
        reads = {rule.extract: _dated(rule.extract, rule.where)}
        if rule.overlap:
            reads[rule.extract] |= {EXTRACTS[rule.extract].end_column or ""}
        if rule.observed:
            reads["observation_periods"] = frozenset({"start_date", "end_date"})
        return reads
    if isinstance(rule, FirstRecordRule):
        return {rule.extract: _dated(rule.extract, (*rule.where, *rule.conditions))}
    if isinstance(rule, AroundEventRule):
        anchor = rule.anchor
        reads = {anchor.extract: _dated(anchor.extract, anchor.where)}
        counted = _dated(rule.extract, rule.where)
        return {**reads, rule.extract: reads.get(rule.extract, frozenset()) | counted}
    if isinstance(rule, GroupRule):
        reads = {}
        for branch in rule.rules:
            for extract, columns in rule_reads(branch).items():
                reads[extract] = reads.get(extract, frozenset()) | columns
        return reads
    raise TypeError(f"rule_reads: unknown rule type {type(rule).__name__}")


def unavailable_reads(rule: object, unavailable: Mapping[str, frozenset[str] | None]) -> list[str]:
    """What the rule reads that the source cannot provide: `extract` for a whole extract,
    `extract.column` for a column (sorted, for a stable reason text)."""
    if not unavailable:
        return []
    found: list[str] = []
    for extract, columns in rule_reads(rule).items():
        if extract not in unavailable:
            continue
        missing = unavailable[extract]
        if missing is None:
            found.append(extract)
        else:
            found.extend(f"{extract}.{c}" for c in sorted(columns & missing))
    return sorted(found)
