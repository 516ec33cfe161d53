"""`lesion_measurements`: RECIST 1.1 measurable disease on the latest CT/MRI."""

from __future__ import annotations

import pandas as pd
import pytest


def study(study_id: str, date: str, modality: str = "CT") -> dict:
    return {"study_id": study_id, "patient_id": "P1", "study_date": date, "modality": modality}


def lesion(lesion_id: str, study_id: str, longest: float | None, node: bool = False,
           short: float | None = None) -> dict:  # fmt: skip
    return {
        "lesion_id": lesion_id,
        "study_id": study_id,
        "patient_id": "P1",
        "is_lymph_node": node,
        "longest_diameter_mm": longest,
        "short_axis_mm": short,
    }


@pytest.fixture
def measurable(make_data, lutathera):
    def run(studies: list[dict], lesions: list[dict], quarantined: list | None = None):
        data = make_data(
            [{"patient_id": "P1"}],
            imaging_studies=studies,
            imaging_lesions=lesions,
            quarantined={"imaging_lesions": quarantined} if quarantined else None,
        )
        return lutathera["measurable_disease_recist"].rule.evaluate(data)

    return run


def test_10mm_non_nodal_lesion_and_another_is_met(measurable, status, ago):
    evidence = measurable(
        [study("S1", ago(30))], [lesion("L1", "S1", 10.0), lesion("L2", "S1", 4.0)]
    )
    assert status(evidence, "P1") == "met"
    assert evidence.loc["P1", "value"] == 10.0
    assert evidence.loc["P1", "raw_value"] == "1 measurable of 2 lesions"


def test_9_9mm_non_nodal_lesion_is_not_measurable(measurable, status, ago):
    evidence = measurable(
        [study("S1", ago(30))], [lesion("L1", "S1", 9.9), lesion("L2", "S1", 4.0)]
    )
    assert status(evidence, "P1") == "not_met"


def test_node_with_15mm_short_axis_is_measurable(measurable, status, ago):
    lesions = [lesion("L1", "S1", 22.0, node=True, short=15.0), lesion("L2", "S1", 4.0)]
    assert status(measurable([study("S1", ago(30))], lesions), "P1") == "met"


def test_node_with_14_9mm_short_axis_is_not_measurable(measurable, status, ago):
    # Its long axis (22 mm) does not count for a lymph node.
    lesions = [lesion("L1", "S1", 22.0, node=True, short=14.9), lesion("L2", "S1", 4.0)]
    assert status(measurable([study("S1", ago(30))], lesions), "P1") == "not_met"


def test_single_measurable_lesion_is_not_met(measurable, status, ago):
    evidence = measurable([study("S1", ago(30))], [lesion("L1", "S1", 35.0)])
    assert status(evidence, "P1") == "not_met"


def test_no_ct_or_mri_in_the_window_is_unknown(measurable, status, ago):
    lesions = [lesion("L1", "S1", 30.0), lesion("L2", "S1", 20.0)]
    old = measurable([study("S1", ago(200))], lesions)
    pet = measurable([study("S1", ago(30), modality="PET")], lesions)
    assert status(old, "P1") == "unknown"
    assert status(pet, "P1") == "unknown"


def test_older_study_is_ignored_when_a_newer_one_exists(measurable, status, ago):
    studies = [study("S1", ago(90)), study("S2", ago(10))]
    lesions = [
        lesion("L1", "S1", 30.0),
        lesion("L2", "S1", 20.0),
        lesion("L3", "S2", 8.0),
        lesion("L4", "S2", 6.0),
    ]
    evidence = measurable(studies, lesions)
    assert status(evidence, "P1") == "not_met"
    assert evidence.loc["P1", "record_date"] == pd.Timestamp(ago(10))


def test_newer_study_wins_when_it_qualifies(measurable, status, ago):
    studies = [study("S1", ago(90)), study("S2", ago(10))]
    lesions = [lesion("L1", "S1", 5.0), lesion("L3", "S2", 18.0), lesion("L4", "S2", 6.0)]
    assert status(measurable(studies, lesions), "P1") == "met"


def test_unmeasured_lesion_that_could_qualify_is_unknown(measurable, status, ago):
    lesions = [lesion("L1", "S1", None), lesion("L2", "S1", 4.0)]
    assert status(measurable([study("S1", ago(30))], lesions), "P1") == "unknown"


def test_set_aside_lesion_on_the_latest_study_is_unknown(measurable, status, ago):
    lesions = [lesion("L1", "S1", 9.0), lesion("L2", "S1", 4.0)]
    evidence = measurable([study("S1", ago(30))], lesions, quarantined=[lesion("L3", "S1", None)])
    assert status(evidence, "P1") == "unknown"
    assert "set aside" in evidence.loc["P1", "reason"]


# RECIST 1.1 lymph nodes beside one measurable 25 mm lesion (2 lesions are needed): under
# 10 mm short axis a node is normal tissue; from 10 mm a pathological, non-measurable lesion.
@pytest.mark.parametrize(
    ("short_axis", "expected", "counted"),
    [
        (8.0, "not_met", "1 measurable of 1 lesions"),
        (9.9, "not_met", "1 measurable of 1 lesions"),
        (10.0, "met", "1 measurable of 2 lesions"),
        (14.9, "met", "1 measurable of 2 lesions"),
        (15.0, "met", "2 measurable of 2 lesions"),
    ],
)
def test_a_lymph_node_counts_as_a_lesion_from_10_mm_short_axis(
    measurable, status, ago, short_axis, expected, counted
):
    lesions = [lesion("L1", "S1", 25.0), lesion("L2", "S1", 20.0, node=True, short=short_axis)]
    evidence = measurable([study("S1", ago(30))], lesions)
    assert status(evidence, "P1") == expected
    assert evidence.loc["P1", "raw_value"] == counted


@pytest.mark.parametrize(
    ("short_axis", "expected"),
    [(9.9, "not_met"), (10.0, "not_met"), (14.9, "not_met"), (15.0, "met")],
)
def test_a_lymph_node_is_measurable_from_15_mm_short_axis(
    measurable, status, ago, short_axis, expected
):
    # The node is the only candidate for the measurable lesion; a 6 mm lesion is the second.
    lesions = [lesion("L1", "S1", 6.0), lesion("L2", "S1", 20.0, node=True, short=short_axis)]
    assert status(measurable([study("S1", ago(30))], lesions), "P1") == expected


@pytest.mark.parametrize(("longest", "expected"), [(9.9, "met"), (10.0, "met"), (None, "met")])
def test_a_small_non_nodal_lesion_counts_toward_the_total(
    measurable, status, ago, longest, expected
):
    lesions = [lesion("L1", "S1", 25.0), lesion("L2", "S1", longest)]
    assert status(measurable([study("S1", ago(30))], lesions), "P1") == expected


def test_a_node_without_short_axis_that_decides_the_verdict_is_unknown(measurable, status, ago):
    lesions = [lesion("L1", "S1", 25.0), lesion("L2", "S1", 18.0, node=True, short=None)]
    evidence = measurable([study("S1", ago(30))], lesions)
    assert status(evidence, "P1") == "unknown"
    assert "without a short axis" in evidence.loc["P1", "reason"]


def test_a_node_without_short_axis_that_does_not_decide_is_ignored(measurable, status, ago):
    two = [lesion("L1", "S1", 25.0), lesion("L2", "S1", 30.0)]
    node = lesion("L3", "S1", 18.0, node=True, short=None)
    assert status(measurable([study("S1", ago(30))], [*two, node]), "P1") == "met"
    alone = [lesion("L1", "S1", 4.0), node]  # one lesion at most can be measurable: the node
    assert status(measurable([study("S1", ago(30))], alone), "P1") == "unknown"


def test_a_node_without_short_axis_is_bounded_by_its_longest_diameter(measurable, status, ago):
    # Short axis <= longest diameter: a node 9 mm long is normal tissue, 12 mm long not measurable.
    normal = [lesion("L1", "S1", 25.0), lesion("L2", "S1", 9.0, node=True, short=None)]
    assert status(measurable([study("S1", ago(30))], normal), "P1") == "not_met"
    small = [lesion("L1", "S1", 6.0), lesion("L2", "S1", 12.0, node=True, short=None)]
    assert status(measurable([study("S1", ago(30))], small), "P1") == "not_met"


def test_a_set_aside_study_is_named_with_its_date_and_rule(make_data, lutathera, status, ago):
    data = make_data(
        [{"patient_id": "P1"}],
        quarantined={"imaging_studies": [study("S1", ago(30))]},
    )
    evidence = lutathera["measurable_disease_recist"].rule.evaluate(data)
    assert status(evidence, "P1") == "unknown"
    assert evidence.loc["P1", "reason"] == f"CT of {ago(30)} set aside by data quality: test.rule"
