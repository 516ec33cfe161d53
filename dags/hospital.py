"""The hospital's nightly DAG: land and validate the night once, for every trial (wiring only;
logic is in pipeline/).

check_source (the source config is loaded first: a wrong one stops the night before any data
is read) -> wait_for_landing (a sensor, rescheduled: tonight's folder may land late; past the
landing deadline it fails with "no export for <date> by <time>") -> extract (mapped over the
contract's extracts, named by extract; a warehouse pull is retried, a broken file in a landed
folder is not) -> validate patients -> validate the other extracts (mapped) ->
publish_snapshot, which makes the validated night the source's snapshot in one rename and
emits the snapshot asset with the source and the as-of date. Every trial's screening DAG is
scheduled on that asset: ten trials, one validation.

Validation and publishing never retry: the same input gives the same failure. Parsing reads
no data; pandas and the steps are imported by the tasks. The page operators see is
`OPERATORS_GUIDE` (doc_md).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import (
    Asset,
    CronTriggerTimetable,
    Param,
    PokeReturnValue,
    dag,
    get_current_context,
    task,
)

from pipeline.airflow_support import callbacks, tasks
from pipeline.airflow_support.config import (
    HOSPITAL_DAG_ID,
    PARAMS,
    SCHEDULE,
    SNAPSHOT_ASSET_URI,
    TIMEZONE,
    extract_retry_delay,
    landing_wait,
)
from pipeline.airflow_support.guide import OPERATORS_GUIDE
from pipeline.contract import EXTRACTS

EXTRACT_NAMES = list(EXTRACTS)
OTHER_EXTRACTS = [name for name in EXTRACT_NAMES if name != "patients"]


@dag(
    dag_id=HOSPITAL_DAG_ID,
    description="Nightly landing and validation of the hospital's export, for every trial",
    schedule=CronTriggerTimetable(SCHEDULE, timezone=TIMEZONE),
    # No start_date: a run for any logical date runs its tasks. With one, a date before it
    # would run no task and call the run a success; here an old night without its export
    # fails at the landing sensor, saying so.
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=12),
    tags=["screening", "hospital"],
    params={name: Param(**spec) for name, spec in PARAMS.items()},
    default_args=callbacks.task_defaults(execution_timeout=timedelta(hours=3)),
    on_failure_callback=callbacks.on_dag_failure,
    doc_md=OPERATORS_GUIDE,
)
def hospital_snapshot() -> None:
    # Tasks return the steps' small dicts as one XCom each: no `-> dict` annotations, which
    # would switch on multiple_outputs and push every key as a row of its own.
    @task(retries=0, multiple_outputs=False)
    def check_source():
        return tasks.check_source(get_current_context())

    @task.sensor(
        poke_interval=landing_wait().poke_seconds,
        timeout=landing_wait().timeout_seconds,
        mode="reschedule",
    )
    def wait_for_landing():
        return PokeReturnValue(is_done=tasks.export_has_landed(get_current_context()))

    @task(
        retries=3,
        map_index_template="{{ extract_name }}",
        retry_delay=extract_retry_delay(),
        retry_exponential_backoff=2.0,
        max_retry_delay=timedelta(hours=1),
        multiple_outputs=False,
    )
    def extract(extract_name: str):
        return tasks.extract(extract_name, tasks.named(extract_name=extract_name))

    @task(retries=0, multiple_outputs=False)
    def validate_patients():
        return tasks.validate("patients", get_current_context())

    @task(retries=0, multiple_outputs=False, map_index_template="{{ extract_name }}")
    def validate(extract_name: str):
        return tasks.validate(extract_name, tasks.named(extract_name=extract_name))

    @task(
        retries=0,
        multiple_outputs=False,
        outlets=[Asset(SNAPSHOT_ASSET_URI)],
        on_success_callback=callbacks.notifiers("succeeded"),
    )
    def publish_snapshot(patients: dict, others: list):
        validated = [patients, *(others[i] for i in range(len(others)))]
        return tasks.publish_snapshot(validated, get_current_context())

    extracted = extract.expand(extract_name=EXTRACT_NAMES)
    patients = validate_patients()
    others = validate.expand(extract_name=OTHER_EXTRACTS)
    check_source() >> wait_for_landing() >> extracted >> patients >> others
    publish_snapshot(patients, others)


hospital_snapshot()
