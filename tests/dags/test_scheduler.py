"""The DAGs under a real `airflow standalone` (scheduler, dag-processor, API server, triggerer).

The hospital DAG is triggered through the REST API v2 with a logical date; its snapshot event
must make the scheduler start the trial's DAG on its own, for that night; both are polled to
success and the report is compared with the CLI's; then the whole process group is stopped and
must be gone. The hospital carries canary
patients (unique ids, names, birth dates, values): afterwards every file the run wrote, the
Airflow home with its SQLite database and task logs included, is searched for them. Its
OpenLineage events go to a file (the provider's file transport): they must name the landing files
and the published report, and carry no canary either.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import AS_OF
from tests.dags.airflow_env import DAG_ID, HOSPITAL_DAG_ID, TRIAL, airflow_bin, subprocess_env
from tests.dags.test_dag_run import assert_same_report, cli_report
from tests.privacy.leaks import canary_needles, find_leaks

HEALTH_TIMEOUT = 240
# Unpausing also creates the scheduled run of the day (02:00 Paris); max_active_runs=1 may run it
# first, so the triggered run can wait for that run, which has no landing folder: with a landing
# deadline of 00:00 it fails at once at the sensor, whatever the time of day.
RUN_TIMEOUT = 480
# Not 01:00 UTC: that is the scheduled run's logical date, and two runs cannot share one.
# 09:00 UTC is still 2026-11-24 in Paris, the as-of date of the landing folder.
TRIGGER_LOGICAL_DATE = "2026-11-24T09:00:00Z"
PASSWORD = "test-admin-pw"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(base: str, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def wait_for(what: str, timeout: float, check, log: Path, process: subprocess.Popen) -> Any:
    """Poll `check` until truthy; fail with the log's tail on timeout or if standalone exits."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline and process.poll() is None:
        try:
            result = check()
        except (urllib.error.URLError, ConnectionError, TimeoutError, KeyError) as exc:
            result, last = None, exc
        if result:
            return result
        time.sleep(1)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
    why = "standalone exited" if process.poll() is not None else f"timed out after {timeout} s"
    pytest.fail(f"{why} waiting for {what} (last: {last!r})\n{tail}")


def group_members(pgid: int) -> list[str]:
    """The group's processes that still run, as "pid state name"; zombies are left out.

    A member killed with its parent already gone is re-parented to PID 1 and stays a zombie until
    that init reaps it: it holds no memory, port or file, so it does not count as still running.
    """
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # gone between the listing and the read
            continue
        name = text[text.index("(") + 1 : text.rindex(")")]
        state, _ppid, group = text[text.rindex(")") + 2 :].split()[:3]
        if int(group) == pgid and state not in ("Z", "X"):
            members.append(f"{stat.parent.name} {state} {name}")
    return members


def wait_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while group_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)
    return True


def stop_group(pgid: int) -> None:
    """SIGTERM the whole group (standalone and its four children), SIGKILL what remains.

    Both waits poll: on a loaded machine a killed process can take seconds to release its memory.
    """
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not group_members(pgid):
            return
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        if wait_gone(pgid, 20 if sig == signal.SIGTERM else 30):
            return


@pytest.fixture(scope="module")
def canary_hospital(tmp_path_factory):
    from pipeline.generator.hospital import generate_hospital

    folder = tmp_path_factory.mktemp("canary-hospital")
    return generate_hospital(folder, 300, 17, AS_OF, background_labs=6, canary=True)


@pytest.mark.slow
def test_scheduled_by_a_real_scheduler(canary_hospital, tmp_path):
    small_hospital = canary_hospital
    home = tmp_path / "airflow"
    home.mkdir()
    passwords = home / "passwords.json"
    passwords.write_text(json.dumps({"admin": PASSWORD}))
    landing = tmp_path / "landing"
    shutil.copytree(small_hospital.exports, landing / AS_OF)
    reports = tmp_path / "reports"
    lineage = tmp_path / "openlineage.jsonl"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = subprocess_env(
        AIRFLOW_HOME=str(home),
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__HOST="127.0.0.1",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{base}/execution/",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(passwords),
        AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
        AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="5",
        AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT=str(free_port()),
        AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT=str(free_port()),
        SCREENING_LANDING_DIR=str(landing),
        SCREENING_REPORTS_DIR=str(reports),
        SCREENING_WORK_DIR=str(tmp_path / "work"),
        # Validated rows are patient data like the landing folder: kept apart from the
        # folders searched for canaries below, and checked owner-only instead.
        SCREENING_SNAPSHOTS_DIR=str(tmp_path / "snapshots"),
        SCREENING_LANDING_DEADLINE="00:00",
        # OpenLineage events of every task, to a file (the provider's file transport).
        AIRFLOW__OPENLINEAGE__NAMESPACE="screening-test",
        AIRFLOW__OPENLINEAGE__TRANSPORT=json.dumps(
            {"type": "file", "log_file_path": str(lineage), "append": True}
        ),
    )
    log = home / "standalone.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [airflow_bin(), "standalone"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole below
        )
    pgid = process.pid
    try:

        def healthy() -> bool:
            health = call(base, "GET", "/api/v2/monitor/health")
            parts = ("metadatabase", "scheduler", "dag_processor")
            return all(health[p]["status"] == "healthy" for p in parts)

        wait_for("health", HEALTH_TIMEOUT, healthy, log, process)
        token = call(base, "POST", "/auth/token", body={"username": "admin", "password": PASSWORD})
        token = token["access_token"]
        for dag_id in (HOSPITAL_DAG_ID, DAG_ID):
            dag_path = f"/api/v2/dags/{dag_id}"
            wait_for(dag_id, 60, lambda p=dag_path: call(base, "GET", p, token), log, process)
            call(base, "PATCH", dag_path, token, {"is_paused": False})
        run = call(
            base,
            "POST",
            f"/api/v2/dags/{HOSPITAL_DAG_ID}/dagRuns",
            token,
            {"logical_date": TRIGGER_LOGICAL_DATE, "conf": {}},
        )
        run_id = urllib.parse.quote(run["dag_run_id"], safe="")
        run_path = f"/api/v2/dags/{HOSPITAL_DAG_ID}/dagRuns/{run_id}"

        def finished() -> str | None:
            state = call(base, "GET", run_path, token)["state"]
            return state if state in ("success", "failed") else None

        assert wait_for("the hospital's run", RUN_TIMEOUT, finished, log, process) == "success"

        def trial_finished() -> str | None:
            runs = call(base, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns", token)["dag_runs"]
            started = [r for r in runs if r["run_type"] == "asset_triggered"]
            done = [r["state"] for r in started if r["state"] in ("success", "failed")]
            return done[0] if done else None

        assert wait_for("the trial's run", RUN_TIMEOUT, trial_finished, log, process) == "success"
        report = reports / TRIAL / AS_OF
        assert (report / "manifest.json").is_file()
        assert_same_report(report, cli_report(small_hospital.exports, tmp_path / "cli"))
    finally:
        stop_group(pgid)
        process.wait(timeout=30)
    assert group_members(pgid) == [], "every standalone process stopped"
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True, check=True)
    assert str(home) not in ps.stdout
    assert f"--port {port}" not in ps.stdout

    # The canary search: Airflow home (metadata DB, task logs, standalone output), reports,
    # and whatever is left of the work folder (the DAG's last task removes it).
    assert (home / "airflow.db").is_file() and any((home / "logs").rglob("*.log"))
    assert not (tmp_path / "work" / TRIAL / AS_OF).exists()
    night = tmp_path / "snapshots" / "synthetic-chu" / AS_OF
    assert (night / "snapshot.json").is_file(), "the trial screened the published night"
    for path in [tmp_path / "snapshots", *(tmp_path / "snapshots").rglob("*")]:
        if path.name.endswith(".lock"):
            assert path.stat().st_size == 0, "a lock file holds nothing"
            continue
        assert not path.stat().st_mode & 0o077, path
    roots = [home, reports] + ([tmp_path / "work"] if (tmp_path / "work").exists() else [])
    roots.append(lineage)
    leaks = find_leaks(roots, canary_needles(), allowed={"reidentification.parquet"})
    assert leaks == []
    assert_lineage_names_inputs_and_outputs(lineage, landing, report)


def assert_lineage_names_inputs_and_outputs(lineage: Path, landing: Path, report: Path) -> None:
    """OpenLineage: every extract's landing file is an input of the hospital's `extract`
    task, the published report folder the output of the trial's `publish`, as `file`
    datasets."""
    events = [json.loads(line) for line in lineage.read_text().splitlines() if line.strip()]
    done = [e for e in events if e["eventType"] == "COMPLETE"]
    job = f"{HOSPITAL_DAG_ID}.extract"
    inputs = {
        (d["namespace"], d["name"]) for e in done if e["job"]["name"] == job for d in e["inputs"]
    }
    landed = {("file", str(path)) for path in (landing / AS_OF).iterdir()}
    assert inputs == landed
    (published,) = [e for e in done if e["job"]["name"] == f"{DAG_ID}.publish"]
    assert [(d["namespace"], d["name"]) for d in published["outputs"]] == [("file", str(report))]
    assert {e["job"]["namespace"] for e in events} == {"screening-test"}
