"""Where the site secret for pseudonyms comes from, and the refusal to run without it.

In order: the environment variable SCREENING_PSEUDONYM_KEY; a key file named by
SCREENING_PSEUDONYM_KEY_FILE, which must be readable by its owner only; an Airflow connection
named by SCREENING_PSEUDONYM_KEY_CONN (its password field), read inside an Airflow task. The
key itself is never logged, printed or written anywhere but where an operator put it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from pipeline.errors import ConfigError

KEY_VARIABLE = "SCREENING_PSEUDONYM_KEY"
KEY_FILE_VARIABLE = "SCREENING_PSEUDONYM_KEY_FILE"
KEY_CONN_VARIABLE = "SCREENING_PSEUDONYM_KEY_CONN"
MIN_KEY_BYTES = 16
# A key is a line of text; a file much larger is not a key file (and is not read whole).
MAX_KEY_FILE_BYTES = 64 * 1024


def _check(value: str, where: str) -> bytes:
    try:
        key = value.strip().encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in an environment variable (surrogates)
        raise ConfigError(f"pseudonym key from {where} is not valid UTF-8 text") from None
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(
            f"pseudonym key from {where} is too short: use at least {MIN_KEY_BYTES} characters"
        )
    return key


def key_from_file(path: Path) -> bytes:
    """Read a key file, refusing one that anybody but its owner could read or change.

    A folder, a device or pipe, a binary or oversized file is refused with a one-line error
    naming the file: never a traceback, and never a message quoting what was read (it would
    be key material).
    """
    try:
        info = path.stat()
    except OSError:
        raise ConfigError(f"pseudonym key file {path} cannot be read") from None
    if stat.S_ISDIR(info.st_mode):
        raise ConfigError(f"pseudonym key file {path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(f"pseudonym key file {path} is not a regular file")
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"pseudonym key file {path} is accessible to group or others "
            f"(mode {stat.filemode(info.st_mode)}): make it owner-only (chmod 600)"
        )
    if info.st_uid != os.geteuid():
        raise ConfigError(f"pseudonym key file {path} is not owned by the user running the job")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise ConfigError(
            f"pseudonym key file {path} cannot be read ({exc.strerror or type(exc).__name__})"
        ) from None
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise ConfigError(
            f"pseudonym key file {path} is larger than {MAX_KEY_FILE_BYTES:,} bytes: not a key file"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"pseudonym key file {path} is not UTF-8 text (a binary file?): "
            "write the key as one line of text"
        ) from None
    return _check(text, f"file {path}")


def key_from_airflow(conn_id: str) -> bytes:
    """The password field of an Airflow connection (only available inside Airflow)."""
    try:
        from airflow.sdk import Connection

        password = Connection.get(conn_id).password or ""
    except Exception as exc:  # any failure means: no key from Airflow
        raise ConfigError(
            f"pseudonym key connection '{conn_id}' cannot be read ({type(exc).__name__})"
        ) from None
    return _check(password, f"Airflow connection '{conn_id}'")


def load_key(environ: Mapping[str, str] | None = None) -> bytes:
    """The site secret; refuse to run without a real one."""
    env = os.environ if environ is None else environ
    if env.get(KEY_VARIABLE):
        return _check(env[KEY_VARIABLE], KEY_VARIABLE)
    if env.get(KEY_FILE_VARIABLE):
        return key_from_file(Path(env[KEY_FILE_VARIABLE]))
    if env.get(KEY_CONN_VARIABLE):
        return key_from_airflow(env[KEY_CONN_VARIABLE])
    raise ConfigError(
        f"no pseudonymisation key: set {KEY_VARIABLE}, or {KEY_FILE_VARIABLE} to an owner-only "
        f"key file, or {KEY_CONN_VARIABLE} to an Airflow connection holding it; reports are "
        "never written without one"
    )
