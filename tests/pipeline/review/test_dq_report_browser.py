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


ENGLISH_WORDS = (
    "Data quality",
    "rows read",
    "Rows failing",
    "Rows checked",
    "Show failing rules only",
    "Last nights",
    "rules failing",
    "previous export",
    "passed",
    "failed",
    "quarantine:",
)


def test_report_in_french_shows_french_headings_and_the_same_failures(open_offline, small_reports):  # noqa: F811
    """A reader whose browser is French (as review.html decides) gets every fixed text in
    French, and still the failing rules with their counts."""
    report = small_reports[1]
    summary = pd.read_parquet(report / "dq" / "summary.parquet")
    failing = summary[~summary["success"]].set_index("rule_id")
    page = open_offline(report / "dq" / "report.html", locale="fr-FR")
    page.wait_for_selector("body[data-ready='true']")

    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1").startswith("Qualité des données — ")
    assert page.title() == page.inner_text("h1")
    headers = page.locator("section.extract").first.locator("table.rules th").all_inner_texts()
    assert headers == [
        "Résultat",
        "Règle (ce qui la met en échec)",
        "Dimension",
        "Traitement",
        "Lignes contrôlées",
        "Lignes en échec",
        "% en échec",
        "Mises de côté par cette règle",
    ]
    assert page.inner_text("#rules-failing").endswith("règles en échec")
    assert "extraction précédente" in page.inner_text("p.volume[data-extract='labs']")
    body = page.inner_text("body")
    assert "Dernières nuits : lignes en échec d'une règle" in body
    # Every text of the page but the rules' own words (the suites', in the trial's language)
    # and the embedded dictionaries; SVG tooltips and handling titles included.
    body = page.evaluate(
        """() => {
        const copy = document.body.cloneNode(true);
        copy.querySelectorAll("td.rule .text, script").forEach((n) => n.remove());
        const titles = [...copy.querySelectorAll("[title]")].map((n) => n.getAttribute("title"));
        return copy.textContent + " " + titles.join(" ");
    }"""
    )
    assert [w for w in ENGLISH_WORDS if w in body] == []
    handling = page.locator("tr.rule-row .handling.quarantine").first
    assert handling.get_attribute("title").startswith("quarantaine : ")
    night = page.locator("svg.trend g.night title").first.text_content()
    assert "lignes en échec" in night

    rows = page.locator("tr.rule-row[data-status='failed']")
    assert rows.count() == len(failing) >= 1
    for row in rows.all():
        rule = row.get_attribute("data-rule")
        assert row.locator(".badge").inner_text() == "en échec"
        count = row.locator("td.failing").inner_text().replace("\u202f", "")
        expected = failing.loc[rule]
        table_level = expected["expectation_type"].startswith("expect_table_")
        assert count == ("—" if table_level else str(expected["unexpected_count"]))
        if not table_level and expected["unexpected_percent"]:
            assert "," in row.locator("td.share").inner_text()  # French decimals
    assert page.locator("#rules-failing .n").inner_text() == str(len(failing))
    assert page.errors == [] and page.requests == []


def test_report_follows_the_language_chosen_on_the_review_page(open_offline, small_reports):  # noqa: F811
    """The reader who switched review.html to French finds the report in French, and back."""
    report = small_reports[1]
    page = open_offline(report / "review.html", locale="en-GB")
    page.wait_for_selector("body[data-ready='true']")
    assert page.get_attribute("html", "lang") == "en"
    page.click("#lang-toggle")
    page.click("#dq-report-link")
    page.wait_for_selector("body[data-ready='true']")
    assert page.url.endswith("dq/report.html")
    assert page.get_attribute("html", "lang") == "fr"
    assert page.inner_text("h1").startswith("Qualité des données")
    page.click("#lang-toggle")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("h1").startswith("Data quality — ")
    assert page.locator("table.rules th").first.inner_text() == "Result"
    assert page.errors == [] and page.requests == []
