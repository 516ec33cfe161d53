"""The hospital's portfolio DAG (wiring only; logic is in pipeline/portfolio.py).

Scheduled on the trials' report assets: each trial DAG's `publish` emits
`screening://reports/<trial>`, and any of them queues a run here that gathers, per pseudonym,
the trials a patient is open for on the newest night (REPORTS/portfolio-<as-of>.parquet).
One run at a time: two trials publishing together give two runs one after the other, and the
last one sees both reports, so the file never misses a trial that published before it.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import Asset, AssetAny, dag, get_current_context, task

from pipeline.airflow_support import callbacks, tasks
from pipeline.airflow_support.config import PORTFOLIO_DAG_ID, discover_trials, report_asset_uri

REPORT_ASSETS = [Asset(report_asset_uri(trial_id)) for trial_id in discover_trials()]


@dag(
    dag_id=PORTFOLIO_DAG_ID,
    description="Per pseudonym, the trials a patient is open for on the newest night",
    schedule=AssetAny(*REPORT_ASSETS) if REPORT_ASSETS else None,
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(hours=1),
    tags=["screening", "portfolio"],
    default_args=callbacks.task_defaults(execution_timeout=timedelta(minutes=30)),
    on_failure_callback=callbacks.on_dag_failure,
    doc_md=__doc__,
)
def screening_portfolio() -> None:
    @task(retries=0, multiple_outputs=False)
    def gather():
        return tasks.portfolio(get_current_context())

    gather()


screening_portfolio()
