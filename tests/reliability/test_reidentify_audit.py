"""`screening reidentify` as a real process: no named list without its audit line, and every
refused attempt audited without patient data."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import screen_lutathera


@pytest.fixture(scope="module")
def report(small_hospital, tmp_path_factory):
    return screen_lutathera(small_hospital.exports, tmp_path_factory.mktemp("reports"))


def reidentify(report, out, audit_log, **env: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "pipeline.cli", "reidentify", "--report", str(report)]
    command += ["--out", str(out), "--audit-log", str(audit_log)]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, env=os.environ | env
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("screening: error:")]


def raw_ids(report) -> set[str]:
    return set(pd.read_parquet(report / "reidentification.parquet")["patient_id"])


def test_the_list_is_kept_only_with_its_audit_line(report, tmp_path):
    log = tmp_path / "audit.log"
    result = reidentify(report, tmp_path / "named.csv", log)
    assert result.returncode == 0, result.stderr
    [entry] = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["event"] == "reidentify" and entry["patients"] > 0
    assert len(pd.read_csv(tmp_path / "named.csv", dtype=str)) == entry["patients"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.log", "named.csv"]


def test_an_audit_log_that_cannot_be_written_leaves_no_list(report, tmp_path):
    log = tmp_path / "audit.log"
    log.mkdir()  # a folder where the log should be: appending fails (even for root)
    (tmp_path / "named.csv").write_text("an older list\n")
    result = reidentify(report, tmp_path / "named.csv", log)
    assert result.returncode == 2
    [line] = error_lines(result)
    assert str(log) in line and "no named list was kept" in line
    assert (tmp_path / "named.csv").read_text() == "an older list\n", "nothing renamed in"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.log", "named.csv"]
    assert not any(pid in result.stderr + result.stdout for pid in raw_ids(report))


def test_a_wrong_key_is_refused_and_audited(report, tmp_path):
    log = tmp_path / "audit.log"
    result = reidentify(
        report, tmp_path / "named.csv", log, SCREENING_PSEUDONYM_KEY="another-site-secret-xyz"
    )
    assert result.returncode == 2
    [line] = error_lines(result)
    assert "key does not match" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audit.log"]
    [entry] = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["event"] == "reidentify-refused"
    assert entry["report"] == str(report) and "key does not match" in entry["reason"]
    assert not any(pid in log.read_text() for pid in raw_ids(report))


def test_a_folder_that_is_not_a_report_is_refused_and_audited(tmp_path):
    log = tmp_path / "audit" / "reidentification.log"
    result = reidentify(tmp_path / "nothing", tmp_path / "named.csv", log)
    assert result.returncode == 2
    [line] = error_lines(result)
    assert "not a report folder" in line
    [entry] = [json.loads(line) for line in log.read_text().splitlines()]
    assert entry["event"] == "reidentify-refused" and "not a report folder" in entry["reason"]
    assert not (tmp_path / "named.csv").exists()


def test_a_refusal_that_cannot_be_audited_says_both(tmp_path):
    log = tmp_path / "audit.log"
    log.mkdir()
    result = reidentify(tmp_path / "nothing", tmp_path / "named.csv", log)
    assert result.returncode == 2
    [line] = error_lines(result)
    assert "not a report folder" in line and "the audit log cannot be written" in line
