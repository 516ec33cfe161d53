"""OMOP observation_period -> the observation_periods extract, on OHDSI Eunomia Synthea27Nj
(one period per person), and a criterion that counts an absence only where observed."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.io.omop import read_extracts_omop
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import parse_trial
from tests.conftest import repo_root
from tests.pipeline.io.omop_rows import EUNOMIA, eunomia_csv, loaded_eunomia

BUNDLE = EUNOMIA
AS_OF = "2022-07-01"

pytestmark = pytest.mark.skipif(not BUNDLE.is_file(), reason="Eunomia sample not present")


@pytest.fixture(scope="module")
def cdm():
    with loaded_eunomia() as url:
        yield url


def test_every_period_started_by_the_as_of_day_is_read(cdm):
    source = load_source_config(repo_root() / "sources" / "eunomia-omop.yaml")
    periods = eunomia_csv("OBSERVATION_PERIOD")
    expected = periods[pd.to_datetime(periods["observation_period_start_date"]) <= AS_OF]
    assert len(expected) > 0
    raw = read_extracts_omop(cdm, source, AS_OF, ["observation_periods"])["observation_periods"]
    frame = raw.whole().set_index("period_id").loc[expected["observation_period_id"]]
    assert (frame["patient_id"].to_numpy() == expected["person_id"].to_numpy()).all()
    assert (frame["start_date"].to_numpy() == expected["observation_period_start_date"]).all()
    assert (frame["end_date"].to_numpy() == expected["observation_period_end_date"]).all()
    assert len(raw.whole()) == len(expected)


TRIAL = parse_trial(
    {
        "id": "observed",
        "title": "No procedure in the last 6 months, where observed",
        "criteria": [
            {
                "id": "no_recent_procedure",
                "text": "No procedure in the last 6 months",
                "rule": {
                    "primitive": "record_count",
                    "extract": "procedures",
                    "window": {"months": 6},
                    "at_most": 0,
                    "observed": True,
                },
            }
        ],
    },
    "observed.yaml",
    "0" * 64,
)


def test_an_absence_counts_only_for_persons_observed_over_the_window(cdm, tmp_path):
    """Computed by hand from the CSVs: a person with no procedure in the 6 months to the
    as-of day is met when one period covers them, else unknown; with one, not met."""
    source = load_source_config(repo_root() / "sources" / "eunomia-omop.yaml")
    result = run_screening(TRIAL, None, source, pd.Timestamp(AS_OF), tmp_path, url=cdm)
    report = result.report_dir
    ids = pd.read_parquet(report / "reidentification.parquet")
    got = pd.read_parquet(report / "criteria.parquet").merge(ids, on="pseudonym")
    got = got.set_index("patient_id")["status"]
    first, as_of = pd.Timestamp("2022-01-01"), pd.Timestamp(AS_OF)
    procedures = eunomia_csv("PROCEDURE_OCCURRENCE")
    day = pd.to_datetime(procedures["procedure_date"])
    recent = set(procedures.loc[(day >= first) & (day <= as_of), "person_id"])
    periods = eunomia_csv("OBSERVATION_PERIOD")
    covers = (pd.to_datetime(periods["observation_period_start_date"]) <= first) & (
        pd.to_datetime(periods["observation_period_end_date"]) >= as_of
    )
    observed = set(periods.loc[covers, "person_id"])
    expected = {
        p: "not_met" if p in recent else ("met" if p in observed else "unknown")
        for p in eunomia_csv("PERSON")["person_id"]
    }
    assert got.to_dict() == expected
    assert set(expected.values()) >= {"met", "unknown"}  # both sides are exercised
    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    account = manifest["extracts"]["observation_periods"]
    assert account["rows_read"] == account["rows_accepted"]
