"""review.html: one self-contained file (inline CSS, JS, SVG and data) that works offline.

The page is a fixed template; patient data travels only inside one JSON blob that the script
renders with textContent, so nothing from the records is ever parsed as HTML.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@dataclass(frozen=True)
class JsonText:
    """A value already encoded by `script_json`: the page writes it as it is, so a long
    column can be held as compact text instead of a Python object per value."""

    text: str


@cache
def asset(name: str) -> str:
    """A file of pipeline/review/assets (read once per process)."""
    return resources.files("pipeline.review").joinpath("assets", name).read_text("utf-8")


def script_json(data: Any) -> str:
    """JSON safe inside <script>: no '</script', '<!--' or HTML-significant characters."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JSON_ESCAPES[m.group(0)], text)


def script_json_parts(data: Any) -> Iterator[str]:
    """`script_json(data)` in pieces, split at the members of every dict with text keys, so
    that a `JsonText` at any depth is written as it is: at a million patients the page's JSON
    is about 400 MB of text, and one string of it (then its escaped copy, then the page, then
    its UTF-8 bytes) stacked over a gigabyte on the run's peak. Escaping is per character, so
    the pieces escape as the whole does."""
    if isinstance(data, JsonText):
        yield data.text
    elif isinstance(data, dict) and data and all(isinstance(k, str) for k in data):
        for position, (key, value) in enumerate(data.items()):
            yield ("{" if position == 0 else ",") + script_json(key) + ":"
            yield from script_json_parts(value)
        yield "}"
    else:
        yield script_json(data)


def page_parts(payload: dict[str, Any], svg: str) -> Iterator[str]:
    """The page in pieces (see `script_json_parts`); the same payload and chart always give
    the same text."""
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
    }
    # One pass over the template: text inserted for one placeholder is never searched.
    template = asset("review.html")
    start = 0
    for match in _PLACEHOLDER.finditer(template):
        yield template[start : match.start()]
        if match.group(1) == "data":
            yield from script_json_parts(payload)
        else:
            yield values[match.group(1)]
        start = match.end()
    yield template[start:]


def write_page(path: Path, payload: dict[str, Any], svg: str) -> None:
    """Write the page piece by piece (UTF-8), never holding the whole of it."""
    with path.open("w", encoding="utf-8") as out:
        out.writelines(page_parts(payload, svg))
