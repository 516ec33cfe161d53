"""Data quality from night to night: per extract, rows failing and rules failing, from the
`dq/summary.parquet` of the trial's earlier reports, drawn as small inline SVG charts.

Reports of a trial sit side by side (REPORTS/<trial>/<as-of>/), so the history is read from
there: no database of past runs, and a report folder copied elsewhere keeps its charts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pandas as pd

from pipeline.quality.report_labels import marked
from pipeline.review.previous import report_dirs

NIGHTS = 14
# Rules whose failing rows are counted: row-level rules that set rows aside or remove them
# (volume rules count the table, `report` rules set nothing aside).
ROW_HANDLING = ("quarantine", "remove")
TREND_COLUMNS = ["as_of", "extract", "rows_checked", "rows_failing", "rules", "rules_failing"]


def nightly(summary: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per extract of one night's summary: rows checked (the largest count a rule
    saw), rows failing the row rules (summed over rules), rules evaluated and failing."""
    frame = summary.assign(
        failing_rows=summary["unexpected_count"].where(summary["handling"].isin(ROW_HANDLING), 0),
        failed=~summary["success"].astype(bool),
    )
    out = frame.groupby("extract", sort=True).agg(
        rows_checked=("element_count", "max"),
        rows_failing=("failing_rows", "sum"),
        rules=("rule_id", "size"),
        rules_failing=("failed", "sum"),
    )
    return out.reset_index().assign(as_of=as_of)[TREND_COLUMNS]


def history(trial_root: Path, current: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """The last `NIGHTS` nights (earlier reports of the trial plus this one), oldest first.
    An earlier report without a summary (older code) is skipped, not an error."""
    earlier = [(d, p) for d, p in report_dirs(trial_root) if d < as_of][-(NIGHTS - 1) :]
    frames = [
        nightly(pd.read_parquet(p / "dq" / "summary.parquet"), d)
        for d, p in earlier
        if (p / "dq" / "summary.parquet").is_file()
    ]
    frames.append(nightly(current, as_of))
    return pd.concat(frames, ignore_index=True)


W, H, LEFT, BOTTOM, TOP = 560, 150, 56, 26, 14
BAR, FAIL, GREY = "#2b6cb0", "#c53030", "#4a5568"


def _fmt(n: float) -> str:
    return f"{int(n):,}".replace(",", " ")


def trend_svg(extract: str, nights: pd.DataFrame) -> str:
    """Bars of rows failing per night (red where a rule failed), scaled to the page width."""
    nights = nights.sort_values("as_of").reset_index(drop=True)
    top = max(int(nights["rows_failing"].max()), 1)
    plot_w, plot_h = W - LEFT - 8, H - TOP - BOTTOM
    step = plot_w / max(len(nights), 1)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="trend" data-extract={quoteattr(extract)}'
        f' role="img" viewBox="0 0 {W} {H}" preserveAspectRatio="xMinYMin meet"'
        ' font-family="sans-serif" font-size="11">',
        marked("trend_title", "title", {"extract": extract, "n": str(len(nights))}),
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{W - 8}" y2="{TOP + plot_h}" stroke="{GREY}"/>',
        f'<text x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end" fill="{GREY}">{_fmt(top)}</text>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end" fill="{GREY}">0</text>',
    ]
    for i, night in enumerate(nights.itertuples(index=False)):  # at most NIGHTS bars
        height = night.rows_failing / top * plot_h
        x = LEFT + i * step + step * 0.15
        colour = FAIL if night.rules_failing else BAR
        label = marked(
            "trend_night",
            "title",
            {
                "as_of": str(night.as_of),
                "rows": _fmt(night.rows_failing),
                "failing": str(int(night.rules_failing)),
                "rules": str(int(night.rules)),
            },
        )
        out.append(
            f'<g class="night" data-as-of="{night.as_of}" '
            f'data-rows-failing="{int(night.rows_failing)}" '
            f'data-rules-failing="{int(night.rules_failing)}">{label}'
            f'<rect x="{x:.1f}" y="{TOP + plot_h - height:.1f}" width="{step * 0.7:.1f}" '
            f'height="{max(height, 0.5):.1f}" fill="{colour}"/>'
            f'<text x="{x + step * 0.35:.1f}" y="{TOP + plot_h - height - 3:.1f}" '
            f'text-anchor="middle">{_fmt(night.rows_failing)}</text></g>'
        )
    first, last = nights["as_of"].iloc[0], nights["as_of"].iloc[-1]
    out.append(f'<text x="{LEFT}" y="{H - 8}" fill="{GREY}">{first}</text>')
    if len(nights) > 1:
        out.append(f'<text x="{W - 8}" y="{H - 8}" text-anchor="end" fill="{GREY}">{last}</text>')
    out.append("</svg>")
    return "".join(out)
