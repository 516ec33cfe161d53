"""The DAGs end to end with `dag.test()`: the hospital's night, then a trial on its snapshot.

Same report as the CLI, reruns identical, failures visible. Tasks run in this process, so the
SCREENING_* settings are set with monkeypatch. The main run screens in 3 shards (mapped task
instances) and must still publish the CLI's report.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pendulum
import pytest

from pipeline.contract import EXTRACTS
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF
from tests.dags.airflow_env import DAG_ID, HOSPITAL_DAG_ID, REPO, TRIAL
from tests.pg_service import scratch_database

LOGICAL_DATE = pendulum.datetime(2026, 11, 24, 2, 0, tz="Europe/Paris")
REPORT_TABLES = ("candidates", "criteria", "attrition")
SHARDS = 3
FILES_SOURCE = REPO / "sources" / "synthetic-chu.yaml"
WAREHOUSE_SOURCE = REPO / "sources" / "synthetic-chu-warehouse.yaml"


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under a folder (hidden staging folders included)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cli_report(exports: Path, out: Path) -> Path:
    trial = load_trial(find_trial(TRIAL))
    source = load_source_config(FILES_SOURCE)
    return run_screening(trial, exports, source, pd.Timestamp(AS_OF), out).report_dir


def assert_same_report(dag_report: Path, cli: Path) -> None:
    for name in REPORT_TABLES:
        a, b = dag_report / f"{name}.parquet", cli / f"{name}.parquet"
        pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), obj=name)
        assert a.read_bytes() == b.read_bytes(), name


def task_states(run) -> dict[tuple[str, int], tuple[str, int]]:
    return {
        (ti.task_id, ti.map_index): (str(ti.state), ti.try_number)
        for ti in run.get_task_instances()
    }


def night(hospital_dag, screening_dag, logical_date=LOGICAL_DATE, **kwargs) -> tuple:
    """The hospital's run, then the trial's (the scheduler starts the second on the first's
    snapshot event; here in turn, for the same night)."""
    hospital = hospital_dag.test(logical_date=logical_date, **kwargs)
    trial = screening_dag.test(logical_date=logical_date, **kwargs)
    return hospital, trial


@dataclass
class Runs:
    states: list[tuple[str, str]]
    report: Path
    snapshots: list[dict[str, str]]
    work: Path
    xcom: list[tuple[str, str, int, str, str]]
    shard_runs: list[list[int]]
    shown_as: dict[tuple[str, int], str | None]
    events: list[str]


@pytest.fixture(scope="module")
def twice(hospital_dag, screening_dag, small_hospital, airflow_db, tmp_path_factory) -> Runs:
    """The night twice for the same logical date on the small hospital's landing folder."""
    tmp = tmp_path_factory.mktemp("dag_twice")
    landing = tmp / "landing"
    shutil.copytree(small_hospital.exports, landing / AS_OF)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SCREENING_LANDING_DIR", str(landing))
        mp.setenv("SCREENING_REPORTS_DIR", str(tmp / "reports"))
        mp.setenv("SCREENING_WORK_DIR", str(tmp / "work"))
        mp.setenv("SCREENING_SOURCE", str(FILES_SOURCE))
        mp.setenv("SCREENING_SHARDS", str(SHARDS))
        mp.delenv("SCREENING_FAILURE_NOTIFIER", raising=False)
        report = tmp / "reports" / TRIAL / AS_OF
        states, snapshots, shard_runs = [], [], []
        for _ in range(2):
            hospital, trial = night(hospital_dag, screening_dag)
            states.append((str(hospital.state), str(trial.state)))
            snapshots.append(snapshot(report))
            shard_runs.append(sorted(m for (t, m) in task_states(trial) if t == "screen_shard"))
        shown_as = {
            (t.task_id, t.map_index): t.rendered_map_index
            for run in (hospital, trial)
            for t in run.get_task_instances()
        }
    with sqlite3.connect(airflow_db) as db:
        xcom = db.execute(
            "SELECT dag_id, task_id, map_index, key, value FROM xcom WHERE dag_id IN (?, ?)",
            (DAG_ID, HOSPITAL_DAG_ID),
        ).fetchall()
        events = [
            row[0]
            for row in db.execute(
                "SELECT e.extra FROM asset_event e JOIN asset a ON a.id = e.asset_id "
                "WHERE a.name = 'screening://snapshot' AND e.source_dag_id = ?",
                (HOSPITAL_DAG_ID,),
            )
        ]
    decoded = [
        (d, t, m, k, v.decode() if isinstance(v, bytes) else str(v)) for d, t, m, k, v in xcom
    ]
    return Runs(states, report, snapshots, tmp / "work", decoded, shard_runs, shown_as, events)


def test_the_night_succeeds_and_the_trial_publishes_the_cli_report(twice, small_hospital, tmp_path):
    assert twice.states == [("success", "success")] * 2
    assert twice.shard_runs == [list(range(SHARDS))] * 2, "one screen_shard per shard"
    cli = cli_report(small_hospital.exports, tmp_path / "cli")
    assert_same_report(twice.report, cli)
    assert twice.snapshots[0] == snapshot(cli), "every report file, byte for byte"
    dag_manifest = json.loads((twice.report / "manifest.json").read_text())
    cli_manifest = json.loads((cli / "manifest.json").read_text())
    assert dag_manifest["as_of"] == cli_manifest["as_of"] == AS_OF
    assert dag_manifest["trial"] == cli_manifest["trial"]
    assert dag_manifest["extracts"] == cli_manifest["extracts"]
    assert dag_manifest["inputs"] == cli_manifest["inputs"]


def test_the_snapshot_event_names_the_source_and_the_night(twice):
    """What schedules every trial's DAG: one event per hospital run, source and as-of only."""
    assert [json.loads(extra) for extra in twice.events] == [
        {"source": "synthetic-chu", "as_of": AS_OF}
    ] * 2


def test_mapped_tasks_show_their_extract_or_shard(twice):
    """In the grid, `extract [labs]` rather than `extract [2]`: which extract failed is seen."""
    extracts = list(load_source_config(FILES_SOURCE).extracts)
    for index, name in enumerate(extracts):
        assert twice.shown_as[("extract", index)] == name
    others = [n for n in extracts if n != "patients"]
    for index, name in enumerate(others):
        assert twice.shown_as[("validate", index)] == name
    for shard in range(SHARDS):
        assert twice.shown_as[("screen_shard", shard)] == f"shard {shard + 1} of {SHARDS}"


def test_rerunning_the_same_date_gives_byte_identical_reports(twice):
    first, second = twice.snapshots
    assert first, "a report was published"
    assert first == second


def test_nothing_is_left_behind(twice):
    siblings = sorted(p.name for p in twice.report.parent.iterdir())
    published = os.readlink(twice.report)
    assert siblings == sorted([AS_OF, f".{AS_OF}.lock", published]), "only the published version"
    assert not (twice.work / TRIAL / AS_OF).exists(), "the shards' tables removed after publishing"
    nights = twice.work / ".snapshots" / "synthetic-chu"
    version = os.readlink(nights / AS_OF)
    assert sorted(p.name for p in nights.iterdir()) == sorted([AS_OF, f".{AS_OF}.lock", version])
    assert not list((nights / AS_OF / "raw").glob("*.parquet")), "no raw text kept"


def test_xcom_carries_no_patient_data(twice, small_hospital):
    assert twice.xcom, "the steps' results went to XCom"
    truth = pd.read_parquet(small_hospital.truth)
    patient_ids = set(truth["patient_id"].astype(str))
    assert all(re.fullmatch(r"IPP\d+", pid) for pid in patient_ids)
    for dag_id, task_id, map_index, key, value in twice.xcom:
        assert key == "return_value", (dag_id, task_id, key)
        assert not re.search(r"IPP\d", value), (task_id, map_index)
        assert not any(pid in value for pid in patient_ids), (task_id, map_index)
        assert len(value) < 2000, (task_id, map_index, "small dicts only")
    hospital = {t for d, t, _m, _k, _v in twice.xcom if d == HOSPITAL_DAG_ID}
    trial = {t for d, t, _m, _k, _v in twice.xcom if d == DAG_ID}
    assert {"check_source", "extract", "validate_patients", "validate"} <= hospital
    assert "publish_snapshot" in hospital
    assert {"check_config", "shard_plan", "report", "publish"} <= trial
    shards = {m for d, t, m, _k, _v in twice.xcom if t == "screen_shard"}
    assert shards == set(range(SHARDS))


def test_a_trial_run_without_its_night_fails_first_and_publishes_nothing(
    screening_dag, run_env, caplog
):
    run = screening_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    assert states[("check_config", -1)] == ("failed", 1)
    assert states[("publish", -1)][0] == "upstream_failed"
    assert snapshot(run_env["reports"]) == {}
    said = [r.getMessage() for r in caplog.records if "screening task failed" in r.getMessage()]
    assert any(
        "no validated snapshot of source 'synthetic-chu' for 2026-11-24" in line for line in said
    )


def test_a_missing_file_fails_the_night_and_keeps_the_previous_report(
    hospital_dag, screening_dag, run_env, small_hospital, tmp_path, monkeypatch
):
    probe = tmp_path / "notified.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    previous = cli_report(small_hospital.exports, run_env["reports"])
    before = snapshot(run_env["reports"])
    (run_env["landing"] / AS_OF / "biologie.csv").unlink()

    hospital, trial = night(hospital_dag, screening_dag)

    assert str(hospital.state) == "failed"
    states = task_states(hospital)
    labs = list(load_source_config(FILES_SOURCE).extracts).index("labs")
    assert states[("extract", labs)] == ("failed", 1), "a landed folder's file is not retried"
    assert states[("publish_snapshot", -1)][0] == "upstream_failed"
    assert not (run_env["snapshots"] / "synthetic-chu" / AS_OF).exists(), "no snapshot"
    assert str(trial.state) == "failed", "no trial screens a night that was not validated"
    assert task_states(trial)[("check_config", -1)] == ("failed", 1)
    assert snapshot(run_env["reports"]) == before, "previous report intact, nothing new"
    assert previous.is_dir()
    summaries = [json.loads(line) for line in probe.read_text().splitlines()]
    assert [(s["dag_id"], s["task_id"]) for s in summaries] == [
        (HOSPITAL_DAG_ID, "extract"),
        (DAG_ID, "check_config"),
    ]
    assert summaries[0]["run_id"] == hospital.run_id


def test_a_night_that_never_landed_fails_at_the_sensor_past_the_deadline(
    hospital_dag, run_env, tmp_path, monkeypatch, caplog
):
    """24 November's 06:00 deadline has passed and its folder is not there: one failure that
    says so, at once, instead of each extract retrying for half an hour."""
    probe = tmp_path / "notified.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    shutil.rmtree(run_env["landing"] / AS_OF)
    run = hospital_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    assert states[("check_source", -1)][0] == "success"
    assert states[("wait_for_landing", -1)] == ("failed", 1)
    assert {s for (t, _m), (s, _n) in states.items() if t == "extract"} == {"upstream_failed"}
    assert snapshot(run_env["reports"]) == {}
    (summary,) = [json.loads(line) for line in probe.read_text().splitlines()]
    assert summary["task_id"] == "wait_for_landing"
    said = [r.getMessage() for r in caplog.records if "screening task failed" in r.getMessage()]
    assert len(said) == 1
    assert "message=no export for 2026-11-24 by 06:00 Europe/Paris" in said[0]


def test_an_old_logical_date_runs_its_tasks_and_fails_saying_why(hospital_dag, run_env, caplog):
    """Airflow runs no task for a logical date before a DAG's start_date and marks the run a
    success; the DAG has none, so a night of 1999 runs and fails at the landing sensor."""
    old = pendulum.datetime(1999, 6, 1, 2, 0, tz="Europe/Paris")
    run = hospital_dag.test(logical_date=old)
    assert str(run.state) == "failed"
    assert task_states(run)[("wait_for_landing", -1)] == ("failed", 1)
    said = [r.getMessage() for r in caplog.records if "screening task failed" in r.getMessage()]
    assert any("no export for 1999-06-01 by 06:00" in line for line in said)


def own_dags() -> tuple:
    """DAGs of their own: dag.test() keeps a run's conf in the DAG's params for the next runs."""
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(REPO / "dags"))
    return bag.dags[HOSPITAL_DAG_ID], bag.dags[DAG_ID]


def test_the_as_of_parameter_validates_and_screens_the_chosen_night(airflow_db, run_env):
    """Triggered a week later with as_of 2026-11-24: both runs take that night."""
    later = pendulum.datetime(2026, 12, 1, 2, 0, tz="Europe/Paris")
    hospital, trial = night(*own_dags(), logical_date=later, run_conf={"as_of": AS_OF})
    assert (str(hospital.state), str(trial.state)) == ("success", "success")
    manifest = json.loads((run_env["reports"] / TRIAL / AS_OF / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF
    assert (run_env["snapshots"] / "synthetic-chu" / AS_OF).is_dir()
    assert not (run_env["snapshots"] / "synthetic-chu" / "2026-12-01").exists()
    assert not (run_env["reports"] / TRIAL / "2026-12-01").exists()


def test_an_unknown_source_parameter_fails_the_first_task(airflow_db, run_env):
    hospital_dag, _ = own_dags()
    run = hospital_dag.test(logical_date=LOGICAL_DATE, run_conf={"source": "nope.yaml"})
    assert str(run.state) == "failed"
    assert task_states(run)[("check_source", -1)] == ("failed", 1)
    assert {s for (t, _m), (s, _n) in task_states(run).items() if t == "extract"} == {
        "upstream_failed"
    }
    assert snapshot(run_env["reports"]) == {}  # its message: test_callbacks


def test_a_wrong_source_config_fails_the_first_task_before_any_extract(
    hospital_dag, run_env, tmp_path, monkeypatch
):
    """check_source loads the source config first: a two-character separator stops the night
    there, no extract runs (none would be retried three times), nothing is staged or
    published, and the failure summary names check_source."""
    probe = tmp_path / "notified.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    bad = tmp_path / "hospital.yaml"
    bad.write_text(
        FILES_SOURCE.read_text(encoding="utf-8").replace('separator: ";"', 'separator: ";;"'),
        encoding="utf-8",
    )
    monkeypatch.setenv("SCREENING_SOURCE", str(bad))
    run = hospital_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    assert states[("check_source", -1)] == ("failed", 1)
    assert {s for (t, _m), (s, _n) in states.items() if t == "extract"} == {"upstream_failed"}
    assert not run_env["work"].exists()
    assert snapshot(run_env["reports"]) == {}
    summaries = [json.loads(line) for line in probe.read_text().splitlines()]
    assert [s["task_id"] for s in summaries] == ["check_source"]


def test_an_unreachable_warehouse_fails_the_night_and_publishes_nothing(
    hospital_dag, run_env, monkeypatch
):
    monkeypatch.setenv("SCREENING_SOURCE", str(WAREHOUSE_SOURCE))
    monkeypatch.setenv(
        "AIRFLOW_CONN_HOSPITAL_WAREHOUSE", "postgresql://screening:secretpw@127.0.0.1:1/dwh"
    )
    run = hospital_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    # every extract the config pulls fails; an optional one it does not declare has nothing
    # to pull and is staged unavailable without a connection
    source = load_source_config(WAREHOUSE_SOURCE)
    expected = {
        i: "success" if source.extract_unavailable(name) else "failed"
        for i, name in enumerate(EXTRACTS)
    }
    assert {m: s for (t, m), (s, _n) in states.items() if t == "extract"} == expected
    assert "failed" in expected.values()
    assert states[("publish_snapshot", -1)][0] == "upstream_failed"
    assert not (run_env["snapshots"] / "synthetic-chu-warehouse" / AS_OF).exists()
    assert snapshot(run_env["reports"]) == {}


def test_the_sql_source_publishes_the_same_report(
    hospital_dag, screening_dag, run_env, small_hospital, tmp_path, monkeypatch
):
    from pipeline.io.sql import read_extracts_sql
    from pipeline.warehouse import libpq_url, load_warehouse

    with scratch_database() as url:
        load_warehouse(small_hospital.exports, url, load_source_config(FILES_SOURCE))
        # The form an Airflow connection URI takes; the pull turns it into a psycopg URL.
        monkeypatch.setenv("AIRFLOW_CONN_HOSPITAL_WAREHOUSE", libpq_url(url))
        monkeypatch.setenv("SCREENING_SOURCE", str(WAREHOUSE_SOURCE))
        hospital, trial = night(hospital_dag, screening_dag)
        pulled = read_extracts_sql(url, load_source_config(WAREHOUSE_SOURCE), AS_OF)
    assert (str(hospital.state), str(trial.state)) == ("success", "success")
    report = run_env["reports"] / TRIAL / AS_OF
    cli = cli_report(small_hospital.exports, tmp_path / "cli")
    assert_same_report(report, cli)
    # The pull's digests reach the manifest through the staged extracts (one task each).
    inputs = json.loads((report / "manifest.json").read_text())["inputs"]
    assert {n: i["sha256"] for n, i in inputs.items()} == {n: r.sha256 for n, r in pulled.items()}
