"""`screening generate`: a synthetic French hospital's exports for one as-of date, with truth."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.generator.assign import assign_variants
from pipeline.generator.biomarkers import BIOMARKERS_STREAM, biomarkers_frame
from pipeline.generator.build import Synth
from pipeline.generator.canary import plant_canaries
from pipeline.generator.conditions import CONDITIONS_STREAM, conditions_frame
from pipeline.generator.defects import PlantedDefects, apply_to_truth, plant_defects
from pipeline.generator.lab_ranges import with_reference_ranges
from pipeline.generator.medications import MEDICATIONS_STREAM, medications_frame
from pipeline.generator.procedures import PROCEDURES_STREAM, procedures_frame
from pipeline.generator.spelling import vary_code_spelling, with_sex_outside_the_contract
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
    "conditions": (
        "diagnostics.csv",
        "ID_DIAG",
        "DG",
        "utf-8",
        {"DATE_DEBUT": "date", "DATE_SAISIE": "date"},
    ),
    "biomarkers": (
        "biomarqueurs.csv",
        "ID_BIOMARQUEUR",
        "BM",
        "utf-8",
        {"DATE_COMPTE_RENDU": "date", "POURCENTAGE": "decimal"},
    ),
    "procedures": ("actes.csv", "ID_ACTE", "AC", "utf-8", {"DATE_ACTE": "date"}),
    "medications": (
        "medicaments.csv",
        "ID_MEDICAMENT",
        "MD",
        "utf-8",
        {"DATE_DEBUT": "date", "DATE_FIN": "date"},
    ),
}


@dataclass(frozen=True)
class GeneratedHospital:
    exports: Path
    truth: Path
    patients: int
    rows: dict[str, int]


def generate_hospital(
    out: Path,
    patients: int,
    seed: int,
    as_of: str,
    background_labs: float = 30.0,
    defects: bool = False,
    canary: bool = False,
) -> GeneratedHospital:
    """Write DIR/exports/<as-of>/*.csv, DIR/truth.parquet and DIR/defects.parquet.

    The same arguments give the same bytes. With `defects`, row-level defects are planted and
    listed with the rule that must catch each one; the truth accounts for their effect. With
    `canary`, a few patients carry unique, greppable ids, names, birth dates and values.
    """
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
        "conditions": conditions_frame(synth.pid, as_of, synth.v["vital"] == "died_on_as_of", seed),
        "biomarkers": biomarkers_frame(synth.pid, as_of, seed),
        "procedures": procedures_frame(synth.pid, as_of, seed),
        "medications": medications_frame(synth.pid, as_of, seed),
    }
    studies = shuffled_with_ids(studies, "ID_EXAMEN", "EX", rng)
    study_ids = pd.Series(studies["ID_EXAMEN"].to_numpy(), index=studies["_origin"].to_numpy())
    lesions.insert(0, "ID_EXAMEN", study_ids.reindex(lesions.pop("STUDY_ROW")).to_numpy())
    frames["imaging_studies"] = studies.drop(columns=["_origin", "KIND", "LESIONS"])
    frames["imaging_lesions"] = lesions

    texts: dict[str, pa.Table] = {}
    for name, (_file, id_column, prefix, _encoding, kinds) in LAYOUT.items():
        frame = frames.pop(name)  # free each extract once it is text
        if id_column is not None and id_column not in frame:
            # conditions shuffle from their own stream: the other extracts keep their bytes
            streams = {
                "conditions": CONDITIONS_STREAM,
                "biomarkers": BIOMARKERS_STREAM,
                "procedures": PROCEDURES_STREAM,
                "medications": MEDICATIONS_STREAM,
            }
            own = np.random.default_rng([seed, streams.get(name, CONDITIONS_STREAM), 1])
            order = own if name in streams else rng
            frame = shuffled_with_ids(frame, id_column, prefix, order).drop(columns="_origin")
        elif name == "patients":
            frame = frame.iloc[rng.permutation(len(frame))]
        texts[name] = to_text_table(frame, kinds)

    texts = vary_code_spelling(texts, rng)
    set_aside = synth.pid[synth.v["age"] == "patient_row_set_aside"]
    texts["patients"] = with_sex_outside_the_contract(texts["patients"], set_aside)
    truth = expected_statuses(variants, synth.pid)
    planted = PlantedDefects()
    if defects or canary:
        editable = {name: table.to_pandas() for name, table in texts.items()}
        if defects:
            hb_variant = pd.Series(synth.v["haemoglobin"], index=synth.pid)
            planted = plant_defects(editable, hb_variant, rng, pd.Timestamp(as_of))
            truth = apply_to_truth(truth, planted)
        if canary:
            adult = pd.Series(synth.v["age"] == "ok", index=synth.pid)
            renamed = plant_canaries(editable, adult, rng)
            truth["patient_id"] = truth["patient_id"].replace(renamed)
        texts = {n: pa.Table.from_pandas(f, preserve_index=False) for n, f in editable.items()}
    texts["labs"] = with_reference_ranges(texts["labs"])  # no random draw: nothing else moves
    _plant_variant_rows(texts["labs"], planted)
    _plant_set_aside_patient_rows(texts["patients"], set_aside, planted)

    folder = Path(out) / "exports" / as_of
    rows: dict[str, int] = {}
    for name, (file_name, _id, _prefix, encoding, _kinds) in LAYOUT.items():
        write_csv(texts[name], folder / file_name, encoding)
        rows[name] = texts[name].num_rows
    truth_path = Path(out) / "truth.parquet"
    write_parquet(pa.Table.from_pandas(truth, preserve_index=False), truth_path)
    expected = pd.DataFrame(
        planted.rows, columns=["extract", "frame_index", "kind", "rule_id", "handling"]
    )
    expected.insert(1, "row_number", expected.pop("frame_index").astype("int64") + 1)
    write_parquet(
        pa.Table.from_pandas(expected, preserve_index=False), Path(out) / "defects.parquet"
    )
    return GeneratedHospital(folder, truth_path, patients, rows)


def _plant_set_aside_patient_rows(
    patients: pa.Table, set_aside: np.ndarray, planted: PlantedDefects
) -> None:
    """These patients rows are set aside by design: list them with the defects."""
    ids = patients.column("IPP").to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(np.isin(ids, set_aside))
    planted.add(
        "patients", rows, "patient_row_set_aside", "conformance.patients.sex.code", "quarantined"
    )


def _plant_variant_rows(labs: pa.Table, planted: PlantedDefects) -> None:
    """The unknown-unit Hb variant is set aside by design: list it with the defects."""
    units = labs.column("UNITE").to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(units == "g%")
    planted.add(
        "labs", rows, "unknown_unit_only_evidence", "conformance.labs.unit.known", "quarantined"
    )
