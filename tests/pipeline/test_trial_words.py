"""A trial's criteria in words: thresholds with their units, windows, code sets expanded,
data read, in English and French."""

from __future__ import annotations

import pytest

from pipeline.trial import find_trial, load_trial, parse_trial
from pipeline.trial_words import trial_words


@pytest.fixture(scope="module")
def lutathera():
    return load_trial(find_trial("lutathera-retreatment"))


def by_id(trial, lang: str) -> dict:
    return {words.id: words for words in trial_words(trial, lang)}


@pytest.mark.parametrize(
    ("lang", "threshold", "window"),
    [("en", "> 8 g/dL", "in the 28 days up to the as-of date"), ("fr", "> 8 g/dL", "28 jours")],
)
def test_the_haemoglobin_rule_says_its_threshold_unit_and_window(
    lutathera, lang, threshold, window
):
    words = by_id(lutathera, lang)["haemoglobin_above_8"]
    assert threshold in words.rule and window in words.rule
    assert words.data == ("`labs`: `collected_at`, `loinc_code`, `unit`, `value_raw`",)


def test_gates_absence_and_confirmation_are_said(lutathera):
    words = by_id(lutathera, "en")["negative_pregnancy_test"]
    assert len(words.applies_when) == 3
    assert "`patients.sex` is `F`" in words.applies_when[0]
    assert words.when_absent == "to confirm at the inclusion visit"
    assert words.to_confirm.startswith("β-hCG negative")
    assert "`assessments`: " in " ".join(words.data)  # the menopausal status gate's extract


def test_every_criterion_of_both_languages_has_a_rule_in_words(lutathera):
    for lang in ("en", "fr"):
        words = trial_words(lutathera, lang)
        assert [w.id for w in words] == lutathera.criterion_ids()
        assert all(w.rule.strip() for w in words)
    assert by_id(lutathera, "fr")["ecog_0_2"].rule != by_id(lutathera, "en")["ecog_0_2"].rule


def test_code_sets_are_expanded_to_their_patterns_and_units_written_are_kept():
    trial = parse_trial(
        {
            "id": "t",
            "title": "T",
            "code_sets": {
                "cdk46": {"system": "atc", "include": ["L01EF*"], "exclude": ["L01EF03"]}
            },
            "criteria": [
                {
                    "id": "prior_cdk46",
                    "kind": "exclusion",
                    "rule": {"primitive": "treatment_courses", "atc_codes": "cdk46", "count": 1},
                },
                {
                    "id": "platelets",
                    "rule": {
                        "primitive": "latest_lab",
                        "analyte": "platelets",
                        "operator": ">=",
                        "threshold": 100,
                        "unit": "G/L",
                        "window": {"months": 1},
                    },
                },
            ],
        },
        "t.yaml",
        "0",
    )
    en, fr = by_id(trial, "en"), by_id(trial, "fr")
    assert "code set `cdk46` (atc: `L01EF*` excludes `L01EF03`)" in en["prior_cdk46"].rule
    assert "jeu de codes `cdk46` (atc: `L01EF*` exclut `L01EF03`)" in fr["prior_cdk46"].rule
    assert en["prior_cdk46"].kind == "Exclusion"
    assert "≥ 100 G/L (compared as 100000 /mm3)" in en["platelets"].rule
    assert "in the 1 month up to" in en["platelets"].rule


NEW_VOCABULARY = {
    "id": "vocabulary",
    "title": "Counts, derived measures, relative limits, groups, windows ending early",
    "criteria": [
        {
            "id": "two_progressions",
            "rule": {
                "primitive": "record_count",
                "extract": "imaging_studies",
                "where": [{"column": "recist_response", "op": "eq", "value": "PD"}],
                "window": {"years": 1},
                "at_least": 2,
            },
        },
        {
            "id": "renal",
            "rule": {
                "primitive": "derived_measure",
                "measure": "egfr_ckd_epi_2021",
                "operator": ">=",
                "threshold": 60,
                "window": {"days": 28},
            },
        },
        {
            "id": "liver",
            "rule": {
                "primitive": "latest_lab",
                "analyte": "alt",
                "operator": "<=",
                "threshold": 2.5,
                "relative_to": "uln",
            },
        },
        {
            "id": "fit",
            "rule": {
                "primitive": "any_of",
                "rules": [
                    {
                        "primitive": "latest_lab",
                        "analyte": "sodium",
                        "operator": "within_normal_limits",
                    },
                    {
                        "primitive": "none_of",
                        "rules": [
                            {
                                "primitive": "record_count",
                                "extract": "treatments",
                                "window": {"ending": {"weeks": 12}},
                                "at_least": 1,
                            }
                        ],
                    },
                ],
            },
        },
    ],
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            {
                "two_progressions": ["at least 2", "in the 1 year up to the as-of date"],
                "renal": ["CKD-EPI 2021", "≥ 60 mL/min/1.73 m²", "28 days"],
                "liver": ["≤ 2.5 × the upper limit of normal (ULN)"],
                "fit": [
                    "At least one of the following",
                    "(1) The latest sodium result",
                    "within its own reference range",
                    "(2) None of the following",
                    "dated at least 12 weeks before the as-of date",
                ],
            },
        ),
        (
            "fr",
            {
                "two_progressions": ["au moins 2", "1 an"],
                "renal": ["CKD-EPI 2021", "≥ 60 mL/min/1,73 m²"],
                "liver": ["≤ 2.5 × la limite supérieure de la normale (LSN)"],
                "fit": ["Au moins une des conditions", "Aucune des conditions", "12 semaines"],
            },
        ),
    ],
)
def test_the_new_vocabulary_is_said_in_both_languages(lang, expected):
    trial = parse_trial(NEW_VOCABULARY, "vocabulary.yaml", "0")
    words = by_id(trial, lang)
    for criterion, fragments in expected.items():
        for fragment in fragments:
            assert fragment in words[criterion].rule, (criterion, fragment)
    assert "`labs`: " in " ".join(words["liver"].data)
    assert "reference_high" in " ".join(words["liver"].data)


def test_the_new_vocabulary_validates_against_the_schema():
    import jsonschema

    from pipeline.trial_schema import trial_schema

    jsonschema.Draft202012Validator(trial_schema()).validate(NEW_VOCABULARY)
    broken = {**NEW_VOCABULARY, "criteria": [{"id": "c", "rule": {"primitive": "any_of"}}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(trial_schema()).validate(broken)


def _derived(measure: str, op: str, threshold: float, **extra) -> dict:
    return {
        "id": measure,
        "rule": {
            "primitive": "derived_measure",
            "measure": measure,
            "operator": op,
            "threshold": threshold,
            "window": {"days": 28},
            **extra,
        },
    }


DERIVED = {
    "id": "derived",
    "title": "Derived measures",
    "criteria": [
        _derived("creatinine_clearance_cockcroft_gault", ">=", 50),
        _derived("bmi", "<", 40, input_windows={"body_height": {"years": 5}}),
        _derived("qtcf", "<=", 470),
        _derived("corrected_calcium", "<", 3.0),
    ],
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            {
                "creatinine_clearance_cockcroft_gault": [
                    "Cockcroft-Gault",
                    "the latest creatinine in the 28 days up to the as-of date and the latest "
                    "body weight in the 28 days",
                    "age on the as-of date",
                    "≥ 50 mL/min.",
                ],
                "bmi": [
                    "latest body weight in the 28 days",
                    "latest body height in the 5 years up to the as-of date",
                    "< 40 kg/m²",
                ],
                "qtcf": ["Fridericia", "the latest QT interval", "same ECG", "≤ 470 ms"],
                "corrected_calcium": ["Payne", "latest calcium", "latest albumin", "< 3 mmol/L"],
            },
        ),
        (
            "fr",
            {
                "creatinine_clearance_cockcroft_gault": [
                    "clairance de la créatinine",
                    "à partir du dernier résultat « créatinine »",
                    "« poids »",
                    "≥ 50 mL/min.",
                ],
                "bmi": [
                    "indice de masse corporelle",
                    "et du dernier résultat « taille » dans les 5 ans",
                ],
                "qtcf": ["Fridericia", "« intervalle QT »", "même ECG", "≤ 470 ms"],
                "corrected_calcium": ["calcémie corrigée", "« albumine »", "< 3 mmol/L"],
            },
        ),
    ],
)
def test_derived_measures_are_said_with_their_inputs_and_windows(lang, expected):
    trial = parse_trial(DERIVED, "derived.yaml", "0")
    words = by_id(trial, lang)
    for criterion, fragments in expected.items():
        for fragment in fragments:
            assert fragment in words[criterion].rule, (criterion, fragment, words[criterion].rule)
    assert "`patients`" not in " ".join(words["bmi"].data)  # BMI reads no patient column
    assert "`patients`: `birth_date`, `sex`" in " ".join(
        words["creatinine_clearance_cockcroft_gault"].data
    )


def test_derived_measures_validate_against_the_schema():
    import jsonschema

    from pipeline.trial_schema import trial_schema

    validator = jsonschema.Draft202012Validator(trial_schema())
    validator.validate(DERIVED)
    wrong = _derived("bmi", "<", 40, input_windows={"weight": {"years": 5}})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**DERIVED, "criteria": [wrong]})


EVENTS = {
    "id": "events",
    "title": "First records and windows around an event",
    "code_sets": {"ssa": {"system": "atc", "include": ["H01CB*"]}},
    "criteria": [
        {
            "id": "ssa_started",
            "rule": {
                "primitive": "first_record",
                "extract": "treatments",
                "where": [{"column": "atc_code", "op": "in", "value": "ssa"}],
                "window": {"ending": {"weeks": 12}},
            },
        },
        {
            "id": "no_chemo_after_surgery",
            "kind": "exclusion",
            "rule": {
                "primitive": "around_event",
                "anchor": {
                    "extract": "procedures",
                    "where": [{"column": "category", "op": "eq", "value": "SURGERY"}],
                    "record": "last",
                },
                "extract": "treatments",
                "where": [{"column": "atc_code", "op": "in", "value": ["L01*"]}],
                "event_window": {"start": {"days": 0}, "end": {"weeks": 4, "side": "after"}},
                "at_most": 0,
            },
        },
        {
            "id": "before_first_diagnosis",
            "rule": {
                "primitive": "around_event",
                "anchor": {"extract": "conditions", "record": "first"},
                "extract": "imaging_studies",
                "event_window": {
                    "start": {"months": 3, "side": "before"},
                    "end": {"days": 1, "side": "before"},
                },
                "at_least": 1,
            },
        },
    ],
}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            {
                "ssa_started": [
                    "The first administration record",
                    "code set `ssa`",
                    "at least 12 weeks before the as-of date",
                    "makes the criterion unknown",
                ],
                "no_chemo_after_surgery": [
                    "from the same day to 4 weeks after, relative to the latest procedure record",
                    "`procedures.category` is `SURGERY`",
                    "must be at most 0",
                    "Without that anchor",
                ],
                "before_first_diagnosis": [
                    "from 3 months before to 1 day before, relative to the first diagnosis",
                ],
            },
        ),
        (
            "fr",
            {
                "ssa_started": ["Le premier enregistrement", "12 semaines"],
                "no_chemo_after_surgery": [
                    "par rapport à l'événement de référence (le dernier enregistrement",
                    "de son jour même à 4 semaines après",
                    "au plus 0",
                ],
                "before_first_diagnosis": ["de 3 mois avant à 1 jour avant", "le premier"],
            },
        ),
    ],
)
def test_first_records_and_event_windows_are_said_in_both_languages(lang, expected):
    words = by_id(parse_trial(EVENTS, "events.yaml", "0"), lang)
    for criterion, fragments in expected.items():
        for fragment in fragments:
            assert fragment in words[criterion].rule, (criterion, fragment)
    data = " ".join(words["no_chemo_after_surgery"].data)
    assert "`procedures`: `category`, `performed_on`" in data
    assert "`treatments`: `administered_on`, `atc_code`" in data


def test_first_records_and_event_windows_validate_against_the_schema():
    import jsonschema

    from pipeline.trial_schema import trial_schema

    validator = jsonschema.Draft202012Validator(trial_schema())
    validator.validate(EVENTS)
    rule = EVENTS["criteria"][1]["rule"]
    for broken in (
        {**rule, "window": {"weeks": 4}},
        {**rule, "event_window": {"start": {"days": 0}}},
        {**rule, "anchor": {"extract": "procedures", "record": "any"}},
        {**rule, "event_window": {"start": {"days": 0, "side": "later"}, "end": {"days": 1}}},
    ):
        spec = {**EVENTS, "criteria": [{"id": "c", "rule": broken}]}
        with pytest.raises(jsonschema.ValidationError):
            validator.validate(spec)


PERIODS = {
    "id": "periods",
    "title": "Medication periods",
    "version": "1",
    "criteria": [
        {
            "id": "current",
            "kind": "exclusion",
            "text": "Currently on warfarin",
            "rule": {
                "primitive": "record_count",
                "extract": "medications",
                "window": {"days": 7},
                "overlap": True,
                "at_least": 1,
            },
        },
        {
            "id": "supplied",
            "kind": "exclusion",
            "text": "Currently on warfarin, 90 days of supply",
            "rule": {
                "primitive": "record_count",
                "extract": "medications",
                "window": {"days": 7},
                "overlap": True,
                "missing_end_lasts": {"days": 90},
                "at_least": 1,
            },
        },
    ],
}


@pytest.mark.parametrize(
    ("lang", "current", "supplied"),
    [
        ("en", "from its start to its end, meets the window", "taken to last 90 days"),
        ("fr", "de son début à sa fin, rencontre la fenêtre", "réputé durer 90 jours"),
    ],
)
def test_a_period_that_meets_the_window_is_said_in_both_languages(lang, current, supplied):
    words = by_id(parse_trial(PERIODS, "periods.yaml", "0"), lang)
    assert current in words["current"].rule
    assert current in words["supplied"].rule and supplied not in words["current"].rule
    assert supplied in words["supplied"].rule
    assert "end_date" in " ".join(words["current"].data)


def test_periods_validate_against_the_schema():
    import jsonschema

    from pipeline.trial_schema import trial_schema

    validator = jsonschema.Draft202012Validator(trial_schema())
    validator.validate(PERIODS)
    wrong = {"days": 90, "fortnights": 1}
    broken = {
        **PERIODS,
        "criteria": [
            {
                **PERIODS["criteria"][1],
                "rule": {**PERIODS["criteria"][1]["rule"], "missing_end_lasts": wrong},
            }
        ],
    }
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(broken)
