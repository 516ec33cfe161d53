"""Codes a source delivered that the pipeline could not use, counted per code.

A site that exports its own test numbers instead of LOINC, a unit the lab catalogue does not
know, an OMOP concept with no LOINC or ATC code, a FHIR medication coded in RxNorm with no
ATC mapping: each of these leaves a row unusable, and the site can only fix what it can see
code by code. The readers (`pipeline.io.fhir`, `pipeline.io.omop`) count the codes they could
not map; validation (`pipeline.prepare`) counts the lab codes and units the catalogue does
not know, for every source kind. The counts reach `dq/unknown_codes.parquet` and the
data-quality page.

An issue is a dict (it travels as JSON between Airflow tasks) with the contract `column`
concerned, the code `system`, the `code`, the `check` (`catalogue`: unknown to the lab
catalogue; `mapping`: no code of the contract could be derived from it), the `reason` in
words and the `rows`. Codes are terminology, not patient data; a code that is not plain text
(a control character, an overlong value: possibly a value pasted in the wrong field) is
never written out, only counted under `NOT_SHOWN`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import pandas as pd

from pipeline.errors import ConfigError

ISSUE_KEYS = ("column", "system", "code", "check", "reason")
NOT_SHOWN = "(not shown: not a plain code)"
NO_CODE = "(no code)"
# A code as terminologies write them: short, no control character, no spaces at the ends
# (a unit such as `µmol/L` is a plain code).
_PLAIN_CODE = r"^[^\s\x00-\x1f\x7f-\x9f](?:[^\x00-\x1f\x7f-\x9f\n]{0,62}[^\s\x00-\x1f\x7f-\x9f])?$"


def count_codes(
    codes: pd.Series,
    *,
    column: str,
    reason: str,
    check: str = "mapping",
    system: str | pd.Series = "",
) -> list[dict[str, Any]]:
    """Rows per (system, code) among `codes` (one entry per unusable row), as issues."""
    if len(codes) == 0:
        return []
    code = pd.Series(codes, dtype="string").reset_index(drop=True)
    systems = (
        pd.Series(system, dtype="string").reset_index(drop=True)
        if isinstance(system, pd.Series)
        else pd.Series(system, index=code.index, dtype="string")
    )
    plain = code.str.match(_PLAIN_CODE).fillna(False).astype(bool)
    code = code.where(plain, NOT_SHOWN).where(code.notna(), NO_CODE)
    plain_system = systems.str.match(_PLAIN_CODE).fillna(False).astype(bool)
    systems = systems.where(plain_system | systems.isna() | systems.eq(""), NOT_SHOWN)
    frame = pd.DataFrame({"system": systems.fillna(""), "code": code})
    counts = frame.value_counts(sort=False)
    return [
        {
            "column": column,
            "system": str(sys),
            "code": str(value),
            "check": check,
            "reason": reason,
            "rows": int(rows),
        }
        for (sys, value), rows in counts.items()
    ]


def merge_issues(*parts: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Issues of several batches or readers summed per (column, system, code, check, reason),
    most rows first, then by code: the same counts always give the same list."""
    total: Counter[tuple[str, ...]] = Counter()
    for part in parts:
        for issue in part:
            total[tuple(str(issue[k]) for k in ISSUE_KEYS)] += int(issue["rows"])
    ordered = sorted(total.items(), key=lambda item: (-item[1], item[0]))
    return [{**dict(zip(ISSUE_KEYS, key, strict=True)), "rows": rows} for key, rows in ordered]


def atc_table(value: Any, where: str, key: tuple[str, str], atc_shape: str) -> dict[str, str]:
    """A site's code table to WHO ATC (OMOP `drug_atc`: drug_concept_id -> ATC; FHIR
    `rxnorm_to_atc`: RxNorm code -> ATC). Both key kinds are digits; codes are upper-cased.
    `key` names the keys in errors: ("a concept id", "concept")."""
    a_key, label = key
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must map {label} codes to ATC codes")
    table: dict[str, str] = {}
    for source_code, atc in value.items():
        text = str(source_code)
        if isinstance(source_code, bool) or not text.isdigit():
            raise ConfigError(f"{where}: '{text}' is not {a_key} (digits)")
        if not isinstance(atc, str) or not re.fullmatch(atc_shape, atc.strip().upper()):
            raise ConfigError(f"{where}: the code for {label} {text} is not a WHO ATC code")
        table[text] = atc.strip().upper()
    return table
