"""Keyed pseudonyms (HMAC-SHA-256 with a site secret): stable per site, useless without the key."""

from __future__ import annotations

import hmac
import os

import pandas as pd

from pipeline.errors import ConfigError

KEY_VARIABLE = "SCREENING_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
PREFIX = "P-"
HEX_CHARS = 20  # 80 bits: no collision expected below billions of patients


def load_key(environ: dict[str, str] | None = None) -> bytes:
    """The site secret from the environment; refuse to run without a real one."""
    value = (environ if environ is not None else os.environ).get(KEY_VARIABLE, "")
    if not value:
        raise ConfigError(
            f"no pseudonymisation key: set {KEY_VARIABLE} to the site secret "
            f"(at least {MIN_KEY_BYTES} characters); reports are never written without one"
        )
    key = value.encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"{KEY_VARIABLE} is too short: use at least {MIN_KEY_BYTES} characters")
    return key


def pseudonymise(patient_ids: pd.Series, key: bytes) -> pd.Series:
    """Pseudonym per id. Each distinct id is hashed once; hmac.digest is a single C call."""
    codes, uniques = pd.factorize(patient_ids, use_na_sentinel=True)
    hashed = [
        PREFIX + hmac.digest(key, str(value).encode("utf-8"), "sha256").hex()[:HEX_CHARS]
        for value in uniques
    ]
    mapped = pd.array(hashed, dtype="str").take(codes, allow_fill=True)
    return pd.Series(mapped, index=patient_ids.index, dtype="str")
