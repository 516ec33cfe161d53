"""Several trials on one read and one validation of the export: each report is the one a run
of that trial alone publishes, and either every report is published or none is."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError, ScreeningError
from pipeline.run import newest_previous_row_counts, run_screening, run_trials
from pipeline.run_lock import run_lock
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

SECOND = repo_root() / "tests" / "fixtures" / "trials" / "net-maintenance-example.yaml"


def trials() -> list:
    return [load_trial(find_trial("lutathera-retreatment")), load_trial(SECOND)]


def source():
    return load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")


def files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_two_trials_at_once_publish_each_trials_own_report_byte_for_byte(small_hospital, tmp_path):
    together = run_trials(
        trials(), small_hospital.exports, source(), pd.Timestamp(AS_OF), tmp_path / "together"
    )
    assert [r.report_dir.parent.name for r in together] == [t.id for t in trials()]
    for trial, result in zip(trials(), together, strict=True):
        alone = run_screening(
            trial, small_hospital.exports, source(), pd.Timestamp(AS_OF), tmp_path / trial.id
        )
        assert result.counts == alone.counts
        assert files(result.report_dir) == files(alone.report_dir), trial.id


def test_the_same_trial_twice_is_refused(small_hospital, tmp_path):
    lutathera = trials()[0]
    with pytest.raises(ConfigError, match="different trials"):
        run_trials(
            [lutathera, lutathera], small_hospital.exports, source(), pd.Timestamp(AS_OF), tmp_path
        )


def test_one_trial_locked_publishes_none(small_hospital, tmp_path):
    """Another run holds the second trial's report: the run stops before reading anything and
    the first trial gets no report either."""
    reports = tmp_path / "reports"
    second = trials()[1]
    with run_lock(reports / second.id / AS_OF), pytest.raises(ScreeningError, match="in progress"):
        run_trials(trials(), small_hospital.exports, source(), pd.Timestamp(AS_OF), reports)
    assert not (reports / trials()[0].id / AS_OF).exists()


def write_manifest(reports: Path, trial: str, as_of: str, rows: int) -> None:
    folder = reports / trial / as_of
    folder.mkdir(parents=True)
    (folder / "candidates.parquet").write_bytes(b"")
    manifest = {"extracts": {"labs": {"rows_read": rows}}}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def test_the_volume_check_compares_with_the_newest_earlier_report_of_any_trial(tmp_path):
    write_manifest(tmp_path, "a", "2026-11-20", 100)
    write_manifest(tmp_path, "b", "2026-11-22", 200)
    write_manifest(tmp_path, "b", "2026-11-24", 999)  # tonight's own: never the previous
    targets = [tmp_path / "a" / "2026-11-24", tmp_path / "b" / "2026-11-24"]
    assert newest_previous_row_counts(targets) == {"labs": 200}
    write_manifest(tmp_path, "a", "2026-11-22", 150)  # a tie: the first trial's
    assert newest_previous_row_counts(targets) == {"labs": 150}
    assert newest_previous_row_counts([tmp_path / "c" / "2026-11-24"]) == {}


def test_the_command_takes_trial_several_times_and_lists_the_summaries(
    small_hospital, tmp_path, capsys
):
    argv = [
        "run",
        "--trial", "lutathera-retreatment",
        "--trial", str(SECOND),
        "--exports", str(small_hospital.exports),
        "--as-of", AS_OF,
        "--out", str(tmp_path / "reports"),
        "--json",
    ]  # fmt: skip
    assert main(argv) == 0
    summaries = json.loads(capsys.readouterr().out)
    assert [s["trial"] for s in summaries] == [t.id for t in trials()]
    assert all(s["patients"] == summaries[0]["patients"] > 0 for s in summaries)
