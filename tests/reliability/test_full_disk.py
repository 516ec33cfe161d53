"""A full disk or a read-only reports folder, on a real small file system (tmpfs): the run
stops with one line naming the file (exit status 2 from the command line, no traceback), and
the report published before stays as it was, with nothing left beside it."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import pytest

from pipeline.errors import OutputError
from pipeline.publish import write_parquet
from tests.conftest import AS_OF
from tests.reliability.cli_run import TRIAL, screening_run
from tests.reliability.reports import hidden_siblings
from tests.reliability.tmpfs import fill, read_only, small_tmpfs


def snapshot(report: Path) -> dict[str, str]:
    """Every file of the published report (symlink followed) by its digest."""
    return {
        str(p.relative_to(report)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(report.rglob("*"))
        if p.is_file()
    }


def error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("screening: error:")]
    assert len(lines) == 1, done.stderr
    return lines[0]


@pytest.fixture
def published(small_hospital, tmp_path):
    """A reports root on a 16 MB tmpfs holding one published report (about 5 MB)."""
    with small_tmpfs(tmp_path / "reports", "16m") as root:
        first = screening_run(small_hospital.exports, root)
        assert first.returncode == 0, first.stderr
        target = root / TRIAL / AS_OF
        yield small_hospital.exports, root, target, snapshot(target)


def test_a_full_disk_stops_the_run_naming_the_file_and_keeps_the_previous_report(published):
    exports, root, target, before = published
    fill(root, leave=256 << 10)
    line = error_line(screening_run(exports, root))
    assert "no space left on the device (disk full)" in line
    assert line.startswith(f"screening: error: {root}/")
    assert snapshot(target) == before
    assert hidden_siblings(target) == [], "the unfinished version was removed"


def test_a_read_only_reports_folder_stops_the_run_and_keeps_the_previous_report(published):
    exports, root, target, before = published
    read_only(root)
    line = error_line(screening_run(exports, root))
    assert "read-only file system" in line
    assert f"{root}/{TRIAL}/" in line
    assert snapshot(target) == before


def test_a_parquet_write_on_a_full_disk_names_its_file(tmp_path):
    import numpy as np
    import pyarrow as pa

    with small_tmpfs(tmp_path / "tiny", "1m") as folder:
        table = pa.table({"x": np.frombuffer(os.urandom(4 << 20), dtype=np.uint8)})
        with pytest.raises(OutputError) as caught:
            write_parquet(table, folder / "big.parquet")
    assert (
        str(caught.value)
        == f"{folder}/big.parquet: cannot write: no space left on the device (disk full)"
    )
