"""GX Data Docs in headless Chromium with the network off: the index is styled and lists the
validations, a validation page names its run and data asset and counts the failing rules."""

from __future__ import annotations

import pandas as pd

from pipeline.quality.docs_offline import VENDOR_DIR, remote_loads
from pipeline.quality.gx_runner import run_name
from tests.pipeline.review.offline import open_offline  # noqa: F401


def test_data_docs_work_offline(open_offline, small_reports):  # noqa: F811
    report = small_reports[1]
    site = report / "dq" / "docs"
    as_of = pd.Timestamp(report.name)
    summary = pd.read_parquet(report / "dq" / "summary.parquet")
    pages = list(site.rglob("*.html"))
    assert pages and all(remote_loads(p.read_text("utf-8")) == [] for p in pages)
    assert (site / VENDOR_DIR / "bootstrap@4.3.1" / "LICENSE").is_file()

    index = open_offline(site / "index.html")
    # The list of validations is drawn by bootstrap-table (jQuery): one row per extract, ten
    # to a page (GX's setting), so the rows are read from the table's data, every page.
    table = index.locator("table").filter(has_text="Run Name").last
    extracts = sorted(summary["extract"].unique())
    assert table.locator("tbody tr").count() == min(len(extracts), 10), "the first page"
    data = table.evaluate("t => $(t).bootstrapTable('getData')")
    assert len(data) == len(extracts)
    texts = [" ".join(str(v) for v in row.values()) for row in data]
    for extract in extracts:
        assert any(run_name(as_of, extract) in text for text in texts), extract
    assert index.locator(".bootstrap-table").count() >= 1
    # Bootstrap's stylesheet applies: a primary button takes its colour, a bare one does not.
    colours = index.evaluate(
        """() => ['btn btn-primary', ''].map(c => {
            const b = document.createElement('button'); b.className = c;
            document.body.appendChild(b); return getComputedStyle(b).backgroundColor; })"""
    )
    assert colours[0] == "rgb(0, 123, 255)" != colours[1]
    assert index.errors == [] and index.requests == []

    # The rules Great Expectations ran (the summary also holds the run's own counts: exact
    # duplicates, codes the catalogue or the source's mapping does not know).
    by_gx = summary["expectation_type"].str.startswith("expect_")
    failing = summary[(summary["extract"] == "labs") & ~summary["success"] & by_gx]
    assert len(failing) >= 1
    labs = next(site.glob("validations/labs/*/*/labs.html"))
    page = open_offline(labs)
    text = page.inner_text("body")
    assert "__none__" not in text and "Data asset: None" not in text
    assert "Data asset: labs" in text
    assert run_name(as_of, "labs") in text
    statistics = page.locator("table").filter(has_text="Unsuccessful Expectations").first
    row = statistics.locator("tr").filter(has_text="Unsuccessful Expectations")
    assert int(row.locator("td").last.inner_text()) == len(failing)
    assert page.errors == [] and page.requests == []
