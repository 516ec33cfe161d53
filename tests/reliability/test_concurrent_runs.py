"""Two runs of the same trial and as-of date, as real processes: the second one stops at once
with a one-line error (exit status 2 from the command line) and the first one publishes; the
published report is never damaged. Synchronised through pipes, not sleeps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline import steps
from pipeline.errors import ScreeningError
from pipeline.run_lock import RunLockedError, run_lock
from pipeline.versions import new_version
from tests.conftest import repo_root
from tests.reliability.crash import publish_small_report
from tests.reliability.reports import (
    AS_OF,
    TRIAL,
    hidden_siblings,
    published_tag,
    reidentification_copies,
    starting_state,
    write_report,
)


def crash_child(mode: str, spec: str, *command: str, **popen: object) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.reliability.crash", mode, spec, *command]
    return subprocess.Popen(args, cwd=repo_root(), text=True, **popen)


def paused_run(root: Path, tag: str, trial: str = TRIAL) -> subprocess.Popen:
    """A publish stopped before its first symlink: lock held, leftovers removed, the new
    version written and fsynced, not yet swapped in."""
    child = crash_child(
        "--pause-at",
        "symlink:1",
        "publish",
        str(root),
        trial,
        AS_OF,
        tag,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout.readline() == "paused\n", child.stderr.read()
    return child


def resume(child: subprocess.Popen) -> int:
    child.stdin.write("\n")
    child.stdin.close()
    return child.wait(timeout=300)


def test_a_second_run_fails_at_once_and_the_first_one_publishes(tmp_path):
    target = starting_state(tmp_path, "versioned")
    first = paused_run(tmp_path, "first")
    try:
        second = crash_child(
            "--kill-at",
            "0",
            "publish",
            str(tmp_path),
            TRIAL,
            AS_OF,
            "second",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _out, err = second.communicate(timeout=300)
        assert second.returncode != 0
        assert "RunLockedError" in err and "another run of trial 't'" in err
        assert published_tag(target) == "old", "the loser left the published report alone"
        first_version = [p for p in target.parent.iterdir() if p.name.startswith(f".{AS_OF}.v-")]
        assert len(first_version) == 2, "the published version and the first run's, untouched"
    finally:
        assert resume(first) == 0
    assert published_tag(target) == "first"
    assert hidden_siblings(target) == []
    assert len(reidentification_copies(target.parent)) == 1


def test_the_command_line_says_so_in_one_line_with_status_2(tmp_path):
    trial = "lutathera-retreatment"
    exports = tmp_path / "exports"
    exports.mkdir()  # a landing folder (the lock is met before any of its files is read)
    (exports / "patients.csv").write_text("", encoding="utf-8")
    first = paused_run(tmp_path, "first", trial)
    try:
        cli = crash_child(
            "--kill-at",
            "0",
            "cli",
            "run",
            "--trial",
            trial,
            "--exports",
            str(exports),
            "--as-of",
            AS_OF,
            "--out",
            str(tmp_path),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _out, err = cli.communicate(timeout=300)
    finally:
        assert resume(first) == 0
    assert cli.returncode == 2
    lines = [line for line in err.splitlines() if line.startswith("screening: error:")]
    assert len(lines) == 1 and f"another run of trial '{trial}'" in lines[0], err
    assert published_tag(tmp_path / trial / AS_OF) == "first"


def test_a_lock_of_this_process_is_refused_too(tmp_path):
    target = tmp_path / TRIAL / AS_OF
    with run_lock(target), pytest.raises(RunLockedError, match=r"\.2026-11-24\.lock"):
        run_lock(target).__enter__()
    with run_lock(target):  # released on exit
        assert (target.parent / f".{AS_OF}.lock").is_file()


def stage_as_the_report_task_does(target: Path, tag: str) -> Path:
    with run_lock(target):
        staged = new_version(target)
    write_report(staged, tag)
    return staged


def test_the_dag_publish_step_swaps_in_the_staged_report(tmp_path):
    target = starting_state(tmp_path, "versioned")
    staged = stage_as_the_report_task_does(target, "dag")
    result = steps.publish(
        staging=str(staged), trial_id=TRIAL, as_of=AS_OF, reports_root=str(tmp_path)
    )
    assert result["report_dir"] == str(target)
    assert published_tag(target) == "dag" and os.readlink(target) == staged.name
    assert hidden_siblings(target) == []
    assert len(reidentification_copies(target.parent)) == 1


def test_the_dag_publish_step_refuses_a_staged_report_another_run_removed(tmp_path):
    """The DAG's report and publish tasks are two processes: a run in between removes the
    staged version as a leftover; publishing then fails clearly and changes nothing."""
    target = starting_state(tmp_path, "versioned")
    staged = stage_as_the_report_task_does(target, "dag")
    publish_small_report(str(tmp_path), TRIAL, AS_OF, "cli")
    assert not staged.exists()
    with pytest.raises(ScreeningError, match="the staged report is gone"):
        steps.publish(staging=str(staged), trial_id=TRIAL, as_of=AS_OF, reports_root=str(tmp_path))
    assert published_tag(target) == "cli"


HOLD_AND_FORK = """
import os, sys
from pathlib import Path
from pipeline.run_lock import run_lock
with run_lock(Path(sys.argv[1])):
    read_end, _write_end = os.pipe()
    started_read, started_write = os.pipe()
    worker = os.fork()
    if worker == 0:  # a worker that outlives the run: blocks forever on its own pipe
        os.write(started_write, b"!")  # after the at-fork handlers: the lock's copy is closed
        os.read(read_end, 1)
        os._exit(0)
    os.read(started_read, 1)  # the pid is printed only once the worker is past fork
    print(worker, flush=True)
    sys.stdin.readline()
"""


def test_a_killed_run_leaves_no_lock_behind_in_its_forked_workers(tmp_path):
    target = tmp_path / TRIAL / AS_OF
    run = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_FORK, str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = int(run.stdout.readline())
    try:
        with pytest.raises(RunLockedError):
            run_lock(target).__enter__()
        run.kill()
        run.wait(timeout=60)
        with run_lock(target):  # the worker still runs, the lock is free
            os.kill(worker, 0)  # raises if the worker were gone
    finally:
        os.kill(worker, signal.SIGKILL)
