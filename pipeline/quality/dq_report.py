"""dq/report.html: the auditor's data-quality report, one self-contained file that works offline.

Where `dq/summary.parquet` answers a script, this page answers an auditor (as OHDSI's Data
Quality Dashboard does): per extract and rule, what the rule says, its dimension, what happens
when it fails, rows checked and failing; the volume check against the previous export; lab
codes the catalogue does not know; and how it moved over the last nights. It holds counts,
rule texts and catalogue codes only: never a patient value or id. It is rendered on the server
(escaped text and inline SVG); a few lines of script only filter the tables, under a content
security policy that forbids any network access.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.quality.trend import history, trend_svg

HANDLING_TEXT = {
    "quarantine": "quarantine: failing rows are set aside with this rule's reason",
    "stop": "stop: the run stops and publishes nothing",
    "report": "report: counted here, nothing set aside",
    "remove": "remove: exact duplicate rows removed once and counted",
}
# Rules built outside the suites (prepare.py): their text.
BUILT_IN_TEXT = {
    "exact_duplicate_rows_removed": "exact duplicate rows (every column equal) are removed once",
    "lab_codes_known_to_the_catalogue": "the lab test code is known to the lab catalogue",
    "lab_units_known": "the unit is one the lab catalogue lists for the test "
    "(codes below; the rows are set aside by the unit rule)",
    "source_codes_mapped": "the source's code maps to a code of the contract "
    "(codes below; the rows are set aside by the completeness rule)",
}
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "img-src data:; base-uri 'none'; form-action 'none'"
)


@cache
def _asset(name: str) -> str:
    return resources.files("pipeline.quality").joinpath("report_assets", name).read_text("utf-8")


def rule_texts(suites: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    """Rule id -> the rule's reason text, from the suites resolved for this run (thresholds
    and dates filled in)."""
    return {
        e["meta"]["rule_id"]: str(e["meta"].get("reason", ""))
        for suite in suites.values()
        for e in suite["expectations"]
        if "rule_id" in (e.get("meta") or {})
    }


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _n(value: float) -> str:
    return f"{int(value):,}".replace(",", "\u202f")


def _pct(value: float) -> str:
    return f"{value:.2f}\u202f%" if value else "0\u202f%"


def _rule_rows(rules: pd.DataFrame, texts: Mapping[str, str], set_aside: Mapping[str, int]) -> str:
    rows = []
    for rule in rules.itertuples(index=False):  # one row per rule (tens per extract)
        table_level = rule.expectation_type.startswith("expect_table_")
        status = "passed" if rule.success else "failed"
        text = texts.get(rule.rule_id) or BUILT_IN_TEXT.get(rule.expectation_type, "")
        checked = "—" if table_level else _n(rule.element_count)
        failing = "—" if table_level else _n(rule.unexpected_count)
        share = "—" if table_level else _pct(rule.unexpected_percent)
        rows.append(
            f'<tr class="rule-row {status}" data-rule="{_e(rule.rule_id)}" '
            f'data-status="{status}" data-failing="{int(rule.unexpected_count)}">'
            f'<td><span class="badge {status}">{status}</span></td>'
            f'<td class="rule"><span class="text">{_e(text)}</span>'
            f'<code class="rule-id">{_e(rule.rule_id)}</code></td>'
            f"<td>{_e(rule.dimension)}</td>"
            f'<td><span class="handling {_e(rule.handling)}" '
            f'title="{_e(HANDLING_TEXT.get(rule.handling, rule.handling))}">'
            f"{_e(rule.handling)}</span></td>"
            f'<td class="num checked">{checked}</td>'
            f'<td class="num failing">{failing}</td>'
            f'<td class="num share">{share}</td>'
            f'<td class="num set-aside">{_n(set_aside.get(rule.rule_id, 0))}</td></tr>'
        )
    return "".join(rows)


def _volume(
    name: str, rules: pd.DataFrame, account: Mapping[str, Any], previous: int | None
) -> str:
    read = int(account.get("rows_read", 0))
    volume = rules[rules["dimension"] == "volume"]
    verdict = "passed" if volume["success"].all() else "failed"
    if previous is None:
        compared = "no previous export of this trial: nothing to compare with"
    else:
        change = (read - previous) / previous * 100 if previous else 0.0
        compared = f"previous export {_n(previous)} rows ({change:+.1f}\u202f%)"
    failed = [r for r in volume.itertuples(index=False) if not r.success]
    detail = "; ".join(f"{r.rule_id} ({r.handling})" for r in failed)
    return (
        f'<p class="volume" data-extract="{_e(name)}" data-status="{verdict}">'
        f'<span class="badge {verdict}">{verdict}</span> Volume: {_n(read)} rows read, '
        f"{compared}. A drop beyond 20\u202f% is reported, beyond 50\u202f% stops the run."
        + (f" Failing: {_e(detail)}." if detail else "")
        + "</p>"
    )


def _unknown_codes(codes: pd.DataFrame) -> str:
    """Per code, the rows the run could not use: the code system, the code, why, how many."""
    if codes.empty:
        return ""
    shown = codes.head(20)
    items = "".join(
        f'<tr class="code-row" data-check="{_e(c.check)}"><td>{_e(c.column)}</td>'
        f"<td>{_e(c.system)}</td><td><code>{_e(c.code)}</code></td><td>{_e(c.reason)}</td>"
        f'<td class="num">{_n(c.rows)}</td></tr>'
        for c in shown.itertuples(index=False)
    )
    more = len(codes) - len(shown)
    return (
        f'<div class="unknown-codes"><h3>Codes this run could not use: '
        f"{_n(len(codes))} codes, {_n(codes['rows'].sum())} rows</h3>"
        '<table class="data"><thead><tr><th>Column</th><th>Code system</th><th>Code</th>'
        '<th>Reason</th><th class="num">Rows</th></tr></thead>'
        f"<tbody>{items}</tbody></table>"
        + (
            f'<p class="muted">and {_n(more)} more codes (dq/unknown_codes.parquet)</p>'
            if more
            else ""
        )
        + "</div>"
    )


def _extract_section(
    name: str,
    rules: pd.DataFrame,
    texts: Mapping[str, str],
    account: Mapping[str, Any],
    previous: int | None,
    codes: pd.DataFrame,
    nights: pd.DataFrame,
) -> str:
    failing = int((~rules["success"]).sum())
    set_aside = account.get("quarantine_rules") or {}
    counts = (
        f"{_n(account.get('rows_read', 0))} rows read = {_n(account.get('rows_accepted', 0))} "
        f"accepted + {_n(account.get('rows_quarantined', 0))} set aside + "
        f"{_n(account.get('duplicates_removed', 0))} duplicates removed"
    )
    return (
        f'<section class="extract" id="extract-{_e(name)}" data-extract="{_e(name)}" '
        f'data-rules-failing="{failing}">'
        f'<h2>{_e(name)} <span class="file">{_e(account.get("file", ""))}</span></h2>'
        f'<p class="reconciliation">{counts}. {failing} of {len(rules)} rules failing.</p>'
        + _volume(name, rules, account, previous)
        + '<div class="trend-box"><h3>Last nights: rows failing a rule</h3>'
        + trend_svg(name, nights)
        + "</div>"
        + _unknown_codes(codes)
        + '<div class="table-wrap"><table class="data rules"><thead><tr><th>Result</th>'
        "<th>Rule (what fails it)</th><th>Dimension</th><th>Handling</th>"
        '<th class="num">Rows checked</th><th class="num">Rows failing</th>'
        '<th class="num">% failing</th><th class="num">Set aside by this rule</th></tr></thead>'
        f"<tbody>{_rule_rows(rules, texts, set_aside)}</tbody></table></div></section>"
    )


def render_report(
    *,
    title: str,
    as_of: date,
    summary: pd.DataFrame,
    texts: Mapping[str, str],
    extracts: Mapping[str, Mapping[str, Any]],
    previous_rows: Mapping[str, int],
    unknown_codes: pd.DataFrame,
    nights: pd.DataFrame,
) -> str:
    """The page's HTML: the same inputs always give the same text."""
    failing = summary[~summary["success"]]
    set_aside = sum(int(a.get("rows_quarantined", 0)) for a in extracts.values())
    read = sum(int(a.get("rows_read", 0)) for a in extracts.values())
    sections = "".join(
        _extract_section(
            name,
            rules.reset_index(drop=True),
            texts,
            extracts.get(name, {}),
            previous_rows.get(name),
            unknown_codes[unknown_codes["extract"] == name],
            nights[nights["extract"] == name],
        )
        for name, rules in summary.groupby("extract", sort=True)
    )
    cards = "".join(
        f'<div class="card" id="{key}"><span class="n">{value}</span>{_e(label)}</div>'
        for key, value, label in (
            ("rules-evaluated", _n(len(summary)), "rules evaluated"),
            ("rules-failing", _n(len(failing)), "rules failing"),
            ("rows-read", _n(read), "rows read"),
            ("rows-set-aside", _n(set_aside), "rows set aside"),
        )
    )
    legend = "".join(f"<li>{_e(text)}</li>" for text in HANDLING_TEXT.values())
    heading = f"Data quality — {title} — {as_of.isoformat()}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="robots" content="noindex"><link rel="icon" href="data:,">'
        f"<title>{_e(heading)}</title><style>{_asset('dq_report.css')}</style></head><body>"
        f"<header><h1>{_e(heading)}</h1><p>Every rule of every extract, as validated by Great "
        "Expectations on this night's exports: counts only, no patient value or id. "
        '<a href="docs/index.html">Great Expectations Data Docs</a> · '
        '<a href="../review.html">Review page</a></p></header><main>'
        f'<section id="overview"><div class="cards">{cards}</div>'
        '<label class="controls"><input type="checkbox" id="only-failing"> Show failing '
        f'rules only</label><ul class="legend">{legend}</ul></section>'
        f"{sections}</main>"
        "<footer><p>Rows failing: rows a rule found at fault (a row may fail several rules). "
        "Set aside: rows quarantined under this rule (the first failing rule wins). % failing: "
        "share of the rows checked, or of those with a value for value checks.</p></footer>"
        f"<script>{_asset('dq_report.js')}</script></body></html>\n"
    )


def write_report(
    path: Path,
    *,
    title: str,
    as_of: pd.Timestamp,
    summary: pd.DataFrame,
    texts: Mapping[str, str],
    extracts: Mapping[str, Mapping[str, Any]],
    previous_rows: Mapping[str, int],
    unknown_codes: pd.DataFrame,
    trial_root: Path,
) -> int:
    """Write the page; the number of rules it lists (for the manifest)."""
    day = as_of.date()
    page = render_report(
        title=title,
        as_of=day,
        summary=summary,
        texts=texts,
        extracts=extracts,
        previous_rows=previous_rows,
        unknown_codes=unknown_codes,
        nights=history(trial_root, summary, day),
    )
    path.write_text(page, encoding="utf-8")
    return len(summary)
