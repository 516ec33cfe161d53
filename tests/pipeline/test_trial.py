"""Loading trial files: validation errors name the file."""

from __future__ import annotations

import hashlib
import textwrap
from pathlib import Path

import pytest

from pipeline.errors import ConfigError
from pipeline.rules.age import AgeRule
from pipeline.rules.alive import AliveRule
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
    assert trial.criterion_ids() == ["alive", "age", "ecog"]  # vital status leads
    assert [c.order for c in trial.criteria] == [1, 2, 3]
    assert isinstance(trial.criteria[0].rule, AliveRule)
    assert isinstance(trial.criteria[1].rule, AgeRule)
    assert trial.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_repository_trial_loads():
    trial = load_trial(find_trial("lutathera-retreatment"))
    assert len(trial.criteria) == 19
    assert [c.id for c in trial.criteria[:2]] == ["alive", "age"]
    assert len(trial.criteria[14].applies_when) == 3  # pregnancy test
    assert len(trial.criteria[15].applies_when) == 2  # contraception: menopausal status too


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


def test_exclude_deceased_false_drops_the_vital_status_criterion(tmp_path):
    path = write(tmp_path, VALID + "exclude_deceased: false\n")
    assert load_trial(path).criterion_ids() == ["age", "ecog"]
    placed = VALID.replace(
        "  - id: ecog", "  - id: vital\n    rule: {primitive: alive}\n  - id: ecog"
    )
    assert load_trial(write(tmp_path, placed)).criterion_ids() == ["age", "vital", "ecog"]


def test_exclude_deceased_must_be_a_boolean(tmp_path):
    assert_config_error_names_file(
        write(tmp_path, VALID + "exclude_deceased: 'no'\n"), "true or false"
    )


def test_the_criterion_id_alive_is_reserved(tmp_path):
    clash = VALID.replace("  - id: ecog", "  - id: alive\n    rule: {primitive: age}\n  - id: ecog")
    assert_config_error_names_file(write(tmp_path, clash), "reserved")


def _with_condition(column: str, op: str, value: object, extract: str = "assessments") -> str:
    return f"""
id: t
title: T
criteria:
  - id: c1
    rule:
      primitive: latest_record
      extract: {extract}
      conditions: [{{column: {column}, op: {op}, value: {value}}}]
"""


@pytest.mark.parametrize(
    ("column", "op", "value", "extract", "fragment"),
    [
        ("assessment_type", "eq", "KARNOFSKY", "assessments", "'KARNOFSKY' is not a code"),
        ("recist_response", "in", "[PD, PROGRESSION]", "imaging_studies", "'PROGRESSION'"),
        ("decision", "eq", "RETREATMENT", "tumour_board", "is not a code of tumour_board"),
        ("morphology_code", "eq", "8240", "pathology", "ICD-O-3 morphology"),
        ("modality", "prefix", "[XR]", "imaging_studies", "can match no code"),
        ("assesment_type", "eq", "ECOG", "assessments", "unknown column 'assesment_type'"),
        ("family_name", "eq", "X", "patients", "unknown column 'family_name'"),
        ("modality", "gt", "3", "imaging_studies", "holds codes"),
        ("value", "is_true", "null", "assessments", "true/false column"),
    ],
)
def test_a_condition_outside_its_columns_vocabulary_is_refused_at_load(
    tmp_path, column, op, value, extract, fragment
):
    if extract == "patients":
        text = _with_condition(column, op, value).replace(
            "primitive: latest_record\n      extract: assessments",
            "primitive: patient_attribute",
        )
    else:
        text = _with_condition(column, op, value, extract)
    assert_config_error_names_file(write(tmp_path, text), "criterion 'c1'", fragment)


@pytest.mark.parametrize(
    ("column", "op", "value", "extract"),
    [
        ("assessment_type", "eq", "ecog", "assessments"),  # compared in normalised spelling
        ("uptake_vs_liver", "in", "[EQUAL, ABOVE]", "imaging_studies"),
        ("topography_code", "prefix", "[C17, C18]", "pathology"),
        ("morphology_code", "in", "[8240/3, 8249/3]", "pathology"),
        ("decision", "eq", "PRRT_RETREATMENT", "tumour_board"),
        ("value", "le", "2", "assessments"),
    ],
)
def test_a_condition_inside_its_columns_vocabulary_loads(tmp_path, column, op, value, extract):
    load_trial(write(tmp_path, _with_condition(column, op, value, extract)))


def test_atc_codes_of_another_shape_are_refused(tmp_path):
    text = """
id: t
title: T
criteria:
  - id: prrt
    rule: {primitive: treatment_courses, atc_codes: [lutathera], count: 4}
"""
    assert_config_error_names_file(write(tmp_path, text), "criterion 'prrt'", "WHO ATC code")


def test_code_values_are_read_in_the_spelling_codes_have_after_typing(tmp_path):
    text = _with_condition("assessment_type", "in", "[' ecog', Life_Expectancy]")
    trial = load_trial(write(tmp_path, text))
    assert trial.criteria[1].rule.conditions[0].value == ["ECOG", "LIFE_EXPECTANCY"]
