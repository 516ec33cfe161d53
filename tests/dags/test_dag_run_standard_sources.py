"""The DAGs end to end (`dag.test()`: the hospital's night, then the trial) on the standard
sources, with data no one here wrote: the SMART FHIR Bulk sample landed as a dated folder, and
the OHDSI Eunomia OMOP sample loaded into a scratch PostgreSQL database behind the
`hospital_warehouse` connection."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pendulum
import pytest

from pipeline.omop_load import load_omop_zip
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from pipeline.warehouse import libpq_url
from tests.conftest import AS_OF, shared_data
from tests.dags.airflow_env import REPO, TRIAL
from tests.pg_service import scratch_database

LOGICAL_DATE = pendulum.datetime(2026, 11, 24, 2, 0, tz="Europe/Paris")
FHIR_SAMPLE = shared_data("fhir", "smart-10-patients")
EUNOMIA = shared_data("omop", "Synthea27Nj_5.4.zip")

pytestmark = pytest.mark.slow


def report_of(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    ids = pd.read_parquet(folder / "reidentification.parquet")
    criteria = pd.read_parquet(folder / "criteria.parquet").merge(ids, on="pseudonym")
    candidates = pd.read_parquet(folder / "candidates.parquet").merge(ids, on="pseudonym")
    return criteria, candidates, json.loads((folder / "manifest.json").read_text())


@pytest.mark.skipif(not FHIR_SAMPLE.is_dir(), reason="shared FHIR sample not present")
def night(hospital_dag, screening_dag) -> None:
    """The hospital's run, then the trial's on its snapshot; both must succeed."""
    hospital = hospital_dag.test(logical_date=LOGICAL_DATE)
    assert str(hospital.state) == "success"
    trial = screening_dag.test(logical_date=LOGICAL_DATE)
    assert str(trial.state) == "success"


def test_a_fhir_source_publishes_its_report(
    hospital_dag, screening_dag, run_env, monkeypatch, tmp_path
):
    landing = tmp_path / "fhir-landing"
    shutil.copytree(FHIR_SAMPLE, landing / AS_OF)
    source = REPO / "sources" / "smart-fhir-sample.yaml"
    monkeypatch.setenv("SCREENING_LANDING_DIR", str(landing))
    monkeypatch.setenv("SCREENING_SOURCE", str(source))
    night(hospital_dag, screening_dag)
    report = run_env["reports"] / TRIAL / AS_OF
    criteria, candidates, manifest = report_of(report)
    patients = [
        json.loads(line)
        for line in (FHIR_SAMPLE / "Patient.000.ndjson").read_text().splitlines()
        if line.strip()
    ]
    assert sorted(candidates["patient_id"]) == sorted(p["id"] for p in patients)
    assert manifest["patients"]["reported"] == 13
    dead = sorted(p["id"] for p in patients if "deceasedDateTime" in p)
    alive = criteria[criteria["criterion_id"] == "alive"].set_index("patient_id")["status"]
    assert sorted(alive[alive == "not_met"].index) == dead
    # the reader's counts reach the report through the staged extracts, as on the CLI
    trial = load_trial(find_trial(TRIAL))
    cli = run_screening(
        trial, landing / AS_OF, load_source_config(source), pd.Timestamp(AS_OF), tmp_path / "cli"
    ).report_dir
    assert manifest["extracts"] == report_of(cli)[2]["extracts"]
    codes = pd.read_parquet(report / "dq" / "unknown_codes.parquet")
    assert codes.equals(pd.read_parquet(cli / "dq" / "unknown_codes.parquet"))
    assert len(codes) > 0


@pytest.mark.skipif(not EUNOMIA.is_file(), reason="Eunomia sample not present")
def test_an_omop_source_publishes_its_report(hospital_dag, screening_dag, run_env, monkeypatch):
    with scratch_database() as url:
        load_omop_zip(EUNOMIA, url, "cdm", create=False)
        monkeypatch.setenv("AIRFLOW_CONN_HOSPITAL_WAREHOUSE", libpq_url(url))
        monkeypatch.setenv("SCREENING_SOURCE", str(REPO / "sources" / "eunomia-omop.yaml"))
        night(hospital_dag, screening_dag)
    criteria, candidates, manifest = report_of(run_env["reports"] / TRIAL / AS_OF)
    assert len(candidates) == manifest["patients"]["reported"] == 28
    alive = criteria[criteria["criterion_id"] == "alive"]
    assert (alive["status"] == "not_met").sum() == 3  # the three persons with a death record
    dead = alive.loc[alive["status"] == "not_met", "patient_id"]
    status = candidates.set_index("patient_id")["overall_status"]
    assert (status[dead] == "not_eligible").all()
    assert manifest["extracts"]["labs"]["quarantine_rules"].get(
        "completeness.labs.loinc_code.not_null"
    )
