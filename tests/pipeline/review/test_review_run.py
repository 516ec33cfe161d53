"""A real run publishes the review files with the reports; two runs a week apart are compared."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.review.latest import latest_review
from pipeline.review.outputs import REVIEW_FILES


def test_manifest_lists_the_review_files_with_counts(small_reports):
    report = small_reports[1]
    manifest = json.loads((report / "manifest.json").read_text())
    candidates = pd.read_parquet(report / "candidates.parquet")
    changes = pd.read_parquet(report / "changes.parquet")
    for name in REVIEW_FILES:
        assert (report / name).is_file(), name
        assert name in manifest["outputs"], name
    outputs = manifest["outputs"]
    assert outputs["review.html"] == (candidates["overall_status"] != "not_eligible").sum()
    assert outputs["changes.parquet"] == len(changes)
    assert outputs["candidates.xlsx"] == len(candidates)
    assert outputs["attrition.svg"] == 19


def test_first_run_has_no_changes_and_the_second_compares_with_it(small_reports):
    earlier, current = small_reports
    assert pd.read_parquet(earlier / "changes.parquet").empty
    changes = pd.read_parquet(current / "changes.parquet")
    assert not changes.empty
    assert (changes["previous_as_of"] == pd.Timestamp(earlier.name).date()).all()

    # Independent recomputation from the two candidates tables.
    before = pd.read_parquet(earlier / "candidates.parquet").set_index("pseudonym")
    now = pd.read_parquet(current / "candidates.parquet").set_index("pseudonym")
    both = now[["overall_status"]].join(before[["overall_status"]], how="outer", rsuffix="_before")
    was = both["overall_status_before"] == "candidate"
    is_ = both["overall_status"] == "candidate"
    moved = (both["overall_status"] != both["overall_status_before"]) & ~(was | is_)
    moved &= both[["overall_status", "overall_status_before"]].ne("not_eligible").any(axis=1)
    expected = {
        "new_candidate": set(both.index[is_ & ~was]),
        "left_candidates": set(both.index[was & ~is_]),
        "status_changed": set(both.index[moved]),
    }
    got = changes.groupby("change")["pseudonym"].agg(set).to_dict()
    assert {k: v for k, v in expected.items() if v} == got

    left = changes[changes["change"] == "left_candidates"].set_index("pseudonym")
    for pseudonym, row in left.iterrows():
        blockers = [
            *now.loc[pseudonym, "not_met_criteria"],
            *now.loc[pseudonym, "unknown_criteria"],
        ]
        assert blockers and all(criterion in row["reason"] for criterion in blockers)


def test_review_page_holds_no_raw_patient_id(small_reports, small_hospital):
    raw_ids = pd.read_parquet(small_hospital.truth)["patient_id"].unique()
    for report in small_reports:
        for name in ("review.html", "attrition.svg"):
            text = (report / name).read_text("utf-8")
            assert not [pid for pid in raw_ids if pid in text], name


def test_latest_review_and_the_report_command(small_reports, capsys, monkeypatch):
    current = small_reports[1]
    root, trial_id = current.parent.parent, current.parent.name
    staging = current.parent / ".2099-01-01.staging-deadbeef"
    staging.mkdir()
    try:
        assert latest_review(root, trial_id) == current / "review.html"
    finally:
        staging.rmdir()

    opened = []
    monkeypatch.setattr("webbrowser.open", lambda url: opened.append(url) or True)
    assert main(["report", "--trial", trial_id, "--reports", str(root)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == str(current / "review.html")
    candidates = pd.read_parquet(current / "candidates.parquet")
    assert printed[1] == f"patients screened: {len(candidates)}"
    wanted = (candidates["overall_status"] == "candidate").sum()
    assert printed[2].split() == ["candidate", f"{wanted:,}"]
    assert opened == []
    assert main(["report", "--trial", trial_id, "--reports", str(root), "--open"]) == 0
    assert opened == [(current / "review.html").resolve().as_uri()]

    with pytest.raises(ConfigError, match=r"no review\.html"):
        latest_review(root, "no-such-trial")
    assert main(["report", "--trial", "no-such-trial", "--reports", str(root)]) == 2
