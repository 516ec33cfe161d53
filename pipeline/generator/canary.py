"""`--canary`: patients whose id, names, birth date and a lab value are unique, greppable
strings, so a test can search every file a run writes for a leak."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CANARY_COUNT = 3


@dataclass(frozen=True)
class Canary:
    patient_id: str
    family_name: str
    given_name: str
    birth_date_text: str  # as exported (dd/mm/yyyy)
    birth_date_iso: str
    lab_value_text: str  # as exported (comma decimal)
    lab_value_point: str


def canaries() -> list[Canary]:
    return [
        Canary(
            patient_id=f"CANARYIPP{i:05d}",
            family_name=f"Canarynom{i}",
            given_name=f"Canaryprenom{i}",
            birth_date_text=f"0{i}/03/1933",
            birth_date_iso=f"1933-03-0{i}",
            lab_value_text=f"{2345 + i},6789",
            lab_value_point=f"{2345 + i}.6789",
        )
        for i in range(1, CANARY_COUNT + 1)
    ]


def plant_canaries(
    texts: dict[str, pd.DataFrame], eligible_age: pd.Series, rng: np.random.Generator
) -> dict[str, str]:
    """Rename chosen patients everywhere; return old id -> canary id (for the truth)."""
    patients = texts["patients"]
    pool = patients.index[patients["IPP"].isin(eligible_age[eligible_age].index)]
    chosen = rng.choice(pool, size=CANARY_COUNT, replace=False)
    renamed: dict[str, str] = {}
    for row, canary in zip(chosen, canaries(), strict=True):
        renamed[patients.at[row, "IPP"]] = canary.patient_id
        patients.loc[row, ["NOM", "PRENOM", "DATE_NAISSANCE"]] = [
            canary.family_name,
            canary.given_name,
            canary.birth_date_text,
        ]
    for frame in texts.values():
        frame["IPP"] = frame["IPP"].replace(renamed)
    labs = texts["labs"]
    for canary in canaries():
        rows = labs.index[(labs["IPP"] == canary.patient_id) & (labs["CODE_LOINC"] == "2160-0")]
        if len(rows):  # a routine creatinine, never evidence for any criterion
            labs.loc[rows[0], ["RESULTAT", "UNITE"]] = [canary.lab_value_text, "µmol/L"]
    return renamed
