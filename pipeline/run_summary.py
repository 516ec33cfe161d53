"""What a finished run tells its user: a few readable lines, or the same facts as JSON.

Read back from the published manifest, so the summary says what the report holds (counts
only, never a patient value or id) and a script reading `--json` gets the same numbers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipeline.status import OVERALL_NAMES


def run_summary(report_dir: Path, counts: dict[str, int]) -> dict[str, Any]:
    """The run's facts: report, statuses, rows read and set aside per extract."""
    manifest = json.loads((Path(report_dir) / "manifest.json").read_text(encoding="utf-8"))
    extracts = manifest["extracts"]
    return {
        "trial": manifest["trial"]["id"],
        "as_of": manifest["as_of"],
        "report": str(report_dir),
        "review_page": str(Path(report_dir) / "review.html"),
        "patients": manifest["patients"]["reported"],
        "statuses": {status: int(counts.get(status, 0)) for status in OVERALL_NAMES},
        "rows_read": sum(e["rows_read"] for e in extracts.values()),
        "rows_quarantined": sum(e["rows_quarantined"] for e in extracts.values()),
        "duplicates_removed": sum(e["duplicates_removed"] for e in extracts.values()),
        "rows_after_as_of": sum(e["rows_after_as_of"] for e in extracts.values()),
        "quarantined": {
            name: e["rows_quarantined"] for name, e in extracts.items() if e["rows_quarantined"]
        },
    }


def format_summary(summary: dict[str, Any]) -> str:
    """The summary as the lines a person reads at the end of a run."""
    lines = [
        f"screened {summary['patients']:,} patients for {summary['trial']} "
        f"as of {summary['as_of']}",
    ]
    lines += [f"  {status:<13} {n:>10,}" for status, n in summary["statuses"].items()]
    per_extract = ", ".join(f"{k} {v:,}" for k, v in summary["quarantined"].items())
    lines.append(
        f"rows read    {summary['rows_read']:,} (quarantined {summary['rows_quarantined']:,}"
        + (f": {per_extract}" if per_extract else "")
        + f"; exact duplicates removed {summary['duplicates_removed']:,}"
        + f"; dated after the as-of day {summary['rows_after_as_of']:,})"
    )
    lines.append(f"report:      {summary['report']}")
    lines.append(f"review page: {summary['review_page']}")
    return "\n".join(lines)
