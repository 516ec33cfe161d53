"""Shared fixtures: a pseudonym key for every test, generated hospitals cached per session."""

from __future__ import annotations

import os
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
