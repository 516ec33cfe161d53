"""Vendor the CDN assets of Great Expectations' Data Docs from the npm registry (maintainers only).

Data Docs pages load their CSS and JavaScript from CDNs (unpkg, jsDelivr, cdnjs, the Bootstrap
and jQuery CDNs); on a hospital network without internet the index is unstyled and its list of
validations empty. This script fetches the very versions GX pins, from the npm registry with
`npm pack`, into `pipeline/quality/docs_assets/` with each package's licence, and writes
`assets.json` (CDN URL -> vendored file, package, SHA-256). The files are committed: a run only
copies them (`pipeline.quality.docs_offline`), it never fetches anything.

Run: `make docs-assets` (needs `npm`); rerun after a GX upgrade that changes its CDN links
(tests/pipeline/quality/test_docs_offline.py fails when a page links an asset not listed).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

TARGET = Path(__file__).resolve().parent.parent / "pipeline" / "quality" / "docs_assets"

# (npm spec, CDN URL -> path inside the package). The version ranges of vega, vega-lite and
# vega-embed are GX's own (`vega@5`): npm resolves them to the newest release in range, as
# jsDelivr does; the resolved version is recorded in assets.json.
PACKAGES: list[tuple[str, dict[str, str]]] = [
    (
        "bootstrap@4.3.1",
        {
            "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
                "dist/css/bootstrap.min.css"
            ),
            "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
                "dist/js/bootstrap.min.js"
            ),
        },
    ),
    (
        "bootstrap-table@1.19.1",
        {
            "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
                "dist/bootstrap-table.min.css"
            ),
            "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
                "dist/bootstrap-table.min.js"
            ),
            "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
            "bootstrap-table-filter-control.min.js": (
                "dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
            ),
        },
    ),
    (
        "bootstrap-table@1.19.0",
        {
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
            "bootstrap-table-filter-control.min.css": (
                "dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
            ),
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
            "bootstrap-table-filter-control.css": (
                "dist/extensions/filter-control/bootstrap-table-filter-control.css"
            ),
        },
    ),
    (
        "bootstrap-datepicker@1.9.0",
        {
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
            "bootstrap-datepicker.min.css": "dist/css/bootstrap-datepicker.min.css",
            "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
            "bootstrap-datepicker.min.js": "dist/js/bootstrap-datepicker.min.js",
        },
    ),
    (
        "@forevolve/bootstrap-dark@1.1.0",
        {
            "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
            "bootstrap-prefers-dark.css": "dist/css/bootstrap-prefers-dark.css",
        },
    ),
    (
        "@fortawesome/fontawesome-free@6.6.0",
        {
            "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
                "css/all.min.css"
            ),
        },
    ),
    ("jquery@3.7.1", {"https://code.jquery.com/jquery-3.7.1.min.js": "dist/jquery.min.js"}),
    (
        "popper.js@1.12.9",
        {
            "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
                "dist/umd/popper.min.js"
            ),
        },
    ),
    ("vega@5", {"https://cdn.jsdelivr.net/npm/vega@5": "build/vega.min.js"}),
    ("vega-lite@5", {"https://cdn.jsdelivr.net/npm/vega-lite@5": "build/vega-lite.min.js"}),
    ("vega-embed@6", {"https://cdn.jsdelivr.net/npm/vega-embed@6": "build/vega-embed.min.js"}),
]
# Font Awesome's stylesheet loads its fonts from ../webfonts/ (woff2 first: every browser we
# support takes it, so the larger TrueType copies are left out).
EXTRA_FILES = {"@fortawesome/fontawesome-free": ("webfonts/", ".woff2")}
LICENCE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "MIT-LICENSE.txt", "LICENCE")


BSD_3_CLAUSE = """Redistribution and use in source and binary forms, with or without
modification, are permitted provided that the following conditions are met:

1. Redistributions of source code must retain the above copyright notice, this
   list of conditions and the following disclaimer.
2. Redistributions in binary form must reproduce the above copyright notice,
   this list of conditions and the following disclaimer in the documentation
   and/or other materials provided with the distribution.
3. Neither the name of the copyright holder nor the names of its contributors
   may be used to endorse or promote products derived from this software
   without specific prior written permission.

THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS "AS IS"
AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT LIMITED TO, THE
IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A PARTICULAR PURPOSE ARE
DISCLAIMED. IN NO EVENT SHALL THE COPYRIGHT HOLDER OR CONTRIBUTORS BE LIABLE
FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL
DAMAGES (INCLUDING, BUT NOT LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR
SERVICES; LOSS OF USE, DATA, OR PROFITS; OR BUSINESS INTERRUPTION) HOWEVER
CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY,
OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE
OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
"""


def _licence_note(folder: str, meta: dict) -> str:
    """The licence of a package that ships no licence file, from its package.json."""
    author = meta.get("author")
    author = author.get("name") if isinstance(author, dict) else author
    lines = [
        f"{folder} ships no licence file. Its package.json declares:",
        f"  license: {meta['license']}",
        f"  author: {author or '(not given)'}",
        f"  repository: {meta.get('repository') or '(not given)'}",
        "",
    ]
    if meta["license"] == "BSD-3-Clause":
        lines += [f"Copyright (c) {author}", "", BSD_3_CLAUSE]
    return "\n".join(lines) + "\n"


def _pack(spec: str, work: Path) -> Path:
    """`npm pack spec` into `work`, unpacked; the package folder."""
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(work)],
        check=True,
        capture_output=True,
        text=True,
    )
    tarball = work / json.loads(out.stdout)[0]["filename"]
    folder = work / tarball.stem
    with tarfile.open(tarball) as archive:
        archive.extractall(folder, filter="data")
    return folder / "package"


def vendor() -> dict[str, dict[str, str]]:
    """Fetch every package, copy the files the CDN URLs name and the licence; the URL map."""
    if TARGET.exists():
        shutil.rmtree(TARGET)
    TARGET.mkdir(parents=True)
    assets: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for spec, urls in PACKAGES:
            package = _pack(spec, Path(tmp))
            meta = json.loads((package / "package.json").read_text("utf-8"))
            folder = f"{meta['name']}@{meta['version']}"
            wanted = set(urls.values())
            extra = EXTRA_FILES.get(meta["name"])
            if extra:
                prefix, suffix = extra
                wanted |= {
                    p.relative_to(package).as_posix()
                    for p in (package / prefix).iterdir()
                    if p.name.endswith(suffix)
                }
            licences = [name for name in LICENCE_NAMES if (package / name).is_file()]
            if not licences:  # popper.js 1.12.9, vega 5: declared in package.json only
                if not meta.get("license"):
                    raise SystemExit(f"{spec}: no licence in the package")
                note = TARGET / folder / "LICENSE.npm.txt"
                note.parent.mkdir(parents=True, exist_ok=True)
                note.write_text(_licence_note(folder, meta), "utf-8")
                licences = [note.name]
                wanted.discard(note.name)
            for relative in sorted(wanted | {n for n in licences if (package / n).is_file()}):
                destination = TARGET / folder / relative
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(package / relative, destination)
            for url, relative in urls.items():
                data = (TARGET / folder / relative).read_bytes()
                assets[url] = {
                    "file": f"{folder}/{relative}",
                    "package": folder,
                    "licence": f"{folder}/{licences[0]}",
                    "sha256": hashlib.sha256(data).hexdigest(),
                }
    (TARGET / "assets.json").write_text(json.dumps(assets, indent=2, sort_keys=True) + "\n")
    return assets


if __name__ == "__main__":
    found = vendor()
    print(f"{len(found)} assets vendored into {TARGET}", file=sys.stderr)
