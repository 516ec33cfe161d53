"""ECOG and other assessments, grade and Ki-67 from an OMOP CDM through the site's concept
sets (`omop: concept_sets:`), on hand-built rows in PostgreSQL; what is not configured stays
unavailable, and a wrong config is one line naming the file and the key."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.io.omop import DEFAULT_UNAVAILABLE, read_extracts_omop
from pipeline.rules.reads import UNAVAILABLE_REASON
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from pipeline.trial import parse_trial
from tests.pipeline.io.omop_rows import (
    CONCEPTS,
    CONDITION_COLUMNS,
    MEASUREMENT_COLUMNS,
    OBSERVATION_COLUMNS,
    loaded_cdm,
    persons,
    table,
)

AS_OF = "2026-06-30"
LINK = 1147127  # condition_occurrence.condition_occurrence_id
# Local concepts (above 2,000,000,000, as OMOP leaves them to sites), named as a site would.
NET = 2000000100  # ICD-O-3 8240/3-C17.1
GRADE, G1, G2, G_UNMAPPED = 2000000200, 2000000201, 2000000202, 2000000209
KI67 = 2000000300
ECOG = 2000000400  # LOINC 89247-1 in a full vocabulary
ECOG_0, ECOG_1, ECOG_UNMAPPED = 2000000410, 2000000411, 2000000419
CONCEPT_SETS = {
    "ECOG": {"concepts": [ECOG], "values": {ECOG_0: "0", ECOG_1: 1}},
    "grade": {"concepts": [GRADE], "values": {G1: "g1", G2: "G2"}},
    "ki67_percent": {"concepts": [KI67]},
}


def _source(sets=CONCEPT_SETS, path="omop.yaml", **extra):
    unavailable = ["treatments", "medications"]  # no drug_exposure table here
    data = {"kind": "omop", "omop": {"concept_sets": sets}, "unavailable": unavailable}
    return parse_source_config({**data, **extra}, path)


def _condition(i: int, person: int, day: str) -> dict:
    return {
        "condition_occurrence_id": i,
        "person_id": person,
        "condition_concept_id": NET,
        "condition_start_date": day,
        "condition_type_concept_id": 32817,
        "condition_source_concept_id": NET,
    }


def _m(i, person, concept, day, *, answer=None, number=None, event=None) -> dict:
    return {
        "measurement_id": i,
        "person_id": person,
        "measurement_concept_id": concept,
        "measurement_date": day,
        "measurement_type_concept_id": 32817,
        "value_as_concept_id": answer,
        "value_as_number": number,
        "unit_concept_id": 0,
        "measurement_event_id": event,
        "meas_event_field_concept_id": LINK if event else None,
    }


def _o(i, person, concept, day, *, answer=None, number=None, event=None) -> dict:
    return {
        "observation_id": i,
        "person_id": person,
        "observation_concept_id": concept,
        "observation_date": day,
        "observation_type_concept_id": 32817,
        "value_as_concept_id": answer,
        "value_as_number": number,
        "observation_event_id": event,
        "obs_event_field_concept_id": LINK if event else None,
    }


CONDITIONS = [_condition(1, 1, "2026-03-10"), _condition(2, 2, "2026-04-01")]
CONDITIONS += [_condition(3, 3, "2026-04-02")]
MEASUREMENTS = [
    # person 1: the grade linked to the diagnosis wins over a same-day one; Ki-67 linked
    _m(1, 1, GRADE, "2026-03-12", answer=G2, event=1),
    _m(2, 1, GRADE, "2026-03-10", answer=G1),
    _m(3, 1, KI67, "2026-03-12", number=12.50, event=1),
    # person 2: a same-day grade whose answer the site did not map; Ki-67 another day
    _m(4, 2, GRADE, "2026-04-01", answer=G_UNMAPPED),
    _m(5, 2, KI67, "2026-05-01", number=3),
    # person 2: ECOG as a measurement with a number only
    _m(6, 2, ECOG, "2026-06-01", number=2),
    # a lab result, still read as one
    {**_m(7, 1, 3000963, "2026-06-20", number=12.5), "unit_concept_id": 8713},
]
OBSERVATIONS = [
    _o(1, 1, ECOG, "2026-06-01", answer=ECOG_1),
    _o(2, 1, ECOG, "2026-01-01", answer=ECOG_0),  # older
    _o(3, 3, ECOG, "2026-06-02", answer=ECOG_UNMAPPED),  # set aside, counted
    _o(4, 4, ECOG, "2026-07-02", answer=ECOG_0),  # after the as-of day
    _o(5, 3, GRADE, "2026-04-02", answer=G1, event=3),  # grade as an observation
]
VOCABULARY = pd.concat(
    [
        CONCEPTS,
        pd.DataFrame([(NET, "ICDO3", "ICDO Condition", "8240/3-C17.1")], columns=CONCEPTS.columns),
    ]
)
TRIAL = parse_trial(
    {
        "id": "concepts",
        "title": "Assessments and pathology through concept sets",
        "criteria": [
            {
                "id": "ecog_0_2",
                "text": "ECOG 0-2",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "assessments",
                    "where": [{"column": "assessment_type", "op": "eq", "value": "ECOG"}],
                    "window": {"months": 3},
                    "conditions": [{"column": "value", "op": "le", "value": 2, "numeric": True}],
                },
            },
            {
                "id": "life_expectancy",
                "text": "Life expectancy >= 6 months",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "assessments",
                    "where": [
                        {"column": "assessment_type", "op": "eq", "value": "LIFE_EXPECTANCY"}
                    ],
                    "conditions": [{"column": "value", "op": "ge", "value": 6, "numeric": True}],
                    "when_absent": "to_confirm",
                },
                "to_confirm": "prognosis",
            },
            {
                "id": "grade_1_2",
                "text": "G1 or G2",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "pathology",
                    "conditions": [{"column": "grade", "op": "in", "value": ["G1", "G2"]}],
                },
            },
            {
                "id": "ki67_below_20",
                "text": "Ki-67 < 20%",
                "rule": {
                    "primitive": "latest_record",
                    "extract": "pathology",
                    "conditions": [{"column": "ki67_percent", "op": "lt", "value": 20}],
                },
            },
        ],
    },
    "concepts.yaml",
    "0" * 64,
)


@pytest.fixture(scope="module")
def cdm(tmp_path_factory):
    tables = {
        "concept": VOCABULARY,
        "person": persons(4),
        "condition_occurrence": table(CONDITION_COLUMNS, CONDITIONS),
        "measurement": table(MEASUREMENT_COLUMNS, MEASUREMENTS),
        "observation": table(OBSERVATION_COLUMNS, OBSERVATIONS),
    }
    with loaded_cdm(tmp_path_factory.mktemp("omop-concepts"), tables) as url:
        yield url


def test_assessments_from_observations_and_measurements(cdm):
    raws = read_extracts_omop(cdm, _source(), AS_OF, ["assessments", "labs"])
    frame = raws["assessments"].whole().set_index("record_id").drop(columns="row_number")
    frame = frame.fillna("")
    assert list(frame.columns) == ["patient_id", "assessed_on", "assessment_type", "value"]
    assert frame.to_dict("index") == {
        "measurement-6": {
            "patient_id": "2",
            "assessed_on": "2026-06-01",
            "assessment_type": "ECOG",
            "value": "2",
        },
        "observation-1": {
            "patient_id": "1",
            "assessed_on": "2026-06-01",
            "assessment_type": "ECOG",
            "value": "1",
        },
        "observation-2": {
            "patient_id": "1",
            "assessed_on": "2026-01-01",
            "assessment_type": "ECOG",
            "value": "0",
        },
        "observation-3": {
            "patient_id": "3",
            "assessed_on": "2026-06-02",
            "assessment_type": "ECOG",
            "value": "",
        },
    }
    assert raws["assessments"].code_issues == [
        {
            "column": "value",
            "system": "OMOP value_as_concept_id",
            "code": str(ECOG_UNMAPPED),
            "check": "mapping",
            "reason": raws["assessments"].code_issues[0]["reason"],
            "rows": 1,
        }
    ]
    # measurements of a concept set are not lab results; the haemoglobin still is
    assert list(raws["labs"].whole()["record_id"]) == ["7"]


def test_grade_and_ki67_of_each_diagnosis(cdm):
    raw = read_extracts_omop(cdm, _source(), AS_OF, ["pathology"])["pathology"]
    frame = raw.whole().set_index("record_id")
    got = frame[["grade", "ki67_percent"]].fillna("").to_dict("index")
    assert got == {
        "1": {"grade": "G2", "ki67_percent": "12.5"},  # linked rows win over the same day
        "2": {"grade": "", "ki67_percent": ""},  # unmapped answer; Ki-67 on another day
        "3": {"grade": "G1", "ki67_percent": ""},  # an observation linked to it
    }
    assert [(i["code"], i["column"], i["rows"]) for i in raw.code_issues] == [
        (str(G_UNMAPPED), "grade", 1)
    ]
    assert "grade_concept_id" not in frame.columns


def test_screening_reads_them_and_what_is_not_configured_is_unavailable(cdm, tmp_path):
    result = run_screening(TRIAL, None, _source(), pd.Timestamp(AS_OF), tmp_path, url=cdm)
    ids = pd.read_parquet(result.report_dir / "reidentification.parquet")
    criteria = pd.read_parquet(result.report_dir / "criteria.parquet").merge(ids, on="pseudonym")
    rows = criteria.set_index(["criterion_id", "patient_id"])
    status = rows["status"].to_dict()
    assert {p: status["ecog_0_2", p] for p in "1234"} == {
        "1": "met",  # the latest, 1
        "2": "met",  # 2, as a measurement
        "3": "unknown",  # its only row set aside
        "4": "unknown",  # none on or before the as-of day
    }
    assert {p: status["grade_1_2", p] for p in "123"} == {
        "1": "met",
        "2": "unknown",
        "3": "met",
    }
    assert status["ki67_below_20", "1"] == "met"
    assert status["ki67_below_20", "2"] == "unknown"
    life = criteria[criteria["criterion_id"] == "life_expectancy"]
    assert (life["status"] == "unknown").all()
    expected = f"{UNAVAILABLE_REASON}: assessments.assessment_type=LIFE_EXPECTANCY"
    assert (life["reason"] == expected).all()


def test_only_what_is_configured_becomes_available():
    expected = {**DEFAULT_UNAVAILABLE, "treatments": None, "medications": None}
    assert _source({}).unavailable == expected
    some = _source({"ECOG": {"concepts": [1]}, "grade": {"concepts": [2], "values": {3: "G1"}}})
    assert some.unavailable["assessments"] == (
        "assessment_type=KARNOFSKY",
        "assessment_type=NYHA",
        "assessment_type=LIFE_EXPECTANCY",
        "assessment_type=MENOPAUSAL_STATUS",
        "assessment_type=CONTRACEPTION",
    )
    assert some.unavailable["pathology"] == ("ki67_percent",)
    every = {
        "ECOG": {"concepts": [1]},
        "KARNOFSKY": {"concepts": [7]},
        "NYHA": {"concepts": [8], "values": {14: "3"}},
        "LIFE_EXPECTANCY": {"concepts": [2]},
        "MENOPAUSAL_STATUS": {"concepts": [3], "values": {10: "post"}},
        "CONTRACEPTION": {"concepts": [4], "values": {11: "EFFECTIVE", 12: "NONE"}},
        "grade": {"concepts": [5], "values": {13: "G3"}},
        "ki67_percent": {"concepts": [6]},
    }
    full = _source(every)
    assert "assessments" not in full.unavailable and "pathology" not in full.unavailable
    assert full.options["concept_sets"]["MENOPAUSAL_STATUS"].values == {"10": "POST"}
    # the site's own declaration still wins
    assert _source(every, unavailable=["assessments"]).unavailable["assessments"] is None


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ([1], "'concept_sets' must map a target"),
        ({"KPS": {"concepts": [1]}}, "'KPS': unknown target"),
        ({"ECOG": [1]}, "'ECOG' must be a mapping"),
        ({"ECOG": {"concepts": []}}, "'ECOG': 'concepts' must be a non-empty list"),
        ({"ECOG": {"concepts": ["x1"]}}, "'ECOG': 'concepts': 'x1' is not a concept id"),
        ({"ECOG": {"concepts": [0]}}, "'0' is not a concept id"),
        ({"ECOG": {"concepts": [1], "answers": {}}}, "'ECOG': unknown keys \\['answers'\\]"),
        ({"ECOG": {"concepts": [1], "values": {2: "7"}}}, "the value of 2 must match"),
        ({"ECOG": {"concepts": [1], "values": {2: True}}}, "quote numbers"),
        ({"NYHA": {"concepts": [1], "values": {2: "5"}}}, "the value of 2 must match"),
        ({"KARNOFSKY": {"concepts": [1], "values": {2: "high"}}}, "the value of 2 must match"),
        ({"grade": {"concepts": [1]}}, "'grade': 'values' is required"),
        ({"grade": {"concepts": [1], "values": {2: "G4"}}}, "the value of 2 must match"),
        ({"ki67_percent": {"concepts": [1], "values": {2: "5"}}}, "read from value_as_number"),
        (
            {"ECOG": {"concepts": [1]}, "LIFE_EXPECTANCY": {"concepts": [1]}},
            "'LIFE_EXPECTANCY': 'concepts': 1 is already in 'ECOG'",
        ),
    ],
)
def test_config_errors_name_the_file_and_key(sets, message):
    with pytest.raises(ConfigError, match=message) as error:
        _source(sets, path="sites/chu.yaml")
    text = str(error.value)
    assert text.startswith("sites/chu.yaml: 'omop': 'concept_sets'") and "\n" not in text


def test_a_rule_selecting_an_unconfigured_type_reads_it():
    from pipeline.rules.reads import unavailable_reads

    missing = {"assessments": frozenset({"assessment_type=LIFE_EXPECTANCY"})}
    rules = {c.id: c.rule for c in TRIAL.criteria}
    ecog, life = rules["ecog_0_2"], rules["life_expectancy"]
    assert unavailable_reads(ecog, missing) == []
    assert unavailable_reads(life, missing) == ["assessments.assessment_type=LIFE_EXPECTANCY"]
    both = parse_trial(
        {
            "id": "t",
            "title": "t",
            "criteria": [
                {
                    "id": "any",
                    "text": "t",
                    "rule": {
                        "primitive": "record_count",
                        "extract": "assessments",
                        "where": [
                            {
                                "column": "assessment_type",
                                "op": "in",
                                "value": ["ECOG", "LIFE_EXPECTANCY"],
                            }
                        ],
                        "at_least": 1,
                    },
                }
            ],
        },
        "t.yaml",
        "0" * 64,
    )
    assert unavailable_reads(both.criteria[-1].rule, missing) == [
        "assessments.assessment_type=LIFE_EXPECTANCY"
    ]
