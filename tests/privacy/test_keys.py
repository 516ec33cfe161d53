"""The pseudonym key: environment, owner-only key file, refusal otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import ConfigError
from pipeline.keys import load_key
from pipeline.pseudonym import pseudonymise

SECRET = "a-site-secret-of-some-length"


def test_key_from_environment():
    assert load_key({"SCREENING_PSEUDONYM_KEY": SECRET}) == SECRET.encode()


def test_no_key_refuses_with_every_option_named():
    with pytest.raises(ConfigError) as caught:
        load_key({})
    message = str(caught.value)
    for name in (
        "SCREENING_PSEUDONYM_KEY",
        "SCREENING_PSEUDONYM_KEY_FILE",
        "SCREENING_PSEUDONYM_KEY_CONN",
    ):
        assert name in message


def test_short_key_refused():
    with pytest.raises(ConfigError, match="too short"):
        load_key({"SCREENING_PSEUDONYM_KEY": "short"})


def test_owner_only_key_file_is_accepted(tmp_path):
    path = tmp_path / "site.key"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, (SECRET + "\n").encode())
    os.close(fd)
    assert load_key({"SCREENING_PSEUDONYM_KEY_FILE": str(path)}) == SECRET.encode()


@pytest.mark.parametrize("file_mode", [0o640, 0o604, 0o660])
def test_key_file_readable_by_others_is_refused(tmp_path, file_mode):
    path = tmp_path / "site.key"
    path.write_text(SECRET)
    path.chmod(file_mode)
    with pytest.raises(ConfigError, match="owner-only") as caught:
        load_key({"SCREENING_PSEUDONYM_KEY_FILE": str(path)})
    assert SECRET not in str(caught.value)


def test_airflow_connection_without_airflow_context_is_a_clear_error():
    with pytest.raises(ConfigError, match="cannot be read"):
        load_key({"SCREENING_PSEUDONYM_KEY_CONN": "no_such_connection_for_tests"})


def test_pseudonyms_are_keyed_stable_and_not_a_plain_hash():
    import hashlib

    ids = pd.Series(["IPP1", "IPP2", "IPP1"])
    one = pseudonymise(ids, b"k" * 32)
    assert one.iloc[0] == one.iloc[2] != one.iloc[1]
    assert pseudonymise(ids, b"k" * 32).equals(one)
    assert not pseudonymise(ids, b"j" * 32).equals(one)  # rotation gives new pseudonyms
    plain = hashlib.sha256(b"IPP1").hexdigest()[:20]
    assert plain not in one.iloc[0]


def owner_only_file(path, content: bytes):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content)
    os.close(fd)
    return path


def key_file_error(path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_key({"SCREENING_PSEUDONYM_KEY_FILE": str(path)})
    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message
    return message


def test_key_file_that_is_a_folder_is_refused(tmp_path):
    folder = tmp_path / "keys"
    folder.mkdir(mode=0o700)
    assert "is a folder" in key_file_error(folder)


def test_key_file_that_is_a_pipe_is_refused_without_blocking(tmp_path):
    pipe = tmp_path / "key.fifo"
    os.mkfifo(pipe, 0o600)
    assert "not a regular file" in key_file_error(pipe)


def test_binary_key_file_is_refused_without_quoting_it(tmp_path):
    secret = b"\xff\xfe" + SECRET.encode() + b"\x80\x81"
    path = owner_only_file(tmp_path / "site.key", secret)
    message = key_file_error(path)
    assert "not UTF-8 text" in message
    assert SECRET not in message
    assert "0xff" not in message and "\\xff" not in message


@pytest.mark.parametrize("content", [b"", b"\n  \n", b"short\n"])
def test_empty_or_short_key_file_is_refused(tmp_path, content):
    path = owner_only_file(tmp_path / "site.key", content)
    assert "too short" in key_file_error(path)


def test_oversized_key_file_is_refused(tmp_path):
    path = owner_only_file(tmp_path / "site.key", b"k" * (1024 * 1024))
    message = key_file_error(path)
    assert "larger than" in message
    assert "kkkk" not in message


def test_key_variable_with_undecodable_bytes_is_refused_without_quoting_it():
    # os.environ holds undecodable bytes as surrogates (PEP 383).
    value = SECRET + "\udcff"
    with pytest.raises(ConfigError, match="not valid UTF-8") as caught:
        load_key({"SCREENING_PSEUDONYM_KEY": value})
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("kind", ["folder", "binary"])
def test_screening_run_with_a_bad_key_file_exits_2_with_one_line(tmp_path, kind):
    """The command line reports an unusable key file as a user error: status 2, one line on
    stderr naming the file, no traceback, no key material; before any export is read."""
    key = tmp_path / "site.key"
    if kind == "folder":
        key.mkdir(mode=0o700)
    else:
        owner_only_file(key, b"\x80" + SECRET.encode())
    env = {k: v for k, v in os.environ.items() if k != "SCREENING_PSEUDONYM_KEY"}
    env["SCREENING_PSEUDONYM_KEY_FILE"] = str(key)
    repo = Path(__file__).resolve().parent.parent.parent
    command = [
        *(sys.executable, "-m", "pipeline.cli", "run", "--trial", "lutathera-retreatment"),
        *("--exports", str(tmp_path / "no-such-exports"), "--as-of", "2026-11-24"),
        *("--out", str(tmp_path / "reports")),
    ]
    done = subprocess.run(
        command,
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("screening: error: pseudonym key file ")
    assert str(key) in lines[0]
    assert "Traceback" not in done.stderr and SECRET not in done.stderr + done.stdout
    assert not (tmp_path / "reports").exists()
