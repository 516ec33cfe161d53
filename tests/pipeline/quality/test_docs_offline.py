"""Data Docs offline: the vendored assets are the ones GX pins, and every CDN link of GX's
templates is vendored (the pages in Chromium: tests/pipeline/review/test_dq_docs_browser.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from importlib import resources
from pathlib import Path

from pipeline.quality.docs_offline import remote_loads, vendored_assets

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
