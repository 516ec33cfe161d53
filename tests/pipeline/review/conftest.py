"""Review fixtures: real runs of the small hospital and a real headless Chromium (skipped
locally when missing, a failure in CI)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import Trial, find_trial, load_trial
from tests.conftest import AS_OF, repo_root, require_services

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def lutathera_trial() -> Trial:
    return load_trial(find_trial("lutathera-retreatment"))


@pytest.fixture(scope="session")
def small_reports(small_hospital, lutathera_trial, tmp_path_factory) -> tuple[Path, Path]:
    """The small hospital screened a week before AS_OF, then on AS_OF (same reports root)."""
    out = tmp_path_factory.mktemp("review-reports")
    source = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
    runs = []
    for as_of in (pd.Timestamp(AS_OF) - pd.Timedelta(days=7), pd.Timestamp(AS_OF)):
        result = run_screening(lutathera_trial, small_hospital.exports, source, as_of, out)
        runs.append(result.report_dir)
    return runs[0], runs[1]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A real headless Chromium driven by Playwright (never `playwright install`)."""
    reason = ""
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        reason = "the playwright package is not installed"
    if not reason and not executable:
        reason = f"Chromium not found at {CHROMIUM} (install it with `make browser`)"
    if reason:
        if require_services():
            pytest.fail(f"SCREENING_REQUIRE_SERVICES=1 but {reason}")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        except Exception as exc:
            if require_services():
                pytest.fail(f"SCREENING_REQUIRE_SERVICES=1 but Chromium does not start: {exc}")
            pytest.skip(f"Chromium does not start: {exc}")
        yield chromium
        chromium.close()
