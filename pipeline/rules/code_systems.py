"""The code systems a trial's code sets are written in, and the shape of their codes.

A code, a prefix or a range that no code of its system can have (an ATC code is a letter,
two digits, two letters and two digits: `L1EF*` matches nothing) would make a criterion
silently unmeetable, so every pattern is checked against its system's shape when the trial
is loaded. A contract column is tied to a system by the shape it is checked with
(`Column.pattern`), so the contract stays the single source of truth for the data side.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.contract import (
    ATC,
    CCAM,
    EXTRACTS,
    ICD10,
    ICD10PCS,
    ICDO3_MORPHOLOGY,
    ICDO3_TOPOGRAPHY,
    LOINC,
    SNOMED,
)

_DIGIT, _LETTER = r"\d", r"[A-Z]"


@dataclass(frozen=True)
class CodeSystem:
    """One code system: its codes' full shape and, for a hierarchical system, the character
    each position may hold (a prefix is valid when every character fits its position)."""

    name: str
    label: str
    shape: str
    example: str
    positions: tuple[str, ...] = ()
    # The length of the codes records carry, where a shorter code is a class above them
    # (ATC: `L01EF` is a class, `L01EF01` a substance); None where short codes are in use.
    leaf_length: int | None = None

    @property
    def hierarchical(self) -> bool:
        """Prefixes and ranges mean a group of codes only where the code's leading
        characters are its place in a hierarchy (ATC, ICD); a LOINC code has none."""
        return bool(self.positions)

    def is_code(self, code: str) -> bool:
        return re.fullmatch(self.shape, code) is not None

    def is_prefix(self, prefix: str) -> bool:
        """Whether some code of the system starts with `prefix`."""
        if not prefix or len(prefix) > len(self.positions):
            return False
        return all(re.fullmatch(p, c) for p, c in zip(self.positions, prefix, strict=False))

    def describe(self) -> str:
        return f"{self.label}, e.g. {self.example}"


SYSTEMS: dict[str, CodeSystem] = {
    s.name: s
    for s in (
        CodeSystem(
            "atc",
            "WHO ATC code (letter, 2 digits, letter, letter, 2 digits)",
            ATC,
            "V10XX04",
            (_LETTER, _DIGIT, _DIGIT, _LETTER, _LETTER, _DIGIT, _DIGIT),
            leaf_length=7,
        ),
        CodeSystem(
            "icd10",
            "ICD-10 code (letter, digit, digit or A/B, optional dot and up to 4 characters)",
            ICD10,
            "C18.2",
            (_LETTER, _DIGIT, r"[0-9AB]", r"\.", *[r"[0-9A-Z]"] * 4),
        ),
        CodeSystem(
            "icdo3_topography",
            "ICD-O-3 topography code (C, 2 digits, optional dot and digit)",
            ICDO3_TOPOGRAPHY,
            "C17.1",
            ("C", _DIGIT, _DIGIT, r"\.", _DIGIT),
            # Every ICD-O-3 site has its subsite digit (the rectum is C20.9, the thyroid
            # C73.9): `C25` is the pancreas category, which no record's site carries.
            leaf_length=5,
        ),
        CodeSystem(
            "icdo3_morphology",
            "ICD-O-3 morphology code (4 digits, slash, behaviour digit)",
            ICDO3_MORPHOLOGY,
            "8240/3",
            (_DIGIT, _DIGIT, _DIGIT, _DIGIT, "/", _DIGIT),
        ),
        CodeSystem("loinc", "LOINC code (digits, dash, check digit)", LOINC, "718-7"),
        CodeSystem("snomed", "SNOMED CT concept id (6 to 18 digits)", SNOMED, "254626006"),
        CodeSystem(
            "ccam",
            "CCAM code (4 letters, 3 digits)",
            CCAM,
            "HHFA016",
            (*[_LETTER] * 4, *[_DIGIT] * 3),
        ),
        CodeSystem(
            "icd10pcs",
            "ICD-10-PCS code (7 digits or letters, no I or O)",
            ICD10PCS,
            "0DTN0ZZ",
            (r"[0-9A-HJ-NP-Z]",) * 7,
        ),
    )
}
_BY_SHAPE = {system.shape: system for system in SYSTEMS.values()}


def column_system(extract: str, column: str) -> CodeSystem | None:
    """The code system of a contract column, if it holds codes of one."""
    meta = EXTRACTS.get(extract)
    if meta is None or column not in meta.column_names:
        return None
    found = meta.column(column)
    if found.type != "code" or found.pattern is None:
        return None
    return _BY_SHAPE.get(found.pattern)
