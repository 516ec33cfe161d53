"""Code sets: exact codes, prefixes, ranges and exclusions, matched per distinct code;
patterns no code of the system can match are refused when the trial is loaded."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.engine import screen
from pipeline.errors import ConfigError
from pipeline.rules.code_sets import parse_code_set, parse_pattern, resolve
from pipeline.rules.code_systems import SYSTEMS, column_system
from pipeline.rules.conditions import Condition, condition_status
from pipeline.status import STATUS_NAMES
from pipeline.trial import parse_trial

ATC, ICD10, TOPOGRAPHY = SYSTEMS["atc"], SYSTEMS["icd10"], SYSTEMS["icdo3_topography"]


def code_set(system: str, include: list, exclude: list | None = None):
    spec = {"system": system, "include": include}
    if exclude is not None:
        spec["exclude"] = exclude
    return parse_code_set("tested", spec, "trial.yaml")


def matched(codes: list, system: str, include: list, exclude: list | None = None) -> list:
    found = code_set(system, include, exclude).contains(pd.Series(codes, dtype="str"))
    return [c for c, hit in zip(codes, found, strict=True) if hit]


def test_a_prefix_matches_every_code_below_it_and_an_exact_code_only_itself():
    codes = ["L01EF01", "L01EF03", "L01EF", "L01EA01", "L01E"]
    assert matched(codes, "atc", ["L01EF*"]) == ["L01EF01", "L01EF03", "L01EF"]
    assert matched(codes, "atc", ["L01EF"]) == ["L01EF"]


def test_exclusions_remove_codes_from_what_is_included():
    codes = ["C15.0", "C18.2", "C44.9", "C44", "C26.1", "C27", "C14"]
    assert matched(codes, "icd10", ["C00-C97"], ["C44*"]) == [
        "C15.0",
        "C18.2",
        "C26.1",
        "C27",
        "C14",
    ]
    assert matched(codes, "icd10", ["C15-C26"]) == ["C15.0", "C18.2", "C26.1"]  # C26.1 below C26


def test_icd10_cm_neuroendocrine_codes_sort_inside_their_chapter():
    """ICD-10-CM's C7A (malignant neuroendocrine tumours) sits after C79 and before C80,
    as in the classification: "C00-C97" holds it, "C7A*" is its own category."""
    codes = ["C79.9", "C7A.010", "C7A.8", "C80.1", "D3A.010"]
    assert matched(codes, "icd10", ["C00-C97"]) == ["C79.9", "C7A.010", "C7A.8", "C80.1"]
    assert matched(codes, "icd10", ["C7A*"]) == ["C7A.010", "C7A.8"]
    assert matched(codes, "icd10", ["C7A.0-C7A.8", "D3A*"]) == ["C7A.010", "C7A.8", "D3A.010"]


def test_exact_codes_prefixes_and_ranges_combine():
    codes = ["V10XX04", "L01EF01", "L02BG03", "L02BG04", "A10BA02"]
    include = ["V10XX04", "L01EF*", "L02BG03-L02BG04"]
    assert matched(codes, "atc", include, ["L02BG04"]) == ["V10XX04", "L01EF01", "L02BG03"]


def test_a_missing_code_is_unknown_not_unequal():
    condition = Condition("atc_code", "in", resolve(["L01EF*"], ATC, "here", "value"))
    frame = pd.DataFrame({"atc_code": pd.Series(["L01EF01", None, "A10BA02"], dtype="str")})
    statuses = [STATUS_NAMES[s] for s in condition_status(frame, condition)]
    assert statuses == ["met", "unknown", "not_met"]
    negated = Condition("atc_code", "not_in", condition.value)
    assert [STATUS_NAMES[s] for s in condition_status(frame, negated)] == [
        "not_met",
        "unknown",
        "met",
    ]


def test_many_rows_are_matched_through_their_distinct_codes():
    codes = pd.Series(["L01EF01", "A10BA02", None] * 1000, dtype="str")
    found = code_set("atc", ["L01EF*"]).contains(codes)
    assert found.index.equals(codes.index)
    assert found.sum() == 1000 and found.iloc[:3].tolist() == [True, False, False]


@pytest.mark.parametrize(
    ("system", "entry", "kind"),
    [
        ("atc", "L01EF01", "code"),
        ("atc", "l01ef*", "prefix"),  # read in the spelling codes have after typing
        ("atc", "L0*", "prefix"),
        ("atc", "L01EA-L01EX", "range"),
        ("icd10", "C15-C26", "range"),
        ("icd10", "C18.2", "code"),
        ("icdo3_topography", "C17*", "prefix"),
        ("icdo3_morphology", "824*", "prefix"),
        ("loinc", "718-7", "code"),
    ],
)
def test_entries_of_each_kind_are_read(system, entry, kind):
    assert parse_pattern(entry, SYSTEMS[system], "here", "include[0]").kind == kind


@pytest.mark.parametrize(
    ("system", "entry", "fragment"),
    [
        ("atc", "L1EF*", "no code starts with 'L1EF' (WHO ATC"),  # letter then two digits
        ("atc", "L01EF0123", "cannot match any WHO ATC code"),
        ("atc", "L0", "write 'L0*'"),
        ("atc", "*", "no code starts with ''"),
        ("atc", "L01EX-L01EA", "first comes first"),
        ("atc", "L01-L01EA", "same length"),
        ("icd10", "CX5-C26", "both ends of a range"),
        ("icdo3_topography", "D17*", "(ICD-O-3 topography"),
        ("loinc", "718*", "has no hierarchy"),
        ("loinc", "718", "cannot match any LOINC"),
    ],
)
def test_entries_no_code_can_match_are_refused(system, entry, fragment):
    with pytest.raises(ConfigError) as caught:
        parse_pattern(entry, SYSTEMS[system], "trial.yaml: criterion 'x'", "atc_codes[0]")
    message = str(caught.value)
    assert message.startswith("trial.yaml: criterion 'x': ")
    assert f"'{entry}'" in message and "atc_codes[0]" in message and fragment in message


def test_an_inclusion_an_exclusion_removes_entirely_is_refused():
    with pytest.raises(ConfigError, match=r"code set 'tested'.*'L01EF\*'.*'L01E\*'"):
        code_set("atc", ["V10XX04", "L01EF*"], ["L01E*"])
    with pytest.raises(ConfigError, match=r"'C18.2' is wholly removed by exclude 'C15-C26'"):
        code_set("icd10", ["C18.2"], ["C15-C26"])


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"include": ["C18*"]}, "'system' must be one of"),
        ({"system": "read_v2", "include": ["1"]}, "'system' must be one of"),
        ({"system": "icd10"}, "needs 'include'"),
        ({"system": "icd10", "include": []}, "empty list"),
        ({"system": "icd10", "include": "C18*"}, "must be a list"),
        ({"system": "icd10", "include": ["C18*"], "excludes": ["C18.1"]}, "unknown keys"),
    ],
)
def test_malformed_code_sets_are_refused_naming_them(spec, fragment):
    with pytest.raises(ConfigError) as caught:
        parse_code_set("colon", spec, "trial.yaml")
    assert str(caught.value).startswith("trial.yaml: code set 'colon': ")
    assert fragment in str(caught.value)


def test_contract_columns_know_their_code_system():
    assert column_system("treatments", "atc_code") is ATC
    assert column_system("pathology", "topography_code") is TOPOGRAPHY
    assert column_system("labs", "loinc_code") is SYSTEMS["loinc"]
    assert column_system("imaging_studies", "modality") is None  # a closed set, no system
    assert column_system("treatments", "no_such_column") is None


def kinase_trial(atc_codes: object) -> dict:
    return {
        "id": "t",
        "title": "T",
        "exclude_deceased": False,
        "code_sets": {
            "egfr_inhibitors": {"system": "atc", "include": ["L01EB*"]},
        },
        "criteria": [
            {
                "id": "prior_kinase_inhibitor",
                "rule": {
                    "primitive": "treatment_courses",
                    "atc_codes": atc_codes,
                    "op": "ge",
                    "count": 1,
                    "when_absent": "not_met",
                },
            }
        ],
    }


def screened(make_data, trial_spec: dict) -> str:
    trial = parse_trial(trial_spec, "trial.yaml", "0")
    data = make_data(
        [{"patient_id": "P1"}],
        treatments=[
            {
                "record_id": "T1",
                "patient_id": "P1",
                "atc_code": "L01EF01",  # palbociclib, a CDK4/6 inhibitor of class L01EF
                "administered_on": "2025-01-10",
            }
        ],
    )
    criteria, _overall = screen(trial, data)
    return STATUS_NAMES[int(criteria.loc[0, "status"])]


def test_a_class_prefix_finds_the_patient_an_exact_class_code_missed(make_data):
    assert screened(make_data, kinase_trial(["L01EF"])) == "not_met"
    assert screened(make_data, kinase_trial(["L01EF*"])) == "met"
    assert screened(make_data, kinase_trial("egfr_inhibitors")) == "not_met"  # another class
