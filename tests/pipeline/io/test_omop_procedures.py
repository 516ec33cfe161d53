"""OMOP procedure_occurrence -> the procedures extract: on OHDSI Eunomia Synthea27Nj (every
procedure a SNOMED CT concept, no concept ancestry), and on hand-built rows with a hierarchy,
ICD-10-PCS and CCAM source codes."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.io.omop import read_extracts_omop
from pipeline.sources import load_source_config, parse_source_config
from tests.conftest import repo_root
from tests.pipeline.io.omop_rows import (
    ANCESTOR_COLUMNS,
    CONCEPTS,
    EUNOMIA,
    PROCEDURE_COLUMNS,
    eunomia_csv,
    loaded_cdm,
    loaded_eunomia,
    persons,
    table,
)

BUNDLE = EUNOMIA
AS_OF = "2022-07-01"


@pytest.mark.skipif(not BUNDLE.is_file(), reason="Eunomia sample not present")
def test_eunomia_every_procedure_is_one_row_with_its_snomed_code():
    source = load_source_config(repo_root() / "sources" / "eunomia-omop.yaml")
    assert not source.extract_unavailable("procedures")
    rows = eunomia_csv("PROCEDURE_OCCURRENCE")
    assert len(rows) == 1649  # the sample's count
    rows = rows[pd.to_datetime(rows["procedure_date"]) <= pd.Timestamp(AS_OF)]
    concepts = eunomia_csv("CONCEPT").set_index("concept_id")
    vocabulary = rows["procedure_concept_id"].map(concepts["vocabulary_id"])
    assert (vocabulary == "SNOMED").all()
    expected = rows["procedure_concept_id"].map(concepts["concept_code"])
    with loaded_eunomia() as url:
        raw = read_extracts_omop(url, source, AS_OF, ["procedures"])["procedures"]
    frame = raw.whole().set_index("procedure_id")
    assert sorted(frame.index) == sorted(rows["procedure_occurrence_id"])
    frame = frame.loc[rows["procedure_occurrence_id"]]
    assert (frame["snomed_code"].to_numpy() == expected.to_numpy()).all()
    assert (frame["patient_id"].to_numpy() == rows["person_id"].to_numpy()).all()
    assert (frame["performed_on"].to_numpy() == rows["procedure_date"].to_numpy()).all()
    # Eunomia ships no concept_ancestor rows: no category can be told, so none is guessed
    for column in ("category", "ccam_code", "icd10pcs_code"):
        assert (frame[column].fillna("") == "").all(), column  # a pulled NULL: empty text


SURGICAL, RADIOTHERAPY = 2000000701, 2000000702  # SNOMED 387713003, 108290001 (local ids)
COLECTOMY, EBRT, ECHO, LONE = 4000001, 4000002, 4000003, 4000004
PCS, CCAM = 2000000601, 2000000602
VOCABULARY = pd.concat(
    [
        CONCEPTS,
        pd.DataFrame(
            [
                (SURGICAL, "SNOMED", "Procedure", "387713003"),
                (RADIOTHERAPY, "SNOMED", "Procedure", "108290001"),
                (COLECTOMY, "SNOMED", "Procedure", "23968004"),
                (EBRT, "SNOMED", "Procedure", "33195004"),
                (ECHO, "SNOMED", "Procedure", "40701008"),
                (LONE, "SNOMED", "Procedure", "71388002"),
                (PCS, "ICD10PCS", "ICD10PCS", "0DTN0ZZ"),
                (CCAM, "CCAM", "CCAM", "HHFA002"),
            ],
            columns=CONCEPTS.columns,
        ),
    ]
)


def _ancestry(pairs: list[tuple[int, int]]) -> pd.DataFrame:
    rows = [(a, d, 0 if a == d else 1, 0 if a == d else 1) for a, d in pairs]
    return pd.DataFrame(rows, columns=ANCESTOR_COLUMNS)


def _procedure(i: int, concept: int, day: str, source: int = 0) -> dict:
    return {
        "procedure_occurrence_id": i,
        "person_id": 1,
        "procedure_concept_id": concept,
        "procedure_date": day,
        "procedure_type_concept_id": 32817,
        "procedure_source_concept_id": source,
    }


def test_codes_and_categories_from_the_hierarchy(tmp_path):
    ancestry = _ancestry(
        [
            (SURGICAL, SURGICAL),
            (RADIOTHERAPY, RADIOTHERAPY),
            (COLECTOMY, COLECTOMY),
            (SURGICAL, COLECTOMY),
            (EBRT, EBRT),
            (RADIOTHERAPY, EBRT),
            (ECHO, ECHO),  # in the hierarchy, under neither head
        ]
    )
    rows = [
        _procedure(1, COLECTOMY, "2022-01-10", source=PCS),
        _procedure(2, EBRT, "2022-02-10"),
        _procedure(3, ECHO, "2022-03-10", source=CCAM),
        _procedure(4, LONE, "2022-04-10"),  # no ancestry at all: category unknown
        _procedure(5, COLECTOMY, "2022-07-02"),  # after the as-of day: not pulled
        _procedure(6, 0, "2022-05-10"),  # no concept: kept, its codes empty
    ]
    tables = {
        "concept": VOCABULARY,
        "concept_ancestor": ancestry,
        "person": persons(1),
        "procedure_occurrence": table(PROCEDURE_COLUMNS, rows),
    }
    with loaded_cdm(tmp_path / "cdm", tables) as url:
        source = parse_source_config({"kind": "omop", "unavailable": ["treatments"]}, "o.yaml")
        raw = read_extracts_omop(url, source, AS_OF, ["procedures"])["procedures"]
    frame = raw.whole().set_index("procedure_id").fillna("")
    columns = ["snomed_code", "icd10pcs_code", "ccam_code", "category"]
    assert list(frame.index) == ["1", "2", "3", "4", "6"]
    assert frame.loc["1", columns].tolist() == ["23968004", "0DTN0ZZ", "", "SURGERY"]
    assert frame.loc["2", columns].tolist() == ["33195004", "", "", "RADIOTHERAPY"]
    assert frame.loc["3", columns].tolist() == ["40701008", "", "HHFA002", "OTHER"]
    assert frame.loc["4", columns].tolist() == ["71388002", "", "", ""]
    assert frame.loc["6", columns].tolist() == ["", "", "", ""]
    assert frame.loc["1", "performed_on"] == "2022-01-10"
