"""The pseudonym key: environment, owner-only key file, refusal otherwise."""

from __future__ import annotations

import os

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
