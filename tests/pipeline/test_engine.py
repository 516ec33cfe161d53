"""The engine: applicability gates, exclusion inversion and the overall verdict."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.engine import evaluate_criterion, screen
from pipeline.trial import parse_trial

HCG = "21198-7"


def hcg(patient_id: str, value: str, collected: str) -> dict:
    return {
        "record_id": f"L-{patient_id}",
        "patient_id": patient_id,
        "loinc_code": HCG,
        "value_raw": value,
        "unit": "IU/L",
        "collected_at": collected,
    }


def menopause(patient_id: str, value: str, date: str) -> dict:
    return {
        "record_id": f"M-{patient_id}",
        "patient_id": patient_id,
        "assessed_on": date,
        "assessment_type": "MENOPAUSAL_STATUS",
        "value": value,
    }


# Applicability of the pregnancy test (Lutathera item 12)
@pytest.fixture
def pregnancy(make_data, lutathera):
    def run(patient: dict, **extracts):
        data = make_data([{"patient_id": "P1", **patient}], **extracts)
        return evaluate_criterion(lutathera["negative_pregnancy_test"], data).loc["P1"]

    return run


def test_pregnancy_test_does_not_apply_to_men(pregnancy, ago):
    # Even a positive-looking result on record does not make it apply.
    row = pregnancy({"sex": "M"}, labs=[hcg("P1", "150", ago(1))])
    assert row["status"] == 4
    assert row["reason"] == "criterion does not apply to this patient"


def test_pregnancy_test_does_not_apply_without_childbearing_potential(pregnancy):
    assert pregnancy({"sex": "F", "childbearing_potential": False})["status"] == 4


def test_pregnancy_test_does_not_apply_after_menopause(pregnancy, ago):
    row = pregnancy(
        {"sex": "F", "childbearing_potential": None},
        assessments=[menopause("P1", "POST", ago(200))],
    )
    assert row["status"] == 4


def test_pregnancy_test_applies_when_potential_is_unknown(pregnancy):
    row = pregnancy({"sex": "F", "childbearing_potential": None})
    assert row["status"] == 3  # to_confirm: no test yet
    assert row["reason"] != "criterion does not apply to this patient"


def test_pregnancy_test_applies_to_pre_menopausal_women(pregnancy, ago):
    row = pregnancy(
        {"sex": "F", "childbearing_potential": True},
        assessments=[menopause("P1", "PRE", ago(30))],
        labs=[hcg("P1", "150", ago(1))],
    )
    assert row["status"] == 1  # not_met: positive test


def test_pregnancy_test_applies_when_sex_is_unknown(pregnancy, ago):
    row = pregnancy({"sex": None}, labs=[hcg("P1", "<2", ago(1))])
    assert row["status"] == 0


def test_contraception_applies_to_men_and_not_to_women_without_potential(make_data, lutathera):
    data = make_data(
        [
            {"patient_id": "M1", "sex": "M"},
            {"patient_id": "F1", "sex": "F", "childbearing_potential": False},
            {"patient_id": "F2", "sex": "F", "childbearing_potential": True},
        ]
    )
    evidence = evaluate_criterion(lutathera["effective_contraception"], data)
    assert evidence["status"].to_dict() == {"M1": 3, "F1": 4, "F2": 3}


# Exclusion criteria and the overall verdict
def trial(*criteria: dict):
    """A trial of exactly these criteria (no implicit vital status criterion)."""
    spec = {"id": "t", "title": "T", "exclude_deceased": False, "criteria": list(criteria)}
    return parse_trial(spec, "t.yaml", "0" * 64)


ADULT = {"id": "adult", "rule": {"primitive": "age", "min_years": 18}}
FEMALE_EXCLUDED = {
    "id": "not_female",
    "kind": "exclusion",
    "rule": {
        "primitive": "patient_attribute",
        "conditions": [{"column": "sex", "op": "eq", "value": "F"}],
    },
}
CONSENT = {"id": "consent", "rule": {"primitive": "confirm_at_visit", "note": "consent"}}
MEN_ONLY_AGE = {
    "id": "men_age",
    "rule": {"primitive": "age", "min_years": 50},
    "applies_when": [
        {
            "primitive": "patient_attribute",
            "conditions": [{"column": "sex", "op": "eq", "value": "M"}],
        }
    ],
}


def test_exclusion_criterion_inverts_its_rule(make_data):
    data = make_data(
        [
            {"patient_id": "P1", "sex": "F"},
            {"patient_id": "P2", "sex": "M"},
            {"patient_id": "P3", "sex": None},
        ]
    )
    evidence = evaluate_criterion(trial(FEMALE_EXCLUDED).criteria[0], data)
    assert evidence["status"].to_dict() == {"P1": 1, "P2": 0, "P3": 2}


def test_screen_gives_one_row_per_patient_and_criterion_in_protocol_order(make_data):
    data = make_data([{"patient_id": "P1"}, {"patient_id": "P2", "sex": "F"}])
    criteria, _overall = screen(trial(ADULT, FEMALE_EXCLUDED, CONSENT), data)
    assert len(criteria) == 6
    assert criteria.groupby("patient_id")["criterion_id"].apply(list).to_dict() == {
        "P1": ["adult", "not_female", "consent"],
        "P2": ["adult", "not_female", "consent"],
    }
    assert criteria["criterion_order"].tolist() == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(
    ("patient", "expected"),
    [
        ({"birth_date": "1960-01-01", "sex": "M"}, "candidate"),  # to_confirm does not block
        ({"birth_date": "1960-01-01", "sex": "F"}, "not_eligible"),  # excluded
        ({"birth_date": None, "sex": "M"}, "needs_review"),  # unknown age
        ({"birth_date": None, "sex": "F"}, "not_eligible"),  # not_met beats unknown
        ({"birth_date": "2015-01-01", "sex": "M"}, "not_eligible"),  # too young
    ],
)
def test_overall_status(make_data, patient, expected):
    data = make_data([{"patient_id": "P1", **patient}])
    _criteria, overall = screen(trial(ADULT, FEMALE_EXCLUDED, CONSENT), data)
    assert overall.loc["P1", "overall_status"] == expected


def test_not_applicable_does_not_block(make_data):
    data = make_data([{"patient_id": "P1", "sex": "F", "birth_date": "2000-01-01"}])
    criteria, overall = screen(trial(ADULT, MEN_ONLY_AGE), data)
    assert criteria.set_index("criterion_id").loc["men_age", "status"] == 4
    assert overall.loc["P1", "overall_status"] == "candidate"


def test_overall_statuses_line_up_with_their_patients(make_data):
    patients = [
        {"patient_id": "P3", "birth_date": None},
        {"patient_id": "P1", "birth_date": "1960-01-01"},
        {"patient_id": "P2", "birth_date": "2015-01-01"},
    ]
    _criteria, overall = screen(trial(ADULT, CONSENT), make_data(patients))
    assert overall["overall_status"].to_dict() == {
        "P3": "needs_review",
        "P1": "candidate",
        "P2": "not_eligible",
    }


def full_record(ago) -> dict:
    """Extract rows of a man who meets every Lutathera criterion the data can tell."""
    pid = "P1"
    labs = [
        ("718-7", "12", "g/dL"),
        ("751-8", "3000", "/mm3"),
        ("777-3", "200", "G/L"),
    ]
    return {
        "pathology": [
            {"record_id": "H1", "patient_id": pid, "report_date": "2020-05-01"}
            | {"topography_code": "C17.1", "morphology_code": "8240/3", "grade": "G2"}
        ],
        "treatments": [
            {"record_id": f"T{i}", "patient_id": pid, "atc_code": "V10XX04", "administered_on": d}
            for i, d in enumerate(["2023-01-10", "2023-03-07", "2023-05-02", "2023-06-27"])
        ],
        "imaging_studies": [
            {"study_id": "S1", "patient_id": pid, "study_date": "2024-09-01", "modality": "CT"}
            | {"recist_response": "PD"},
            {"study_id": "S2", "patient_id": pid, "study_date": ago(20), "modality": "PET"}
            | {"sstr_tracer": "68GA-DOTATATE", "sstr_positive_percent": 95.0}
            | {"uptake_vs_liver": "ABOVE"},
            {"study_id": "S3", "patient_id": pid, "study_date": ago(15), "modality": "CT"},
        ],
        "imaging_lesions": [
            {"lesion_id": "L1", "study_id": "S3", "patient_id": pid, "is_lymph_node": False}
            | {"longest_diameter_mm": 25.0},
            {"lesion_id": "L2", "study_id": "S3", "patient_id": pid, "is_lymph_node": False}
            | {"longest_diameter_mm": 8.0},
        ],
        "tumour_board": [
            {"decision_id": "B1", "patient_id": pid, "decision_date": ago(10), "board": "RCP"}
            | {"decision": "PRRT_RETREATMENT", "reimbursement_scope": True}
        ],
        "assessments": [
            {"record_id": "A1", "patient_id": pid, "assessed_on": ago(10)}
            | {"assessment_type": "ECOG", "value": "1"},
            {"record_id": "A2", "patient_id": pid, "assessed_on": ago(10)}
            | {"assessment_type": "LIFE_EXPECTANCY", "value": "12"},
        ],
        "labs": [
            {"record_id": f"B{i}", "patient_id": pid, "loinc_code": code, "value_raw": value}
            | {"unit": unit, "collected_at": ago(5)}
            for i, (code, value, unit) in enumerate(labs)
        ],
    }


@pytest.fixture(scope="module")
def lutathera_trial():
    from pipeline.trial import find_trial, load_trial

    return load_trial(find_trial("lutathera-retreatment"))


def test_patient_meeting_every_lutathera_criterion_is_a_candidate(make_data, ago, lutathera_trial):
    data = make_data([{"patient_id": "P1", "sex": "M"}], **full_record(ago))
    criteria, overall = screen(lutathera_trial, data)
    by_id = criteria.set_index("criterion_id")["status"].to_dict()
    assert by_id == {
        "alive": 0,
        "age": 0,
        "histology_intestinal_net_g1_g2": 0,
        "first_prrt_four_cycles": 0,
        "disease_control_12_months": 0,
        "progression_after_first_prrt": 0,
        "retreatment_decision": 0,
        "ecog_0_2": 0,
        "life_expectancy_6_months": 0,
        "sstr_imaging_positive": 0,
        "measurable_disease_recist": 0,
        "haemoglobin_above_8": 0,
        "neutrophils_1500": 0,
        "platelets_80000": 0,
        "negative_pregnancy_test": 4,
        "effective_contraception": 3,
        "informed_consent": 3,
        "willingness_to_comply": 3,
        "social_security_affiliation": 0,
    }
    assert overall.loc["P1", "overall_status"] == "candidate"


def test_missing_lab_turns_the_candidate_into_needs_review(make_data, ago, lutathera_trial):
    record = full_record(ago)
    record["labs"] = record["labs"][1:]  # no haemoglobin
    data = make_data([{"patient_id": "P1", "sex": "M"}], **record)
    _criteria, overall = screen(lutathera_trial, data)
    assert overall.loc["P1", "overall_status"] == "needs_review"


def test_screening_with_every_extract_empty_needs_review(make_data, lutathera_trial):
    data = make_data([{"patient_id": "P1"}, {"patient_id": "P2", "sex": "F"}])
    criteria, overall = screen(lutathera_trial, data)
    assert len(criteria) == 2 * 19
    assert overall["overall_status"].tolist() == ["needs_review", "needs_review"]


@pytest.mark.parametrize("workers", [2, 3])
def test_criteria_evaluated_on_worker_processes_give_the_one_process_frames(
    make_data, ago, lutathera_trial, workers
):
    record = full_record(ago)
    patients = [
        {"patient_id": "P1", "sex": "M"},
        {"patient_id": "P2", "sex": "F"},
        {"patient_id": "P3"},
    ]
    record["labs"] = [*record["labs"][1:], hcg("P2", "3", ago(3))]
    data = make_data(patients, **record)
    one_criteria, one_overall = screen(lutathera_trial, data, 1)
    many_criteria, many_overall = screen(lutathera_trial, data, workers)
    pd.testing.assert_frame_equal(one_criteria, many_criteria)
    pd.testing.assert_frame_equal(one_overall, many_overall)
    assert len(many_criteria) == 3 * 19


def test_repeated_texts_are_held_as_categories_of_each_criterions_evidence(make_data):
    data = make_data([{"patient_id": "P1"}, {"patient_id": "P2", "sex": "F"}, {"patient_id": "P3"}])
    data.patients.loc["P3", "birth_date"] = pd.NaT
    screened = trial(ADULT, FEMALE_EXCLUDED, CONSENT)
    criteria, _overall = screen(screened, data)
    expected = pd.concat([evaluate_criterion(c, data) for c in screened.criteria])
    assert expected["unit"].isna().any() and expected["unit"].notna().any()
    for column in ("reason", "source", "unit"):
        assert criteria[column].dtype == "category", column
        pd.testing.assert_series_equal(
            criteria[column].astype("str"),
            expected[column].astype("str").reset_index(drop=True),
            check_names=False,
        )
    assert criteria["criterion_id"].dtype == "category"
    assert criteria["criterion_id"].astype("str").tolist() == [
        c.id for c in screened.criteria for _ in range(3)
    ]
