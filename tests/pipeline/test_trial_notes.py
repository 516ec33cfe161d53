"""Notes on trial files that load but may not mean what their author meant."""

from __future__ import annotations

from pipeline.trial import find_trial, load_trial, parse_trial
from pipeline.trial_notes import trial_notes


def trial(atc_codes: object, code_sets: dict | None = None):
    spec = {
        "id": "t",
        "title": "T",
        "code_sets": code_sets or {},
        "criteria": [
            {
                "id": "prior",
                "rule": {"primitive": "treatment_courses", "atc_codes": atc_codes, "count": 1},
            },
            {
                "id": "gap",
                "rule": {
                    "primitive": "interval",
                    "from": {"event": "treatment_course", "atc_codes": atc_codes},
                    "to": {"extract": "imaging_studies"},
                },
            },
        ],
    }
    return parse_trial(spec, "t.yaml", "0")


def test_an_exact_atc_class_code_is_noted_naming_the_criterion():
    notes = trial_notes(trial(["L01EF", "V10XX04"]))
    assert notes == [
        "t.yaml: criterion 'prior': 'L01EF' is a class code (atc), which matches only records "
        "carrying that code itself; write 'L01EF*' for every code of the class",
        "t.yaml: criterion 'gap': 'L01EF' is a class code (atc), which matches only records "
        "carrying that code itself; write 'L01EF*' for every code of the class",
    ]


def test_a_named_code_set_is_noted_once_under_its_name():
    notes = trial_notes(trial("cdk", {"cdk": {"system": "atc", "include": ["L01EF"]}}))
    assert len(notes) == 1 and notes[0].startswith("t.yaml: code set 'cdk': 'L01EF' is a class")


def test_an_icdo3_topography_category_is_noted():
    """`C25` is the pancreas category: a pathology report carries C25.0 to C25.9, never C25."""
    topography = {"pancreas": {"system": "icdo3_topography", "include": ["C25", "C17.1"]}}
    spec = {
        "id": "t",
        "title": "T",
        "code_sets": topography,
        "criteria": [
            {
                "id": "site",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "pathology",
                    "conditions": [{"column": "topography_code", "op": "in", "value": "pancreas"}],
                },
            }
        ],
    }
    notes = trial_notes(parse_trial(spec, "t.yaml", "0"))
    assert notes == [
        "t.yaml: code set 'pancreas': 'C25' is a class code (icdo3_topography), which matches "
        "only records carrying that code itself; write 'C25*' for every code of the class"
    ]


def test_prefixes_substances_and_the_shipped_trials_have_no_note():
    assert trial_notes(trial(["L01EF*", "V10XX04"])) == []
    for name in ("lutathera-retreatment", "netter-2"):
        assert trial_notes(load_trial(find_trial(name))) == [], name
