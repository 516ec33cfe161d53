"""A real `screening run` killed just before its report is swapped in: the published report
stays whole, and the next run removes the killed run's copy of the re-identification table."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from pipeline.publish import sha256_file
from tests.conftest import AS_OF, repo_root
from tests.reliability.reports import hidden_siblings, reidentification_copies

TRIAL = "lutathera-retreatment"


def screening_run(exports, out, stop: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "tests.reliability.crash", "--kill-at", stop, "cli", "run"]
    command += ["--trial", TRIAL, "--exports", str(exports), "--as-of", AS_OF, "--out", str(out)]
    return subprocess.run(command, cwd=repo_root(), capture_output=True, text=True, timeout=1800)


def snapshot(folder) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256_file(p) for p in folder.rglob("*") if p.is_file()}


def test_a_run_killed_before_the_swap_leaves_the_previous_report(small_hospital, tmp_path):
    target = tmp_path / TRIAL / AS_OF
    first = screening_run(small_hospital.exports, tmp_path, "0")
    assert first.returncode == 0, first.stderr
    before = snapshot(target)
    assert "reidentification.parquet" in before

    killed = screening_run(small_hospital.exports, tmp_path, "symlink:1")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert snapshot(target) == before, "the published report is whole and unchanged"
    [stray] = hidden_siblings(target)
    assert (target.parent / stray / "reidentification.parquet").is_file(), "killed mid-publish"

    again = screening_run(small_hospital.exports, tmp_path, "0")
    assert again.returncode == 0, again.stderr
    assert snapshot(target) == before, "same inputs, same report"
    assert hidden_siblings(target) == []
    assert reidentification_copies(target.parent) == [
        os.path.join(os.path.realpath(target), "reidentification.parquet")
    ]
