"""dq/report.html in headless Chromium with the network off: the failing rules and their counts
are those of dq/summary.parquet, the trend covers the nights beside it, nothing is fetched."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd

from pipeline.quality.trend import nightly
from tests.pipeline.review.offline import open_offline  # noqa: F401


def test_report_lists_failing_rules_with_their_counts(open_offline, small_reports):  # noqa: F811
    earlier, report = small_reports
    summary = pd.read_parquet(report / "dq" / "summary.parquet")
    manifest = json.loads((report / "manifest.json").read_text("utf-8"))
    assert manifest["outputs"]["dq/report.html"] == len(summary)
    page = open_offline(report / "dq" / "report.html")
    page.wait_for_selector("body[data-ready='true']")

    failing = summary[~summary["success"]].set_index("rule_id")
    assert len(failing) >= 1
    rows = page.locator("tr.rule-row[data-status='failed']")
    assert rows.count() == len(failing)
    shown = {}
    for row in rows.all():
        rule = row.get_attribute("data-rule")
        count = row.locator("td.failing").inner_text().replace("\u202f", "")
        shown[rule] = count
        assert row.locator("td.rule .text").inner_text().strip()
    for rule, expected in failing.iterrows():
        table_level = expected["expectation_type"].startswith("expect_table_")
        assert shown[rule] == ("—" if table_level else str(expected["unexpected_count"]))
    assert page.locator("tr.rule-row").count() == len(summary)
    assert page.locator("#rules-failing .n").inner_text() == str(len(failing))

    # Only the failing rules, when asked.
    page.check("#only-failing")
    visible = [r for r in page.locator("tr.rule-row").all() if r.is_visible()]
    assert len(visible) == len(failing)

    # One section per extract, each with its volume line and a trend over both nights.
    extracts = sorted(summary["extract"].unique())
    assert page.locator("section.extract").count() == len(extracts)
    previous = nightly(pd.read_parquet(earlier / "dq" / "summary.parquet"), date(2000, 1, 1))
    for extract in extracts:
        assert page.locator(f"p.volume[data-extract='{extract}']").count() == 1
        nights = page.locator(f"svg.trend[data-extract='{extract}'] g.night")
        assert [n.get_attribute("data-as-of") for n in nights.all()] == [earlier.name, report.name]
        first = previous.loc[previous["extract"] == extract, "rows_failing"].iloc[0]
        assert nights.first.get_attribute("data-rows-failing") == str(first)
    assert "previous export" in page.inner_text("p.volume[data-extract='labs']")

    csp = page.locator("meta[http-equiv='Content-Security-Policy']").get_attribute("content")
    assert "default-src 'none'" in csp
    assert page.errors == [] and page.requests == []


def test_report_holds_no_patient_id_or_pseudonym(small_reports):
    report = small_reports[1]
    text = (report / "dq" / "report.html").read_text("utf-8")
    reid = pd.read_parquet(report / "reidentification.parquet")
    for column in ("pseudonym", "patient_id"):
        assert not [v for v in reid[column] if v in text], column
