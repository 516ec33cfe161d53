"""Shared fixtures: a pseudonym key for every test, generated hospitals cached per session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.generator.hospital import GeneratedHospital, generate_hospital

AS_OF = "2026-11-24"
TEST_KEY = "test-site-secret-0123456789abcdef"


def pytest_configure(config: pytest.Config) -> None:
    """Every test process screens with the same test key unless a test removes it."""
    os.environ["SCREENING_PSEUDONYM_KEY"] = TEST_KEY


@pytest.fixture(scope="session")
def hospital_10k(tmp_path_factory: pytest.TempPathFactory) -> GeneratedHospital:
    """The acceptance hospital: 10,000 patients, every variant planted."""
    return generate_hospital(tmp_path_factory.mktemp("h10k"), 10_000, 2026, AS_OF)


@pytest.fixture(scope="session")
def small_hospital(tmp_path_factory: pytest.TempPathFactory) -> GeneratedHospital:
    """A small hospital for quick end-to-end checks (every variant is still planted)."""
    return generate_hospital(tmp_path_factory.mktemp("small"), 400, 11, AS_OF, background_labs=5)


def require_services() -> bool:
    """In CI a missing real service is a failure, not a skip."""
    return os.environ.get("SCREENING_REQUIRE_SERVICES") == "1"


def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


def shared_data(*parts: str) -> Path:
    """A file of the workplace's shared samples (real OMOP and FHIR data no one here wrote):
    SCREENING_SHARED_DATA, else `shared/data` beside the checkout, else the workplace's own
    /work/shared/data (a clone elsewhere, as CI's may be, still finds them)."""
    roots = [
        Path(os.environ["SCREENING_SHARED_DATA"])
        if os.environ.get("SCREENING_SHARED_DATA")
        else None,
        repo_root().parent / "shared" / "data",
        Path("/work/shared/data"),
    ]
    for root in roots:
        if root is not None and root.joinpath(*parts).exists():
            return root.joinpath(*parts)
    return (repo_root().parent / "shared" / "data").joinpath(*parts)


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


# One for the whole session, here: Playwright's sync API refuses to start a second instance in
# the thread of a running one, so a second session-scoped copy of this fixture fails.
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


def screen_lutathera(exports: Path, out: Path, as_of: str = AS_OF) -> Path:
    """The Lutathera trial screened on a landing folder of the demo dialect; its report folder."""
    import pandas as pd

    from pipeline.run import run_screening
    from pipeline.sources import load_source_config
    from pipeline.trial import find_trial, load_trial

    return run_screening(
        load_trial(find_trial("lutathera-retreatment")),
        exports,
        load_source_config(repo_root() / "sources" / "synthetic-chu.yaml"),
        pd.Timestamp(as_of),
        out,
    ).report_dir
