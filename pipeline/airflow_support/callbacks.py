"""Failure callbacks: a patient-free summary in the log, and an optional notifier.

A summary holds the DAG id, run id, task id, the exception's type and, only for a
`ScreeningError`, its message: the pipeline writes those without patient values. Any other
exception's message may quote data (a pandas error can echo a cell), so it is left out.

Notifications go through Airflow's own notifiers: with SCREENING_NOTIFY_EMAIL set (one
address or several, comma-separated), the SMTP provider's notifier mails each failed task
(retries exhausted) and each run's end (its last task, `clean_work`, succeeded) through the
connection SCREENING_SMTP_CONN_ID (default `smtp_default`). The mail names the DAG, the run and
the task, never a patient. `SCREENING_FAILURE_NOTIFIER=package.module:function`
still calls a function of the site's with the failure summary; a failing notifier is logged
and never hides the original failure.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from pipeline.errors import ScreeningError

log = logging.getLogger("pipeline.airflow_support.failure")
NOTIFIER_VARIABLE = "SCREENING_FAILURE_NOTIFIER"


def failure_summary(context: Mapping[str, Any]) -> dict[str, str | None]:
    """What failed, without any patient value."""
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    exception = context.get("exception")
    message = str(screening_error(exception)) if screening_error(exception) else None
    return {
        "dag_id": getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None),
        "run_id": context.get("run_id") or getattr(ti, "run_id", None),
        "task_id": getattr(ti, "task_id", None),
        "map_index": str(getattr(ti, "map_index", "")) if ti is not None else None,
        "reason": context.get("reason"),
        "exception_type": type(exception).__name__ if exception is not None else None,
        "message": message,
    }


def screening_error(exception: BaseException | None) -> ScreeningError | None:
    """The pipeline's own error behind a failure: raised as is, or as the cause of the
    AirflowFailException that stops a broken file's extract without retries."""
    if isinstance(exception, ScreeningError):
        return exception
    cause = getattr(exception, "__cause__", None)
    return cause if isinstance(cause, ScreeningError) else None


def load_notifier(spec: str | None = None) -> Callable[[dict[str, Any]], object] | None:
    """The configured notifier function, or None when none is set."""
    spec = spec if spec is not None else os.environ.get(NOTIFIER_VARIABLE, "")
    if not spec:
        return None
    module_name, _, function_name = spec.partition(":")
    if not module_name or not function_name:
        raise ValueError(f"{NOTIFIER_VARIABLE} must be 'module:function', not {spec!r}")
    return getattr(importlib.import_module(module_name), function_name)


def _format(summary: Mapping[str, Any]) -> str:
    return " ".join(f"{k}={v}" for k, v in summary.items() if v not in (None, ""))


def on_task_failure(context: Mapping[str, Any]) -> None:
    """Task level (retries exhausted): the exception's type is known here; log it."""
    log.error("screening task failed: %s", _format(failure_summary(context)))


def on_dag_failure(context: Mapping[str, Any]) -> None:
    """DAG level: log the summary and call the notifier, once per failed run."""
    summary = failure_summary(context)
    log.error("screening run failed: %s", _format(summary))
    try:
        notifier = load_notifier()
        if notifier is not None:
            notifier(summary)
    except Exception as exc:  # a broken notifier must not mask the run's failure
        log.error("failure notifier %s failed: %s", os.environ.get(NOTIFIER_VARIABLE), type(exc))


def notifiers(event: str, environ: Mapping[str, str] | None = None) -> list[Any]:
    """Airflow notifiers for a task that `event`s ("failed", or "succeeded" for the run's last
    task): an SMTP notifier when SCREENING_NOTIFY_EMAIL names recipients, else none. Read when
    the DAG is parsed. Task-level, since a DAG-level notifier would not name the failed task."""
    env = os.environ if environ is None else environ
    recipients = [a.strip() for a in (env.get("SCREENING_NOTIFY_EMAIL") or "").split(",")]
    recipients = [a for a in recipients if a]
    if not recipients:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [
        SmtpNotifier(
            to=recipients,
            from_email=env.get("SCREENING_NOTIFY_FROM") or "screening@localhost",
            smtp_conn_id=env.get("SCREENING_SMTP_CONN_ID") or "smtp_default",
            subject="[screening] {{ dag.dag_id }} " + event + " at {{ ti.task_id }}: {{ run_id }}",
            html_content=(
                f"<p>Task <b>{{{{ ti.task_id }}}}</b> of the run <b>{{{{ run_id }}}}</b> of "
                f"<b>{{{{ dag.dag_id }}}}</b> {event}.</p>"
                "<p>The Airflow page of the run shows each task's state; a failed task's log "
                "ends with a one-line error naming what to fix. No patient data is sent "
                "by mail.</p>"
            ),
        )
    ]


def task_defaults(execution_timeout: timedelta) -> dict[str, Any]:
    """`default_args` of the project's DAGs: the data team owns them, a task retries only
    where it says so, and a failed task is logged and notified (task-level notifiers: the
    failed task is named, and they run with the task)."""
    return {
        "owner": "clinical-data-team",
        "retries": 0,
        "execution_timeout": execution_timeout,
        "on_failure_callback": [on_task_failure, *notifiers("failed")],
    }
