"""`screening run` in a subprocess, as an operator runs it (exit status, one-line errors)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import AS_OF, repo_root

TRIAL = "lutathera-retreatment"


def screening_run(exports: Path, out: Path) -> subprocess.CompletedProcess[str]:
    command = ["run", "--trial", TRIAL, "--exports", str(exports), "--as-of", AS_OF]
    return subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *command, "--out", str(out)],
        cwd=repo_root(),
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
