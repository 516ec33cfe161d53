"""review.html: one self-contained file (inline CSS, JS, SVG and data) that works offline.

The page is a fixed template; patient data travels only inside one JSON blob that the script
renders with textContent, so nothing from the records is ever parsed as HTML.
"""

from __future__ import annotations

import html
import json
import re
from functools import cache
from importlib import resources
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@cache
def asset(name: str) -> str:
    """A file of pipeline/review/assets (read once per process)."""
    return resources.files("pipeline.review").joinpath("assets", name).read_text("utf-8")


def script_json(data: Any) -> str:
    """JSON safe inside <script>: no '</script', '<!--' or HTML-significant characters."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def render_page(payload: dict[str, Any], svg: str) -> str:
    """The whole page; the same payload and chart always give the same text."""
    css, js = asset("review.css"), asset("review.js")
    for name, text, closing in (("css", css, "</style"), ("js", js, "</script")):
        if closing in text.lower():
            raise ValueError(f"review asset {name} must not contain {closing}")
    trial = payload["trial"]
    values = {
        "title": html.escape(f"{trial['title']} — {trial['id']} — {payload['as_of']}"),
        "css": css,
        "js": js,
        "svg": svg,
        "data": script_json(payload),
    }
    # One pass: text inserted for one placeholder is never searched for another.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], asset("review.html"))
