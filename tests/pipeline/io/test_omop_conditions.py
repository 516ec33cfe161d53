"""OMOP condition_occurrence -> the conditions extract, on OHDSI Eunomia Synthea27Nj (every
condition there is a SNOMED CT concept), loaded into a throwaway PostgreSQL database."""

from __future__ import annotations

import io
import json
import zipfile

import pandas as pd
import pytest

from pipeline.io.omop import DEFAULT_UNAVAILABLE, read_extracts_omop
from pipeline.omop_load import load_omop_zip
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import load_trial
from tests.conftest import repo_root, shared_data
from tests.pg_service import scratch_database

BUNDLE = shared_data("omop", "Synthea27Nj_5.4.zip")
SOURCE = repo_root() / "sources" / "eunomia-omop.yaml"
TRIAL = repo_root() / "tests" / "fixtures" / "trials" / "conditions-example.yaml"
AS_OF = "2022-07-01"

pytestmark = pytest.mark.skipif(not BUNDLE.is_file(), reason="Eunomia sample not present")


def _csv(name: str) -> pd.DataFrame:
    """One CSV of the bundle, read independently of the loader (all text)."""
    with zipfile.ZipFile(BUNDLE) as archive:
        data = archive.read(f"{name}.csv")
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def cdm():
    with scratch_database() as url:
        load_omop_zip(BUNDLE, url, "cdm", create=False)
        yield url


def _by_hand() -> pd.DataFrame:
    """The occurrences started on or before the as-of date, with their concept's code."""
    rows = _csv("CONDITION_OCCURRENCE")
    rows = rows[pd.to_datetime(rows["condition_start_date"]) <= pd.Timestamp(AS_OF)]
    concepts = _csv("CONCEPT").set_index("concept_id")
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
    assert len(_csv("CONDITION_OCCURRENCE")) == 470  # the sample's count
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
