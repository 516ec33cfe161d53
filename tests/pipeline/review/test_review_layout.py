"""review.html at 800 and 1,400 px, in English and French, in headless Chromium, offline:
nothing cut or hidden, the funnel scales, criteria named by their text, the rules that set rows
aside listed with their counts, and a patient who left the run said to have left it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.review.chart import short_label
from tests.pipeline.review.crafted import pseudonym, publish_crafted
from tests.pipeline.review.offline import open_offline  # noqa: F401


def ready(page):
    page.wait_for_selector("body[data-ready='true']")
    return page


@pytest.mark.parametrize(
    ("width", "locale"), [(800, "en-GB"), (1400, "en-GB"), (800, "fr-FR"), (1400, "fr-FR")]
)
def test_page_fits_its_width_with_every_column(open_offline, small_reports, width, locale):  # noqa: F811
    """In both languages (the French labels are the longer ones), with the export button."""
    report = small_reports[1]
    page = ready(open_offline(report / "review.html", width=width, locale=locale))
    french = locale.startswith("fr")
    assert page.get_attribute("html", "lang") == ("fr" if french else "en")
    assert page.inner_text("#patient-table thead th[data-sort='pseudonym']") == (
        "Pseudonyme" if french else "Pseudonym"
    )
    button = page.locator("#export-csv").bounding_box()
    assert button is not None and button["width"] > 0
    client = page.evaluate("document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= client
    headers = page.locator("#patient-table thead th")
    assert headers.count() == 9
    for th in headers.all():
        box = th.bounding_box()
        assert box is not None and box["width"] > 0 and box["x"] + box["width"] <= client + 0.5
    assert button["x"] + button["width"] <= client + 0.5
    chart = page.locator("#attrition-chart").bounding_box()
    section = page.locator("#attrition").bounding_box()
    assert chart["width"] <= section["width"]
    if width == 800:
        assert chart["width"] < 1050  # scaled down, not cut
    assert page.errors == [] and page.requests == []


def test_criteria_are_named_by_their_text(open_offline, small_reports):  # noqa: F811
    report = small_reports[1]
    attrition = pd.read_parquet(report / "attrition.parquet")
    page = ready(open_offline(report / "review.html", width=800))
    steps = page.locator("#attrition-chart g.step")
    assert steps.count() == len(attrition)
    for step, row in zip(steps.all(), attrition.itertuples(index=False), strict=True):
        label = step.locator("text").first.text_content()
        assert short_label(row.text) in label and row.criterion_id not in label

    texts = dict(zip(attrition["criterion_id"], attrition["text"], strict=True))
    shown = page.locator(
        "td.to-confirm-list span.criterion-list, td.unknown-list span.criterion-list"
    )
    assert shown.count() > 0
    for item in shown.all()[:40]:
        criterion = item.get_attribute("data-criterion")
        visible = item.inner_text().rstrip("…")
        assert visible and criterion not in visible
        assert " ".join(texts[criterion].split()).startswith(visible)
    assert page.errors == []


def test_rules_that_set_rows_aside_are_listed_with_counts(open_offline, small_reports):  # noqa: F811
    report = small_reports[1]
    manifest = json.loads((report / "manifest.json").read_text("utf-8"))
    expected = {
        (extract, rule): count
        for extract, entry in manifest["extracts"].items()
        for rule, count in entry["quarantine_rules"].items()
        if count
    }
    assert expected, "the small hospital sets rows aside"
    page = ready(open_offline(report / "review.html"))
    rows = page.locator("tr.dq-rule-row")
    shown = {}
    for row in rows.all():
        cells = row.locator("td")
        key = (row.get_attribute("data-extract"), row.get_attribute("data-rule"))
        shown[key] = int("".join(ch for ch in cells.nth(2).inner_text() if ch.isdigit()))
        assert cells.nth(1).inner_text().split("\n")[0] != key[1]  # the rule's text, not its id
    assert shown == expected
    assert page.errors == []


def test_a_patient_who_left_the_run_is_said_to_have_left_it(open_offline, tmp_path):  # noqa: F811
    both = {pseudonym("a"): ["met"] * 3, pseudonym("b"): ["met", "unknown", "to_confirm"]}
    publish_crafted(tmp_path, "2026-11-17", both)
    report = publish_crafted(tmp_path, "2026-11-24", {pseudonym("c"): ["not_met"] * 3})
    page = ready(open_offline(report / "review.html"))
    left = page.locator("tr.change-row[data-kind='left_run']")
    assert left.count() == 2
    assert {r.get_attribute("data-pseudonym") for r in left.all()} == {
        pseudonym("a"),
        pseudonym("b"),
    }
    for row in left.all():
        assert row.locator("td").nth(1).inner_text() == "Left the run (no longer in the exports)"
    assert "Status changed" not in page.inner_text("#changes")
    assert "Left the run (no longer in the exports): 2" in page.inner_text("#changes-summary")
    page.click("#lang-toggle")
    assert left.first.locator("td").nth(1).inner_text().startswith("Sorti de l'exécution")
    assert page.errors == [] and page.requests == []


def test_the_funnel_speaks_the_page_language(open_offline, small_reports):  # noqa: F811
    page = ready(open_offline(small_reports[1] / "review.html", width=800))
    chart = page.locator("#attrition-chart")
    assert "Patients remaining after each criterion" in chart.text_content()
    page.click("#lang-toggle")
    assert page.get_attribute("html", "lang") == "fr"
    words = chart.text_content()
    assert "Patients encore éligibles après chaque critère" in words
    assert "Échouent à ce seul critère" in words and "Examinés" in words
    assert "Patients remaining" not in words and "Screened" not in words
    assert page.errors == []
