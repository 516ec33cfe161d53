"""Audit-report fixtures: the review tests' real runs of the small hospital (two nights) and
their real headless Chromium, shared rather than copied."""

from tests.pipeline.review.conftest import (  # noqa: F401
    browser,
    lutathera_trial,
    small_reports,
)
