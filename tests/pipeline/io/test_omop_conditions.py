"""OMOP condition_occurrence -> the conditions extract, on OHDSI Eunomia Synthea27Nj (every
condition there is a SNOMED CT concept), loaded into a throwaway PostgreSQL database."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.io.omop import DEFAULT_UNAVAILABLE, read_extracts_omop
from pipeline.run import run_screening
from pipeline.sources import load_source_config, parse_source_config
from pipeline.trial import load_trial
from tests.conftest import repo_root
from tests.pipeline.io.omop_rows import (
    CONCEPTS,
    CONDITION_COLUMNS,
    EUNOMIA,
    eunomia_csv,
    loaded_cdm,
    loaded_eunomia,
    persons,
    table,
)

BUNDLE = EUNOMIA
SOURCE = repo_root() / "sources" / "eunomia-omop.yaml"
TRIAL = repo_root() / "tests" / "fixtures" / "trials" / "conditions-example.yaml"
AS_OF = "2022-07-01"

pytestmark = pytest.mark.skipif(not BUNDLE.is_file(), reason="Eunomia sample not present")


@pytest.fixture(scope="module")
def cdm():
    with loaded_eunomia() as url:
        yield url


def _by_hand() -> pd.DataFrame:
    """The occurrences started on or before the as-of date, with their concept's code."""
    rows = eunomia_csv("CONDITION_OCCURRENCE")
    rows = rows[pd.to_datetime(rows["condition_start_date"]) <= pd.Timestamp(AS_OF)]
    concepts = eunomia_csv("CONCEPT").set_index("concept_id")
    rows = rows.assign(
        vocabulary=rows["condition_concept_id"].map(concepts["vocabulary_id"]),
        code=rows["condition_concept_id"].map(concepts["concept_code"]),
    )
    return rows.set_index("condition_occurrence_id")


def test_every_occurrence_is_one_row_with_its_snomed_code(cdm):
    source = load_source_config(SOURCE)
    assert not source.extract_unavailable("conditions")
    assert source.unavailable_columns("conditions") == DEFAULT_UNAVAILABLE["conditions"]
    frame = read_extracts_omop(cdm, source, AS_OF, ["conditions"])["conditions"].frame
    frame = frame.set_index("record_id")
    expected = _by_hand()
    assert len(eunomia_csv("CONDITION_OCCURRENCE")) == 470  # the sample's count
    assert (expected["vocabulary"] == "SNOMED").all()
    assert sorted(frame.index) == sorted(expected.index)
    frame = frame.loc[expected.index]
    assert (frame["snomed_code"] == expected["code"]).all()
    assert (frame["patient_id"] == expected["person_id"]).all()
    assert (frame["onset_date"] == expected["condition_start_date"]).all()
    assert (frame["recorded_date"] == expected["condition_start_date"]).all()
    for column in ("icd10_code", "topography_code", "morphology_code", "clinical_status"):
        assert (frame[column].fillna("") == "").all(), column  # a pulled NULL: empty text


def test_a_screening_accounts_for_every_occurrence(cdm, tmp_path):
    source = load_source_config(SOURCE)
    result = run_screening(load_trial(TRIAL), None, source, pd.Timestamp(AS_OF), tmp_path, url=cdm)
    manifest = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    account = manifest["extracts"]["conditions"]
    assert account["rows_read"] == len(_by_hand())
    assert account["rows_accepted"] + account["rows_quarantined"] == account["rows_read"]
    assert manifest["unavailable"]["conditions"] == ["clinical_status"]
    criteria = pd.read_parquet(result.report_dir / "criteria.parquet")
    # no ICD-10 code in this sample: whether a diagnosis is another malignancy cannot be told
    other = criteria[criteria["criterion_id"] == "other_malignancy_3_years"]
    assert set(other["status"]) <= {"unknown", "met"}


def test_icdo3_codes_split_into_morphology_and_topography(tmp_path):
    """The OHDSI oncology convention's `histology-topography` code, from the standard concept
    or else from the source concept, gives the two halves; an ICD-10 source code beside a
    SNOMED standard concept gives both codes; a concept of neither vocabulary gives none."""
    icdo3_std, icdo3_src, icd10, snomed, other = 2000000501, 2000000502, 2000000503, 4180793, 9
    vocabulary = pd.concat(
        [
            CONCEPTS,
            pd.DataFrame(
                [
                    (icdo3_std, "ICDO3", "ICDO Condition", "8240/3-C17.1"),
                    (icdo3_src, "ICDO3", "ICDO Condition", "8249/3-C18.0"),
                    (icd10, "ICD10", "ICD10 code", "C7A.012"),
                    (snomed, "SNOMED", "Clinical Finding", "447709008"),
                    (other, "Gender", "Gender", "F"),
                ],
                columns=CONCEPTS.columns,
            ),
        ]
    )

    def occurrence(i: int, standard: int, source: int) -> dict:
        return {
            "condition_occurrence_id": i,
            "person_id": 1,
            "condition_concept_id": standard,
            "condition_start_date": "2021-03-04",
            "condition_type_concept_id": 32817,
            "condition_source_concept_id": source,
        }

    rows = [
        occurrence(1, icdo3_std, 0),
        occurrence(2, 0, icdo3_src),
        occurrence(3, snomed, icd10),
        occurrence(4, other, 0),
    ]
    tables = {
        "concept": vocabulary,
        "person": persons(1),
        "condition_occurrence": table(CONDITION_COLUMNS, rows),
    }
    with loaded_cdm(tmp_path / "cdm", tables) as url:
        source = parse_source_config({"kind": "omop", "unavailable": ["treatments"]}, "omop.yaml")
        raws = read_extracts_omop(url, source, AS_OF, ["conditions"])
    frame = raws["conditions"].whole().set_index("record_id").fillna("")
    codes = frame[["morphology_code", "topography_code", "icd10_code", "snomed_code"]]
    assert codes.loc["1"].tolist() == ["8240/3", "C17.1", "", ""]
    assert codes.loc["2"].tolist() == ["8249/3", "C18.0", "", ""]
    assert codes.loc["3"].tolist() == ["", "", "C7A.012", "447709008"]
    assert codes.loc["4"].tolist() == ["", "", "", ""]
