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


def test_prefixes_substances_and_the_shipped_trial_have_no_note():
    assert trial_notes(trial(["L01EF*", "V10XX04"])) == []
    assert trial_notes(load_trial(find_trial("lutathera-retreatment"))) == []
