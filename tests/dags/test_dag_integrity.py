"""DAG files: no import errors, one hospital DAG and one DAG per trial on its snapshot, retries
where they help, cheap to parse."""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from pipeline.airflow_support.config import (
    HOSPITAL_DAG_ID,
    PORTFOLIO_DAG_ID,
    dag_id,
    discover_trials,
)
from pipeline.contract import EXTRACTS
from tests.dags.airflow_env import DAG_ID, DAGS, REPO, subprocess_env

HOSPITAL_NO_RETRY = (
    "check_source",
    "wait_for_landing",
    "validate_patients",
    "validate",
    "publish_snapshot",
)
TRIAL_NO_RETRY = ("check_config", "shard_plan", "screen_shard", "report", "publish", "clean_work")


@pytest.fixture(scope="module")
def bag():
    from airflow.models import DagBag

    return DagBag(dag_folder=str(DAGS))


def trial_dags(bag) -> list:
    """The screening DAGs, one per trial (the hospital and portfolio DAGs apart)."""
    return [d for d in bag.dags.values() if d.dag_id not in (PORTFOLIO_DAG_ID, HOSPITAL_DAG_ID)]


@pytest.fixture(scope="module")
def hospital(bag):
    return bag.dags[HOSPITAL_DAG_ID]


def test_no_import_errors(bag):
    assert bag.import_errors == {}


def test_one_dag_per_trial_file(bag):
    trials = discover_trials(REPO / "trials")
    assert trials, "trials/ has trial files"
    expected = {dag_id(t) for t in trials} | {PORTFOLIO_DAG_ID, HOSPITAL_DAG_ID}
    assert set(bag.dag_ids) == expected
    assert DAG_ID in bag.dag_ids


def test_the_hospital_is_validated_nightly_in_paris_without_catchup(hospital):
    assert hospital.catchup is False
    assert hospital.timetable.expression == "0 2 * * *"
    assert str(hospital.timetable.timezone) == "Europe/Paris"
    assert hospital.start_date is None, "a date before it would run no task and 'succeed'"
    assert hospital.max_active_runs == 1


def test_every_trial_is_scheduled_on_the_nights_snapshot(bag, hospital):
    """Ten trials, one validation: the hospital DAG's last task emits the snapshot asset,
    and it is what schedules every trial."""
    from airflow.sdk import Asset

    assert [o.uri for o in hospital.get_task("publish_snapshot").outlets] == [
        Asset("screening://snapshot").uri
    ]
    assert trial_dags(bag)
    for dag in trial_dags(bag):
        assert isinstance(dag.timetable.asset_condition, Asset)
        assert dag.timetable.asset_condition.name == "screening://snapshot"
        assert dag.catchup is False and dag.max_active_runs == 1
        assert not {"extract", "validate", "wait_for_landing"} & set(dag.task_ids)


def test_every_dag_has_tags_owner_and_a_failure_callback(bag):
    for dag in [*trial_dags(bag), bag.dags[HOSPITAL_DAG_ID]]:
        assert "screening" in dag.tags
        assert dag.on_failure_callback is not None
        for t in dag.tasks:
            assert t.owner and t.owner != "airflow", t.task_id


def test_extraction_retries_with_exponential_backoff(hospital):
    extract = hospital.get_task("extract")
    assert extract.retries > 0
    assert extract.retry_exponential_backoff == 2.0
    assert extract.retry_delay > timedelta(0)
    assert extract.max_retry_delay is not None
    assert extract.op_kwargs_expand_input.value["extract_name"] == list(EXTRACTS)


def test_validation_screening_and_publishing_never_retry(bag, hospital):
    for task_id in HOSPITAL_NO_RETRY:
        assert hospital.get_task(task_id).retries == 0, task_id
    assert hospital.get_task("validate").op_kwargs_expand_input.value["extract_name"] == [
        n for n in EXTRACTS if n != "patients"
    ]
    for dag in trial_dags(bag):
        for task_id in TRIAL_NO_RETRY:
            assert dag.get_task(task_id).retries == 0, task_id


def test_order_patients_validated_before_the_others(bag, hospital):
    assert hospital.get_task("check_source").upstream_task_ids == set()
    assert hospital.get_task("wait_for_landing").upstream_task_ids == {"check_source"}
    assert hospital.get_task("extract").upstream_task_ids == {"wait_for_landing"}
    assert hospital.get_task("validate_patients").upstream_task_ids == {"extract"}
    assert hospital.get_task("validate").upstream_task_ids == {"validate_patients"}
    assert hospital.get_task("publish_snapshot").upstream_task_ids == {
        "validate_patients",
        "validate",
    }
    dag = bag.dags[DAG_ID]
    assert dag.get_task("check_config").upstream_task_ids == set()
    assert dag.get_task("shard_plan").upstream_task_ids == {"check_config"}
    assert dag.get_task("screen_shard").upstream_task_ids == {"shard_plan", "check_config"}
    assert dag.get_task("report").upstream_task_ids == {"screen_shard", "check_config"}
    assert dag.get_task("publish").upstream_task_ids == {"report"}
    assert dag.get_task("clean_work").upstream_task_ids == {"publish"}


def test_screening_is_mapped_over_the_shards_of_the_plan(bag):
    """One mapped `screen_shard` per entry of `shard_plan`'s list, which is read at run time;
    `report` receives all of their results."""
    from airflow.sdk.definitions._internal.expandinput import ListOfDictsExpandInput

    for dag in trial_dags(bag):
        screen_shard = dag.get_task("screen_shard")
        assert screen_shard.is_mapped
        expand = screen_shard.op_kwargs_expand_input
        assert isinstance(expand, ListOfDictsExpandInput)
        assert expand.value.operator.task_id == "shard_plan"
        assert not dag.get_task("shard_plan").is_mapped
        assert not dag.get_task("report").is_mapped
        shards, checked = dag.get_task("report").op_args
        assert shards.operator is screen_shard
        assert checked.operator is dag.get_task("check_config"), "the snapshot it found"


def test_publish_emits_the_report_asset(bag):
    for trial_id, dag in ((d.dag_id.removeprefix("screening_"), d) for d in trial_dags(bag)):
        outlets = dag.get_task("publish").outlets
        assert [o.uri for o in outlets] == [f"screening://reports/{trial_id}"]


def test_the_landing_sensor_waits_rescheduled_with_a_backstop_timeout(hospital):
    """It gives its worker slot back between looks; the deadline message comes first (see
    test_landing), Airflow's timeout only backs it up."""
    sensor = hospital.get_task("wait_for_landing")
    assert sensor.mode == "reschedule"
    assert 0 < sensor.poke_interval <= 600
    assert sensor.timeout >= 3600


def test_mapped_tasks_are_named_by_extract_or_shard(bag, hospital):
    assert hospital.get_task("extract").map_index_template == "{{ extract_name }}"
    assert hospital.get_task("validate").map_index_template == "{{ extract_name }}"
    for dag in trial_dags(bag):
        assert dag.get_task("screen_shard").map_index_template == "{{ shard_name }}"


def test_runs_and_tasks_have_timeouts_and_an_as_of_parameter(bag, hospital):
    for dag in [*trial_dags(bag), hospital]:
        assert dag.dagrun_timeout == timedelta(hours=12)
        for t in dag.tasks:
            assert t.execution_timeout is not None, t.task_id
        as_of = dag.params.get_param("as_of")
        assert as_of.value is None
        assert as_of.schema["format"] == "date"
        assert "YYYY-MM-DD" in as_of.description
        source = dag.params.get_param("source")
        assert source.value is None
        assert source.schema["pattern"].startswith("^[A-Za-z0-9]")


def test_the_portfolio_dag_runs_on_any_trial_report_one_run_at_a_time(bag):
    from airflow.sdk import AssetAny

    portfolio = bag.dags[PORTFOLIO_DAG_ID]
    trials = discover_trials(REPO / "trials")
    assert isinstance(portfolio.timetable.asset_condition, AssetAny)
    uris = {asset.uri for asset in portfolio.timetable.asset_condition.objects}
    assert uris == {f"screening://reports/{t}" for t in trials}
    assert portfolio.max_active_runs == 1 and portfolio.catchup is False
    assert [t.task_id for t in portfolio.tasks] == ["gather"]
    assert portfolio.get_task("gather").retries == 0
    assert portfolio.on_failure_callback is not None


def test_operators_read_a_guide_not_the_developers_docstring(bag, hospital):
    for dag in (bag.dags[DAG_ID], hospital):
        assert "When it fails" in dag.doc_md
        assert "wait_for_landing" in dag.doc_md
        assert "hospital_snapshot" in dag.doc_md


def test_no_notifier_unless_recipients_are_configured():
    from pipeline.airflow_support.callbacks import notifiers

    assert notifiers("failed", {}) == []
    (mail,) = notifiers("failed", {"SCREENING_NOTIFY_EMAIL": "a@h.fr, b@h.fr"})
    assert mail.to == ["a@h.fr", "b@h.fr"]
    assert mail.smtp_conn_id == "smtp_default"


def test_parsing_imports_neither_pandas_nor_the_steps():
    code = (
        "import sys\n"
        "from airflow.models import DagBag\n"
        f"bag = DagBag(dag_folder={str(DAGS)!r})\n"
        "assert bag.import_errors == {}, bag.import_errors\n"
        "print(sorted(m for m in ('pandas', 'pyarrow', 'pipeline.steps') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
