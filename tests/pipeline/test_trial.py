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
        ("assessment_type", "eq", "KPS", "assessments", "'KPS' is not a code"),
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


def assert_one_line_error(path: Path, *fragments: str) -> None:
    """The error names the file and every fragment (criterion, key), on one line."""
    with pytest.raises(ConfigError) as caught:
        load_trial(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message


LAB = (
    "  - id: hb\n"
    "    rule: {primitive: latest_lab, analyte: haemoglobin, operator: '>', threshold: 8,\n"
    "           unit: g/dL, window: {days: 28}}\n"
)


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        ("threshold: 8", "threshold: .nan", ("'hb'", "'threshold'", "finite")),
        ("threshold: 8", "threshold: -.inf", ("'hb'", "'threshold'", "finite")),
        ("threshold: 8", "threshold: 1.0e+999", ("'hb'", "'threshold'", "finite")),
        ("threshold: 8", "threshold: '8'", ("'hb'", "'threshold'", "a number, not a text")),
        ("threshold: 8", "threshold: true", ("'hb'", "'threshold'", "not a boolean")),
        ("threshold: 8,", "", ("'hb'", "threshold is required")),
        ("days: 28", "days: -1", ("'hb'", "'window.days'", "from 0 to 36525")),
        ("days: 28", "days: 100000", ("'hb'", "'window.days'", "from 0 to 36525")),
        ("days: 28", "months: 100000", ("'hb'", "'window.months'", "from 0 to 1200")),
        ("days: 28", "days: 2.5", ("'hb'", "'window.days'", "whole number")),
        ("days: 28", "week: 4", ("'hb'", "window is a mapping")),
        ("unit: g/dL", "unit: [g/dL]", ("'hb'", "'unit'", "a text, not a list")),
        ("analyte: haemoglobin", "analyte: [haemoglobin]", ("'hb'", "unknown analyte")),
    ],
)
def test_lab_rule_values_are_typed_and_bounded(tmp_path, old, new, fragments):
    path = write(tmp_path, VALID + LAB.replace(old, new))
    assert_one_line_error(path, *fragments)


def test_a_threshold_finite_in_its_unit_but_not_in_the_canonical_one_is_refused(tmp_path):
    # 1e306 G/L is finite; in /mm3 (x 1000) it is not.
    text = LAB.replace("analyte: haemoglobin", "analyte: platelets").replace("g/dL", "G/L")
    path = write(tmp_path, VALID + text.replace("threshold: 8", "threshold: 1.0e+306"))
    assert_one_line_error(path, "'hb'", "'threshold'", "finite")


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        ("min_years: 18", "min_years: -1", ("'age'", "'min_years'", "from 0 to 150")),
        ("min_years: 18", "min_years: 18.5", ("'age'", "'min_years'", "whole number")),
        ("min_years: 18", "min_years: '18'", ("'age'", "'min_years'", "not a text")),
        ("min_years: 18", "min_years: 40, max_years: 18", ("'age'", "'max_years' is below")),
        ("op: le, value: 2", "op: le, value: two", ("'ecog'", "'value'", "a number")),
        ("op: le, value: 2", "op: le, value: .nan", ("'ecog'", "'value'", "finite")),
        ("op: eq, value: ECOG", "op: eq, value: [ECOG]", ("'ecog'", "'value'", "not a list")),
        ("op: eq, value: ECOG", "op: in, value: []", ("'ecog'", "'value'", "empty list")),
        ("op: eq, value: ECOG", "op: in, value: [[ECOG]]", ("'ecog'", "'value[0]'")),
        ("op: eq, value: ECOG", "op: is_true, value: ECOG", ("'ecog'", "takes no value")),
        ("numeric: true", "numeric: 'yes'", ("'ecog'", "'numeric'", "true or false")),
        ("column: value,", "column: 7,", ("'ecog'", "'column'", "a text, not a number")),
        ("where: [{", "where: [5, {", ("'ecog'", "a condition is a mapping")),
        ("where: [{column: assessment_type, op: eq, value: ECOG}]", "where: 5", ("'ecog'",)),
        ("extract: assessments", "extract: [assessments]", ("'ecog'", "dated extract")),
        ("primitive: age", "primitive: [age]", ("'age'", "unknown primitive")),
    ],
)
def test_rule_and_condition_values_are_typed(tmp_path, old, new, fragments):
    assert_one_line_error(write(tmp_path, VALID.replace(old, new)), *fragments)


COURSES = (
    "  - id: prrt\n"
    "    rule: {primitive: treatment_courses, atc_codes: [V10XX04], course_gap_days: 120,\n"
    "           course: 1, op: ge, count: 4}\n"
)
INTERVAL = (
    "  - id: gap\n"
    "    rule:\n"
    "      primitive: interval\n"
    "      from: {event: treatment_course, atc_codes: [V10XX04]}\n"
    "      to: {extract: imaging_studies}\n"
    "      min_months: 12\n"
)
LESIONS = (
    "  - id: recist\n"
    "    rule: {primitive: lesion_measurements, min_lesions: 2, min_longest_mm: 10,\n"
    "           window: {months: 4}}\n"
)


@pytest.mark.parametrize(
    ("block", "old", "new", "fragments"),
    [
        (COURSES, "count: 4", "count: 0", ("'prrt'", "'count'", "from 1 to")),
        (COURSES, "count: 4", "count: four", ("'prrt'", "'count'", "whole number")),
        (COURSES, ", count: 4", "", ("'prrt'", "count is required")),
        (COURSES, "course: 1", "course: 0", ("'prrt'", "'course'", "from 1 to")),
        (COURSES, "gap_days: 120", "gap_days: -5", ("'prrt'", "'course_gap_days'")),
        (
            COURSES,
            "[V10XX04]",
            "V10XX04",
            ("'prrt'", "'atc_codes'", "names no code set", "[V10XX04]"),
        ),
        (COURSES, "[V10XX04]", "[]", ("'prrt'", "'atc_codes'", "empty list")),
        (COURSES, "op: ge", "op: [ge]", ("'prrt'", "op must be one of")),
        (INTERVAL, "min_months: 12", "min_months: 100000", ("'gap'", "'min_months'", "1200")),
        (INTERVAL, "min_months: 12", "min_months: -1", ("'gap'", "'min_months'")),
        (
            INTERVAL,
            "{event: treatment_course, atc_codes: [V10XX04]}",
            "[x]",
            ("'gap'", "'from' must be a mapping"),
        ),
        (INTERVAL, "to: {extract: imaging_studies}", "to: [x]", ("'gap'", "'to' must be")),
        (INTERVAL, "{extract: imaging_studies}", "{extract: [x]}", ("'gap'", "to.extract")),
        (LESIONS, "min_lesions: 2", "min_lesions: 0", ("'recist'", "'min_lesions'")),
        (LESIONS, "min_longest_mm: 10", "min_longest_mm: .inf", ("'recist'", "finite")),
        (LESIONS, "min_longest_mm: 10", "min_longest_mm: -1", ("'recist'", "at least 0")),
        (LESIONS, "months: 4", "months: 1.0e+9", ("'recist'", "'window.months'")),
    ],
)
def test_counts_intervals_and_sizes_are_typed_and_bounded(tmp_path, block, old, new, fragments):
    text = VALID + block.replace(old, new)
    assert_one_line_error(write(tmp_path, text), *fragments)


def test_the_blocks_above_are_valid_as_written(tmp_path):
    trial = load_trial(write(tmp_path, VALID + LAB + COURSES + INTERVAL + LESIONS))
    assert trial.criterion_ids() == ["alive", "age", "ecog", "hb", "prrt", "gap", "recist"]


HEAD = "id: t\ntitle: T\ncriteria:\n"


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("id: t\ntitle: T\ncriteria: 5\n", ("'criteria' must be a list", "int")),
        ("id: t\ntitle: T\ncriteria: {id: a}\n", ("'criteria' must be a list",)),
        ("id: t\ntitle: T\ncriteria: [age]\n", ("criterion 1", "a criterion is a mapping")),
        ("id: t\ntitle: T\ncriteria: [[]]\n", ("criterion 1", "a criterion is a mapping")),
        ("id: t\ntitle: T\ncriteria: [{id: a}]\n", ("criterion 'a'", "needs a rule")),
        ("id: t\ntitle: T\ncriteria: [{id: a, rule: 5}]\n", ("criterion 'a'", "a rule is")),
        ("id: t\ntitle: [T]\ncriteria: [{id: a, rule: {primitive: age}}]\n", ("'title'",)),
        ("id: {x: 1}\ntitle: T\ncriteria: [{id: a, rule: {primitive: age}}]\n", ("'id'",)),
        ("id: t\ntitle: T\ncriteria: [{id: [a], rule: {primitive: age}}]\n", ("'id'",)),
        (
            "id: t\ntitle: T\nversion: .nan\ncriteria: [{id: a, rule: {primitive: age}}]\n",
            ("'version'",),
        ),
        (
            "id: t\ntitle: T\nowner: me\ncriteria: [{id: a, rule: {primitive: age}}]\n",
            ("['owner']",),
        ),
        (
            "id: t\ntitle: T\ncriteria:\n  - {id: a, rule: {primitive: age}, txt: A}\n",
            ("'a'", "['txt']"),
        ),
        (
            "id: t\ntitle: T\ncriteria:\n  - {id: a, rule: {primitive: age}, text: yes}\n",
            ("'a'", "'text'", "boolean"),
        ),
        (
            "id: t\ntitle: T\ncriteria:\n  - {id: a, rule: {primitive: age}, kind: [inclusion]}\n",
            ("'a'", "kind"),
        ),
        (
            HEAD + "  - {id: a, rule: {primitive: age}, applies_when: {primitive: age}}\n",
            ("'a'", "'applies_when'", "a list"),
        ),
        (
            HEAD + "  - {id: a, rule: {primitive: confirm_at_visit, note: 12}}\n",
            ("'a'", "'note'"),
        ),
    ],
)
def test_trial_and_criterion_structure_is_checked(tmp_path, text, fragments):
    assert_one_line_error(write(tmp_path, text), *fragments)


def test_numbers_as_labels_stay_accepted(tmp_path):
    # `version: 1` and `protocol_item: 3` are numbers to YAML; they label, so they stay valid.
    text = "version: 1.1\n" + HEAD + "  - {id: 7, protocol_item: 3, rule: {primitive: age}}\n"
    trial = load_trial(write(tmp_path, text))
    assert (trial.version, trial.criteria[-1].id, trial.criteria[-1].protocol_item) == (
        "1.1",
        "7",
        "3",
    )


def test_fixture_trial_loads():
    path = (
        Path(__file__).resolve().parent.parent
        / "fixtures"
        / "trials"
        / "net-maintenance-example.yaml"
    )
    assert load_trial(path).criterion_ids() == [
        "alive",
        "adult_under_76",
        "platelets_100_g_l",
        "ecog_0_1",
        "no_prior_prrt",
    ]


@pytest.mark.parametrize("trial_id", ["../../outside", "/tmp/x", ".hidden", "a b", "x" * 101, "é"])
def test_trial_id_must_be_a_safe_folder_and_dag_name(tmp_path, trial_id):
    # The id names REPORTS/<trial>/, the work folder and the DAG: never a path.
    text = VALID.replace("id: t\n", f"id: '{trial_id}'\n", 1)
    assert_one_line_error(write(tmp_path, text), "'id' must be letters, digits")


def test_patient_attribute_without_conditions_is_refused_at_load(tmp_path):
    # It passed the load and failed with an IndexError when screened, after validation.
    text = HEAD + "  - {id: a, rule: {primitive: patient_attribute}}\n"
    assert_one_line_error(write(tmp_path, text), "'a'", "at least one condition")


def test_an_empty_applies_when_still_means_always_applicable(tmp_path):
    text = HEAD + "  - {id: a, rule: {primitive: age}, applies_when: []}\n"
    criterion = load_trial(write(tmp_path, text)).criteria[-1]
    assert (criterion.id, criterion.applies_when) == ("a", ())


CODE_SETS = """
id: t
title: T
code_sets:
  cdk46_inhibitors:
    system: atc
    description: CDK4/6 inhibitors
    include: [L01EF*]
    exclude: [L01EF03]
  intestine:
    system: icdo3_topography
    include: [C17-C20]
criteria:
  - id: prior_cdk46
    kind: exclusion
    rule: {primitive: treatment_courses, atc_codes: cdk46_inhibitors, count: 1}
  - id: histology
    rule:
      primitive: latest_record
      extract: pathology
      conditions:
        - {column: topography_code, op: in, value: intestine}
        - {column: morphology_code, op: in, value: [824*]}
"""


def test_code_sets_are_named_once_and_used_by_criteria(tmp_path):
    trial = load_trial(write(tmp_path, CODE_SETS))
    assert sorted(trial.code_sets) == ["cdk46_inhibitors", "intestine"]
    courses = {c.id: c for c in trial.criteria}["prior_cdk46"].rule.course
    assert courses.atc_codes is trial.code_sets["cdk46_inhibitors"]
    histology = {c.id: c for c in trial.criteria}["histology"].rule.conditions
    assert histology[0].value is trial.code_sets["intestine"]
    assert histology[1].value.patterns_text() == "824*"


@pytest.mark.parametrize(
    ("old", "new", "fragments"),
    [
        # A pattern no code of the system can match: the code set is named.
        ("include: [L01EF*]", "include: [L1EF*]", ("code set 'cdk46_inhibitors'", "'L1EF*'")),
        ("exclude: [L01EF03]", "exclude: [L01EF3]", ("code set 'cdk46_inhibitors'", "exclude")),
        ("include: [C17-C20]", "include: [C20-C17]", ("code set 'intestine'", "first comes")),
        ("system: atc", "system: ATC", ("code set 'cdk46_inhibitors'", "'system' must be")),
        ("exclude: [L01EF03]", "exclude: [L01E*]", ("'cdk46_inhibitors'", "wholly removed")),
        # ... or written inline in a criterion: the criterion is named.
        ("value: [824*]", "value: [82A*]", ("criterion 'histology'", "'82A*'", "value[0]")),
        ("atc_codes: cdk46_inhibitors", "atc_codes: [L01-EF]", ("criterion 'prior_cdk46'",)),
        # A name that is no code set, or a code set of another system.
        ("atc_codes: cdk46_inhibitors", "atc_codes: cdk4", ("'prior_cdk46'", "no code set")),
        ("atc_codes: cdk46_inhibitors", "atc_codes: intestine", ("'prior_cdk46'", "icdo3")),
        ("value: intestine", "value: cdk46_inhibitors", ("'histology'", "holds atc codes")),
        ("code_sets:", "code_set:", ("unknown keys", "code_set")),
    ],
)
def test_code_set_errors_name_the_file_and_the_code_set_or_criterion(tmp_path, old, new, fragments):
    assert old in CODE_SETS
    assert_one_line_error(write(tmp_path, CODE_SETS.replace(old, new)), *fragments)


def test_a_code_set_name_is_refused_where_a_column_has_no_code_system(tmp_path):
    text = VALID.replace("op: eq, value: ECOG", "op: in, value: ECOG")
    assert_one_line_error(write(tmp_path, text), "'ecog'", "operator in takes a list value")
