"""The versioned publish as the readers see it: `REPORTS/<trial>/<as-of>/` reads as a folder,
hidden versions and leftovers are never taken for reports, a failed run changes nothing."""

from __future__ import annotations

import os

import pytest

from pipeline.publish import staged_directory
from pipeline.review.latest import latest_review
from pipeline.review.previous import previous_report_dir, report_dirs
from pipeline.run_lock import run_lock
from pipeline.versions import published_version, recover


def publish(trial_root, as_of: str, tag: str):
    target = trial_root / as_of
    with run_lock(target), staged_directory(target) as staging:
        for name in ("candidates.parquet", "manifest.json", "review.html"):
            (staging / name).write_text(tag)
    return target


def test_published_folders_are_found_by_their_as_of_name_only(tmp_path):
    trial_root = tmp_path / "trial"
    first = publish(trial_root, "2026-11-10", "first")
    second = publish(trial_root, "2026-11-24", "second")
    stray = trial_root / ".2026-11-17.v-0123456789ab"  # an interrupted run of another date
    stray.mkdir()
    (stray / "candidates.parquet").write_text("stray")
    assert first.is_symlink() and first.is_dir()
    assert [p for _, p in report_dirs(trial_root)] == [first, second]
    assert previous_report_dir(second) == first
    assert previous_report_dir(trial_root / "2026-11-20") == first
    assert latest_review(tmp_path, "trial") == second / "review.html"
    assert (second / "review.html").read_text() == "second"


def test_republishing_keeps_only_the_new_version(tmp_path):
    target = publish(tmp_path, "2026-11-24", "old")
    old = published_version(target)
    publish(tmp_path, "2026-11-24", "new")
    assert (target / "manifest.json").read_text() == "new"
    assert not old.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["2026-11-24", ".2026-11-24.lock", os.readlink(target)]
    )


def test_a_failed_run_removes_its_version_and_keeps_the_report(tmp_path):
    target = publish(tmp_path, "2026-11-24", "old")
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(RuntimeError), run_lock(target), staged_directory(target) as staging:
        (staging / "candidates.parquet").write_text("half")
        raise RuntimeError("the run failed")
    assert (target / "candidates.parquet").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_report_published_as_a_real_folder_is_taken_over(tmp_path):
    """Reports published before the versioned publish are real folders: the first new run
    replaces one in a single step and removes it afterwards."""
    target = tmp_path / "2026-11-24"
    target.mkdir()
    (target / "candidates.parquet").write_text("legacy")
    publish(tmp_path, "2026-11-24", "new")
    assert target.is_symlink() and (target / "candidates.parquet").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["2026-11-24", ".2026-11-24.lock", os.readlink(target)]
    )


def test_recovery_republishes_a_report_left_aside_by_the_earlier_publish(tmp_path):
    target = tmp_path / "2026-11-24"
    aside = tmp_path / ".2026-11-24.previous-1a2b3c4d"
    aside.mkdir()
    for name in ("candidates.parquet", "manifest.json"):
        (aside / name).write_text("old")
    with run_lock(target):
        recover(target)
    assert published_version(target) == aside
    assert (target / "candidates.parquet").read_text() == "old"
