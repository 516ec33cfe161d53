"""pipeline.errors.writing: a failed write is one line naming the file, never a traceback."""

from __future__ import annotations

import errno
import os

import pytest

from pipeline.errors import OutputError, failure_in_text, write_failure, writing


def test_a_real_failed_write_names_the_file_the_system_names(tmp_path):
    missing = tmp_path / "no-such-folder" / "report.json"
    with pytest.raises(OutputError) as caught, writing(tmp_path):
        missing.write_text("x")
    assert str(caught.value) == f"{missing}: cannot write: No such file or directory"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_without_a_file_name_the_error_names_the_path_written():
    expected = r"^/reports/x.parquet: cannot write: disk quota"
    with pytest.raises(OutputError, match=expected), writing("/reports/x.parquet"):
        raise OSError("IOError: [Errno 122] Disk quota exceeded")  # Arrow's form: no errno


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (errno.ENOSPC, "no space left on the device (disk full)"),
        (errno.EACCES, "permission denied"),
        (errno.EROFS, "read-only file system"),
    ],
)
def test_the_usual_failures_are_said_plainly(code, reason):
    assert write_failure(OSError(code, "whatever")) == reason
    assert failure_in_text(f"Traceback ... OSError: [Errno {code}] ") is None
    assert failure_in_text(f"... {os.strerror(code)} ...") == reason
