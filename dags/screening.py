"""One nightly screening DAG per trial file in trials/ (wiring only; logic is in pipeline/).

extract (mapped over the contract's extracts, retried: files land late, warehouses get busy)
-> validate patients -> validate the other extracts (mapped) -> screen -> publish (asset)
-> clean the run's work folder (staged raw extracts hold patient data; kept when a run fails).
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
        def screen():
            return tasks.screen(trial_path, get_current_context())

        @task(
            retries=0,
            multiple_outputs=False,
            outlets=[Asset(f"screening://reports/{trial_id}")],
        )
        def publish(screened: dict):
            return tasks.publish(screened["staging"], trial_id, get_current_context())

        @task(retries=0)
        def clean_work() -> None:
            tasks.clean_work(trial_id, get_current_context())

        extracted = extract.expand(extract_name=EXTRACT_NAMES)
        patients = validate_patients()
        others = validate.expand(extract_name=OTHER_EXTRACTS)
        screened = screen()
        extracted >> patients >> others >> screened
        publish(screened) >> clean_work()

    return screening()


for _trial_id, _trial_path in discover_trials().items():
    build_screening_dag(_trial_id, str(_trial_path))
