"""Failure callbacks: a patient-free summary in the log, and an optional notifier.

A summary holds the DAG id, run id, task id, the exception's type and, only for a
`ScreeningError`, its message: the pipeline writes those without patient values. Any other
exception's message may quote data (a pandas error can echo a cell), so it is left out.

The notifier is `SCREENING_FAILURE_NOTIFIER=package.module:function`, called with the summary
dict; a failing notifier is logged and never hides the original failure.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from pipeline.errors import ScreeningError

log = logging.getLogger("pipeline.airflow_support.failure")
NOTIFIER_VARIABLE = "SCREENING_FAILURE_NOTIFIER"


def failure_summary(context: Mapping[str, Any]) -> dict[str, str | None]:
    """What failed, without any patient value."""
    ti = context.get("ti") or context.get("task_instance")
    dag = context.get("dag")
    exception = context.get("exception")
    message = str(exception) if isinstance(exception, ScreeningError) else None
    return {
        "dag_id": getattr(dag, "dag_id", None) or getattr(ti, "dag_id", None),
        "run_id": context.get("run_id") or getattr(ti, "run_id", None),
        "task_id": getattr(ti, "task_id", None),
        "map_index": str(getattr(ti, "map_index", "")) if ti is not None else None,
        "reason": context.get("reason"),
        "exception_type": type(exception).__name__ if exception is not None else None,
        "message": message,
    }


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
