"""The hospital's portfolio: per pseudonym, the trials for which a patient is worth a call.

A hospital screens many trials on the same night, and a coordinator calls a patient once,
about every trial that patient may enter, not once per trial. Pseudonyms are keyed per site
(`pipeline.pseudonym`), so the same patient carries the same pseudonym in every trial's
report and the trials' candidates tables join on it without any raw id.

`screening portfolio` reads each trial's published candidates.parquet for one as-of date
and writes one table: a row per pseudonym and trial where the patient is a candidate or
needs review, or was enrolled in that trial (an enrolment elsewhere matters to whoever
calls about another trial), with the team's latest decision. A trial without a report for
that date is named, never silently left out.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.errors import ConfigError, writing
from pipeline.feedback import SETTLED
from pipeline.publish import report_umask, write_parquet
from pipeline.review.previous import REQUIRED_FILE, report_dirs

LISTED_STATUSES = ("candidate", "needs_review")
PORTFOLIO_SCHEMA = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("trial_id", pa.string()),
        ("as_of", pa.date32()),
        ("overall_status", pa.string()),
        ("decision", pa.string()),
        ("decision_date", pa.date32()),
        ("open_trials", pa.int32()),
    ]
)


@dataclass(frozen=True)
class Portfolio:
    table: pa.Table
    as_of: date
    trials: tuple[str, ...]  # trials with a report for the as-of date
    missing: tuple[str, ...]  # trials with reports, none for that date

    def patients(self) -> int:
        """Patients listed for at least one trial."""
        return len(pc.unique(self.table["pseudonym"]))

    def open_for_several(self) -> int:
        """Patients still open (listed, not settled) for more than one trial."""
        several = pc.greater(self.table["open_trials"], 1)
        return len(pc.unique(self.table["pseudonym"].filter(several)))


def trial_roots(reports: Path) -> list[Path]:
    """Folders of REPORTS holding at least one published report (dot-names never)."""
    if not reports.is_dir():
        raise ConfigError(f"{reports}: no such reports folder")
    roots = [p for p in sorted(reports.iterdir()) if not p.name.startswith(".") and p.is_dir()]
    return [root for root in roots if report_dirs(root)]


def latest_as_of(roots: list[Path]) -> date:
    """The newest as-of date any trial has a report for."""
    return max(report_dirs(root)[-1][0] for root in roots)


def _listed_rows(report: Path, trial_id: str) -> pa.Table:
    """The rows of one trial's candidates table that belong in the portfolio."""
    candidates = pq.read_table(report / REQUIRED_FILE)
    n = candidates.num_rows
    if "decision" not in candidates.column_names:  # reports written before feedback existed
        candidates = candidates.append_column("decision", pa.nulls(n, pa.string()))
        candidates = candidates.append_column("decision_date", pa.nulls(n, pa.date32()))
    status = candidates["overall_status"]
    keep = pc.or_kleene(
        pc.is_in(status, pa.array(LISTED_STATUSES)),
        pc.equal(candidates["decision"], "enrolled"),
    )
    listed = candidates.filter(pc.fill_null(keep, False))
    return pa.table(
        {
            "pseudonym": listed["pseudonym"],
            "trial_id": pa.repeat(pa.scalar(trial_id, pa.string()), listed.num_rows),
            "as_of": listed["as_of"],
            "overall_status": listed["overall_status"],
            "decision": listed["decision"],
            "decision_date": listed["decision_date"],
        }
    )


def _open_trials(rows: pa.Table) -> pa.Array:
    """Per row, how many trials the patient is still open for: listed as candidate or needs
    review, and no settling decision (declined, enrolled) taken by the team."""
    settled = pc.fill_null(pc.is_in(rows["decision"], pa.array(SETTLED)), False)
    is_open = pc.and_(
        pc.is_in(rows["overall_status"], pa.array(LISTED_STATUSES)), pc.invert(settled)
    )
    counts = (
        pa.table({"pseudonym": rows["pseudonym"], "open": pc.cast(is_open, pa.int32())})
        .group_by("pseudonym")
        .aggregate([("open", "sum")])
    )
    where = pc.index_in(rows["pseudonym"], counts["pseudonym"])
    return pc.cast(counts["open_sum"].take(where), pa.int32())


def build_portfolio(reports: Path, as_of: date | None = None) -> Portfolio:
    """The portfolio of the trials under REPORTS at `as_of` (default: the newest as-of)."""
    roots = trial_roots(Path(reports))
    if not roots:
        raise ConfigError(f"{reports}: no published trial report in this folder")
    when = as_of or latest_as_of(roots)
    tables, trials, missing = [], [], []
    for root in roots:  # one read per trial, never per patient
        found = dict(report_dirs(root))
        if when not in found:
            missing.append(root.name)
            continue
        trials.append(root.name)
        tables.append(_listed_rows(found[when], root.name))
    if not trials:
        raise ConfigError(
            f"{reports}: no trial has a report for {when.isoformat()} "
            f"(trials there: {', '.join(r.name for r in roots)})"
        )
    rows = pa.concat_tables(tables)
    rows = rows.append_column("open_trials", _open_trials(rows))
    rows = rows.sort_by([("pseudonym", "ascending"), ("trial_id", "ascending")])
    return Portfolio(rows.cast(PORTFOLIO_SCHEMA), when, tuple(trials), tuple(missing))


def default_output(reports: Path, as_of: date) -> Path:
    """REPORTS/portfolio-<as-of>.parquet: a file, so never taken for a trial's folder."""
    return Path(reports) / f"portfolio-{as_of.isoformat()}.parquet"


def write_portfolio(portfolio: Portfolio, out: Path) -> None:
    """Written beside the reports with their modes, and swapped in whole: a reader sees the
    previous portfolio or the new one, never half of one."""
    temporary = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    with report_umask():
        try:
            write_parquet(portfolio.table, temporary)
            with writing(out):
                os.replace(temporary, out)
        finally:
            temporary.unlink(missing_ok=True)
