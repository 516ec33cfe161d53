"""The review page's CSV export in a real headless Chromium with the network off: the file the
coordinator downloads holds exactly the filtered list, in the page's language, and a cell a
spreadsheet would run as a formula stays text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from pipeline.trial import parse_trial
from tests.pipeline.review.crafted import publish_crafted
from tests.pipeline.review.offline import open_offline  # noqa: F401

BOM = b"\xef\xbb\xbf"


def export(page, folder: Path) -> tuple[str, bytes]:
    """Click the export button; the suggested file name and the bytes downloaded."""
    with page.expect_download() as info:
        page.click("#export-csv")
    download = info.value
    target = folder / download.suggested_filename
    download.save_as(target)
    return download.suggested_filename, target.read_bytes()


def rows_of(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    text = data[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n")  # RFC 4180 line ends
    return list(csv.reader(io.StringIO(text, newline="")))


def test_export_holds_the_filtered_list_in_french(open_offline, small_reports, tmp_path):  # noqa: F811
    report = small_reports[1]
    candidates = pd.read_parquet(report / "candidates.parquet").set_index("pseudonym")
    page = open_offline(report / "review.html")
    page.wait_for_selector("body[data-ready='true']")
    if page.get_attribute("html", "lang") != "fr":
        page.click("#lang-toggle")
    assert page.inner_text("#export-csv") == "Exporter cette liste (CSV)"

    # A filter on top of the list choice: only needs-review patients whose pseudonym has it.
    needs_review = candidates[candidates["overall_status"] == "needs_review"]
    needle = needs_review.index[len(needs_review) // 2][2:4]
    expected = needs_review[needs_review.index.str.lower().str.contains(needle.lower())]
    page.select_option("#status-filter", "needs_review")
    page.fill("#filter-input", needle)
    shown = page.locator("tr.patient-row")
    assert 0 < shown.count() == len(expected) < len(candidates)

    name, data = export(page, tmp_path)
    assert name.endswith(".csv") and report.name in name
    header, *rows = rows_of(data)
    assert header == [
        "Pseudonyme",
        "Statut",
        "Décision de l'équipe",
        "Date de la décision",
        "rempli",
        "inconnu",
        "à confirmer",
        "non applicable",
        "Critères inconnus",
        "À confirmer à la visite d'inclusion",
    ]
    assert len(rows) == len(expected)
    assert [r[0] for r in rows] == [r.get_attribute("data-pseudonym") for r in shown.all()]
    assert {r[0] for r in rows} == set(expected.index)
    texts = {c["id"]: c["text"] for c in _criteria(page)}
    for row in rows:
        patient = expected.loc[row[0]]
        assert row[1] == "À revoir"
        assert [int(v) for v in row[4:8]] == [
            patient[f"n_{s}"] for s in ("met", "unknown", "to_confirm", "not_applicable")
        ]
        unknown = [texts[i] for i in patient["unknown_criteria"]]
        assert row[8].split("\n") == (unknown or [""])
    # No patient id, only pseudonyms.
    reid = pd.read_parquet(report / "reidentification.parquet")
    text = data.decode("utf-8")
    assert not [v for v in reid["patient_id"] if v in text]
    assert page.errors == [] and page.requests == []


def _criteria(page) -> list[dict]:
    return page.evaluate("JSON.parse(document.getElementById('review-data').textContent).criteria")


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+2", "-3+4", "@SUM(A1)"]
RISKY = parse_trial(
    {
        "id": "risky",
        "title": "Risky",
        "exclude_deceased": False,
        "criteria": [
            {
                "id": f"c{i}",
                "text": text,
                "rule": {"primitive": "confirm_at_visit", "note": "x"},
            }
            for i, text in enumerate(FORMULAS)
        ],
    },
    "risky.yaml",
    "0" * 64,
)


def test_a_cell_starting_like_a_formula_stays_text(open_offline, tmp_path):  # noqa: F811
    """Criterion texts and pseudonyms starting with = + - @ tab or carriage return come out
    behind an apostrophe; quotes, commas and line breaks are quoted as RFC 4180 says."""
    n = len(FORMULAS)
    statuses = {
        f"{lead}P-{i}": ["unknown" if j == i else "met" for j in range(n)]
        for i, lead in enumerate(["=", "\t", "\r", "@"])
    }
    statuses['P-"quoted", ok'] = ["met"] * n
    report = publish_crafted(tmp_path, "2026-11-24", statuses, trial=RISKY)
    page = open_offline(report / "review.html")
    page.wait_for_selector("body[data-ready='true']")
    if page.get_attribute("html", "lang") != "en":
        page.click("#lang-toggle")
    _, data = export(page, tmp_path)
    header, *rows = rows_of(data)
    assert header[0] == "Pseudonym" and header[1] == "Status"
    by_pseudonym = {r[0]: r for r in rows}
    assert set(by_pseudonym) == {"'=P-0", "'\tP-1", "'\rP-2", "'@P-3", 'P-"quoted", ok'}
    for i, lead in enumerate(["=", "\t", "\r", "@"]):
        row = by_pseudonym["'" + lead + f"P-{i}"]
        assert row[8] == "'" + FORMULAS[i]  # the unknown criterion's text, defused
        assert row[1] == "Needs review"
    assert by_pseudonym['P-"quoted", ok'][1] == "Candidate"
    assert page.errors == [] and page.requests == []
