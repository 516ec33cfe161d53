"""Code sets on procedures: each code column of `procedures` is tied to its code system (CCAM,
SNOMED CT, ICD-10-PCS), so a code set of another system, or a pattern its system cannot have,
is refused at load; the category is a closed list, refused outside it."""

from __future__ import annotations

import re

import pytest

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.rules.code_systems import SYSTEMS, column_system
from pipeline.trial import parse_trial


@pytest.mark.parametrize(
    ("column", "system"),
    [("ccam_code", "ccam"), ("snomed_code", "snomed"), ("icd10pcs_code", "icd10pcs")],
)
def test_each_code_column_knows_its_system(column, system):
    found = column_system("procedures", column)
    assert found is not None and found.name == system


@pytest.mark.parametrize(
    ("system", "good", "bad"),
    [
        ("ccam", ["HHFA016", "ZZNL050"], ["HHFA16", "HHF0016", "HHFA0160", "1HFA016"]),
        ("icd10pcs", ["0DTN0ZZ", "DG0027Z"], ["0DTN0Z", "0DTN0ZZZ", "0DTI0ZZ", "0DTO0ZZ"]),
    ],
)
def test_the_shapes_of_the_procedure_systems(system, good, bad):
    shape = SYSTEMS[system].shape
    assert all(re.fullmatch(shape, code) for code in good)
    assert not any(re.fullmatch(shape, code) for code in bad)
    assert SYSTEMS[system].is_prefix(good[0][:2]) and not SYSTEMS[system].is_prefix(bad[-1][:4])


def trial(value: object, column: str = "ccam_code") -> dict:
    return {
        "id": "t",
        "title": "T",
        "code_sets": {"liver": {"system": "ccam", "include": ["HLNF*", "HLNK*"]}},
        "criteria": [
            {
                "id": "c",
                "rule": {
                    "primitive": "record_count",
                    "extract": "procedures",
                    "where": [{"column": column, "op": "in", "value": value}],
                    "at_least": 1,
                },
            }
        ],
    }


def test_a_code_set_of_its_system_and_inline_patterns_load():
    parse_trial(trial("liver"), "t.yaml", "0")
    parse_trial(trial(["HH*", "ZZNL050"]), "t.yaml", "0")
    parse_trial(trial(["D*"], "icd10pcs_code"), "t.yaml", "0")
    parse_trial(trial(["SURGERY"], "category"), "t.yaml", "0")


@pytest.mark.parametrize(
    ("value", "column", "fragment"),
    [
        ("liver", "snomed_code", "holds ccam codes, 'value' needs snomed codes"),
        (["HH1*"], "ccam_code", "no code starts with 'HH1'"),
        (["0DTI*"], "icd10pcs_code", "no code starts with '0DTI'"),
        (["SURGICAL"], "category", "SURGICAL"),
    ],
)
def test_codes_of_another_shape_are_refused_naming_the_criterion(value, column, fragment):
    with pytest.raises(ConfigError, match=r"t\.yaml") as error:
        parse_trial(trial(value, column), "t.yaml", "0")
    assert fragment in str(error.value)
    assert "'c'" in str(error.value)


def test_the_category_is_a_closed_list():
    category = EXTRACTS["procedures"].column("category")
    assert category.allowed == ("SURGERY", "RADIOTHERAPY", "INTERVENTIONAL_RADIOLOGY", "OTHER")
