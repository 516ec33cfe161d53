"""The night's snapshot: published in one rename, found by trials, pruned, counted."""

from __future__ import annotations

import json
import os

import pytest

from pipeline import snapshot as snap
from pipeline.errors import ConfigError, ScreeningError
from pipeline.steps import previous_night_counts


def built(root, as_of: str, rows: int, source: str = "chu") -> dict:
    """A build folder with one validated file, one staged raw extract and its metadata."""
    folder = snap.build_dir(root, source, as_of)
    (folder / "validated").mkdir()
    (folder / "validated" / "patients.parquet").write_text(f"night {as_of}")
    (folder / "raw").mkdir()
    (folder / "raw" / "patients.parquet").write_text("raw text")
    (folder / "raw" / "patients.json").write_text("{}")
    return {
        "source": source,
        "source_path": f"{source}.yaml",
        "as_of": as_of,
        "rows_read": {"patients": rows},
    }


def publish(root, as_of: str, rows: int, source: str = "chu"):
    meta = built(root, as_of, rows, source)
    return snap.publish_snapshot(snap.build_dir(root, source, as_of), root, source, as_of, meta)


def test_a_published_snapshot_is_found_with_its_meta_and_without_raw_text(tmp_path):
    target = publish(tmp_path, "2026-11-24", 10)
    found = snap.published_snapshot(tmp_path, "chu", "2026-11-24")
    assert target.is_symlink() and found == target.resolve() and not found.is_symlink()
    assert snap.snapshot_meta(target)["rows_read"] == {"patients": 10}
    assert (target / "validated" / "patients.parquet").read_text() == "night 2026-11-24"
    assert not (target / "raw" / "patients.parquet").exists(), "raw text dropped"
    assert (target / "raw" / "patients.json").is_file(), "its metadata kept for the manifest"
    assert not (tmp_path / "chu" / ".2026-11-24.build").exists()


def test_republishing_a_night_replaces_it_and_leaves_one_version(tmp_path):
    publish(tmp_path, "2026-11-24", 10)
    target = publish(tmp_path, "2026-11-24", 12)
    assert snap.snapshot_meta(target)["rows_read"] == {"patients": 12}
    versions = [p.name for p in (tmp_path / "chu").iterdir() if ".v-" in p.name]
    assert versions == [os.readlink(target)]


def test_a_trial_never_reads_half_of_two_versions_of_a_night(tmp_path):
    """A trial's tasks read the version check_config found; if the night is validated again
    meanwhile, they fail saying so rather than read the new version for the other shards."""
    publish(tmp_path, "2026-11-24", 10)
    found = snap.published_snapshot(tmp_path, "chu", "2026-11-24")
    publish(tmp_path, "2026-11-24", 12)
    with pytest.raises(ScreeningError, match=r"replaced or removed meanwhile.*run the trial again"):
        snap.snapshot_meta(found)
    again = snap.published_snapshot(tmp_path, "chu", "2026-11-24")
    assert snap.snapshot_meta(again)["rows_read"] == {"patients": 12}


def test_a_hospital_run_that_stops_before_publishing_leaves_the_night_as_it_was(tmp_path):
    publish(tmp_path, "2026-11-24", 10)
    built(tmp_path, "2026-11-24", 99)  # a rerun that failed half-way: its build stays aside
    found = snap.published_snapshot(tmp_path, "chu", "2026-11-24")
    assert snap.snapshot_meta(found)["rows_read"] == {"patients": 10}


def test_a_night_not_validated_yet_is_a_one_line_error_naming_the_hospital_dag(tmp_path):
    built(tmp_path, "2026-11-24", 10)  # still building
    with pytest.raises(
        ScreeningError,
        match=r"no validated snapshot of source 'chu' for "
        r"2026-11-24 .*hospital_snapshot",
    ):
        snap.published_snapshot(tmp_path, "chu", "2026-11-24")


@pytest.mark.parametrize("source, as_of", [("..", "2026-11-24"), ("chu", "../x"), ("a/b", "d")])
def test_names_from_an_event_cannot_point_elsewhere(tmp_path, source, as_of):
    with pytest.raises(ConfigError, match="not a plain name"):
        snap.snapshot_path(tmp_path, source, as_of)


def test_the_previous_night_is_the_newest_earlier_snapshot(tmp_path):
    assert snap.previous_row_counts(tmp_path, "chu", "2026-11-24") is None
    publish(tmp_path, "2026-11-21", 7)
    publish(tmp_path, "2026-11-23", 9)
    publish(tmp_path, "2026-11-24", 11)  # the night itself does not count
    publish(tmp_path, "2026-11-22", 8, source="other")  # nor another source's
    assert snap.previous_row_counts(tmp_path, "chu", "2026-11-24") == {"patients": 9}
    assert snap.previous_row_counts(tmp_path, "chu", "2026-11-23") == {"patients": 7}


def test_without_a_snapshot_the_previous_counts_come_from_the_trials_reports(tmp_path):
    reports = tmp_path / "reports"
    for trial, night, rows in [("a", "2026-11-20", 5), ("b", "2026-11-22", 6)]:
        (reports / trial / night).mkdir(parents=True)
        (reports / trial / night / "manifest.json").write_text(
            json.dumps({"extracts": {"patients": {"rows_read": rows}}})
        )
        (reports / trial / night / "candidates.parquet").write_text("")
    targets = [reports / t / "2026-11-24" for t in ("a", "b")]
    kwargs = {
        "snapshots_root": str(tmp_path / "s"),
        "source_path": "chu.yaml",
        "as_of": "2026-11-24",
    }
    assert previous_night_counts(report_targets=targets, **kwargs) == {"patients": 6}
    publish(tmp_path / "s", "2026-11-21", 4)
    assert previous_night_counts(report_targets=targets, **kwargs) == {"patients": 4}


def test_pruning_keeps_the_newest_nights_only(tmp_path):
    for day in range(20, 25):
        publish(tmp_path, f"2026-11-{day}", day)
    built(tmp_path, "2026-11-19", 1)  # a failed night's build, older than every kept night
    built(tmp_path, "2026-11-25", 1)  # tonight's, in progress
    assert snap.prune(tmp_path, "chu", keep=2) == ["2026-11-20", "2026-11-21", "2026-11-22"]
    left = sorted(p.name for p in (tmp_path / "chu").iterdir() if not p.name.endswith(".lock"))
    versions = sorted(os.readlink(tmp_path / "chu" / d) for d in ("2026-11-23", "2026-11-24"))
    assert left == sorted(["2026-11-23", "2026-11-24", *versions, ".2026-11-25.build"])
