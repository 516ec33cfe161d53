"""Review fixtures: real runs of the small hospital (Chromium: `browser` in tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import Trial, find_trial, load_trial
from tests.conftest import AS_OF, repo_root


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
