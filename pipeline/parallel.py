"""Mapping a function over a stream of batches on several cores, results in input order.

Validation is CPU-bound pandas and Great Expectations work that holds the GIL, so threads do
not help: batches go to forked worker processes. The job (suite, keys, reference data, GX
context) reaches the workers through `fork`, not through a pipe; only the batches and their
results are pickled. At most `workers + 1` batches are in flight, so memory stays bounded by
the batch size whatever the file size, and results come back in the order of the batches,
which keeps every output byte-identical to a one-process run.

Each worker keeps batch-sized blocks in its own heap for reuse (`tune_worker_allocator`):
the parent's glibc settings, made to hand memory back between stages, would otherwise map
and unmap every array of every batch.

`SCREENING_WORKERS` sets the number of processes (default: the CPUs this process may use);
1 runs everything in the calling process, and so does a stream of a single item (a small
file's one batch), which a pool would only slow down.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, Generic, TypeVar

from pipeline.errors import ConfigError, ScreeningError
from pipeline.memory import tune_worker_allocator

T = TypeVar("T")
R = TypeVar("R")

_JOB: Callable[[Any], Any] | None = None


def worker_count(environ: dict[str, str] | None = None) -> int:
    """Processes for batch work: SCREENING_WORKERS, else the CPUs available to this process."""
    env = os.environ if environ is None else environ
    text = env.get("SCREENING_WORKERS", "").strip()
    if not text:
        return max(len(os.sched_getaffinity(0)), 1)
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"SCREENING_WORKERS must be a positive integer, not '{text}'")
    return int(text)


def _install(job: Callable[[Any], Any]) -> None:
    global _JOB
    _JOB = job
    tune_worker_allocator()


def _run(item: Any) -> Any:
    if _JOB is None:  # pragma: no cover - only if a worker was not started by map_in_order
        raise RuntimeError("worker started without a job")
    return _JOB(item)


def map_in_order(job: Callable[[T], R], items: Iterable[T], workers: int) -> Iterator[R]:
    """`job` applied to each item, in order; on `workers` forked processes when above 1.

    The first exception a job raises is raised here (the pool is shut down); `items` is
    consumed lazily, never more than `workers + 1` ahead of the results taken, which bounds
    memory (a 1M bench run with every criterion in flight peaked 3.5 GB higher, no faster).
    """
    iterator = iter(items)
    first = list(itertools.islice(iterator, 2))
    if workers <= 1 or len(first) < 2:  # one item (a small file's one batch): no pool
        yield from map(job, itertools.chain(first, iterator))
        return
    items = itertools.chain(first, iterator)
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_install, initargs=(job,)
    ) as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(_run, item))
                while len(pending) > workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()


class Background(Generic[R]):
    """`job()` started on a forked process (with `workers` above 1) while the caller goes on;
    `result()` waits for it and returns its value or raises its exception. With `workers` at
    1 the job runs here, at once.

    For serial work that would otherwise leave the other cores idle (an extract's
    whole-extract rules while the next extracts are read). A plain process and a pipe, no
    thread: the caller may fork pools while the job runs. The job reaches the process through
    `fork`; only its result is pickled.
    """

    def __init__(self, job: Callable[[], R], workers: int) -> None:
        self._value: tuple[bool, Any] | None = None
        self._process: BaseProcess | None = None
        if workers <= 1:
            self._value = _outcome(job)
            return
        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(target=_send_outcome, args=(job, send), daemon=True)
        self._process.start()
        send.close()

    def result(self) -> R:
        if self._value is None and self._process is not None:
            try:
                self._value = self._receive.recv()
            except EOFError:
                self._value = (False, ScreeningError("a background process ended early"))
            finally:
                self._receive.close()
                self._process.join()
                self._process = None
        assert self._value is not None
        done, value = self._value
        if not done:
            raise value
        return value

    def cancel(self) -> None:
        """Stop the job if it still runs (the caller gave up on its result)."""
        if self._process is not None:
            self._process.kill()  # not SIGTERM: a handler inherited through fork may catch it
            self._process.join()
            self._receive.close()
            self._process = None
            self._value = (False, ScreeningError("a background job was cancelled"))


def _outcome(job: Callable[[], Any]) -> tuple[bool, Any]:
    try:
        return True, job()
    except Exception as exc:  # raised by `result()`, as from a process
        return False, exc


def _send_outcome(job: Callable[[], Any], send: Connection) -> None:
    tune_worker_allocator()
    outcome = _outcome(job)
    try:
        send.send(outcome)
    except Exception:  # a value that does not pickle: say which kind it was
        kind = "its result" if outcome[0] else type(outcome[1]).__name__
        send.send((False, ScreeningError(f"background job failed ({kind} did not pickle)")))
    finally:
        send.close()
