"""The review page of a partial export says, in a real browser, what the source lacked."""

from __future__ import annotations

import pandas as pd
import yaml

from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from tests.conftest import AS_OF, repo_root

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"


def test_the_data_quality_section_names_the_unavailable_extracts(
    browser, small_hospital, lutathera_trial, tmp_path
):
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    data["unavailable"] = {"tumour_board": "all", "patients": ["social_security_affiliated"]}
    source = parse_source_config(data, str(tmp_path / "partial.yaml"))
    result = run_screening(
        lutathera_trial, small_hospital.exports, source, pd.Timestamp(AS_OF), tmp_path
    )
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.goto((result.report_dir / "review.html").resolve().as_uri())
        page.wait_for_selector("body[data-ready='true']")
        headline = page.inner_text("#dq-headline")
        assert "Not available from this source" in headline
        assert "tumour_board" in headline and "patients.social_security_affiliated" in headline
        row = page.locator("tr.dq-row[data-extract='tumour_board']")
        assert "not available from this source" in row.inner_text()
        labs = page.locator("tr.dq-row[data-extract='labs']")
        assert "not available" not in labs.inner_text()
        assert errors == []
    finally:
        context.close()
