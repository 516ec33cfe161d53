"""One nightly screening DAG per trial file in trials/ (wiring only; logic is in pipeline/).

check_config (the trial file, source config and key are loaded first: a wrong one stops the
run before any data is read) -> extract (mapped over the contract's extracts, retried: files
land late, warehouses get busy) -> validate patients -> validate the other extracts (mapped)
-> screen_shard (mapped over the patient shards, so workers share the screening) -> report
(merge the shards, write every report file) -> publish (asset) -> clean the run's work folder
(staged raw extracts hold patient data; kept when a run fails).

The shards come from `shard_plan`, a task that reads SCREENING_SHARDS when the run runs, not
when the file is parsed: the workers' environment decides, like every other setting, changing
it needs no re-parse, and every shard of a run gets the same N from that one task.
Validation, screening and publishing never retry: the same input gives the same failure.
Parsing reads only the trial files' ids; pandas and the steps are imported by the tasks.
"""

from __future__ import annotations

from datetime import timedelta

import pendulum
from airflow.sdk import Asset, CronTriggerTimetable, dag, get_current_context, task

from pipeline.airflow_support import callbacks, tasks
from pipeline.airflow_support.config import (
    SCHEDULE,
    TIMEZONE,
    dag_id,
    discover_trials,
    extract_retry_delay,
)
from pipeline.contract import EXTRACTS

EXTRACT_NAMES = list(EXTRACTS)
OTHER_EXTRACTS = [name for name in EXTRACT_NAMES if name != "patients"]


def build_screening_dag(trial_id: str, trial_path: str) -> object:
    """The DAG of one trial."""

    @dag(
        dag_id=dag_id(trial_id),
        description=f"Nightly screening for trial {trial_id}",
        schedule=CronTriggerTimetable(SCHEDULE, timezone=TIMEZONE),
        start_date=pendulum.datetime(2026, 1, 1, tz=TIMEZONE),
        catchup=False,
        max_active_runs=1,
        tags=["screening", f"trial:{trial_id}"],
        default_args={
            "owner": "clinical-data-team",
            "retries": 0,
            "on_failure_callback": callbacks.on_task_failure,
        },
        on_failure_callback=callbacks.on_dag_failure,
        doc_md=__doc__,
    )
    def screening() -> None:
        # Tasks return the steps' small dicts as one XCom each: no `-> dict` annotations, which
        # would switch on multiple_outputs and push every key as a row of its own.
        @task(retries=0, multiple_outputs=False)
        def check_config():
            return tasks.check_config(trial_path)

        @task(
            retries=3,
            retry_delay=extract_retry_delay(),
            retry_exponential_backoff=2.0,
            max_retry_delay=timedelta(hours=1),
            multiple_outputs=False,
        )
        def extract(extract_name: str):
            return tasks.extract(extract_name, trial_id, get_current_context())

        @task(retries=0, multiple_outputs=False)
        def validate_patients():
            return tasks.validate("patients", trial_id, get_current_context())

        @task(retries=0, multiple_outputs=False)
        def validate(extract_name: str):
            return tasks.validate(extract_name, trial_id, get_current_context())

        @task(retries=0, multiple_outputs=False)
        def shard_plan():
            return tasks.shard_plan()

        @task(retries=0, multiple_outputs=False)
        def screen_shard(shard: int, n_shards: int):
            return tasks.screen_shard(shard, n_shards, trial_path, get_current_context())

        @task(retries=0, multiple_outputs=False)
        def report(shards: list):
            return tasks.report(shards, trial_path, get_current_context())

        @task(
            retries=0,
            multiple_outputs=False,
            outlets=[Asset(f"screening://reports/{trial_id}")],
        )
        def publish(reported: dict):
            return tasks.publish(reported["staging"], trial_id, get_current_context())

        @task(retries=0)
        def clean_work() -> None:
            tasks.clean_work(trial_id, get_current_context())

        extracted = extract.expand(extract_name=EXTRACT_NAMES)
        patients = validate_patients()
        others = validate.expand(extract_name=OTHER_EXTRACTS)
        shards = screen_shard.expand_kwargs(shard_plan())
        reported = report(shards)
        check_config() >> extracted >> patients >> others >> shards
        publish(reported) >> clean_work()

    return screening()


for _trial_id, _trial_path in discover_trials().items():
    build_screening_dag(_trial_id, str(_trial_path))
