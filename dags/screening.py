"""One screening DAG per trial file in trials/ (wiring only; logic is in pipeline/).

Scheduled on the night's snapshot (`screening://snapshot`), which the hospital DAG emits once
it has landed and validated the night: every trial screens the same validated data, and none
pulls or validates the hospital again. The as-of date and the source come from the triggering
event; a manual run takes them from its form (`as_of`, `source`) or its logical date.

check_config (the trial file and key are loaded and the night's snapshot found first: a wrong
file, or a night not validated yet, stops the run before any data is read) -> screen_shard
(mapped over the patient shards, so workers share the screening) -> report (merge the shards,
write every report file) -> publish (asset) -> clean the run's work folder (the shards'
partial tables).

The shards come from `shard_plan`, a task that reads SCREENING_SHARDS when the run runs, not
when the file is parsed: the workers' environment decides, like every other setting, changing
it needs no re-parse, and every shard of a run gets the same N from that one task.
Screening and publishing never retry: the same input gives the same failure. Parsing reads
only the trial files' ids; pandas and the steps are imported by the tasks. The page operators
see is `OPERATORS_GUIDE` (doc_md).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, Param, dag, get_current_context, task

from pipeline.airflow_support import callbacks, tasks
from pipeline.airflow_support.config import (
    PARAMS,
    SNAPSHOT_ASSET_URI,
    dag_id,
    discover_trials,
    report_asset_uri,
)
from pipeline.airflow_support.guide import OPERATORS_GUIDE


def build_screening_dag(trial_id: str, trial_path: str) -> object:
    """The DAG of one trial."""

    @dag(
        dag_id=dag_id(trial_id),
        description=f"Screening for trial {trial_id}, on each night's validated snapshot",
        schedule=Asset(SNAPSHOT_ASSET_URI),
        catchup=False,
        max_active_runs=1,
        dagrun_timeout=timedelta(hours=12),
        tags=["screening", f"trial:{trial_id}"],
        params={name: Param(**spec) for name, spec in PARAMS.items()},
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

        @task(retries=0, multiple_outputs=False)
        def shard_plan():
            return tasks.shard_plan()

        # Every task after check_config reads the snapshot version it found, from its XCom.
        @task(retries=0, multiple_outputs=False, map_index_template="{{ shard_name }}")
        def screen_shard(shard: int, n_shards: int, checked: dict):
            context = tasks.named(shard_name=f"shard {shard + 1} of {n_shards}")
            return tasks.screen_shard(shard, n_shards, checked["snapshot"], trial_path, context)

        @task(retries=0, multiple_outputs=False)
        def report(shards: list, checked: dict):
            return tasks.report(shards, checked["snapshot"], trial_path, get_current_context())

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

        checked = check_config()
        plan = shard_plan()
        shards = screen_shard.partial(checked=checked).expand_kwargs(plan)
        checked >> plan
        publish(report(shards, checked)) >> clean_work()

    return screening()


for _trial_id, _trial_path in discover_trials().items():
    build_screening_dag(_trial_id, str(_trial_path))
