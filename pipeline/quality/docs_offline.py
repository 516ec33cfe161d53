"""Data Docs that work offline: GX's CDN links rewritten to copies shipped with the package.

Great Expectations renders pages that load Bootstrap, jQuery, bootstrap-table, Font Awesome and
Vega from CDNs; a hospital network usually has no internet, and without them the index is
unstyled and its list of validations (drawn by bootstrap-table) empty. The very versions GX
pins are vendored from the npm registry in `docs_assets/` (`scripts/vendor_docs_assets.py`,
licences beside each package); after a build, they are copied into the site and every page's
links point to the copies. Nothing is fetched at run time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
from functools import cache
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

VENDOR_DIR = "static/vendor"
# GX's logos on S3: its own PyPI package ships the long logo, which stands in for both.
_LOGOS = {
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/logo-long.png": (
        "static/images/logo-long.png"
    ),
    "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/full_logo_dark.png": (
        "static/images/logo-long.png"
    ),
}
# What a page loads (not what it merely links to): script and stylesheet sources, images, CSS urls.
_REMOTE_LOAD = re.compile(
    r"""<script[^>]*\ssrc=["']https?://[^"']*|<link[^>]*\shref=["']https?://[^"']*"""
    r"""|<img[^>]*\ssrc=["']https?://[^"']*|url\(["']?https?://[^)"']*""",
    re.IGNORECASE,
)
_LOCAL_TAG = re.compile(r"""<(?:script|link)\b[^>]*>""", re.IGNORECASE)
_STATIC_LINK = re.compile(r"""(\s(?:src|href)=["'])(?:\./|(?:\.\./)+)?static/""")
_SRI = re.compile(r"""\s(?:integrity|crossorigin)=["'][^"']*["']""", re.IGNORECASE)


def _assets_root() -> Path:
    return Path(str(resources.files("pipeline.quality").joinpath("docs_assets")))


@cache
def vendored_assets() -> dict[str, str]:
    """CDN URL -> path of its vendored copy, relative to the site's root."""
    listed = json.loads((_assets_root() / "assets.json").read_text("utf-8"))
    return {url: f"{VENDOR_DIR}/{entry['file']}" for url, entry in listed.items()} | _LOGOS


def remote_loads(text: str) -> list[str]:
    """The remote resources a page would still load (scripts, stylesheets, images)."""
    return _REMOTE_LOAD.findall(text)


def localise(site: Path) -> int:
    """Copy the vendored assets into `site` and point every page's CDN links at them.

    Subresource-integrity attributes go with the CDN: the copies are byte-identical to what
    GX pins (tests/pipeline/quality/test_docs_offline.py checks its SHA-384 hashes), and a
    `crossorigin` script from a file:// page is refused by browsers. Returns pages rewritten.
    """
    _copy_assets(_assets_root(), site / VENDOR_DIR)
    assets = vendored_assets()
    rewritten = 0
    for page in sorted(site.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        up = os.path.relpath(site, page.parent).replace(os.sep, "/")
        prefix = "" if up == "." else f"{up}/"
        cleaned = text
        for url, local in assets.items():
            for quote in ('"', "'"):
                cleaned = cleaned.replace(f"{quote}{url}{quote}", f"{quote}{prefix}{local}{quote}")
        cleaned = _LOCAL_TAG.sub(_drop_sri, cleaned)
        # GX writes one `..` too few before its favicon on validation pages (a 404 offline).
        cleaned = _STATIC_LINK.sub(rf"\g<1>{prefix}static/", cleaned)
        left = remote_loads(cleaned)
        if left:  # a GX upgrade linking a new asset: the page still works online
            log.warning("Data Docs page %s still loads %s", page.name, sorted(set(left)))
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")
            rewritten += 1
    return rewritten


def _copy_assets(source: Path, target: Path) -> None:
    """Copy the files only, never their modes: the report's own permissions (umask) apply,
    as to every other report file, not the package's world-readable ones."""
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)


def _drop_sri(match: re.Match[str]) -> str:
    tag = match.group(0)
    if re.search(r"""\s(?:src|href)=["']https?://""", tag, re.IGNORECASE):
        return tag
    return _SRI.sub("", tag)
