"""Failure callbacks, settings and the shard plan: patient-free summaries, optional notifier (no
Airflow needed)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from types import SimpleNamespace

import pendulum
import pytest

from pipeline.airflow_support import callbacks, tasks
from pipeline.airflow_support.config import (
    as_of_from_context,
    discover_trials,
    settings,
    snapshot_source,
)
from pipeline.errors import ConfigError, InputFileError

TI = SimpleNamespace(dag_id="screening_x", run_id="manual__1", task_id="extract", map_index=2)


def test_a_screening_error_keeps_its_message():
    error = InputFileError("/landing/2026-11-24/biologie.csv", "file not found")
    summary = callbacks.failure_summary({"ti": TI, "exception": error, "run_id": "r1"})
    assert summary == {
        "dag_id": "screening_x",
        "run_id": "r1",
        "task_id": "extract",
        "map_index": "2",
        "reason": None,
        "exception_type": "InputFileError",
        "message": "/landing/2026-11-24/biologie.csv: file not found",
    }


def test_other_exceptions_keep_only_their_type():
    error = ValueError("could not convert 'IPP100922684' to float")
    summary = callbacks.failure_summary({"ti": TI, "exception": error})
    assert summary["exception_type"] == "ValueError"
    assert summary["message"] is None
    assert "IPP" not in json.dumps(summary)


def test_the_dag_callback_logs_and_notifies(monkeypatch, tmp_path, caplog):
    probe = tmp_path / "n.jsonl"
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:record")
    monkeypatch.setenv("NOTIFIER_PROBE_FILE", str(probe))
    with caplog.at_level(logging.ERROR, logger="pipeline.airflow_support.failure"):
        callbacks.on_dag_failure({"ti": TI, "run_id": "r1", "reason": "task_failure"})
    assert "dag_id=screening_x run_id=r1 task_id=extract" in caplog.text
    assert json.loads(probe.read_text())["reason"] == "task_failure"


def test_a_broken_notifier_is_logged_not_raised(monkeypatch, caplog):
    monkeypatch.setenv("SCREENING_FAILURE_NOTIFIER", "tests.dags.notifier_probe:explode")
    with caplog.at_level(logging.ERROR, logger="pipeline.airflow_support.failure"):
        callbacks.on_dag_failure({"ti": TI})
    assert "notifier" in caplog.text


def test_no_notifier_by_default(monkeypatch):
    monkeypatch.delenv("SCREENING_FAILURE_NOTIFIER", raising=False)
    assert callbacks.load_notifier() is None
    with pytest.raises(ValueError, match="module:function"):
        callbacks.load_notifier("just_a_module")


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        # The 02:00 Paris run of 24 November: logical date 01:00 UTC.
        ({"logical_date": pendulum.datetime(2026, 11, 24, 1, 0, tz="UTC")}, "2026-11-24"),
        # 23:30 UTC on the 23rd is already the 24th in Paris.
        ({"logical_date": pendulum.datetime(2026, 11, 23, 23, 30, tz="UTC")}, "2026-11-24"),
        # Summer time: 22:30 UTC on 30 June is 00:30 on 1 July in Paris.
        ({"logical_date": dt.datetime(2026, 6, 30, 22, 30, tzinfo=dt.UTC)}, "2026-07-01"),
        # A manual run without a logical date: the key is absent, run_after stands in.
        (
            {"dag_run": SimpleNamespace(run_after=pendulum.datetime(2026, 11, 24, 9, tz="UTC"))},
            "2026-11-24",
        ),
        (
            {
                "logical_date": None,
                "dag_run": SimpleNamespace(run_after=pendulum.datetime(2026, 1, 2, tz="UTC")),
            },
            "2026-01-02",
        ),
    ],
)
def test_as_of_is_the_logical_date_in_paris(context, expected):
    assert as_of_from_context(context) == expected


def test_the_as_of_parameter_of_a_triggered_run_wins():
    logical = pendulum.datetime(2026, 11, 24, 1, 0, tz="UTC")
    context = {"logical_date": logical, "params": {"as_of": "2026-10-31"}}
    assert as_of_from_context(context) == "2026-10-31"
    assert as_of_from_context({"logical_date": logical, "params": {"as_of": None}}) == "2026-11-24"


def snapshot_events(*extras: dict) -> object:
    """`triggering_asset_events` as the task runner builds it, from snapshot events."""
    from airflow.sdk.execution_time.comms import AssetEventDagRunReferenceResult
    from airflow.sdk.execution_time.context import TriggeringAssetEventsAccessor

    return TriggeringAssetEventsAccessor.build(
        AssetEventDagRunReferenceResult(
            asset={"name": "screening://snapshot", "uri": "screening://snapshot/", "extra": {}},
            extra=extra,
            source_task_id="publish_snapshot",
            source_dag_id="hospital_snapshot",
            source_run_id=f"run-{i}",
            source_map_index=-1,
            source_aliases=[],
            timestamp=pendulum.datetime(2026, 11, 24, 5, i, tz="UTC"),
        )
        for i, extra in enumerate(extras)
    )


def test_a_run_started_by_a_snapshot_screens_its_night_and_source(monkeypatch):
    """An asset-triggered run has no logical date and runs after the night: the event says
    which night and which source; of several queued nights, the newest."""
    monkeypatch.delenv("SCREENING_SOURCE", raising=False)
    events = snapshot_events(
        {"source": "chu-a", "as_of": "2026-11-23"}, {"source": "chu-b", "as_of": "2026-11-24"}
    )
    after = SimpleNamespace(run_after=pendulum.datetime(2026, 12, 3, 9, tz="UTC"))
    context = {"triggering_asset_events": events, "logical_date": None, "dag_run": after}
    assert as_of_from_context(context) == "2026-11-24"
    assert snapshot_source(context) == "chu-b"
    chosen = {**context, "params": {"as_of": "2026-10-31"}}
    assert as_of_from_context(chosen) == "2026-10-31", "the form wins"
    manual = {"logical_date": None, "dag_run": after}
    assert as_of_from_context(manual) == "2026-12-03"
    assert snapshot_source(manual) == "synthetic-chu", "SCREENING_SOURCE's"


@pytest.mark.parametrize("bad", ["24/11/2026", "2026-11-31", "2026-2-01", "20261124", "tomorrow"])
def test_an_impossible_as_of_parameter_is_a_one_line_error(bad):
    with pytest.raises(ConfigError, match=r"expected a real date as YYYY-MM-DD"):
        as_of_from_context({"params": {"as_of": bad}})
    with pytest.raises(ConfigError, match=r"expected a real date as YYYY-MM-DD"):
        as_of_from_context({"triggering_asset_events": snapshot_events({"as_of": bad})})


def test_a_broken_files_extract_keeps_its_message_behind_the_no_retry_failure():
    from airflow.sdk.exceptions import AirflowFailException

    try:
        try:
            raise InputFileError("/landing/2026-11-24/biologie.csv", "file not found")
        except InputFileError as exc:
            raise AirflowFailException(str(exc)) from exc
    except AirflowFailException as stopped:
        summary = callbacks.failure_summary({"exception": stopped})
    assert summary["exception_type"] == "AirflowFailException"
    assert "biologie.csv" in summary["message"] and "file not found" in summary["message"]


def test_settings_default_to_the_demo_and_follow_the_environment(tmp_path):
    demo = settings({})
    assert demo.source_path.endswith("sources/synthetic-chu.yaml")
    assert demo.landing_root.endswith("var/demo/hospital/exports")
    assert demo.work_root == demo.reports_root + "/.work"
    assert demo.conn_id == "hospital_warehouse"
    env = {"SCREENING_REPORTS_DIR": str(tmp_path), "SCREENING_WAREHOUSE_CONN_ID": "dwh_prod"}
    custom = settings(env)
    assert custom.reports_root == str(tmp_path)
    assert custom.work_root == str(tmp_path / ".work")
    assert custom.conn_id == "dwh_prod"


def test_shards_default_to_two_and_follow_the_environment():
    assert settings({}).shards == 2
    assert settings({"SCREENING_SHARDS": ""}).shards == 2
    assert settings({"SCREENING_SHARDS": " 7 "}).shards == 7


@pytest.mark.parametrize("value", ["0", "-2", "two", "2.5"])
def test_an_invalid_shard_count_is_a_clear_error(value):
    with pytest.raises(ConfigError, match="SCREENING_SHARDS must be a positive integer"):
        settings({"SCREENING_SHARDS": value})


def test_the_shard_plan_gives_every_shard_the_same_count(monkeypatch):
    monkeypatch.setenv("SCREENING_SHARDS", "3")
    assert tasks.shard_plan() == [
        {"shard": 0, "n_shards": 3},
        {"shard": 1, "n_shards": 3},
        {"shard": 2, "n_shards": 3},
    ]


def test_trials_are_discovered_by_id(tmp_path):
    (tmp_path / "b.yaml").write_text("id: beta\ntitle: B\n")
    (tmp_path / "a.yaml").write_text("title: no id, the file name stands in\n")
    (tmp_path / "notes.txt").write_text("ignored")
    assert discover_trials(tmp_path) == {"a": tmp_path / "a.yaml", "beta": tmp_path / "b.yaml"}


def test_a_broken_trial_file_does_not_hide_the_other_trials(tmp_path):
    """Discovery runs when the DAG file is parsed: a bad trial file must not raise (every
    trial's DAG would vanish); it gets a DAG named after the file, whose check_config fails."""
    (tmp_path / "good.yaml").write_text("id: good\ntitle: G\n")
    (tmp_path / "bomb.yaml").write_text('a: &a ["lol", "lol"]\nid: &b [*a, *a]\n')
    (tmp_path / "deep.yaml").write_text("id: " + "[" * 50_000 + "\n")
    (tmp_path / "escape.yaml").write_text("id: ../../etc\ntitle: T\n")
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "number.yaml").write_text("id: 42\ntitle: N\n")
    assert discover_trials(tmp_path) == {
        "42": tmp_path / "number.yaml",
        "good": tmp_path / "good.yaml",
        "bomb": tmp_path / "bomb.yaml",
        "deep": tmp_path / "deep.yaml",
        "escape": tmp_path / "escape.yaml",
        "folder": tmp_path / "folder.yaml",
    }


def test_the_source_parameter_picks_a_config_of_the_sources_folder(tmp_path):
    from pipeline.airflow_support.config import settings_for

    (tmp_path / "site-b.yaml").write_text("kind: files\n", encoding="utf-8")
    env = {"SCREENING_SOURCES_DIR": str(tmp_path), "SCREENING_SOURCE": "/etc/a.yaml"}
    assert settings_for({"params": {"source": None}}, env).source_path == "/etc/a.yaml"
    chosen = settings_for({"params": {"source": "site-b.yaml"}}, env)
    assert chosen.source_path == str(tmp_path / "site-b.yaml")


@pytest.mark.parametrize("bad", ["../secrets.yaml", "/etc/passwd", "missing.yaml", "site-b.txt"])
def test_a_source_parameter_outside_the_sources_folder_is_refused(tmp_path, bad):
    from pipeline.airflow_support.config import settings_for

    (tmp_path / "site-b.yaml").write_text("kind: files\n", encoding="utf-8")
    env = {"SCREENING_SOURCES_DIR": str(tmp_path)}
    with pytest.raises(ConfigError, match=r"not a source config in .*\(site-b\.yaml\)"):
        settings_for({"params": {"source": bad}}, env)
