"""Every user error of `screening` is one line on stderr, exit status 2, and no traceback:
what was wrong and what to give instead (dates, counts, trials, folders, keys, configs)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.trial import trials_folder
from tests.conftest import AS_OF, repo_root

TRIAL = "lutathera-retreatment"


def one_error_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    """Run the command; assert status 2, nothing on stdout, one stderr line; return it."""
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("screening: error: ")
    assert "Traceback" not in err
    return lines[0]


def run_args(tmp_path: Path, **options: str) -> list[str]:
    args = {"trial": TRIAL, "exports": str(tmp_path / "exports" / AS_OF), "as-of": AS_OF}
    args |= {"out": str(tmp_path / "reports")} | options
    return ["run", *(part for key, value in args.items() for part in (f"--{key}", value))]


@pytest.mark.parametrize(
    ("typed", "example"),
    [
        ("24/11/2026", "2026-11-24"),  # day first, as typed in much of Europe
        ("11/24/2026", "2026-11-24"),  # month first: 24 is no month
        ("24.11.2026", "2026-11-24"),
        ("2026/11/24", "2026-11-24"),
        ("yesterday", "2026-11-24"),  # nothing to convert: the house example
        ("2026-1-5", "2026-01-05"),
    ],
)
def test_a_date_not_written_yyyy_mm_dd_shows_the_iso_form(tmp_path, capsys, typed, example):
    line = one_error_line(capsys, run_args(tmp_path, **{"as-of": typed}))
    assert line == f"screening: error: --as-of {typed}: expected YYYY-MM-DD, e.g. {example}"


@pytest.mark.parametrize(
    ("typed", "detail"),
    [
        ("2026-11-31", "November 2026 has 30 days"),
        ("2026-02-29", "February 2026 has 28 days"),
        ("2026-13-01", "months run from 01 to 12"),
        ("2026-00-10", "months run from 01 to 12"),
    ],
)
def test_an_impossible_date_says_there_is_no_such_date(tmp_path, capsys, typed, detail):
    line = one_error_line(capsys, run_args(tmp_path, **{"as-of": typed}))
    assert line == f"screening: error: --as-of {typed}: no such date ({detail})"


def test_a_leap_day_is_a_date(tmp_path, capsys):
    """2028-02-29 exists: the run gets past the date and stops on the (absent) exports."""
    line = one_error_line(capsys, run_args(tmp_path, **{"as-of": "2028-02-29"}))
    assert "no such folder" in line and "--as-of" not in line


@pytest.mark.parametrize("typed", ["-5", "0", "1e4", "ten", "2.5"])
def test_a_patient_count_below_one_or_not_whole_is_refused(tmp_path, capsys, typed):
    argv = ["generate", "--out", str(tmp_path / "h"), "--patients", typed, "--as-of", AS_OF]
    line = one_error_line(capsys, argv)
    assert line == (
        f"screening: error: --patients {typed}: expected a whole number, at least 1, e.g. 10000"
    )
    assert not (tmp_path / "h").exists()


def test_a_negative_seed_is_refused(tmp_path, capsys):
    argv = ["demo", "--dir", str(tmp_path / "d"), "--seed", "-1"]
    line = one_error_line(capsys, argv)
    assert line == "screening: error: --seed -1: expected a whole number, 0 or more, e.g. 1"


def test_an_unknown_trial_lists_the_trials(tmp_path, capsys):
    line = one_error_line(capsys, run_args(tmp_path, trial="lutathera"))
    assert line.startswith("screening: error: --trial: no trial named 'lutathera'")
    known = sorted(p.stem for p in trials_folder().glob("*.yaml"))
    assert known and f"available: {', '.join(known)}" in line


def test_a_missing_trial_file_is_named(tmp_path, capsys):
    missing = tmp_path / "trials" / "mine.yaml"
    line = one_error_line(capsys, run_args(tmp_path, trial=str(missing)))
    assert line == (
        f"screening: error: --trial {missing}: no such file; give a trial id or a trial YAML file"
    )


def test_the_exports_root_names_its_dated_folders(tmp_path, capsys):
    root = tmp_path / "exports"
    for day in ("2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25"):
        (root / day).mkdir(parents=True)
        (root / day / "patients.csv").write_text("IPP\n", encoding="utf-8")
    line = one_error_line(capsys, run_args(tmp_path, exports=str(root)))
    assert line == (
        f"screening: error: {root}: this folder holds dated exports (2026-11-23, 2026-11-24, "
        f"2026-11-25 and 1 earlier), not one export; give one of them, e.g. {root / '2026-11-25'}"
    )
    assert not (tmp_path / "reports").exists()


def test_a_missing_exports_folder_is_named_before_any_report_folder_is_made(tmp_path, capsys):
    line = one_error_line(capsys, run_args(tmp_path))
    assert line == (
        f"screening: error: {tmp_path / 'exports' / AS_OF}: no such folder; give the folder "
        "of one export date, e.g. exports/2026-11-24"
    )
    assert not (tmp_path / "reports").exists()


def test_reidentify_on_a_trial_folder_lists_its_reports(tmp_path, capsys):
    trial_folder = tmp_path / "reports" / TRIAL
    for day in ("2026-11-17", "2026-11-24"):
        (trial_folder / day).mkdir(parents=True)
    log = tmp_path / "audit.log"
    argv = ["reidentify", "--report", str(trial_folder), "--out", str(tmp_path / "named.csv")]
    line = one_error_line(capsys, [*argv, "--audit-log", str(log)])
    assert f"{trial_folder}: not a report folder" in line
    assert "a report folder is REPORTS/<trial>/<YYYY-MM-DD> holding manifest.json" in line
    assert f"reports here: 2026-11-17, 2026-11-24, e.g. {trial_folder / '2026-11-24'}" in line
    [entry] = [json.loads(text) for text in log.read_text().splitlines()]
    assert entry["event"] == "reidentify-refused"  # refused before argparse would not audit it
    assert not (tmp_path / "named.csv").exists()


def test_reidentify_on_any_other_folder_says_what_a_report_is(tmp_path, capsys):
    argv = ["reidentify", "--report", str(tmp_path), "--out", str(tmp_path / "named.csv")]
    line = one_error_line(capsys, [*argv, "--audit-log", str(tmp_path / "audit.log")])
    assert line.endswith(
        "a report folder is REPORTS/<trial>/<YYYY-MM-DD> holding manifest.json, "
        "candidates.parquet and reidentification.parquet"
    )


@pytest.mark.parametrize("kind", ["folder", "binary"])
def test_an_unusable_key_file_is_one_line(tmp_path, capsys, monkeypatch, kind):
    key = tmp_path / "site.key"
    if kind == "folder":
        key.mkdir(mode=0o700)
    else:
        fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, b"\x80\xff" * 20)
        os.close(fd)
    monkeypatch.delenv("SCREENING_PSEUDONYM_KEY")
    monkeypatch.setenv("SCREENING_PSEUDONYM_KEY_FILE", str(key))
    line = one_error_line(capsys, run_args(tmp_path))
    expected = "is a folder, not a file" if kind == "folder" else "is not UTF-8 text"
    assert line.startswith(f"screening: error: pseudonym key file {key} {expected}")


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "cannot read source config: it is a folder"),
        (lambda p: None, "cannot read source config: No such file or directory"),
        (lambda p: p.write_bytes(b"\x00\xff\xfe binary"), "not UTF-8 text"),
        (lambda p: p.write_text("hospital: [unclosed\n"), "cannot read source config: "),
    ],
    ids=["folder", "missing", "binary", "not yaml"],
)
def test_an_unreadable_source_config_is_one_line(tmp_path, capsys, make, expected):
    source = tmp_path / "hospital.yaml"
    make(source)
    line = one_error_line(capsys, run_args(tmp_path, source=str(source)))
    assert line.startswith(f"screening: error: {source}: ") and expected in line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["frobnicate"], "COMMAND: invalid choice: 'frobnicate'"),
        (["run", "--trial", TRIAL], "the following arguments are required: --as-of, --out"),
        (["suites", "--colour"], "unrecognized arguments: --colour"),
    ],
)
def test_a_usage_mistake_points_at_help(capsys, argv, expected):
    line = one_error_line(capsys, argv)
    assert expected in line
    assert line.endswith("--help)")


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--trial", TRIAL, "--exports", ".", "--as-of", "24/11/2026", "--out", "x"],
        ["generate", "--out", "x", "--patients", "-5", "--as-of", AS_OF],
        ["run", "--trial", TRIAL, "--exports", "no-such", "--as-of", AS_OF, "--out", "x"],
    ],
    ids=["date", "count", "exports"],
)
def test_the_installed_process_exits_2_with_one_line(tmp_path, argv):
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *argv],
        cwd=tmp_path,
        env=os.environ | {"PYTHONPATH": str(repo_root())},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("screening: error: ")


def test_an_output_folder_that_is_a_file_is_one_line(tmp_path, capsys):
    taken = tmp_path / "taken"
    taken.write_text("not a folder\n")
    argv = ["generate", "--out", str(taken), "--patients", "5", "--as-of", AS_OF]
    line = one_error_line(capsys, argv)
    assert line.startswith(f"screening: error: {taken}")
    assert line.endswith(": Not a directory; check the paths given")


def test_report_for_an_unknown_trial_lists_the_trials_with_reports(tmp_path, capsys):
    (tmp_path / TRIAL / AS_OF).mkdir(parents=True)
    line = one_error_line(capsys, ["report", "--trial", "lutathera", "--reports", str(tmp_path)])
    assert line.endswith(f"trials with reports there: {TRIAL}")


def test_load_warehouse_names_the_dated_folders_of_an_exports_root(tmp_path, capsys):
    (tmp_path / "exports" / AS_OF).mkdir(parents=True)
    argv = ["load-warehouse", "--exports", str(tmp_path / "exports"), "--url", "postgresql://x"]
    line = one_error_line(capsys, argv)
    assert f"give one of them, e.g. {tmp_path / 'exports' / AS_OF}" in line


def test_a_library_message_on_several_lines_is_one_line(small_hospital, capsys):
    """libpq says "Connection refused" then "Is the server running...?" on its own line."""
    argv = ["load-warehouse", "--exports", str(small_hospital.exports)]
    line = one_error_line(capsys, [*argv, "--url", "postgresql://nobody@127.0.0.1:1/x"])
    assert line.startswith("screening: error: cannot connect to the warehouse: ")


def test_a_misspelt_status_is_refused_rather_than_selecting_nobody(tmp_path, capsys):
    argv = ["reidentify", "--report", str(tmp_path), "--out", str(tmp_path / "named.csv")]
    line = one_error_line(capsys, [*argv, "--statuses", "candidat"])
    assert line == (
        "screening: error: --statuses candidat: expected statuses among candidate, "
        "needs_review, not_eligible, comma-separated, e.g. candidate,needs_review"
    )
    assert not (tmp_path / "named.csv").exists()
