"""A failure notifier for tests: appends each summary as a JSON line to $NOTIFIER_PROBE_FILE."""

from __future__ import annotations

import json
import os
from typing import Any


def record(summary: dict[str, Any]) -> None:
    with open(os.environ["NOTIFIER_PROBE_FILE"], "a", encoding="utf-8") as handle:
        handle.write(json.dumps(summary) + "\n")


def explode(summary: dict[str, Any]) -> None:
    raise RuntimeError("notifier down")
