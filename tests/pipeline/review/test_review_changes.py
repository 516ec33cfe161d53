"""Since last run: the previous report is found, and every planted change comes out exactly."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq

from pipeline.publish import write_parquet
from pipeline.review.changes import CHANGES_SCHEMA
from pipeline.review.previous import previous_report_dir
from tests.pipeline.review.crafted import crafted_tables, pseudonym, publish_crafted

M, NM, U, TC = "met", "not_met", "unknown", "to_confirm"
CANDIDATE = [M, M, TC]
NEEDS_REVIEW = [M, U, TC]
NOT_ELIGIBLE = [M, NM, TC]

BEFORE = {
    pseudonym("a"): CANDIDATE,
    pseudonym("b"): NEEDS_REVIEW,
    pseudonym("c"): CANDIDATE,
    pseudonym("d"): CANDIDATE,
    pseudonym("f"): CANDIDATE,
    pseudonym("g"): NEEDS_REVIEW,
    pseudonym("h"): NOT_ELIGIBLE,
    pseudonym("i"): NOT_ELIGIBLE,
    pseudonym("l"): NEEDS_REVIEW,
    pseudonym("m"): NOT_ELIGIBLE,
}
AFTER = {
    pseudonym("a"): CANDIDATE,  # unchanged
    pseudonym("b"): CANDIDATE,  # needs review -> candidate
    pseudonym("c"): [NM, M, TC],  # candidate -> not eligible
    pseudonym("d"): [U, U, TC],  # candidate -> needs review
    pseudonym("e"): CANDIDATE,  # first screened, candidate
    pseudonym("g"): NOT_ELIGIBLE,  # needs review -> not eligible
    pseudonym("h"): NEEDS_REVIEW,  # not eligible -> needs review
    pseudonym("i"): NOT_ELIGIBLE,  # unchanged
    pseudonym("j"): NOT_ELIGIBLE,  # first screened, not eligible: not a change for the team
    pseudonym("k"): NEEDS_REVIEW,  # first screened, needs review
}
# f (candidate), l (needs review) and m (not eligible) are no longer in the extracts.

EXPECTED = [
    ("b", "new_candidate", "needs_review", "candidate", "resolved: unknown: haemoglobin"),
    ("e", "new_candidate", None, "candidate", "first screened"),
    ("c", "left_candidates", "candidate", "not_eligible", "not_met: age"),
    ("d", "left_candidates", "candidate", "needs_review", "unknown: age, haemoglobin"),
    ("f", "left_candidates", "candidate", None, "not in this run"),
    ("g", "status_changed", "needs_review", "not_eligible", "not_met: haemoglobin"),
    ("h", "status_changed", "not_eligible", "needs_review", "unknown: haemoglobin"),
    ("k", "status_changed", None, "needs_review", "unknown: haemoglobin"),
    ("l", "status_changed", "needs_review", None, "not in this run"),
]


def test_previous_report_is_the_latest_earlier_complete_one(tmp_path):
    trial_root = tmp_path / "tiny"
    for name in ("2026-11-01", "2026-11-10", "2026-11-30", ".2026-11-20.staging-1a2b3c4d"):
        folder = trial_root / name
        folder.mkdir(parents=True)
        write_parquet(
            crafted_tables({pseudonym("a"): CANDIDATE})["candidates"], folder / "candidates.parquet"
        )
    (trial_root / "2026-11-15").mkdir()  # incomplete: no candidates.parquet
    (trial_root / "notes").mkdir()
    assert previous_report_dir(trial_root / "2026-11-24") == trial_root / "2026-11-10"
    assert previous_report_dir(trial_root / "2026-11-10") == trial_root / "2026-11-01"
    assert previous_report_dir(trial_root / "2026-11-01") is None
    assert previous_report_dir(tmp_path / "other" / "2026-11-24") is None


def test_first_report_has_an_empty_changes_table_with_the_schema(tmp_path):
    report = publish_crafted(tmp_path, "2026-11-17", BEFORE)
    changes = pq.read_table(report / "changes.parquet")
    assert changes.num_rows == 0
    assert changes.schema.equals(CHANGES_SCHEMA)


def test_planted_changes_come_out_exactly(tmp_path):
    publish_crafted(tmp_path, "2026-11-17", BEFORE)
    report = publish_crafted(tmp_path, "2026-11-24", AFTER)
    changes = pq.read_table(report / "changes.parquet")
    assert changes.schema.equals(CHANGES_SCHEMA)
    frame = changes.to_pandas()
    got = [
        (
            p[-1],
            c,
            prev if isinstance(prev, str) else None,
            cur if isinstance(cur, str) else None,
            r,
        )
        for p, c, prev, cur, r in frame[
            ["pseudonym", "change", "previous_status", "current_status", "reason"]
        ].itertuples(index=False)
    ]
    assert got == EXPECTED
    assert (frame["previous_as_of"] == pd.Timestamp("2026-11-17").date()).all()
    assert frame["pseudonym"].str.fullmatch(r"P-[a-z]{20}").all()


def test_a_later_report_is_never_the_previous_one(tmp_path):
    publish_crafted(tmp_path, "2026-11-24", AFTER)
    report = publish_crafted(tmp_path, "2026-11-17", BEFORE)  # a backfill of an earlier date
    assert pq.read_table(report / "changes.parquet").num_rows == 0
