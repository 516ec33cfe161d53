"""The portfolio: per pseudonym, the trials a patient is worth a call for, on one night."""

from __future__ import annotations

import datetime as dt
import stat
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.portfolio import build_portfolio, default_output
from pipeline.publish import write_parquet
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

NIGHT = dt.date(2026, 11, 24)
EARLIER = dt.date(2026, 11, 23)


def write_candidates(reports: Path, trial: str, night: dt.date, rows: list[tuple]) -> None:
    """A published candidates table with only the columns the portfolio reads."""
    pseudonym, status, decision = (list(column) for column in zip(*rows, strict=True))
    n = len(rows)
    table = pa.table(
        {
            "pseudonym": pa.array(pseudonym, pa.string()),
            "trial_id": pa.array([trial] * n, pa.string()),
            "as_of": pa.array([night] * n, pa.date32()),
            "overall_status": pa.array(status, pa.string()),
            "decision": pa.array(decision, pa.string()),
            "decision_date": pa.array([night if d else None for d in decision], pa.date32()),
        }
    )
    write_parquet(table, reports / trial / night.isoformat() / "candidates.parquet")


@pytest.fixture
def hand_built(tmp_path: Path) -> Path:
    """Two trials on the night, a third whose last report is the night before.

    P-a is open for both trials; P-b is a candidate for t2 but declined it; P-c was enrolled
    in t1 (listed though not eligible there now) and is not eligible for t2; P-d is listed
    nowhere."""
    reports = tmp_path / "reports"
    write_candidates(
        reports,
        "t1",
        NIGHT,
        [
            ("P-a", "candidate", None),
            ("P-b", "not_eligible", None),
            ("P-c", "not_eligible", "enrolled"),
            ("P-d", "not_eligible", None),
        ],
    )
    write_candidates(
        reports,
        "t2",
        NIGHT,
        [
            ("P-a", "needs_review", "contacted"),
            ("P-b", "candidate", "declined"),
            ("P-c", "not_eligible", None),
            ("P-d", "not_eligible", None),
        ],
    )
    write_candidates(reports, "t3", EARLIER, [("P-a", "candidate", None)])
    return reports


def test_a_patient_is_listed_once_per_trial_with_the_trials_still_open(hand_built):
    portfolio = build_portfolio(hand_built, NIGHT)
    columns = ["pseudonym", "trial_id", "overall_status", "decision", "open_trials"]
    listed = [tuple(row.values()) for row in portfolio.table.select(columns).to_pylist()]
    assert listed == [
        ("P-a", "t1", "candidate", None, 2),
        ("P-a", "t2", "needs_review", "contacted", 2),
        ("P-b", "t2", "candidate", "declined", 0),
        ("P-c", "t1", "not_eligible", "enrolled", 0),
    ]
    assert portfolio.trials == ("t1", "t2")
    assert portfolio.missing == ("t3",)
    assert portfolio.patients() == 3
    assert portfolio.open_for_several() == 1


def test_the_default_night_is_the_newest_report(hand_built):
    assert build_portfolio(hand_built).as_of == NIGHT
    earlier = build_portfolio(hand_built, EARLIER)
    assert earlier.trials == ("t3",)
    assert earlier.missing == ("t1", "t2")


def test_a_night_no_trial_has_is_an_error_naming_the_trials(hand_built):
    with pytest.raises(ConfigError, match=r"no trial has a report for 2026-11-01 .*t1, t2, t3"):
        build_portfolio(hand_built, dt.date(2026, 11, 1))


def test_a_folder_without_reports_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="no published trial report"):
        build_portfolio(tmp_path)
    with pytest.raises(ConfigError, match="no such reports folder"):
        build_portfolio(tmp_path / "absent")


def test_the_command_writes_the_file_and_names_the_missing_trials(hand_built, capsys):
    assert main(["portfolio", "--reports", str(hand_built), "--as-of", "2026-11-24"]) == 0
    out, err = capsys.readouterr()
    written = default_output(hand_built, NIGHT)
    assert out.splitlines()[0] == str(written)
    assert "3 patient(s) listed over 2 trial(s); 1 open for more than one trial" in out
    assert "t3" in err and "not in this portfolio" in err
    table = pq.read_table(written)
    assert table.num_rows == 4
    assert stat.S_IMODE(written.stat().st_mode) & 0o007 == 0  # reports' modes: no world access
    assert not [p for p in hand_built.iterdir() if p.name.startswith(".portfolio")]
    # The next command sees the same trial folders: the file is never taken for a trial.
    assert build_portfolio(hand_built, NIGHT).trials == ("t1", "t2")


def test_the_command_on_an_unknown_night_is_one_line_exit_2(hand_built, capsys):
    assert main(["portfolio", "--reports", str(hand_built), "--as-of", "2026-11-01"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "no trial has a report for 2026-11-01" in err


def test_two_real_trials_agree_with_each_trials_own_report(small_hospital, tmp_path):
    """Screened for real (Lutathera and the second-trial example), the portfolio lists
    exactly the candidate and needs-review rows of each trial's candidates.parquet."""
    source = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
    second = repo_root() / "tests" / "fixtures" / "trials" / "net-maintenance-example.yaml"
    reports = tmp_path / "reports"
    for trial_file in (find_trial("lutathera-retreatment"), second):
        run_screening(
            load_trial(trial_file), small_hospital.exports, source, pd.Timestamp(AS_OF), reports
        )
    portfolio = build_portfolio(reports).table.to_pandas()
    expected = []
    for trial_dir in sorted(p for p in reports.iterdir() if p.is_dir()):
        candidates = pd.read_parquet(trial_dir / AS_OF / "candidates.parquet")
        listed = candidates[candidates["overall_status"].isin(["candidate", "needs_review"])]
        expected += [(p, trial_dir.name) for p in listed["pseudonym"]]
    assert len(expected) > 0
    assert sorted(zip(portfolio["pseudonym"], portfolio["trial_id"], strict=True)) == sorted(
        expected
    )
    both = portfolio.groupby("pseudonym")["trial_id"].nunique()
    assert (portfolio["open_trials"] == portfolio["pseudonym"].map(both)).all()
