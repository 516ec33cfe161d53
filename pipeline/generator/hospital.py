"""`screening generate`: a synthetic French hospital's exports for one as-of date, with truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.generator.assign import assign_variants
from pipeline.generator.build import Synth
from pipeline.generator.truth import expected_statuses
from pipeline.generator.write import shuffled_with_ids, to_text_table, write_csv
from pipeline.publish import write_parquet

# File name, hospital id column and prefix, encoding, and column kinds per extract.
LAYOUT = {
    "patients": (
        "patients.csv",
        None,
        None,
        "cp1252",
        {"DATE_NAISSANCE": "date", "DATE_DECES": "date"},
    ),
    "pathology": ("anapath.csv", "ID_CR", "AP", "utf-8", {"DATE_CR": "date", "KI67": "decimal"}),
    "labs": ("biologie.csv", "ID_RESULTAT", "B", "utf-8", {"DATE_PRELEVEMENT": "datetime"}),
    "imaging_studies": (
        "imagerie_examens.csv",
        "ID_EXAMEN",
        "EX",
        "utf-8-sig",
        {"DATE_EXAMEN": "date", "POURCENTAGE_SSTR": "decimal", "SCORE_KRENNING": "decimal"},
    ),
    "imaging_lesions": (
        "imagerie_lesions.csv",
        "ID_LESION",
        "LS",
        "utf-8",
        {"GRAND_AXE_MM": "decimal", "PETIT_AXE_MM": "decimal"},
    ),
    "treatments": (
        "traitements.csv",
        "ID_ADMIN",
        "TT",
        "utf-8",
        {"DATE_ADMINISTRATION": "date", "ACTIVITE_MBQ": "decimal"},
    ),
    "assessments": ("evaluations.csv", "ID_EVAL", "EV", "cp1252", {"DATE_EVAL": "date"}),
    "tumour_board": ("rcp.csv", "ID_DECISION", "RCP", "utf-8", {"DATE_DECISION": "date"}),
}


@dataclass(frozen=True)
class GeneratedHospital:
    exports: Path
    truth: Path
    patients: int
    rows: dict[str, int]


def generate_hospital(
    out: Path, patients: int, seed: int, as_of: str, background_labs: float = 30.0
) -> GeneratedHospital:
    """Write DIR/exports/<as-of>/*.csv and DIR/truth.parquet; same seed, same bytes."""
    rng = np.random.default_rng(seed)
    variants = assign_variants(patients, rng)
    synth = Synth(variants, as_of, rng, background_labs)
    prrt = synth.prrt_dates()
    studies, lesions = synth.imaging(prrt)
    frames = {
        "patients": synth.patients(),
        "pathology": synth.pathology(),
        "labs": synth.labs(),
        "treatments": synth.treatments(prrt),
        "assessments": synth.assessments(),
        "tumour_board": synth.tumour_board(),
    }
    studies = shuffled_with_ids(studies, "ID_EXAMEN", "EX", rng)
    study_ids = pd.Series(studies["ID_EXAMEN"].to_numpy(), index=studies["_origin"].to_numpy())
    lesions.insert(0, "ID_EXAMEN", study_ids.reindex(lesions.pop("STUDY_ROW")).to_numpy())
    frames["imaging_studies"] = studies.drop(columns=["_origin", "KIND", "LESIONS"])
    frames["imaging_lesions"] = lesions

    folder = Path(out) / "exports" / as_of
    rows: dict[str, int] = {}
    for name, (file_name, id_column, prefix, encoding, kinds) in LAYOUT.items():
        frame = frames[name]
        if id_column is not None and id_column not in frame:
            frame = shuffled_with_ids(frame, id_column, prefix, rng).drop(columns="_origin")
        elif name == "patients":
            frame = frame.iloc[rng.permutation(len(frame))]
        write_csv(to_text_table(frame, kinds), folder / file_name, encoding)
        rows[name] = len(frame)
    truth = expected_statuses(variants, synth.pid)
    truth_path = Path(out) / "truth.parquet"
    import pyarrow as pa

    write_parquet(pa.Table.from_pandas(truth, preserve_index=False), truth_path)
    return GeneratedHospital(folder, truth_path, patients, rows)
