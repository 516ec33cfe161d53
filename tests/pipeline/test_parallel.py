"""The ordered process map (results in input order, errors raised, input consumed lazily)
and the background job on a forked process."""

from __future__ import annotations

import functools
import os
import signal
import time
from pathlib import Path

import pytest

from pipeline.errors import ConfigError, InputFileError, ScreeningError
from pipeline.parallel import Background, map_in_order, worker_count


def _square_with_pid(item: int) -> tuple[int, int]:
    return item * item, os.getpid()


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_input_order(workers):
    results = list(map_in_order(_square_with_pid, range(40), workers))
    assert [value for value, _ in results] == [i * i for i in range(40)]
    pids = {pid for _, pid in results}
    if workers == 1:
        assert pids == {os.getpid()}
    else:
        assert os.getpid() not in pids


class _Job:
    """A job with state the workers receive through fork (not pickled)."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def __call__(self, item: int) -> int:
        if item == 7:
            raise ScreeningError("labs: rule x could not be evaluated")
        return item + self.offset


def test_a_worker_error_is_raised_in_the_caller():
    with pytest.raises(ScreeningError, match="rule x could not be evaluated"):
        list(map_in_order(_Job(100), range(20), 2))
    assert list(map_in_order(_Job(100), range(5), 2)) == [100, 101, 102, 103, 104]


def test_items_are_taken_at_most_workers_plus_one_ahead():
    taken: list[int] = []

    def items():
        for i in range(50):
            taken.append(i)
            yield i

    results = map_in_order(_Job(0), items(), 2)
    assert next(results) == 0
    assert len(taken) <= 3
    results.close()


def test_worker_count_reads_the_environment():
    assert worker_count({"SCREENING_WORKERS": "3"}) == 3
    assert worker_count({}) == len(os.sched_getaffinity(0))
    for bad in ("0", "-1", "two"):
        with pytest.raises(ConfigError, match="SCREENING_WORKERS"):
            worker_count({"SCREENING_WORKERS": bad})


def test_a_single_item_is_run_in_the_calling_process():
    assert list(map_in_order(_square_with_pid, [3], 2)) == [(9, os.getpid())]
    assert list(map_in_order(_square_with_pid, [], 2)) == []


def test_an_input_file_error_crosses_processes_whole():
    """A worker's error is pickled to the caller: the file, line and column survive."""

    def fails(item: int) -> int:
        if item == 2:
            raise InputFileError("/landing/labs.csv", "has 3 fields", line=7, column="unit")
        return item

    with pytest.raises(InputFileError) as caught:
        list(map_in_order(fails, [1, 2, 3], 2))
    assert (caught.value.path, caught.value.line, caught.value.column) == (
        "/landing/labs.csv",
        7,
        "unit",
    )
    assert str(caught.value) == "/landing/labs.csv, line 7, column 'unit': has 3 fields"


def test_a_background_job_runs_on_another_process_and_gives_its_result():
    big = list(range(200_000))  # reaches the process through fork; the result is piped back
    job = Background(lambda: (sum(big), os.getpid(), big), workers=2)
    total, pid, echoed = job.result()
    assert (total, echoed) == (sum(big), big)
    assert pid != os.getpid()
    assert job.result()[0] == total  # asked again: the same result, no second wait


def test_a_background_job_with_one_worker_runs_here_at_once():
    ran: list[int] = []
    job = Background(lambda: ran.append(os.getpid()) or "done", workers=1)
    assert ran == [os.getpid()]
    assert job.result() == "done"


@pytest.mark.parametrize("workers", [1, 2])
def test_a_background_error_is_raised_by_result(workers):
    def fails() -> None:
        raise InputFileError("/landing/labs.csv", "has 3 fields", line=7, column="unit")

    job = Background(fails, workers)
    with pytest.raises(InputFileError) as caught:
        job.result()
    assert (caught.value.line, caught.value.column) == (7, "unit")


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("no pickling")


def test_an_error_that_does_not_pickle_is_named_not_lost():
    def fails() -> None:
        raise _Unpicklable("x")

    with pytest.raises(ScreeningError, match="_Unpicklable did not pickle"):
        Background(fails, workers=2).result()


def _sleep_then_mark(started: Path, finished: Path) -> None:
    # Written aside, then renamed: the marker appears with its pid in it, never empty
    # (the waiting test once read an existing, still empty file under load).
    partial = started.with_suffix(".partial")
    partial.write_text(str(os.getpid()))
    partial.rename(started)
    time.sleep(30)
    finished.write_text("finished")


def test_a_cancelled_background_job_is_stopped_not_awaited(tmp_path):
    started, finished = tmp_path / "started", tmp_path / "finished"
    # A SIGTERM handler (Airflow installs some) is inherited through fork: cancel kills.
    previous = signal.signal(signal.SIGTERM, lambda *_: None)
    try:
        job = Background(functools.partial(_sleep_then_mark, started, finished), workers=2)
    finally:
        signal.signal(signal.SIGTERM, previous)
    while not started.exists():
        time.sleep(0.01)
    job.cancel()
    assert not finished.exists()  # cancel did not wait for the job to end
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)  # the process is gone (and reaped)
    with pytest.raises(ScreeningError, match="cancelled"):
        job.result()
    job.cancel()  # twice is harmless
