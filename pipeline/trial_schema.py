"""A JSON Schema of trial files, for trial authors' editors (completion, unknown keys flagged).

Generated from the definitions the loader checks with (the trial and criterion keys, each
primitive's parameters, the operators, extracts, analytes, code systems), so an editor and
`screening check-trial` cannot drift apart on which keys exist: a primitive parameter without
a schema here is an error when the schema is generated (`tests/pipeline/test_trial_schema.py`
proves the committed copy, trials/trial.schema.json, is current). The schema checks keys and
types; what depends on the contract's vocabularies or a code system's shape is left to
`check-trial`, which says which criterion is wrong and why.
"""

from __future__ import annotations

import json
from typing import Any

from pipeline.config_yaml import SAFE_NAME
from pipeline.contract import EXTRACTS
from pipeline.labs.catalogue import load_catalogue
from pipeline.rules import PARAMETERS
from pipeline.rules.anchors import RECORDS
from pipeline.rules.around_event import SIDES
from pipeline.rules.code_sets import CODE_SET_KEYS, NAME
from pipeline.rules.code_systems import SYSTEMS
from pipeline.rules.conditions import NO_VALUE, OPERATORS
from pipeline.rules.courses import COUNT_OPERATORS
from pipeline.rules.derived import MEASURES
from pipeline.rules.groups import GROUP_KINDS
from pipeline.rules.interval import COURSE_KEYS
from pipeline.rules.latest_lab import COMPARATORS, RELATIVE_TO, WITHIN_NORMAL_LIMITS
from pipeline.rules.latest_record import ABSENT_STATUSES
from pipeline.rules.record_count import MAX_COUNT
from pipeline.rules.schema import MAX_DAYS, MAX_MONTHS, MAX_YEARS
from pipeline.trial import CRITERION_KEYS, KINDS, TRIAL_KEYS

SCHEMA_ID = "https://example.org/trial-screening/trial.schema.json"
_DATED = sorted(name for name, extract in EXTRACTS.items() if extract.date_column)
_LABEL = {"type": ["string", "number"]}
_TEXT = {"type": "string"}


def _integer(minimum: int, maximum: int, description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "integer", "minimum": minimum, "maximum": maximum}
    return {**schema, "description": description} if description else schema


def _number(description: str, minimum: float | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "number", "description": description}
    return schema if minimum is None else {**schema, "minimum": minimum}


def _codes(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "oneOf": [
            {"type": "string", "description": "the name of one of the trial's code_sets"},
            {"type": "array", "minItems": 1, "items": {"type": "string"}},
        ],
    }


def _lengths() -> dict[str, Any]:
    return {
        unit: _integer(0, maximum, f"calendar {unit}")
        for unit, maximum in (
            ("years", MAX_YEARS),
            ("months", MAX_MONTHS),
            ("weeks", MAX_DAYS // 7),
            ("days", MAX_DAYS),
        )
    }


def _conditions(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "type": "array",
        "items": {"$ref": "#/$defs/condition"},
    }


# One schema per primitive parameter name: a name means the same thing in every primitive.
_PARAMETERS: dict[str, dict[str, Any]] = {
    "min_years": _integer(0, 150, "youngest age met, in whole years on the as-of date"),
    "max_years": _integer(0, 150, "oldest age met, in whole years on the as-of date"),
    "conditions": _conditions("conditions the record (or the patient) must meet"),
    "combine": {"enum": ["all", "any"], "description": "all conditions, or any"},
    "extract": {"enum": _DATED, "description": "the dated extract the records come from"},
    "where": _conditions("which records count"),
    "window": {"$ref": "#/$defs/window"},
    "when_absent": {
        "enum": list(ABSENT_STATUSES),
        "description": "the status when no record is found (unknown by default)",
    },
    "analyte": {"enum": sorted(load_catalogue()), "description": "lab analyte (labs catalogue)"},
    "operator": {
        "enum": [*COMPARATORS, WITHIN_NORMAL_LIMITS],
        "description": "result <operator> threshold, or within its own reference range",
    },
    "threshold": _number("threshold, in `unit` (a multiple of the limit with `relative_to`)"),
    "relative_to": {
        "enum": list(RELATIVE_TO),
        "description": "the threshold is a multiple of the result's own ULN or LLN",
    },
    "at_least": _integer(0, MAX_COUNT, "fewest matching records met"),
    "at_most": _integer(0, MAX_COUNT, "most matching records met (0: none)"),
    "observed": {
        "type": "boolean",
        "description": "an absence counts only where an observation period covers the window",
    },
    "overlap": {
        "type": "boolean",
        "description": "a record counts when its period (start to end) meets the window, "
        "not only when it starts in it (records with an end date: medications)",
    },
    "missing_end_lasts": {
        "type": "object",
        "description": "with `overlap`: how long a record without an end date lasts from its "
        "start (without it, such a record may count: unknown)",
        "additionalProperties": False,
        "minProperties": 1,
        "properties": _lengths(),
    },
    "measure": {"enum": sorted(MEASURES), "description": "a derived measure of the catalogue"},
    "input_windows": {
        "type": "object",
        "description": "an input's own window, instead of `window` (a height years ago)",
        "propertyNames": {"enum": sorted({a for m in MEASURES.values() for a in m.inputs})},
        "additionalProperties": {"$ref": "#/$defs/window"},
    },
    "rules": {
        "type": "array",
        "minItems": 1,
        "description": "the group's branches, rules themselves (groups nest)",
        "items": {"$ref": "#/$defs/rule"},
    },
    "unit": {**_TEXT, "description": "the threshold's unit (default: the analyte's)"},
    "atc_codes": _codes("ATC codes or patterns (L01EF*, L01EA-L01EX), or a code set's name"),
    "course_gap_days": _integer(1, MAX_DAYS, "a longer gap starts a new course"),
    "course": _integer(1, 1000, "which course (1: the first)"),
    "op": {"enum": sorted(COUNT_OPERATORS), "description": "administrations <op> count"},
    "count": _integer(1, 100_000, "number of administrations in the course"),
    "from": {"$ref": "#/$defs/course_event"},
    "to": {
        "type": "object",
        "additionalProperties": False,
        "required": ["extract"],
        "properties": {
            "extract": {"enum": _DATED},
            "where": _conditions("which records count as the event"),
        },
    },
    "min_months": _integer(0, MAX_MONTHS, "shortest interval met, in calendar months"),
    "study_where": _conditions("which imaging studies count"),
    "min_lesions": _integer(1, 10_000),
    "min_measurable": _integer(0, 10_000),
    "min_longest_mm": _number("a non-nodal lesion is measurable from this diameter", 0),
    "min_node_short_axis_mm": _number("a lymph node is measurable from this short axis", 0),
    "min_node_lesion_short_axis_mm": _number("a lymph node is a lesion from this short axis", 0),
    "note": {**_TEXT, "description": "what the inclusion visit confirms"},
    "anchor": {"$ref": "#/$defs/anchor"},
    "event_window": {
        "type": "object",
        "description": "from `start` to `end` around the anchor's day, both ends included",
        "additionalProperties": False,
        "required": ["start", "end"],
        "properties": {"start": {"$ref": "#/$defs/edge"}, "end": {"$ref": "#/$defs/edge"}},
    },
}
# Required beyond `primitive`, as the primitives' `parse` requires them.
_REQUIRED = {
    "latest_record": ["extract", "conditions"],
    "latest_lab": ["analyte", "operator"],
    "record_count": ["extract"],
    "derived_measure": ["measure", "operator", "threshold"],
    **{kind: ["rules"] for kind in GROUP_KINDS},
    "treatment_courses": ["atc_codes", "count"],
    "interval": ["from", "to"],
    "patient_attribute": ["conditions"],
    "first_record": ["extract"],
    "around_event": ["anchor", "extract", "event_window"],
}


def _rule() -> dict[str, Any]:
    """One branch per primitive, chosen by `primitive`, each refusing unknown parameters."""
    branches = []
    for name, parameters in PARAMETERS.items():
        missing = sorted(parameters - set(_PARAMETERS))
        if missing:
            raise ValueError(f"trial schema: no schema for {name} parameters {missing}")
        branches.append(
            {
                "if": {"properties": {"primitive": {"const": name}}},
                "then": {
                    "properties": {
                        "primitive": True,
                        **{p: _PARAMETERS[p] for p in sorted(parameters)},
                    },
                    "required": ["primitive", *_REQUIRED.get(name, [])],
                    "additionalProperties": False,
                },
            }
        )
    return {
        "type": "object",
        "required": ["primitive"],
        "properties": {"primitive": {"enum": list(PARAMETERS)}},
        "allOf": branches,
    }


def _defs() -> dict[str, Any]:
    scalar = {"type": ["string", "number", "boolean"]}
    return {
        "rule": _rule(),
        "condition": {
            "type": "object",
            "required": ["column", "op"],
            "additionalProperties": False,
            "properties": {
                "column": {**_TEXT, "description": "a column of the extract"},
                "op": {"enum": list(OPERATORS)},
                "value": {
                    "description": "what the column is compared with; for in / not_in on a "
                    "coded column, also patterns (C17*, C15-C26) or a code set's name",
                    "oneOf": [scalar, {"type": "array", "minItems": 1, "items": scalar}],
                },
                "numeric": {"type": "boolean", "description": "compare the text as a number"},
            },
            "allOf": [
                {
                    "if": {"properties": {"op": {"enum": list(NO_VALUE)}}},
                    "then": {"not": {"required": ["value"]}},
                    "else": {"required": ["value"]},
                }
            ],
        },
        "window": {
            "type": "object",
            "description": "records dated from the as-of date minus this length to the as-of "
            "date, or to `ending` before it; both ends included",
            "additionalProperties": False,
            "properties": {
                **_lengths(),
                "ending": {
                    "type": "object",
                    "description": "the window ends this long before the as-of date",
                    "additionalProperties": False,
                    "properties": _lengths(),
                },
            },
        },
        "anchor": {
            "type": "object",
            "description": "the event a window is measured from: the first or last record",
            "additionalProperties": False,
            "required": ["extract", "record"],
            "properties": {
                "extract": {"enum": _DATED},
                "where": _conditions("which records count as the event"),
                "record": {"enum": list(RECORDS), "description": "the first or the last one"},
            },
        },
        "edge": {
            "type": "object",
            "description": "an end of the window: a length before or after the anchor's day",
            "additionalProperties": False,
            "properties": {
                **_lengths(),
                "side": {"enum": list(SIDES), "description": "before or after the anchor"},
            },
        },
        "course_event": {
            "type": "object",
            "additionalProperties": False,
            "required": ["event", "atc_codes"],
            "properties": {
                "event": {"const": "treatment_course"},
                "at": {"enum": ["start", "end"]},
                **{key: _PARAMETERS[key] for key in COURSE_KEYS},
            },
        },
        "code_set": {
            "type": "object",
            "additionalProperties": False,
            "required": ["system", "include"],
            "properties": {
                "system": {"enum": sorted(SYSTEMS)},
                "description": _TEXT,
                "include": {"type": "array", "minItems": 1, "items": _TEXT},
                "exclude": {"type": "array", "minItems": 1, "items": _TEXT},
            },
        },
        "criterion": {
            "type": "object",
            "required": ["id", "rule"],
            "additionalProperties": False,
            "properties": {
                "id": _LABEL,
                "kind": {"enum": list(KINDS)},
                "text": {**_TEXT, "description": "the protocol's wording"},
                "rule": {"$ref": "#/$defs/rule"},
                "applies_when": {
                    "type": "array",
                    "description": "rules that must all be met for the criterion to apply",
                    "items": {"$ref": "#/$defs/rule"},
                },
                "protocol_item": _LABEL,
                "to_confirm": {**_TEXT, "description": "what the inclusion visit confirms"},
            },
        },
    }


def trial_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a trial file."""
    properties = {
        "id": {"type": ["string", "number"], "pattern": f"^{SAFE_NAME.pattern}$"},
        "title": _TEXT,
        "version": _LABEL,
        "exclude_deceased": {"type": "boolean"},
        "code_sets": {
            "type": "object",
            "propertyNames": {"pattern": f"^{NAME.pattern}$"},
            "additionalProperties": {"$ref": "#/$defs/code_set"},
        },
        "criteria": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/criterion"}},
    }
    defs = _defs()
    if set(properties) != TRIAL_KEYS or set(defs["criterion"]["properties"]) != CRITERION_KEYS:
        raise ValueError("trial schema: trial or criterion keys differ from the loader's")
    if set(defs["code_set"]["properties"]) != CODE_SET_KEYS:
        raise ValueError("trial schema: code set keys differ from the loader's")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "Clinical trial eligibility criteria (screening)",
        "type": "object",
        "required": ["id", "title", "criteria"],
        "additionalProperties": False,
        "properties": properties,
        "$defs": defs,
    }


def schema_text() -> str:
    """The schema as written to trials/trial.schema.json."""
    return json.dumps(trial_schema(), indent=2, ensure_ascii=False) + "\n"
