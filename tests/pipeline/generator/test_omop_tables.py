"""The synthetic hospital as OMOP tables: codes mapped as an ETL maps them, nothing dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.generator.hospital import generate_hospital
from pipeline.generator.omop_tables import (
    CONDITION_EVENT_FIELD,
    FEMALE,
    MALE,
    OPERATORS,
    omop_tables,
    site_concept_sets,
)
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    generated = generate_hospital(tmp_path_factory.mktemp("omop"), 400, 5, AS_OF, 3)
    return generated.exports, omop_tables(generated.exports)


def _export(exports, file: str, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(exports / file, sep=";", dtype=str, keep_default_na=False, encoding=encoding)


def test_every_export_row_has_its_cdm_row(hospital):
    exports, tables = hospital
    tables = {
        **tables,  # lab results; the tumour's grade and Ki-67 are checked below
        "measurement": tables["measurement"][tables["measurement"]["measurement_event_id"].isna()],
    }
    for table, file, encoding in [
        ("person", "patients.csv", "cp1252"),
        ("measurement", "biologie.csv", "utf-8"),
        ("drug_exposure", "traitements.csv", "utf-8"),
        ("condition_occurrence", "anapath.csv", "utf-8"),
        ("observation", "evaluations.csv", "cp1252"),
    ]:
        assert len(tables[table]) == len(_export(exports, file, encoding)), table
    assert tables["person"]["person_id"].is_unique


def test_sex_maps_to_gender_concepts_and_the_rest_to_concept_0(hospital):
    _, tables = hospital
    person = tables["person"]
    written = person["gender_source_value"].str.strip().str.upper()
    expected = written.map({"H": MALE, "F": FEMALE}).fillna(0).astype("int64")
    assert (person["gender_concept_id"] == expected).all()
    assert (person.loc[written == "I", "gender_concept_id"] == 0).all()
    assert (written == "I").any()


def test_lab_values_carry_their_qualifier_as_an_operator_concept(hospital):
    _, tables = hospital
    labs = tables["measurement"]
    below = labs[labs["value_source_value"] == "<2"]
    assert len(below)
    assert (below["operator_concept_id"] == OPERATORS["<"]).all()
    assert (below["value_as_number"] == 2.0).all()
    plain = labs[labs["value_source_value"] == "0,9"]
    assert len(plain)
    assert plain["operator_concept_id"].isna().all() and (plain["value_as_number"] == 0.9).all()


def test_every_concept_used_is_in_the_vocabulary_and_spellings_share_one(hospital):
    _, tables = hospital
    concepts = set(tables["concept"]["concept_id"])
    drugs = tables["drug_exposure"]
    assert set(drugs["drug_concept_id"]) <= concepts
    assert set(tables["measurement"]["measurement_concept_id"]) <= concepts
    assert set(tables["condition_occurrence"]["condition_concept_id"]) <= concepts
    spelled = drugs["drug_source_value"].str.strip().str.upper()
    assert (drugs.groupby(spelled)["drug_concept_id"].nunique() == 1).all()
    assert drugs["drug_source_value"].str.contains("[a-z ]").any()  # varied spellings met
    linked = set(tables["concept_ancestor"]["descendant_concept_id"]) | set(
        tables["concept_relationship"]["concept_id_1"]
    )
    assert set(drugs["drug_concept_id"]) <= linked


def test_assessments_grade_and_ki67_as_a_sites_etl_writes_them(hospital):
    """Each assessment is an observation of the site's concept set for its type, its answer a
    concept of the set's values (or a number); each grade and Ki-67 a measurement linked to
    its diagnosis."""
    exports, tables = hospital
    sets = site_concept_sets(tables["concept"])
    observations = tables["observation"]
    written = _export(exports, "evaluations.csv", "cp1252")
    kind = written["TYPE_EVAL"].str.strip().str.upper()
    target = kind.map({"OMS": "ECOG", "ESPERANCE_VIE": "LIFE_EXPECTANCY"}).fillna(
        "MENOPAUSAL_STATUS"
    )
    concept = target.map(lambda t: sets[t]["concepts"][0])
    assert (observations["observation_concept_id"] == concept).all()
    ecog = (target == "ECOG").to_numpy()
    answers = {str(k): v for k, v in sets["ECOG"]["values"].items()}
    value = observations["value_as_concept_id"][ecog].astype(str).map(answers)
    assert (value.to_numpy() == written["VALEUR"][ecog].str.strip().to_numpy()).all()
    life = (target == "LIFE_EXPECTANCY").to_numpy()
    assert (observations["value_as_number"][life] == written["VALEUR"][life].astype(float)).all()
    pathology = _export(exports, "anapath.csv")
    tumour = tables["measurement"][tables["measurement"]["measurement_event_id"].notna()]
    assert (tumour["meas_event_field_concept_id"] == CONDITION_EVENT_FIELD).all()
    grades = tumour[tumour["measurement_concept_id"] == sets["grade"]["concepts"][0]]
    assert len(grades) == (pathology["GRADE"].str.strip() != "").sum() > 0
    row = pathology.iloc[grades["measurement_event_id"].astype(int).to_numpy() - 1]
    named = grades["value_as_concept_id"].map(sets["grade"]["values"])
    assert (named.to_numpy() == row["GRADE"].str.strip().str.upper().to_numpy()).all()
    ki67 = tumour[tumour["measurement_concept_id"] == sets["ki67_percent"]["concepts"][0]]
    row = pathology.iloc[ki67["measurement_event_id"].astype(int).to_numpy() - 1]
    expected = row["KI67"].str.replace(",", ".").astype(float).to_numpy()
    assert len(ki67) > 0 and (ki67["value_as_number"].to_numpy() == expected).all()
