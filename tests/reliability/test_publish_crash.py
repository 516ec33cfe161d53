"""kill -9 at every filesystem step of a publish: the published path always holds a complete
report (the old one or the new one), and the next run's recovery leaves no other copy of the
re-identification table."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run_lock import run_lock
from pipeline.versions import recover
from tests.conftest import repo_root
from tests.reliability.crash import publish_small_report
from tests.reliability.reports import (
    AS_OF,
    TRIAL,
    hidden_siblings,
    published_tag,
    reidentification_copies,
    starting_state,
)

# What the published path may hold right after the kill, per starting state (and publish
# command). Without RENAME_EXCHANGE, taking over a real folder has a moment with nothing at
# the path; the recovery of the next run puts the old report back.
BEFORE = {
    ("none", "publish"): {None, "new"},
    ("versioned", "publish"): {"old", "new"},
    ("legacy", "publish"): {"old", "new"},
    ("legacy", "publish-without-exchange"): {None, "old", "new"},
    ("interrupted-legacy", "publish"): {None, "old", "new"},
}


def publish_in_child(
    root: Path, tag: str, kill_at: int, publish: str = "publish"
) -> subprocess.CompletedProcess:
    """`crash.publish_small_report` in a child process SIGKILLed at its `kill_at`th step."""
    command = [sys.executable, "-m", "tests.reliability.crash", "--kill-at", str(kill_at)]
    command += [publish, str(root), TRIAL, AS_OF, tag]
    return subprocess.run(command, cwd=repo_root(), capture_output=True, text=True, timeout=300)


def steps_made(result: subprocess.CompletedProcess) -> int:
    return int(re.search(r"calls=(\d+)", result.stderr).group(1))


@pytest.mark.parametrize(("state", "publish"), list(BEFORE), ids="-".join)
def test_a_kill_at_any_step_leaves_the_old_or_the_new_report(tmp_path, state, publish):
    starting_state(tmp_path / "whole", state)
    whole = publish_in_child(tmp_path / "whole", "new", 0, publish)
    assert whole.returncode == 0, whole.stderr
    steps = steps_made(whole)
    assert steps >= 8, "renames, symlinks and fsyncs were counted"
    seen = set()
    for kill_at in range(1, steps + 1):
        root = tmp_path / f"kill-{kill_at}"
        target = starting_state(root, state)
        killed = publish_in_child(root, "new", kill_at, publish)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        after_kill = published_tag(target)
        assert after_kill in BEFORE[state, publish], (kill_at, after_kill)
        seen.add(after_kill)

        with run_lock(target):  # the kernel released the killed run's lock
            recover(target)
        recovered = published_tag(target)
        expected = "old" if after_kill is None and "old" in BEFORE[state, publish] else after_kill
        assert recovered == expected, (kill_at, recovered)
        assert hidden_siblings(target) == [], kill_at
        assert len(reidentification_copies(target.parent)) == (recovered is not None), kill_at

        publish_small_report(str(root), TRIAL, AS_OF, "next")
        assert published_tag(target) == "next"
        assert hidden_siblings(target) == []
        assert len(reidentification_copies(target.parent)) == 1
    assert "new" in seen and seen - {"new"}, "kills fell both before and after the swap"
