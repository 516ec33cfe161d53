"""Code sets on diagnoses: each code column of `conditions` is tied to its code system, so a
code set of another system, or a pattern its system cannot have, is refused at load."""

from __future__ import annotations

import pytest

from pipeline.errors import ConfigError
from pipeline.rules.code_systems import column_system
from pipeline.trial import parse_trial


@pytest.mark.parametrize(
    ("column", "system"),
    [
        ("icd10_code", "icd10"),
        ("topography_code", "icdo3_topography"),
        ("morphology_code", "icdo3_morphology"),
        ("snomed_code", "snomed"),
    ],
)
def test_each_code_column_knows_its_system(column, system):
    found = column_system("conditions", column)
    assert found is not None and found.name == system


def trial(value: object, column: str = "icd10_code") -> dict:
    return {
        "id": "t",
        "title": "T",
        "code_sets": {"cancers": {"system": "icd10", "include": ["C00-C97"], "exclude": ["C44*"]}},
        "criteria": [
            {
                "id": "c",
                "rule": {
                    "primitive": "record_count",
                    "extract": "conditions",
                    "where": [{"column": column, "op": "in", "value": value}],
                    "at_least": 1,
                },
            }
        ],
    }


def test_a_code_set_of_its_system_and_inline_patterns_load():
    parse_trial(trial("cancers"), "t.yaml", "0")
    parse_trial(trial(["C50*", "C61"]), "t.yaml", "0")
    parse_trial(trial(["254837009"], "snomed_code"), "t.yaml", "0")


@pytest.mark.parametrize(
    ("value", "column", "fragment"),
    [
        ("cancers", "snomed_code", "holds icd10 codes, 'value' needs snomed codes"),
        (["2548*"], "snomed_code", "snomed has no hierarchy"),
        (["C5O*"], "icd10_code", "no code starts with 'C5O'"),
        (["8500/3"], "icd10_code", "cannot match any ICD-10 code"),
    ],
)
def test_codes_of_another_shape_are_refused_naming_the_criterion(value, column, fragment):
    with pytest.raises(ConfigError, match=r"t\.yaml") as error:
        parse_trial(trial(value, column), "t.yaml", "0")
    assert fragment in str(error.value)
    assert "'c'" in str(error.value)
