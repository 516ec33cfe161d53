"""The lab catalogue: which LOINC codes mean which analyte, and how units convert.

Vital signs, ECG intervals and LVEF are measurements like any lab test (OMOP's measurement
table, FHIR's Observation): they are analytes of this catalogue too, with a `category` that
says which kind they are."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

# Kinds of measurement the labs extract carries (a catalogue entry without one is a lab test).
CATEGORIES = ("lab", "vital_sign", "ecg", "cardiac_function")


@dataclass(frozen=True)
class Analyte:
    name: str
    loinc: tuple[str, ...]
    unit: str
    factors: dict[str, float]
    plausible: tuple[float, float]
    category: str = "lab"


@cache
def load_catalogue() -> dict[str, Analyte]:
    """Analytes by name, read once from the packaged catalogue.yaml."""
    text = resources.files("pipeline.labs").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {name: _analyte(name, spec) for name, spec in data.items()}


def _analyte(name: str, spec: dict[str, Any]) -> Analyte:
    category = spec.get("category", "lab")
    if category not in CATEGORIES:  # a packaging mistake, caught by the catalogue's tests
        raise ValueError(f"catalogue.yaml: {name}: category {category!r} not in {CATEGORIES}")
    return Analyte(
        name=name,
        loinc=tuple(spec["loinc"]),
        unit=spec["unit"],
        factors={str(k): float(v) for k, v in spec["factors"].items()},
        plausible=(float(spec["plausible"][0]), float(spec["plausible"][1])),
        category=category,
    )


def analyte_by_loinc() -> dict[str, str]:
    """LOINC code -> analyte name."""
    return {code: a.name for a in load_catalogue().values() for code in a.loinc}
