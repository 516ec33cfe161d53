"""The lab catalogue: which LOINC codes mean which analyte, and how units convert."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml


@dataclass(frozen=True)
class Analyte:
    name: str
    loinc: tuple[str, ...]
    unit: str
    factors: dict[str, float]
    plausible: tuple[float, float]


@cache
def load_catalogue() -> dict[str, Analyte]:
    """Analytes by name, read once from the packaged catalogue.yaml."""
    text = resources.files("pipeline.labs").joinpath("catalogue.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {
        name: Analyte(
            name=name,
            loinc=tuple(spec["loinc"]),
            unit=spec["unit"],
            factors={str(k): float(v) for k, v in spec["factors"].items()},
            plausible=(float(spec["plausible"][0]), float(spec["plausible"][1])),
        )
        for name, spec in data.items()
    }


def analyte_by_loinc() -> dict[str, str]:
    """LOINC code -> analyte name."""
    return {code: a.name for a in load_catalogue().values() for code in a.loinc}
