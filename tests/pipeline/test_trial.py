"""Loading trial files: validation errors name the file."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.rules.age import AgeRule
from pipeline.trial import find_trial, load_trial

VALID = """
id: t
title: T
criteria:
  - id: age
    rule: {primitive: age, min_years: 18}
  - id: ecog
    rule:
      primitive: latest_record
      extract: assessments
      where: [{column: assessment_type, op: eq, value: ECOG}]
      conditions: [{column: value, op: le, value: 2, numeric: true}]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "my-trial.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_valid_trial_loads_in_protocol_order(tmp_path):
    path = write(tmp_path, VALID)
    trial = load_trial(path)
    assert trial.criterion_ids() == ["age", "ecog"]
    assert [c.order for c in trial.criteria] == [1, 2]
    assert isinstance(trial.criteria[0].rule, AgeRule)
    assert trial.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_repository_trial_loads():
    trial = load_trial(find_trial("lutathera-retreatment"))
    assert len(trial.criteria) == 18
    assert trial.criteria[0].id == "age"
    assert len(trial.criteria[13].applies_when) == 3


def assert_config_error_names_file(path: Path, *fragments: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_trial(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_unknown_primitive_names_the_file_and_criterion(tmp_path):
    path = write(tmp_path, VALID.replace("primitive: age", "primitive: horoscope"))
    assert_config_error_names_file(path, "horoscope", "'age'")


def test_bad_condition_operator_names_the_file(tmp_path):
    path = write(tmp_path, VALID.replace("op: le", "op: lte"))
    assert_config_error_names_file(path, "lte", "'ecog'")


def test_bad_lab_comparator_names_the_file(tmp_path):
    text = VALID + (
        "  - id: hb\n"
        "    rule: {primitive: latest_lab, analyte: haemoglobin, operator: '=>', threshold: 8}\n"
    )
    assert_config_error_names_file(write(tmp_path, text), "'hb'")


def test_duplicate_criterion_ids_name_the_file(tmp_path):
    path = write(tmp_path, VALID.replace("id: ecog", "id: age"))
    assert_config_error_names_file(path, "unique")


def test_criterion_id_overall_is_reserved(tmp_path):
    assert_config_error_names_file(write(tmp_path, VALID.replace("id: ecog", "id: overall")))


def test_missing_criterion_id_names_the_file(tmp_path):
    assert_config_error_names_file(write(tmp_path, VALID.replace("  - id: ecog\n", "  - \n")))


def test_unknown_kind_names_the_file(tmp_path):
    text = VALID.replace("  - id: ecog\n", "  - id: ecog\n    kind: maybe\n")
    assert_config_error_names_file(write(tmp_path, text), "kind")


def test_bad_applicability_rule_names_the_file(tmp_path):
    text = VALID.replace("  - id: ecog\n", "  - id: ecog\n    applies_when: [{primitive: tarot}]\n")
    assert_config_error_names_file(write(tmp_path, text), "applies_when", "tarot")


def test_misspelt_rule_parameter_names_the_file(tmp_path):
    # `min_year` would otherwise leave the age unbounded: every adult and child "met".
    path = write(tmp_path, VALID.replace("min_years: 18", "min_year: 18"))
    assert_config_error_names_file(path, "min_year", "'age'")


def test_misspelt_condition_value_names_the_file(tmp_path):
    # `values` would otherwise compare with None: not_met for everybody.
    path = write(tmp_path, VALID.replace("value: ECOG", "values: ECOG"))
    assert_config_error_names_file(path, "values", "'ecog'")


def test_condition_without_a_value_names_the_file(tmp_path):
    path = write(tmp_path, VALID.replace(", value: 2, numeric: true", ""))
    assert_config_error_names_file(path, "needs a value")


def test_misspelt_combine_names_the_file(tmp_path):
    path = write(
        tmp_path, VALID.replace("extract: assessments", "extract: assessments\n      combine: al")
    )
    assert_config_error_names_file(path, "combine")


def test_misspelt_interval_key_names_the_file(tmp_path):
    text = VALID + (
        "  - id: gap\n"
        "    rule:\n"
        "      primitive: interval\n"
        "      from: {event: treatment_course, atc_codes: [V10XX04], course_gap: 90}\n"
        "      to: {extract: imaging_studies}\n"
    )
    assert_config_error_names_file(write(tmp_path, text), "from.course_gap")


def test_missing_title_names_the_file(tmp_path):
    assert_config_error_names_file(write(tmp_path, VALID.replace("title: T\n", "")), "title")


def test_no_criteria_names_the_file(tmp_path):
    assert_config_error_names_file(write(tmp_path, "id: t\ntitle: T\ncriteria: []\n"))


def test_invalid_yaml_names_the_file(tmp_path):
    assert_config_error_names_file(write(tmp_path, "id: t\ncriteria: [\n"))


def test_missing_file_names_the_file(tmp_path):
    assert_config_error_names_file(tmp_path / "absent.yaml")


def test_unknown_trial_name_is_a_config_error():
    with pytest.raises(ConfigError, match="no trial named"):
        find_trial("no-such-trial")


def test_lab_analytes_read_are_those_of_latest_lab_rules(tmp_path):
    trial = load_trial(find_trial("lutathera-retreatment"))
    assert trial.lab_analytes_read() == {"haemoglobin", "neutrophils", "platelets", "beta_hcg"}
    assert load_trial(write(tmp_path, VALID)).lab_analytes_read() == frozenset()


def test_a_rule_reading_labs_otherwise_keeps_every_lab_row(tmp_path):
    text = (
        VALID.replace("extract: assessments", "extract: labs")
        .replace("assessment_type, op: eq, value: ECOG", "loinc_code, op: eq, value: 2160-0")
        .replace("column: value, op: le, value: 2, numeric: true", "column: unit, op: eq, value: x")
    )
    assert load_trial(write(tmp_path, text)).lab_analytes_read() is None
