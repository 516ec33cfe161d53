"""review.html in a real headless Chromium: counts, filtering, details, language, safety."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline.contract import EXTRACTS
from tests.pipeline.review.crafted import pseudonym, publish_crafted

HOSTILE = '</script><img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def digits(text: str) -> int:
    return int(re.sub(r"\D", "", text))


@pytest.fixture
def open_page(browser):
    """Open a review.html offline; collect console errors and any network attempt."""
    contexts = []

    def load(path: Path):
        context = browser.new_context(locale="en-GB", viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.errors, page.requests = [], []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on("dialog", lambda d: (page.errors.append(f"dialog: {d.message}"), d.dismiss()))

        def route(request_route):
            url = request_route.request.url
            if url.startswith(("file:", "data:")):
                return request_route.continue_()
            page.requests.append(url)
            return request_route.abort()

        page.route("**/*", route)
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='true']")
        return page

    yield load
    for context in contexts:
        context.close()


def test_real_report_counts_filter_details_and_screenshot(open_page, small_reports, tmp_path):
    report = small_reports[1]
    candidates = pd.read_parquet(report / "candidates.parquet")
    counts = candidates["overall_status"].value_counts()
    listed = candidates[candidates["overall_status"] != "not_eligible"]
    page = open_page(report / "review.html")

    assert digits(page.inner_text("#candidate-count")) == counts["candidate"]
    assert digits(page.inner_text("#needs-review-count")) == counts["needs_review"]
    assert digits(page.inner_text("#not-eligible-count")) == counts["not_eligible"]
    rows = page.locator("tr.patient-row")
    assert rows.count() == len(listed)
    assert page.locator("#attrition-chart g.step").count() == 19

    # Filter by a pseudonym prefix: only the matching patients stay visible.
    prefix = listed["pseudonym"].iloc[len(listed) // 2][:4]
    expected = set(listed.loc[listed["pseudonym"].str.startswith(prefix), "pseudonym"])
    page.fill("#filter-input", prefix)
    assert 0 < rows.count() == len(expected) < len(listed)
    assert {r.get_attribute("data-pseudonym") for r in rows.all()} == expected
    assert page.locator("#visible-count").get_attribute("data-visible") == str(len(expected))

    # Status filter on top of the text filter.
    page.fill("#filter-input", "")
    page.select_option("#status-filter", "needs_review")
    assert rows.count() == counts["needs_review"]
    assert {r.get_attribute("data-status") for r in rows.all()} == {"needs_review"}

    # One patient's criteria: every criterion, with status, evidence and what to confirm.
    first = rows.first
    chosen = first.get_attribute("data-pseudonym")
    first.click()
    detail = page.locator(f"tr.detail-row[data-detail-for='{chosen}']")
    assert detail.is_visible()
    criteria_rows = detail.locator("tr.criterion-row")
    assert criteria_rows.count() == 19
    unknown = detail.locator("tr.criterion-row[data-status='unknown']")
    assert unknown.count() >= 1
    informed = detail.locator("tr.criterion-row[data-criterion='informed_consent']")
    assert informed.get_attribute("data-status") == "to_confirm"
    assert "Signed written informed consent" in informed.locator("td.remains").inner_text()
    age = detail.locator("tr.criterion-row[data-criterion='age']")
    assert "years" in age.locator("td.evidence").inner_text()
    detail_shot = tmp_path / "patient-detail.png"
    detail.screenshot(path=str(detail_shot))
    assert detail_shot.read_bytes().startswith(PNG_SIGNATURE)

    # Sorting by a count column.
    page.click("#patient-table th[data-sort='n_met']")
    met = [int(r.locator("td.num").first.inner_text()) for r in rows.all()]
    assert met == sorted(met)

    # French labels.
    page.click("#lang-toggle")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("#summary h2") == "Statut global"
    assert page.inner_text("#dq-docs-link").startswith("Great Expectations Data Docs")
    assert page.get_attribute("#dq-docs-link", "href") == "dq/docs/index.html"
    page.click("#lang-toggle")

    shot = tmp_path / "review.png"
    page.screenshot(path=str(shot), full_page=False)
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000
    assert page.errors == [] and page.requests == []


def test_since_last_run_and_data_quality_sections(open_page, small_reports):
    earlier, current = small_reports
    changes = pd.read_parquet(current / "changes.parquet")
    page = open_page(current / "review.html")
    assert earlier.name in page.inner_text("#changes-summary")
    assert page.locator("tr.change-row").count() == len(changes)
    new = page.locator("tr.change-row[data-change='new_candidate']")
    assert new.count() == (changes["change"] == "new_candidate").sum()
    assert page.locator("tr.dq-row").count() == len(EXTRACTS)  # one row per extract
    assert "rows read" in page.inner_text("#dq-headline")

    first = open_page(earlier / "review.html")
    assert "No earlier report" in first.inner_text("#changes-summary")
    assert first.locator("tr.change-row").count() == 0
    assert page.errors == [] and first.errors == []


def test_hostile_text_is_shown_as_text_and_never_runs(open_page, tmp_path):
    statuses = {pseudonym("a"): ["met", "unknown", "to_confirm"], pseudonym("b"): ["met"] * 3}
    report = publish_crafted(tmp_path, "2026-11-24", statuses, reasons={pseudonym("a"): HOSTILE})
    page = open_page(report / "review.html")
    page.locator(f"tr.patient-row[data-pseudonym='{pseudonym('a')}']").click()
    reasons = page.locator("tr.detail-row td.reason").all_inner_texts()
    assert HOSTILE in reasons
    assert page.evaluate("window.__pwned === undefined")
    assert page.locator("img").count() == 0
    assert page.errors == []


def test_long_lists_render_in_pages(open_page, tmp_path):
    names = [f"P-{i:020x}" for i in range(620)]
    report = publish_crafted(tmp_path, "2026-11-24", dict.fromkeys(names, ["met"] * 3))
    page = open_page(report / "review.html")
    rows = page.locator("tr.patient-row")
    assert rows.count() == 500
    assert page.locator("#visible-count").get_attribute("data-visible") == "620"
    page.click("#show-more")
    assert rows.count() == 620
    assert page.locator("#show-more").count() == 0
    page.fill("#filter-input", names[-1])
    assert [r.get_attribute("data-pseudonym") for r in rows.all()] == [names[-1]]
    assert page.errors == []
