"""The landing sensor's poke: wait before the deadline, fail clearly after it, never for SQL."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from pipeline.airflow_support.landing import (
    ExportNotLanded,
    export_has_landed,
    landing_deadline,
)
from pipeline.errors import ConfigError

PARIS = ZoneInfo("Europe/Paris")
SIX = time(6, 0)


def paris(day: str, hh_mm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hh_mm}").replace(tzinfo=PARIS)


def test_a_landed_folder_is_ready_even_after_the_deadline(tmp_path):
    (tmp_path / "2026-12-03").mkdir()
    assert export_has_landed(
        str(tmp_path), "2026-12-03", paris("2026-12-09", "12:00"), SIX, "Europe/Paris"
    )


def test_before_the_deadline_the_sensor_waits(tmp_path):
    assert not export_has_landed(
        str(tmp_path), "2026-12-03", paris("2026-12-03", "05:59"), SIX, "Europe/Paris"
    )


@pytest.mark.parametrize("now", ["2026-12-03T06:00", "2026-12-04T02:00"])
def test_at_or_after_the_deadline_a_missing_export_is_one_clear_failure(tmp_path, now):
    moment = datetime.fromisoformat(now).replace(tzinfo=PARIS)
    with pytest.raises(ExportNotLanded, match=r"^no export for 2026-12-03 by 06:00 Europe/Paris"):
        export_has_landed(str(tmp_path), "2026-12-03", moment, SIX, "Europe/Paris")


def test_the_deadline_is_local_time_whatever_the_clock_zone(tmp_path):
    """05:30 UTC in December is 06:30 in Paris: past a 06:00 deadline."""
    utc = datetime(2026, 12, 3, 5, 30, tzinfo=ZoneInfo("UTC"))
    with pytest.raises(ExportNotLanded):
        export_has_landed(str(tmp_path), "2026-12-03", utc, SIX, "Europe/Paris")
    early = datetime(2026, 12, 3, 4, 30, tzinfo=ZoneInfo("UTC"))
    assert not export_has_landed(str(tmp_path), "2026-12-03", early, SIX, "Europe/Paris")


def test_a_file_where_the_folder_should_be_is_not_a_landed_export(tmp_path):
    (tmp_path / "2026-12-03").write_text("", encoding="utf-8")
    with pytest.raises(ExportNotLanded):
        export_has_landed(
            str(tmp_path), "2026-12-03", paris("2026-12-03", "07:00"), SIX, "Europe/Paris"
        )


def test_the_deadline_setting():
    assert landing_deadline({}) == time(6, 0)
    assert landing_deadline({"SCREENING_LANDING_DEADLINE": "07:30"}) == time(7, 30)
    for bad in ("7:30", "24:00", "06h00", "soon"):
        with pytest.raises(ConfigError, match="SCREENING_LANDING_DEADLINE must be HH:MM"):
            landing_deadline({"SCREENING_LANDING_DEADLINE": bad})
