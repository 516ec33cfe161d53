"""What changed since the previous report: who joined or left the candidates, who moved status.

Compared on pseudonyms, which are stable between runs for one site key. Only the candidates
tables are needed: their per-patient lists of not_met / unknown criteria give the reasons.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

CANDIDATE, NOT_ELIGIBLE = "candidate", "not_eligible"
NEW_CANDIDATE, LEFT_CANDIDATES, STATUS_CHANGED = (
    "new_candidate",
    "left_candidates",
    "status_changed",
)
CHANGE_ORDER = (NEW_CANDIDATE, LEFT_CANDIDATES, STATUS_CHANGED)

CHANGES_SCHEMA = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("change", pa.string()),
        ("previous_status", pa.string()),
        ("current_status", pa.string()),
        ("reason", pa.string()),
        ("previous_as_of", pa.date32()),
    ]
)

_COLUMNS = ["pseudonym", "overall_status", "not_met_criteria", "unknown_criteria"]


def _blockers(table: pa.Table) -> pa.Array:
    """'not_met: a, b; unknown: c' per patient, from the candidates table's list columns."""
    parts = []
    for column, label in (("not_met_criteria", "not_met"), ("unknown_criteria", "unknown")):
        joined = pc.fill_null(pc.binary_join(table[column], ", "), "")
        labelled = pc.binary_join_element_wise(label + ": ", joined, "")
        parts.append(pc.if_else(pc.equal(joined, ""), "", labelled))
    separator = pc.if_else(
        pc.and_(pc.not_equal(parts[0], ""), pc.not_equal(parts[1], "")), "; ", ""
    )
    return pc.binary_join_element_wise(parts[0], separator, parts[1], "")


def statuses(candidates: pa.Table) -> pd.DataFrame:
    """Pseudonym, overall status and blocking criteria (as text) of one candidates table."""
    return pd.DataFrame(
        {
            "pseudonym": candidates["pseudonym"].to_pandas(),
            "overall_status": candidates["overall_status"].to_pandas(),
            "reason": _blockers(candidates).to_pandas(),
        }
    )


def read_previous(report_dir: Path) -> pd.DataFrame:
    """Statuses of a published report (only the columns needed, never the re-identification)."""
    return statuses(pq.read_table(report_dir / "candidates.parquet", columns=_COLUMNS))


def compute_changes(
    current: pd.DataFrame,
    previous: pd.DataFrame | None,
    previous_as_of: object = None,
    settled: pd.Index | None = None,
) -> pa.Table:
    """One row per patient whose place in the lists changed (frames from `statuses`).

    new_candidate: candidate now, not before (or not screened before); left_candidates:
    candidate before, not now (reason: the criteria now not_met / unknown); status_changed:
    any other change of overall status, except patients only ever not_eligible or absent.
    Sorted by change, then pseudonym. A patient in `settled` (the team's latest decision
    is enrolled or declined) is not news: never listed as a new candidate.
    """
    if previous is None:
        return CHANGES_SCHEMA.empty_table()
    both = current.merge(previous, on="pseudonym", how="outer", suffixes=("", "_previous"))
    now, before = both["overall_status"], both["overall_status_previous"]
    never_listed = now.fillna(NOT_ELIGIBLE).eq(NOT_ELIGIBLE) & before.fillna(NOT_ELIGIBLE).eq(
        NOT_ELIGIBLE
    )
    keep = now.fillna("") != before.fillna("")
    keep &= ~never_listed
    if settled is not None:
        keep &= ~(both["pseudonym"].isin(settled) & now.eq(CANDIDATE).fillna(False))
    was, is_ = before.eq(CANDIDATE).fillna(False), now.eq(CANDIDATE).fillna(False)
    joined, left = is_ & ~was, was & ~is_
    change = pd.Series(STATUS_CHANGED, index=both.index, dtype="str")
    change[joined] = NEW_CANDIDATE
    change[left] = LEFT_CANDIDATES
    # Leaving or moving: what blocks now. Joining: what blocked before (now resolved).
    reason = both["reason"].where(now.notna(), "not in this run")
    resolved = ("resolved: " + both["reason_previous"]).where(before.notna(), "first screened")
    reason = reason.where(~joined, resolved).replace("resolved: ", "")
    out = pd.DataFrame(
        {
            "pseudonym": both["pseudonym"],
            "change": change,
            "previous_status": before,
            "current_status": now,
            "reason": reason,
            "previous_as_of": previous_as_of,
        }
    )[keep.to_numpy()]
    rank = out["change"].map({name: i for i, name in enumerate(CHANGE_ORDER)})
    out = out.assign(_rank=rank).sort_values(["_rank", "pseudonym"], kind="stable")
    return pa.Table.from_pandas(
        out[CHANGES_SCHEMA.names], schema=CHANGES_SCHEMA, preserve_index=False
    )
