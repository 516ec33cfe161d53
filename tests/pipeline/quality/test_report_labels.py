"""dq/report.html's two dictionaries say the same things, and marked text stays text."""

from __future__ import annotations

import html
import json
import re

from pipeline.quality.report_labels import LABELS, labels_json, marked, text


def placeholders(template: str) -> set[str]:
    return set(re.findall(r"\{(\w+)\}", template))


def test_french_and_english_have_the_same_keys_and_placeholders():
    assert LABELS["fr"].keys() == LABELS["en"].keys()
    for key, english in LABELS["en"].items():
        assert placeholders(LABELS["fr"][key]) == placeholders(english), key


def test_marked_text_is_escaped_and_carries_its_values():
    out = marked("heading", "h1", {"title": "<b>&", "as_of": "2026-11-24"}, id="heading")
    assert "<b>" not in out
    assert html.escape("Data quality — <b>& — 2026-11-24") in out
    args = re.search(r'data-args="([^"]*)"', out).group(1)
    assert json.loads(html.unescape(args)) == {"as_of": "2026-11-24", "title": "<b>&"}
    assert text("share", "fr", {"share": {"en": "2.50 %", "fr": "2,50 %"}}) == "2,50 %"


def test_the_embedded_dictionaries_cannot_close_their_script():
    assert "<" not in labels_json()
    assert json.loads(labels_json()) == LABELS
