"""`--defects`: plant row-level defects with the handling each one must get.

Each planted defect is listed in `defects.parquet` (extract, row number in the written file,
kind, the rule that must catch it, the expected handling). Defects that take away a patient's
only evidence change that patient's expected statuses in the truth; the others must change
nothing but the quarantine and the counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipeline.generator.build import BACKGROUND_ANALYTES
from pipeline.generator.truth import PATIENT_ROW_READERS

PER_KIND = 3


@dataclass
class PlantedDefects:
    rows: list[dict[str, object]] = field(default_factory=list)
    unknown: dict[str, list[str]] = field(default_factory=dict)  # criterion -> patients
    # Men whose patients row is set aside: still screened, every reader of the row unknown.
    men_row_set_aside: list[str] = field(default_factory=list)

    def add(self, extract: str, index: np.ndarray, kind: str, rule: str, handling: str) -> None:
        for i in index:
            self.rows.append(
                {
                    "extract": extract,
                    "frame_index": int(i),
                    "kind": kind,
                    "rule_id": rule,
                    "handling": handling,
                }
            )


def _pick(mask: pd.Series, k: int, rng: np.random.Generator, taken: set[int]) -> np.ndarray:
    candidates = np.setdiff1d(np.flatnonzero(mask.to_numpy()), np.fromiter(taken, int))
    chosen = rng.choice(candidates, size=min(k, len(candidates)), replace=False)
    taken.update(int(i) for i in chosen)
    return chosen


def plant_defects(
    texts: dict[str, pd.DataFrame],
    hb_variant: pd.Series,
    rng: np.random.Generator,
    as_of: pd.Timestamp,
) -> PlantedDefects:
    """Modify the text frames in place; return what was planted and what it must cause."""
    planted = PlantedDefects()
    labs = texts["labs"]
    taken: set[int] = set()
    background = labs["CODE_LOINC"].isin(list(BACKGROUND_ANALYTES))

    rows = _pick(background, PER_KIND, rng, taken)
    labs.loc[rows, "DATE_PRELEVEMENT"] = "31/02/2026 08:00"
    planted.add("labs", rows, "bad_date", "conformance.labs.collected_at.datetime", "quarantined")

    rows = _pick(background, PER_KIND, rng, taken)
    future = (as_of + pd.DateOffset(years=4)).strftime("%d/%m/%Y 10:00")
    labs.loc[rows, "DATE_PRELEVEMENT"] = future
    planted.add(
        "labs", rows, "future_date", "plausibility.labs.collected_at.not_future", "quarantined"
    )

    rows = _pick(labs["CODE_LOINC"] == "2160-0", PER_KIND, rng, taken)
    labs.loc[rows, "UNITE"] = "unités"
    planted.add("labs", rows, "unknown_unit", "conformance.labs.unit.known", "quarantined")

    rows = _pick(background, PER_KIND, rng, taken)
    labs.loc[rows, "RESULTAT"] = "hémolysé"
    planted.add("labs", rows, "free_text", "conformance.labs.value_raw.numeric", "quarantined")

    rows = _pick(labs["CODE_LOINC"] == "1751-7", PER_KIND, rng, taken)
    labs.loc[rows, "RESULTAT"] = "900"
    planted.add(
        "labs", rows, "implausible_value", "plausibility.labs.value.range.albumin", "quarantined"
    )

    # The only recent haemoglobin of eligible-Hb patients: free text, or implausible.
    recent_cut = as_of - pd.Timedelta(days=26)
    dates = pd.to_datetime(labs["DATE_PRELEVEMENT"], format="%d/%m/%Y %H:%M", errors="coerce")
    ok_patients = set(hb_variant[hb_variant == "ok"].index)
    recent_hb = (
        (labs["CODE_LOINC"] == "718-7") & (dates >= recent_cut) & labs["IPP"].isin(ok_patients)
    )
    for value, kind, rule in (
        ("non fait", "free_text_only_evidence", "conformance.labs.value_raw.numeric"),
        ("250", "implausible_only_evidence", "plausibility.labs.value.range.haemoglobin"),
    ):
        rows = _pick(recent_hb, PER_KIND, rng, taken)
        labs.loc[rows, "RESULTAT"] = value
        labs.loc[rows, "UNITE"] = "g/dL"
        planted.add("labs", rows, kind, rule, "quarantined")
        planted.unknown.setdefault("haemoglobin_above_8", []).extend(labs.loc[rows, "IPP"])

    # Orphans: results for a patient the patients extract does not know.
    rows = _pick(background, PER_KIND, rng, taken)
    labs.loc[rows, "IPP"] = "IPP000000001"
    planted.add("labs", rows, "orphan_patient", "relational.labs.patient_id.exists", "quarantined")

    # Exact duplicate rows: removed once, counted.
    rows = _pick(background, PER_KIND, rng, taken)
    copies = labs.loc[rows].copy()
    texts["labs"] = pd.concat([labs, copies], ignore_index=True)
    planted.add(
        "labs",
        np.arange(len(labs), len(labs) + len(copies)),
        "duplicate_row",
        "uniqueness.labs.exact_duplicate",
        "duplicate_removed",
    )
    treatments = texts["treatments"]
    rows = rng.choice(len(treatments), size=PER_KIND, replace=False)
    texts["treatments"] = pd.concat([treatments, treatments.loc[rows]], ignore_index=True)
    planted.add(
        "treatments",
        np.arange(len(treatments), len(treatments) + PER_KIND),
        "duplicate_row",
        "uniqueness.treatments.exact_duplicate",
        "duplicate_removed",
    )

    # A man born in 1850: implausible, his patients row set aside; he is still screened (his
    # other records stay his), every criterion reading that row unknown.
    patients = texts["patients"]
    men = patients["SEXE"].str.strip().str.upper() == "H"
    row = _pick((patients["DATE_NAISSANCE"] != "") & men, 1, rng, set())
    patients.loc[row, "DATE_NAISSANCE"] = "01/01/1850"
    planted.add(
        "patients",
        row,
        "implausible_birth_date",
        "plausibility.patients.birth_date.range",
        "quarantined",
    )
    planted.men_row_set_aside.extend(patients.loc[row, "IPP"])

    # Lesion size out of bounds on a background lesion is not planted: all lesions are evidence.
    return planted


def apply_to_truth(truth: pd.DataFrame, planted: PlantedDefects) -> pd.DataFrame:
    """Expected statuses once the defects are handled: lost evidence is unknown, not not_met."""
    truth = truth.copy()
    unknown = dict(planted.unknown)
    for criterion in PATIENT_ROW_READERS:
        unknown[criterion] = [*unknown.get(criterion, []), *planted.men_row_set_aside]
    # Sex no longer known: the pregnancy test applies, not done, so it is to be confirmed.
    pregnancy = (truth["criterion_id"] == "negative_pregnancy_test") & truth["patient_id"].isin(
        planted.men_row_set_aside
    )
    truth.loc[pregnancy, "status"] = "to_confirm"
    for criterion, patients in unknown.items():
        hit = (truth["criterion_id"] == criterion) & truth["patient_id"].isin(patients)
        truth.loc[hit, "status"] = "unknown"
    wide = truth.pivot(index="patient_id", columns="criterion_id", values="status")
    values = wide.drop(columns="overall").to_numpy()
    overall = np.where(
        (values == "not_met").any(axis=1),
        "not_eligible",
        np.where((values == "unknown").any(axis=1), "needs_review", "candidate"),
    )
    overall_map = pd.Series(overall, index=wide.index)
    is_overall = truth["criterion_id"] == "overall"
    truth.loc[is_overall, "status"] = truth.loc[is_overall, "patient_id"].map(overall_map)
    return truth.reset_index(drop=True)
