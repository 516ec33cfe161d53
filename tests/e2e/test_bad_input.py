"""Broken exports stop the run, publish nothing and leave the previous report intact."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import InputFileError
from pipeline.generator.breakage import BREAK_KINDS, break_extract
from pipeline.generator.hospital import LAYOUT
from pipeline.publish import sha256_file
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

SOURCE = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
TRIAL = load_trial(find_trial("lutathera-retreatment"))


def run(exports: Path, out: Path):
    return run_screening(TRIAL, exports, SOURCE, pd.Timestamp(AS_OF), out)


def snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): sha256_file(p) for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", BREAK_KINDS)
@pytest.mark.parametrize("extract", ["labs", "patients", "imaging_studies"])
def test_broken_extract_stops_the_run_and_keeps_previous_report(
    small_hospital, tmp_path, kind, extract
):
    out = tmp_path / "reports"
    previous = run(small_hospital.exports, out).report_dir
    before = snapshot(previous)

    broken = tmp_path / "broken"
    shutil.copytree(small_hospital.exports, broken)
    file_name = LAYOUT[extract][0]
    break_extract(broken / file_name, kind)

    with pytest.raises(InputFileError) as caught:
        run(broken, out)
    message = str(caught.value)
    assert file_name in message
    if kind in ("truncated", "undecodable"):
        assert caught.value.line is not None and caught.value.line > 1
    if kind == "missing-column":
        assert caught.value.column is not None
    assert snapshot(previous) == before
    leftovers = [p.name for p in previous.parent.iterdir() if p.name.startswith(".")]
    assert sorted(leftovers) == sorted([f".{AS_OF}.lock", os.readlink(previous)])


def test_error_messages_never_quote_patient_data(small_hospital, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(small_hospital.exports, broken)
    break_extract(broken / LAYOUT["patients"][0], "truncated")
    ids = pd.read_parquet(small_hospital.truth)["patient_id"].unique()
    with pytest.raises(InputFileError) as caught:
        run(broken, tmp_path / "out")
    assert not any(pid in str(caught.value) for pid in ids)


def test_missing_file_stops_the_run(small_hospital, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(small_hospital.exports, broken)
    (broken / LAYOUT["treatments"][0]).unlink()
    with pytest.raises(InputFileError, match="file not found"):
        run(broken, tmp_path / "out")
    assert not (tmp_path / "out" / TRIAL.id / AS_OF).exists()


def test_run_without_key_refuses_to_start(small_hospital, tmp_path, monkeypatch):
    from pipeline.errors import ConfigError

    monkeypatch.delenv("SCREENING_PSEUDONYM_KEY")
    with pytest.raises(ConfigError, match="SCREENING_PSEUDONYM_KEY"):
        run(small_hospital.exports, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_rerun_for_same_as_of_gives_identical_files(small_hospital, tmp_path):
    out = tmp_path / "reports"
    first = snapshot(run(small_hospital.exports, out).report_dir)
    second_dir = run(small_hospital.exports, out).report_dir
    assert snapshot(second_dir) == first
    assert len(first) >= 5 + 8  # reports + manifest + one quarantine file per extract


def test_records_after_as_of_do_not_change_an_earlier_report(small_hospital, tmp_path):
    """A backfill for an earlier date ignores what arrived later (here: the same exports)."""
    earlier = pd.Timestamp(AS_OF) - pd.Timedelta(days=30)
    result = run_screening(TRIAL, small_hospital.exports, SOURCE, earlier, tmp_path / "r")
    manifest = (result.report_dir / "manifest.json").read_text()
    assert '"as_of": "2026-10-25"' in manifest
    import json

    labs = json.loads(manifest)["extracts"]["labs"]
    assert labs["rows_after_as_of"] > 0
