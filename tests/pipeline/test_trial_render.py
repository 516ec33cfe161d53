"""`screening render-trial`: the Lutathera trial in English and French, as Markdown and as a
self-contained HTML page that opens offline in Chromium."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.trial import find_trial, load_trial
from pipeline.trial_render import render_html, render_markdown
from tests.pipeline.review.offline import open_offline  # noqa: F401

LANGUAGES = {"en": "Haemoglobin", "fr": "hémoglobine"}


@pytest.fixture(scope="module")
def lutathera():
    return load_trial(find_trial("lutathera-retreatment"))


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_markdown_names_every_criterion_with_its_label(lutathera, lang):
    text = render_markdown(lutathera, lang)
    for criterion in lutathera.criteria:
        assert f"`{criterion.id}` — {criterion.text}" in text
    assert "> 8 g/dL" in text and lutathera.sha256 in text
    assert "`V10XX04`" in text


@pytest.mark.parametrize("lang", sorted(LANGUAGES))
def test_html_names_every_criterion_with_its_label(lutathera, lang):
    page = render_html(lutathera, lang)
    assert f'<html lang="{lang}">' in page
    for criterion in lutathera.criteria:
        assert f'id="criterion-{criterion.id}"' in page
        assert html.escape(criterion.text) in page
    assert "&gt; 8 g/dL" in page
    # Self-contained: nothing to fetch, nothing to run.
    assert "<script" not in page and "src=" not in page and "href=" not in page


def test_the_languages_differ(lutathera):
    english, french = render_markdown(lutathera, "en"), render_markdown(lutathera, "fr")
    assert "Eligibility criteria as screened" in english and "Critères" not in english
    assert "Critères d'éligibilité" in french and "When no record is found" not in french
    assert "« hémoglobine »" in french


def test_render_trial_writes_html_or_markdown(tmp_path, capsys):
    out = tmp_path / "criteres.html"
    assert (
        main(["render-trial", "lutathera-retreatment", "--lang", "fr", "--output", str(out)]) == 0
    )
    assert capsys.readouterr().out.strip() == str(out)
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert main(["render-trial", "lutathera-retreatment"]) == 0
    assert capsys.readouterr().out.startswith("# Eligibility criteria as screened: ")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--output", "criteria.pdf"], "must end in .html or .md"),
        (["--lang", "de"], "invalid choice"),
        (["--output", "/no/such/folder/c.md"], "cannot write"),
    ],
)
def test_render_trial_errors_are_one_line(capsys, argv, fragment):
    assert main(["render-trial", "lutathera-retreatment", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1 and fragment in err


def test_the_page_opens_offline_in_chromium(lutathera, tmp_path, open_offline):  # noqa: F811
    path = tmp_path / "criteria.html"
    path.write_text(render_html(lutathera, "en"), encoding="utf-8")
    page = open_offline(Path(path))
    assert page.errors == [] and page.requests == []
    sections = page.locator("section.criterion")
    assert sections.count() == len(lutathera.criteria)
    assert "> 8 g/dL" in page.locator("#criterion-haemoglobin_above_8").inner_text()
