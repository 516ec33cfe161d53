"""Data Docs offline: vendored assets are GX's own pins, and the pages work in Chromium with
the network off (index styled and listing the validations, run and asset names shown)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

import pandas as pd

from pipeline.quality.docs_offline import VENDOR_DIR, remote_loads, vendored_assets
from pipeline.quality.gx_runner import run_name
from tests.pipeline.quality.browser import open_offline  # noqa: F401

ASSETS = Path(str(resources.files("pipeline.quality").joinpath("docs_assets")))
GX_TEMPLATES = Path(str(resources.files("great_expectations"))) / "render" / "view" / "templates"


def test_vendored_files_are_the_ones_gx_pins():
    """Where GX pins a subresource-integrity hash, the npm copy has exactly that hash; every
    listed file exists with its recorded SHA-256 and a licence beside it."""
    listed = json.loads((ASSETS / "assets.json").read_text("utf-8"))
    pinned = re.findall(
        r'src="(https://[^"]+)" integrity="sha384-([^"]+)"',
        (GX_TEMPLATES / "js_script_imports.j2").read_text("utf-8"),
    )
    assert len(pinned) == 2
    for url, expected in pinned:
        data = (ASSETS / listed[url]["file"]).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == expected
    for entry in listed.values():
        data = (ASSETS / entry["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert (ASSETS / entry["licence"]).stat().st_size > 100


def test_every_gx_template_link_is_vendored():
    """A GX upgrade that links a new CDN asset fails here, not on a hospital network."""
    linked = set()
    for template in GX_TEMPLATES.glob("*.j2"):
        linked |= {
            re.sub(r"^.*?(https?://[^\"')]+).*$", r"\1", hit)
            for hit in remote_loads(template.read_text("utf-8"))
        }
    assert linked, "no CDN link found: the template layout changed"
    assert linked <= set(vendored_assets())


def test_data_docs_work_offline(open_offline, small_reports):  # noqa: F811
    report = small_reports[1]
    site = report / "dq" / "docs"
    as_of = pd.Timestamp(report.name)
    summary = pd.read_parquet(report / "dq" / "summary.parquet")
    pages = list(site.rglob("*.html"))
    assert pages and all(remote_loads(p.read_text("utf-8")) == [] for p in pages)
    assert (site / VENDOR_DIR / "bootstrap@4.3.1" / "LICENSE").is_file()

    index = open_offline(site / "index.html")
    # The list of validations is drawn by bootstrap-table (jQuery): one row per extract.
    table = index.locator("table").filter(has_text="Run Name").last
    rows = table.locator("tbody tr")
    extracts = sorted(summary["extract"].unique())
    assert rows.count() == len(extracts)
    texts = rows.all_inner_texts()
    for extract in extracts:
        assert any(run_name(as_of, extract) in text for text in texts)
    assert index.locator(".bootstrap-table").count() >= 1
    # Bootstrap's stylesheet applies: a primary button takes its colour, a bare one does not.
    colours = index.evaluate(
        """() => ['btn btn-primary', ''].map(c => {
            const b = document.createElement('button'); b.className = c;
            document.body.appendChild(b); return getComputedStyle(b).backgroundColor; })"""
    )
    assert colours[0] == "rgb(0, 123, 255)" != colours[1]
    assert index.errors == [] and index.requests == []

    failing = summary[(summary["extract"] == "labs") & ~summary["success"]]
    assert len(failing) >= 1
    labs = next(site.glob("validations/labs/*/*/labs.html"))
    page = open_offline(labs)
    text = page.inner_text("body")
    assert "__none__" not in text and "Data asset: None" not in text
    assert "Data asset: labs" in text
    assert run_name(as_of, "labs") in text
    statistics = page.locator("table").filter(has_text="Unsuccessful Expectations").first
    row = statistics.locator("tr").filter(has_text="Unsuccessful Expectations")
    assert int(row.locator("td").last.inner_text()) == len(failing)
    assert page.errors == [] and page.requests == []
