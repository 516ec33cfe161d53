"""Opening a local page in headless Chromium with the network off, recording what it tried
(the review page, the data-quality report and the Data Docs share it)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def open_offline(browser) -> Iterator[Callable[..., Any]]:
    """`open_offline(path, width=1400, locale="en-GB")`: a page loaded with the browser offline; its
    `errors` (console errors, page errors) and `requests` (anything not file: or data:)."""
    contexts = []

    def load(path: Path, width: int = 1400, locale: str = "en-GB") -> Any:
        context = browser.new_context(
            offline=True, locale=locale, viewport={"width": width, "height": 1000}
        )
        contexts.append(context)
        page = context.new_page()
        page.errors, page.requests = [], []
        page.on("console", lambda m: m.type == "error" and page.errors.append(m.text))
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        page.on(
            "request",
            lambda r: not r.url.startswith(("file:", "data:")) and page.requests.append(r.url),
        )
        page.goto(path.resolve().as_uri())
        page.wait_for_load_state("load")
        return page

    yield load
    for context in contexts:
        context.close()
