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

from pipeline.quality.report_labels import Arg, english, has, labels_json, marked, text
from pipeline.quality.trend import history, trend_svg

HANDLINGS = ("quarantine", "stop", "report", "remove")
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


def _decimal(text: str) -> dict[str, str]:
    """A number with decimals as each language writes it."""
    return {"en": text, "fr": text.replace(".", ",")}


def _pct(value: float) -> dict[str, str]:
    return _decimal(f"{value:.2f}\u202f%" if value else "0\u202f%")


def _word(prefix: str, value: str) -> str:
    """A known value (dimension, handling) in the reader's language; an unknown one as it is."""
    key = f"{prefix}_{value}"
    return marked(key) if has(key) else _e(value)


def _rule_text(rule: Any, texts: Mapping[str, str]) -> str:
    text = texts.get(rule.rule_id)
    if text:
        return _e(text)  # the suite's own words (the trial's configuration)
    key = f"builtin_{rule.expectation_type}"  # rules built outside the suites (prepare.py)
    return marked(key) if has(key) else ""


def _rule_rows(rules: pd.DataFrame, texts: Mapping[str, str], set_aside: Mapping[str, int]) -> str:
    rows = []
    for rule in rules.itertuples(index=False):  # one row per rule (tens per extract)
        table_level = rule.expectation_type.startswith("expect_table_")
        status = "passed" if rule.success else "failed"
        checked = "—" if table_level else _n(rule.element_count)
        failing = "—" if table_level else _n(rule.unexpected_count)
        share = (
            "—" if table_level else marked("share", args={"share": _pct(rule.unexpected_percent)})
        )
        help_key = f"handling_help_{rule.handling}"
        rows.append(
            f'<tr class="rule-row {status}" data-rule="{_e(rule.rule_id)}" '
            f'data-status="{status}" data-failing="{int(rule.unexpected_count)}">'
            f"<td>{marked(status, class_=f'badge {status}')}</td>"
            f'<td class="rule"><span class="text">{_rule_text(rule, texts)}</span>'
            f'<code class="rule-id">{_e(rule.rule_id)}</code></td>'
            f"<td>{_word('dimension', rule.dimension)}</td>"
            + (
                f'<td><span class="handling {_e(rule.handling)}" data-i18n-title="{help_key}" '
                f'title="{_e(english(help_key))}">{_word("handling", rule.handling)}</span></td>'
                if has(help_key)
                else f'<td><span class="handling">{_e(rule.handling)}</span></td>'
            )
            + f'<td class="num checked">{checked}</td>'
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
        compared: Arg = {lang: text("no_previous", lang) for lang in ("en", "fr")}
    else:
        change = _decimal(f"{(read - previous) / previous * 100 if previous else 0.0:+.1f}\u202f%")
        compared = {
            lang: text("previous", lang, {"rows": _n(previous), "change": change[lang]})
            for lang in ("en", "fr")
        }
    failed = [r for r in volume.itertuples(index=False) if not r.success]
    detail = "; ".join(f"{r.rule_id} ({r.handling})" for r in failed)
    return (
        f'<p class="volume" data-extract="{_e(name)}" data-status="{verdict}">'
        f"{marked(verdict, class_=f'badge {verdict}')} "
        + marked("volume", args={"read": _n(read), "compared": compared})
        + (" " + marked("volume_failing", args={"detail": detail}) if detail else "")
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
    counts = {"codes": _n(len(codes)), "rows": _n(codes["rows"].sum())}
    return (
        f'<div class="unknown-codes">{marked("unknown_codes", "h3", counts)}'
        f'<table class="data"><thead><tr>{marked("col_column", "th")}'
        f"{marked('col_system', 'th')}{marked('col_code', 'th')}{marked('col_reason', 'th')}"
        f"{marked('col_rows', 'th', class_='num')}</tr></thead>"
        f"<tbody>{items}</tbody></table>"
        + (marked("more_codes", "p", {"n": _n(more)}, class_="muted") if more else "")
        + "</div>"
    )


RULE_COLUMNS = (
    ("col_result", ""),
    ("col_rule", ""),
    ("col_dimension", ""),
    ("col_handling", ""),
    ("col_checked", "num"),
    ("col_failing", "num"),
    ("col_share", "num"),
    ("col_set_aside", "num"),
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
    counts = {
        "read": _n(account.get("rows_read", 0)),
        "accepted": _n(account.get("rows_accepted", 0)),
        "quarantined": _n(account.get("rows_quarantined", 0)),
        "duplicates": _n(account.get("duplicates_removed", 0)),
        "failing": str(failing),
        "rules": str(len(rules)),
    }
    head = "".join(
        marked(key, "th", class_=cls) if cls else marked(key, "th") for key, cls in RULE_COLUMNS
    )
    return (
        f'<section class="extract" id="extract-{_e(name)}" data-extract="{_e(name)}" '
        f'data-rules-failing="{failing}">'
        f'<h2>{_e(name)} <span class="file">{_e(account.get("file", ""))}</span></h2>'
        + marked("reconciliation", "p", counts, class_="reconciliation")
        + _volume(name, rules, account, previous)
        + f'<div class="trend-box">{marked("trend", "h3")}'
        + trend_svg(name, nights)
        + "</div>"
        + _unknown_codes(codes)
        + f'<div class="table-wrap"><table class="data rules"><thead><tr>{head}</tr></thead>'
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
        f'<div class="card" id="{key}"><span class="n">{value}</span>{marked(label)}</div>'
        for key, value, label in (
            ("rules-evaluated", _n(len(summary)), "rules_evaluated"),
            ("rules-failing", _n(len(failing)), "rules_failing"),
            ("rows-read", _n(read), "rows_read"),
            ("rows-set-aside", _n(set_aside), "rows_set_aside"),
        )
    )
    legend = "".join(marked(f"handling_help_{h}", "li") for h in HANDLINGS)
    heading = {"title": title, "as_of": as_of.isoformat()}
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="robots" content="noindex"><link rel="icon" href="data:,">'
        f"<title>{_e(english('heading', heading))}</title>"
        f"<style>{_asset('dq_report.css')}</style></head><body>"
        f"<header><div>{marked('heading', 'h1', heading, id='heading')}<p>{marked('intro')} "
        f'<a href="docs/index.html">{marked("docs_link")}</a> · '
        f'<a href="../review.html">{marked("review_link")}</a></p></div>'
        '<button id="lang-toggle" type="button" lang="fr">Français</button></header><main>'
        f'<section id="overview"><div class="cards">{cards}</div>'
        '<label class="controls"><input type="checkbox" id="only-failing"> '
        f'{marked("only_failing")}</label><ul class="legend">{legend}</ul></section>'
        f"{sections}</main>"
        f"<footer>{marked('footer', 'p')}</footer>"
        f'<script type="application/json" id="dq-labels">{labels_json()}</script>'
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
