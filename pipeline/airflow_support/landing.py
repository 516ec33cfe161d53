"""Has tonight's export landed? Wait for it until a deadline, then fail with a clear message.

A night's file drop is a dated folder under the landing root. The run waits for that folder
(the sensor task pokes `landing_state`), rather than letting each extract task retry for half
an hour: a late export is a wait, an export that never came is one readable failure ("no
export for 2026-12-03 by 06:00 Europe/Paris"), and a file missing from a folder that did land
is a broken export whose extract fails at once, without retries (`tasks.extract`). A warehouse
source has nothing to land: it is ready at once, and a busy warehouse is retried by its
extracts.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

from pipeline.errors import ConfigError, ScreeningError

DEFAULT_DEADLINE = "06:00"
HH_MM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")


class ExportNotLanded(ScreeningError):
    """Tonight's landing folder did not appear before the deadline."""


def landing_deadline(environ: Mapping[str, str] | None = None) -> time:
    """SCREENING_LANDING_DEADLINE (HH:MM, local time of the DAG's timezone), 06:00 by default."""
    env = os.environ if environ is None else environ
    text = (env.get("SCREENING_LANDING_DEADLINE") or DEFAULT_DEADLINE).strip()
    if not HH_MM.fullmatch(text):
        raise ConfigError(f"SCREENING_LANDING_DEADLINE must be HH:MM (e.g. 06:00), not {text!r}")
    return time.fromisoformat(text)


def export_has_landed(
    landing_root: str, as_of: str, now: datetime, deadline: time, timezone: str
) -> bool:
    """True once LANDING/<as-of>/ is a folder; False while waiting before the deadline.

    Past the deadline (on the as-of day, in the DAG's timezone) with no folder, raises
    `ExportNotLanded` naming the date and the deadline: a backfill of a night whose export
    never came fails at once instead of waiting.
    """
    if (Path(landing_root) / as_of).is_dir():
        return True
    zone = ZoneInfo(timezone)
    limit = datetime.combine(datetime.fromisoformat(as_of).date(), deadline, tzinfo=zone)
    if now.astimezone(zone) >= limit:
        raise ExportNotLanded(
            f"no export for {as_of} by {deadline:%H:%M} {timezone}: the landing folder "
            f"{Path(landing_root) / as_of} does not exist"
        )
    return False
