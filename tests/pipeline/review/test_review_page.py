"""review.html and attrition.svg as files: self-contained, escaped, deterministic."""

from __future__ import annotations

import html
import json
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from pipeline.review.page import JsonText, asset, script_json, script_json_parts, write_page
from tests.pipeline.review.crafted import pseudonym, publish_crafted

HOSTILE = '</script><script>alert("x")</script><img src=x onerror=alert(1)> & <!--'
SVG = "{http://www.w3.org/2000/svg}"


def embedded_data(page: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="review-data">(.*?)</script>', page, re.S
    )
    assert match, "the data blob is missing"
    return json.loads(match.group(1))


def test_script_json_cannot_close_the_script_element():
    text = script_json({"reason": HOSTILE, "x": "\u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"reason": HOSTILE, "x": "\u2028"}


NESTED = {
    "trial": {"id": "t<1>", "title": HOSTILE, "version": "1"},
    "as_of": "2026-11-24",
    "empty": {},
    "numbers": {"1": [1, 2.5, None], "x": {"deep": {"deeper": ["\u2029", "é"]}}},
    "patients": {"pseudonym": ["p1", "p2"], "reason": [HOSTILE, None]},
    "list": [{"a": 1}, {}],
}


@pytest.mark.parametrize("data", [NESTED, {}, [], "text & more", None, {1: "int key"}])
def test_json_in_pieces_is_the_json_of_the_whole(data):
    pieces = list(script_json_parts(data))
    assert "".join(pieces) == script_json(data)
    if data is NESTED:
        assert len(pieces) > 10  # really split, so no piece holds the whole


def test_encoded_json_is_written_as_it_is_at_any_depth():
    encoded = JsonText(script_json([1, None, "<b>"]))
    data = {"a": {"b": {"c": {"d": encoded}}}, "e": encoded}
    expected = {"a": {"b": {"c": {"d": [1, None, "<b>"]}}}, "e": [1, None, "<b>"]}
    assert "".join(script_json_parts(data)) == script_json(expected)


def test_the_page_written_in_pieces_is_the_template_filled_at_once(tmp_path):
    write_page(tmp_path / "review.html", NESTED, "<svg>chart</svg>")
    page = (tmp_path / "review.html").read_bytes().decode("utf-8")
    title = html.escape(f"{HOSTILE} — t<1> — 2026-11-24")
    values = {"title": title, "css": asset("review.css"), "js": asset("review.js")}
    values |= {"svg": "<svg>chart</svg>", "data": script_json(NESTED)}
    expected = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], asset("review.html"))
    assert page == expected
    assert embedded_data(page) == NESTED
    assert "<svg>chart</svg>" in page and "{{" not in page


def test_hostile_reason_is_data_never_markup(tmp_path):
    statuses = {pseudonym("a"): ["met", "unknown", "to_confirm"]}
    report = publish_crafted(tmp_path, "2026-11-24", statuses, reasons={pseudonym("a"): HOSTILE})
    page = (report / "review.html").read_text("utf-8")
    assert HOSTILE not in page
    assert "<img" not in page and "onerror" not in page.split('id="review-data"')[0]
    assert page.count("<script") == 2  # the data blob and the page script, nothing injected
    data = embedded_data(page)
    assert HOSTILE in data["evidence"]["dict"]["reason"]
    # The trial title is escaped where the template shows it.
    assert "<title>Tiny &lt;trial&gt; &amp; co" in page


def test_page_is_self_contained(tmp_path):
    report = publish_crafted(tmp_path, "2026-11-24", {pseudonym("a"): ["met"] * 3})
    page = (report / "review.html").read_text("utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page and "url(" not in page
    assert 'href="dq/docs/index.html"' in page
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_only_listed_patients_are_embedded_with_every_criterion(tmp_path):
    statuses = {
        pseudonym("a"): ["met", "met", "to_confirm"],
        pseudonym("b"): ["met", "unknown", "to_confirm"],
        pseudonym("c"): ["not_met", "met", "to_confirm"],
    }
    report = publish_crafted(tmp_path, "2026-11-24", statuses)
    data = embedded_data((report / "review.html").read_text("utf-8"))
    assert data["patients"]["pseudonym"] == [pseudonym("a"), pseudonym("b")]
    assert data["counts"] == {"candidate": 1, "needs_review": 1, "not_eligible": 1}
    assert data["evidence"]["offsets"] == [0, 3, 6]
    statuses_b = [data["statuses"][s] for s in data["evidence"]["status"][3:6]]
    assert statuses_b == ["met", "unknown", "to_confirm"]
    assert data["criteria"][2]["to_confirm"] == "Signed written informed consent"
    assert data["extracts"]["labs"]["rows_quarantined"] == 2


def test_attrition_svg_is_valid_and_in_protocol_order(tmp_path):
    statuses = {
        pseudonym("a"): ["met", "met", "to_confirm"],
        pseudonym("b"): ["not_met", "met", "to_confirm"],
        pseudonym("c"): ["not_met", "not_met", "to_confirm"],
        pseudonym("d"): ["met", "not_met", "to_confirm"],
    }
    report = publish_crafted(tmp_path, "2026-11-24", statuses)
    root = ET.fromstring((report / "attrition.svg").read_text("utf-8"))
    steps = root.findall(f"{SVG}g[@class='step']")
    assert [g.get("data-criterion") for g in steps] == ["age", "haemoglobin", "consent"]
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert "2  (−2)" in texts and "1  (−1)" in texts  # remaining after age, haemoglobin
    attrition = pd.read_parquet(report / "attrition.parquet")
    assert attrition["failing_only_this"].tolist() == [1, 1, 0]
    # The same SVG is inlined in the page.
    assert (report / "attrition.svg").read_text("utf-8") in (report / "review.html").read_text()


def test_same_inputs_give_identical_files(tmp_path):
    statuses = {pseudonym("a"): ["met", "unknown", "to_confirm"]}
    first = publish_crafted(tmp_path / "one", "2026-11-24", statuses)
    second = publish_crafted(tmp_path / "two", "2026-11-24", statuses)
    for name in ("review.html", "attrition.svg", "candidates.xlsx", "changes.parquet"):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
