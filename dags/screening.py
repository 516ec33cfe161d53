"""One nightly screening DAG per trial file in trials/ (wiring only; logic is in pipeline/).

check_config (the trial file, source config and key are loaded first: a wrong one stops the
run before any data is read) -> wait_for_landing (a sensor, rescheduled: tonight's folder may
land late; past the landing deadline it fails with "no export for <date> by <time>") ->
extract (mapped over the contract's extracts, named by extract; a warehouse pull is retried,
a broken file in a landed folder is not) -> validate patients -> validate the other extracts
(mapped) -> screen_shard (mapped over the patient shards, so workers share the screening) ->
report (merge the shards, write every report file) -> publish (asset) -> clean the run's work
folder (staged raw extracts hold patient data; kept when a run fails).

The shards come from `shard_plan`, a task that reads SCREENING_SHARDS when the run runs, not
when the file is parsed: the workers' environment decides, like every other setting, changing
it needs no re-parse, and every shard of a run gets the same N from that one task.
Validation, screening and publishing never retry: the same input gives the same failure.
Parsing reads only the trial files' ids; pandas and the steps are imported by the tasks.
The page operators see is `OPERATORS_GUIDE` (doc_md).
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
    SCHEDULE,
    TIMEZONE,
    dag_id,
    discover_trials,
    extract_retry_delay,
    landing_wait,
    report_asset_uri,
)
from pipeline.airflow_support.guide import OPERATORS_GUIDE
from pipeline.contract import EXTRACTS

EXTRACT_NAMES = list(EXTRACTS)
OTHER_EXTRACTS = [name for name in EXTRACT_NAMES if name != "patients"]


def named(**names: str) -> dict:
    """The task's context, with the names its `map_index_template` shows in the UI."""
    context = get_current_context()
    context.update(names)
    return context


def build_screening_dag(trial_id: str, trial_path: str) -> object:
    """The DAG of one trial."""

    @dag(
        dag_id=dag_id(trial_id),
        description=f"Nightly screening for trial {trial_id}",
        schedule=CronTriggerTimetable(SCHEDULE, timezone=TIMEZONE),
        # No start_date: a run for any logical date runs its tasks. With one, a date before it
        # would run no task and call the run a success; here an old night without its export
        # fails at the landing sensor, saying so.
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=timedelta(hours=12),
        tags=["screening", f"trial:{trial_id}"],
        params={
            "as_of": Param(
                None,
                type=["null", "string"],
                format="date",
                title="As-of date",
                description="Screen as of this date (YYYY-MM-DD); empty: the run's logical date.",
            ),
            "source": Param(
                None,
                type=["null", "string"],
                pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$",
                title="Source config",
                description="A file of the sources folder, e.g. synthetic-chu.yaml; "
                "empty: SCREENING_SOURCE.",
            ),
        },
        default_args=callbacks.task_defaults(execution_timeout=timedelta(hours=3)),
        on_failure_callback=callbacks.on_dag_failure,
        doc_md=OPERATORS_GUIDE,
    )
    def screening() -> None:
        # Tasks return the steps' small dicts as one XCom each: no `-> dict` annotations, which
        # would switch on multiple_outputs and push every key as a row of its own.
        @task(retries=0, multiple_outputs=False)
        def check_config():
            return tasks.check_config(trial_path, get_current_context())

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
            return tasks.extract(extract_name, trial_id, named(extract_name=extract_name))

        @task(retries=0, multiple_outputs=False)
        def validate_patients():
            return tasks.validate("patients", trial_id, get_current_context())

        @task(retries=0, multiple_outputs=False, map_index_template="{{ extract_name }}")
        def validate(extract_name: str):
            return tasks.validate(extract_name, trial_id, named(extract_name=extract_name))

        @task(retries=0, multiple_outputs=False)
        def shard_plan():
            return tasks.shard_plan()

        @task(retries=0, multiple_outputs=False, map_index_template="{{ shard_name }}")
        def screen_shard(shard: int, n_shards: int):
            context = named(shard_name=f"shard {shard + 1} of {n_shards}")
            return tasks.screen_shard(shard, n_shards, trial_path, context)

        @task(retries=0, multiple_outputs=False)
        def report(shards: list):
            return tasks.report(shards, trial_path, get_current_context())

        @task(
            retries=0,
            multiple_outputs=False,
            outlets=[Asset(report_asset_uri(trial_id))],
        )
        def publish(reported: dict):
            return tasks.publish(reported["staging"], trial_id, get_current_context())

        @task(retries=0, on_success_callback=callbacks.notifiers("succeeded"))
        def clean_work() -> None:
            tasks.clean_work(trial_id, get_current_context())

        extracted = extract.expand(extract_name=EXTRACT_NAMES)
        patients = validate_patients()
        others = validate.expand(extract_name=OTHER_EXTRACTS)
        shards = screen_shard.expand_kwargs(shard_plan())
        reported = report(shards)
        check_config() >> wait_for_landing() >> extracted >> patients >> others >> shards
        publish(reported) >> clean_work()

    return screening()


for _trial_id, _trial_path in discover_trials().items():
    build_screening_dag(_trial_id, str(_trial_path))
