"""The DAG end to end with `dag.test()`: same report as the CLI, reruns identical, failures visible.

Tasks run in this process, so the SCREENING_* settings are set with monkeypatch. The main run
screens in 3 shards (mapped task instances) and must still publish the CLI's report.
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

from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF
from tests.dags.airflow_env import DAG_ID, REPO, TRIAL
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


@dataclass
class Runs:
    states: list[str]
    report: Path
    snapshots: list[dict[str, str]]
    work: Path
    xcom: list[tuple[str, int, str, str]]
    shard_runs: list[list[int]]
    shown_as: dict[tuple[str, int], str | None]


@pytest.fixture(scope="module")
def twice(screening_dag, small_hospital, airflow_db, tmp_path_factory) -> Runs:
    """Run the DAG twice for the same logical date on the small hospital's landing folder."""
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
            run = screening_dag.test(logical_date=LOGICAL_DATE)
            states.append(str(run.state))
            snapshots.append(snapshot(report))
            shard_runs.append(sorted(m for (t, m) in task_states(run) if t == "screen_shard"))
        shown_as = {
            (t.task_id, t.map_index): t.rendered_map_index for t in run.get_task_instances()
        }
    with sqlite3.connect(airflow_db) as db:
        xcom = db.execute(
            "SELECT task_id, map_index, key, value FROM xcom WHERE dag_id = ?", (DAG_ID,)
        ).fetchall()
    decoded = [(t, m, k, v.decode() if isinstance(v, bytes) else str(v)) for t, m, k, v in xcom]
    return Runs(states, report, snapshots, tmp / "work", decoded, shard_runs, shown_as)


def test_the_dag_run_succeeds_and_publishes_the_cli_report(twice, small_hospital, tmp_path):
    assert twice.states == ["success", "success"]
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
    assert not (twice.work / TRIAL / AS_OF).exists(), "raw extracts removed after publishing"


def test_xcom_carries_no_patient_data(twice, small_hospital):
    assert twice.xcom, "the steps' results went to XCom"
    truth = pd.read_parquet(small_hospital.truth)
    patient_ids = set(truth["patient_id"].astype(str))
    assert all(re.fullmatch(r"IPP\d+", pid) for pid in patient_ids)
    for task_id, map_index, key, value in twice.xcom:
        assert key == "return_value", (task_id, key)
        assert not re.search(r"IPP\d", value), (task_id, map_index)
        assert not any(pid in value for pid in patient_ids), (task_id, map_index)
        assert len(value) < 2000, (task_id, map_index, "small dicts only")
    tasks = {t for t, _m, _k, _v in twice.xcom}
    assert {"extract", "validate_patients", "validate", "shard_plan", "report", "publish"} <= tasks
    shards = {m for t, m, _k, _v in twice.xcom if t == "screen_shard"}
    assert shards == set(range(SHARDS))


def test_a_missing_file_fails_the_run_and_keeps_the_previous_report(
    screening_dag, run_env, small_hospital, tmp_path, monkeypatch
):
    probe = tmp_path / "notified.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    previous = cli_report(small_hospital.exports, run_env["reports"])
    before = snapshot(run_env["reports"])
    (run_env["landing"] / AS_OF / "biologie.csv").unlink()

    run = screening_dag.test(logical_date=LOGICAL_DATE)

    assert str(run.state) == "failed"
    states = task_states(run)
    labs = list(load_source_config(FILES_SOURCE).extracts).index("labs")
    assert states[("extract", labs)] == ("failed", 1), "a landed folder's file is not retried"
    assert states[("publish", -1)][0] == "upstream_failed"
    assert snapshot(run_env["reports"]) == before, "previous report intact, nothing new"
    assert previous.is_dir()
    summaries = [json.loads(line) for line in probe.read_text().splitlines()]
    assert len(summaries) == 1
    assert summaries[0]["dag_id"] == DAG_ID
    assert summaries[0]["run_id"] == run.run_id
    assert summaries[0]["task_id"] == "extract"


def test_a_night_that_never_landed_fails_at_the_sensor_past_the_deadline(
    screening_dag, run_env, tmp_path, monkeypatch, caplog
):
    """24 November's 06:00 deadline has passed and its folder is not there: one failure that
    says so, at once, instead of each extract retrying for half an hour."""
    probe = tmp_path / "notified.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    shutil.rmtree(run_env["landing"] / AS_OF)
    run = screening_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    assert states[("check_config", -1)][0] == "success"
    assert states[("wait_for_landing", -1)] == ("failed", 1)
    assert {s for (t, _m), (s, _n) in states.items() if t == "extract"} == {"upstream_failed"}
    assert snapshot(run_env["reports"]) == {}
    (summary,) = [json.loads(line) for line in probe.read_text().splitlines()]
    assert summary["task_id"] == "wait_for_landing"
    said = [r.getMessage() for r in caplog.records if "screening task failed" in r.getMessage()]
    assert len(said) == 1
    assert "message=no export for 2026-11-24 by 06:00 Europe/Paris" in said[0]


def test_an_old_logical_date_runs_its_tasks_and_fails_saying_why(screening_dag, run_env, caplog):
    """Airflow runs no task for a logical date before a DAG's start_date and marks the run a
    success; the DAG has none, so a night of 1999 runs and fails at the landing sensor."""
    old = pendulum.datetime(1999, 6, 1, 2, 0, tz="Europe/Paris")
    run = screening_dag.test(logical_date=old)
    assert str(run.state) == "failed"
    assert task_states(run)[("wait_for_landing", -1)] == ("failed", 1)
    said = [r.getMessage() for r in caplog.records if "screening task failed" in r.getMessage()]
    assert any("no export for 1999-06-01 by 06:00" in line for line in said)


def test_the_as_of_parameter_screens_the_chosen_night(screening_dag, run_env):
    """Triggered a week later with as_of 2026-11-24: the run screens and publishes that night."""
    later = pendulum.datetime(2026, 12, 1, 2, 0, tz="Europe/Paris")
    run = screening_dag.test(logical_date=later, run_conf={"as_of": AS_OF})
    assert str(run.state) == "success"
    manifest = json.loads((run_env["reports"] / TRIAL / AS_OF / "manifest.json").read_text())
    assert manifest["as_of"] == AS_OF
    assert not (run_env["reports"] / TRIAL / "2026-12-01").exists()


def test_an_unknown_source_parameter_fails_the_first_task(airflow_db, run_env):
    from airflow.models import DagBag

    # A DAG of its own: dag.test() keeps a run's conf in the DAG's params for the next runs.
    dag = DagBag(dag_folder=str(REPO / "dags")).dags[DAG_ID]
    run = dag.test(logical_date=LOGICAL_DATE, run_conf={"source": "nope.yaml"})
    assert str(run.state) == "failed"
    assert task_states(run)[("check_config", -1)] == ("failed", 1)
    assert {s for (t, _m), (s, _n) in task_states(run).items() if t == "extract"} == {
        "upstream_failed"
    }
    assert snapshot(run_env["reports"]) == {}  # its message: test_callbacks


def test_a_wrong_source_config_fails_the_first_task_before_any_extract(
    screening_dag, run_env, tmp_path, monkeypatch
):
    """check_config loads the trial, source config and key first: a two-character separator
    stops the run there, no extract runs (none would be retried three times), nothing is
    staged or published, and the failure summary names check_config."""
    probe = tmp_path / "notified.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    bad = tmp_path / "hospital.yaml"
    bad.write_text(
        FILES_SOURCE.read_text(encoding="utf-8").replace('separator: ";"', 'separator: ";;"'),
        encoding="utf-8",
    )
    monkeypatch.setenv("SCREENING_SOURCE", str(bad))
    run = screening_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    assert states[("check_config", -1)] == ("failed", 1)
    assert {s for (t, _m), (s, _n) in states.items() if t == "extract"} == {"upstream_failed"}
    assert not run_env["work"].exists()
    assert snapshot(run_env["reports"]) == {}
    summaries = [json.loads(line) for line in probe.read_text().splitlines()]
    assert [s["task_id"] for s in summaries] == ["check_config"]


def test_an_unreachable_warehouse_fails_the_run_and_publishes_nothing(
    screening_dag, run_env, monkeypatch
):
    monkeypatch.setenv("SCREENING_SOURCE", str(WAREHOUSE_SOURCE))
    monkeypatch.setenv(
        "AIRFLOW_CONN_HOSPITAL_WAREHOUSE", "postgresql://screening:secretpw@127.0.0.1:1/dwh"
    )
    run = screening_dag.test(logical_date=LOGICAL_DATE)
    assert str(run.state) == "failed"
    states = task_states(run)
    assert {s for (t, _m), (s, _n) in states.items() if t == "extract"} == {"failed"}
    assert states[("publish", -1)][0] == "upstream_failed"
    assert snapshot(run_env["reports"]) == {}


def test_the_sql_source_publishes_the_same_report(
    screening_dag, run_env, small_hospital, tmp_path, monkeypatch
):
    from pipeline.io.sql import read_extracts_sql
    from pipeline.warehouse import libpq_url, load_warehouse

    with scratch_database() as url:
        load_warehouse(small_hospital.exports, url, load_source_config(FILES_SOURCE))
        # The form an Airflow connection URI takes; the pull turns it into a psycopg URL.
        monkeypatch.setenv("AIRFLOW_CONN_HOSPITAL_WAREHOUSE", libpq_url(url))
        monkeypatch.setenv("SCREENING_SOURCE", str(WAREHOUSE_SOURCE))
        run = screening_dag.test(logical_date=LOGICAL_DATE)
        pulled = read_extracts_sql(url, load_source_config(WAREHOUSE_SOURCE), AS_OF)
    assert str(run.state) == "success"
    report = run_env["reports"] / TRIAL / AS_OF
    cli = cli_report(small_hospital.exports, tmp_path / "cli")
    assert_same_report(report, cli)
    # The pull's digests reach the manifest through the staged extracts (one task each).
    inputs = json.loads((report / "manifest.json").read_text())["inputs"]
    assert {n: i["sha256"] for n, i in inputs.items()} == {n: r.sha256 for n, r in pulled.items()}
