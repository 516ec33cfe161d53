"""Keyed pseudonyms (HMAC-SHA-256 with a site secret): stable per site, useless without the key."""

from __future__ import annotations

import hmac

import pandas as pd

from pipeline.keys import KEY_VARIABLE, load_key

__all__ = ["KEY_VARIABLE", "load_key", "pseudonymise"]

PREFIX = "P-"
HEX_CHARS = 20  # 80 bits: no collision expected below billions of patients


def pseudonymise(patient_ids: pd.Series, key: bytes) -> pd.Series:
    """Pseudonym per id. Each distinct id is hashed once; hmac.digest is a single C call."""
    codes, uniques = pd.factorize(patient_ids, use_na_sentinel=True)
    hashed = [
        PREFIX + hmac.digest(key, str(value).encode("utf-8"), "sha256").hex()[:HEX_CHARS]
        for value in uniques
    ]
    mapped = pd.array(hashed, dtype="str").take(codes, allow_fill=True)
    return pd.Series(mapped, index=patient_ids.index, dtype="str")
