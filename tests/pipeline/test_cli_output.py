"""What `screening run` and `generate` print: a readable summary, `--json` (stdout JSON only),
stage lines on a terminal's stderr and none elsewhere, and nothing with -q."""

from __future__ import annotations

import io
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pandas as pd

from pipeline.cli import main
from pipeline.progress import TerminalProgress, progress_for, silent
from tests.conftest import AS_OF, repo_root

TRIAL = "lutathera-retreatment"
STAGES = (
    "checking export files",
    "reading and validating extracts",
    "screening patients",
    "writing the report",
)


def run_args(hospital, out: Path, *extra: str) -> list[str]:
    return [
        *("run", "--trial", TRIAL, "--exports", str(hospital.exports), "--as-of", AS_OF),
        *("--out", str(out), *extra),
    ]


def published_counts(report: Path) -> tuple[dict[str, int], dict[str, int]]:
    """Statuses and quarantined rows per extract, read from the report's own tables."""
    statuses = pd.read_parquet(report / "candidates.parquet")["overall_status"].value_counts()
    quarantined = {
        path.stem: len(pd.read_parquet(path)) for path in (report / "quarantine").glob("*.parquet")
    }
    return {str(k): int(v) for k, v in statuses.items()}, {
        k: v for k, v in sorted(quarantined.items()) if v
    }


def on_a_terminal(argv: list[str]) -> tuple[int, str, str]:
    """Run `python -m pipeline.cli` with stderr on a pseudo-terminal; stdout a pipe."""
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", *argv],
        cwd=repo_root(),
        env=dict(os.environ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=follower,
    )
    os.close(follower)
    err = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes when the process ends
            break
        if not chunk:
            break
        err += chunk
    os.close(leader)
    out = process.stdout.read()
    return process.wait(timeout=300), out.decode(), err.decode()


def test_a_run_ends_with_a_readable_summary_and_no_stage_lines_off_a_terminal(
    small_hospital, tmp_path, capsys
):
    out = tmp_path / "reports"
    assert main(run_args(small_hospital, out)) == 0
    printed, err = capsys.readouterr()
    assert err == ""
    report = out / TRIAL / AS_OF
    statuses, quarantined = published_counts(report)
    lines = printed.splitlines()
    patients = sum(statuses.values())
    assert lines[0] == f"screened {patients:,} patients for {TRIAL} as of {AS_OF}"
    for status in ("candidate", "needs_review", "not_eligible"):
        assert f"  {status:<13} {statuses.get(status, 0):>10,}" in lines
    [rows_line] = [line for line in lines if line.startswith("rows read")]
    assert f"quarantined {sum(quarantined.values()):,}" in rows_line
    for extract, rows in quarantined.items():
        assert f"{extract} {rows:,}" in rows_line
    assert f"report:      {report}" in lines
    assert f"review page: {report / 'review.html'}" in lines
    assert "{" not in printed  # no Python dict


def test_json_is_the_only_stdout_and_stages_go_to_the_terminal(small_hospital, tmp_path):
    out = tmp_path / "reports"
    status, printed, err = on_a_terminal(run_args(small_hospital, out, "--json"))
    assert status == 0, err
    summary = json.loads(printed)  # the whole of stdout is one JSON document
    report = out / TRIAL / AS_OF
    statuses, quarantined = published_counts(report)
    assert summary["report"] == str(report) and summary["trial"] == TRIAL
    assert {k: v for k, v in summary["statuses"].items() if v} == statuses
    assert summary["quarantined"] == quarantined
    manifest = json.loads((report / "manifest.json").read_text())
    assert summary["rows_read"] == sum(e["rows_read"] for e in manifest["extracts"].values())
    for stage in STAGES:
        assert f"  {stage}: " in err
    assert "patients (" in err and "/s)" in err
    extracts = len(manifest["extracts"])
    for extract in manifest["extracts"]:  # each extract as it is validated
        assert f"  reading and validating extracts ... {extract} (" in err
    assert f" ({extracts} of {extracts}), {summary['rows_read']:,} rows so far" in err


def test_quiet_prints_nothing_and_still_publishes(small_hospital, tmp_path):
    out = tmp_path / "reports"
    status, printed, err = on_a_terminal(run_args(small_hospital, out, "-q"))
    assert status == 0
    assert printed == "" and err == ""
    assert (out / TRIAL / AS_OF / "manifest.json").is_file()


def test_generate_shows_its_stage_on_a_terminal_only(tmp_path):
    argv = ["generate", "--patients", "40", "--as-of", AS_OF, "--out"]
    status, printed, err = on_a_terminal([*argv, str(tmp_path / "a")])
    assert status == 0 and "  generating 40 patients: " in err and "rows (" in err
    assert printed.startswith("exports: ")
    piped = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *argv, str(tmp_path / "b")],
        cwd=repo_root(),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert piped.stderr == "" and piped.stdout == printed.replace(
        str(tmp_path / "a"), str(tmp_path / "b")
    )


def test_generate_json_names_what_it_wrote(tmp_path, capsys):
    out = tmp_path / "h"
    argv = ["generate", "--patients", "40", "--as-of", AS_OF, "--out", str(out), "--json"]
    assert main(argv) == 0
    facts = json.loads(capsys.readouterr().out)
    assert facts["exports"] == str(out / "exports" / AS_OF)
    assert Path(facts["truth"]).is_file() and facts["patients"] == 40
    patients_file = next((out / "exports" / AS_OF).glob("patients*"))
    assert facts["rows"]["patients"] == patients_file.read_bytes().count(b"\n") - 1


def test_a_stage_line_says_its_time_count_and_rate():
    stream = io.StringIO()
    with TerminalProgress(stream)("validating") as done:
        done.partial("labs (1 of 2)", 1000)
        done.rows = 1200
    first, partial, last = stream.getvalue().split("\r\x1b[K")[1:]
    assert first == "  validating ..."
    assert partial.startswith("  validating ... labs (1 of 2), 1,000 rows so far (")
    assert last.startswith("  validating: ") and last.endswith("/s)\n")
    assert ", 1,200 rows (" in last


def test_no_stage_lines_unless_stderr_is_a_terminal_and_not_quiet():
    assert progress_for(False, io.StringIO()) is silent
    leader, follower = pty.openpty()
    try:
        with os.fdopen(follower, "w") as terminal:
            assert isinstance(progress_for(False, terminal), TerminalProgress)
            assert progress_for(True, terminal) is silent
    finally:
        os.close(leader)
