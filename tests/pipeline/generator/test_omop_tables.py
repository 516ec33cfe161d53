"""The synthetic hospital as OMOP tables: codes mapped as an ETL maps them, nothing dropped."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.generator.hospital import generate_hospital
from pipeline.generator.omop_tables import FEMALE, MALE, OPERATORS, omop_tables
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def hospital(tmp_path_factory):
    generated = generate_hospital(tmp_path_factory.mktemp("omop"), 400, 5, AS_OF, 3)
    return generated.exports, omop_tables(generated.exports)


def _export(exports, file: str, encoding: str = "utf-8") -> pd.DataFrame:
    return pd.read_csv(exports / file, sep=";", dtype=str, keep_default_na=False, encoding=encoding)


def test_every_export_row_has_its_cdm_row(hospital):
    exports, tables = hospital
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
