"""The published equations behind `derived_measure`, on arrays in the catalogue's canonical
units (creatinine µmol/L, weight kg, height cm, QT ms, heart rate /min, calcium mmol/L,
albumin g/L).

Each lives here once, cited and tested against hand-worked values, instead of being
approximated in each trial file. They take and return numpy arrays (one value per patient)
and accept open bounds: an input of 0 or +inf gives the formula's limit (possibly ±inf), which
is how a qualified input (`<40`, `>150`) becomes an interval of the measure.
"""

from __future__ import annotations

import numpy as np

UMOL_PER_MG_DL = 88.42  # creatinine: 1 mg/dL = 88.42 µmol/L (the lab catalogue's factor)


def egfr_ckd_epi_2021(
    creatinine_mg_dl: np.ndarray, age: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """CKD-EPI 2021 eGFR without race (Inker et al., N Engl J Med 2021;385:1737-49), in
    mL/min/1.73 m²: 142 × min(Scr/κ, 1)^α × max(Scr/κ, 1)^-1.200 × 0.9938^age × 1.012 (F),
    Scr in mg/dL, κ 0.7 (F) / 0.9 (M), α -0.241 (F) / -0.302 (M). A creatinine of 0 gives
    +inf (an open bound)."""
    kappa = np.where(female, 0.7, 0.9)
    alpha = np.where(female, -0.241, -0.302)
    ratio = np.maximum(creatinine_mg_dl, 0.0) / kappa
    with np.errstate(divide="ignore"):
        low = np.power(np.minimum(ratio, 1.0), alpha)
    high = np.power(np.maximum(ratio, 1.0), -1.200)
    return 142.0 * low * high * np.power(0.9938, age) * np.where(female, 1.012, 1.0)


def egfr_from_umol(
    creatinine_umol_l: np.ndarray, age: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """`egfr_ckd_epi_2021` with the creatinine in the catalogue's µmol/L."""
    return egfr_ckd_epi_2021(creatinine_umol_l / UMOL_PER_MG_DL, age, female)


def cockcroft_gault(
    creatinine_umol_l: np.ndarray, weight_kg: np.ndarray, age: np.ndarray, female: np.ndarray
) -> np.ndarray:
    """Creatinine clearance by Cockcroft and Gault (Nephron 1976;16:31-41), in mL/min, in
    its original form: (140 − age) × weight / (72 × Scr mg/dL), × 0.85 for a woman.

    The µmol/L form often quoted, (140 − age) × weight / (0.815 × Scr µmol/L), rounds
    72 / 88.42 = 0.8143 to 0.815: the original is used, so a creatinine reported in mg/dL
    gives the published figures exactly. Actual body weight, as the original.
    """
    scr = creatinine_umol_l / UMOL_PER_MG_DL
    with np.errstate(divide="ignore", invalid="ignore"):
        clearance = (140.0 - age) * weight_kg / (72.0 * scr)
    return clearance * np.where(female, 0.85, 1.0)


def body_mass_index(weight_kg: np.ndarray, height_cm: np.ndarray) -> np.ndarray:
    """Body mass index (kg/m²): weight / height², height in metres."""
    metres = height_cm / 100.0
    with np.errstate(divide="ignore", invalid="ignore"):
        return weight_kg / (metres * metres)


def qtcf(qt_ms: np.ndarray, heart_rate_per_min: np.ndarray) -> np.ndarray:
    """QT corrected by Fridericia (Acta Med Scand 1920;53:469-86), in ms: QT / RR^(1/3), RR
    in seconds, here from the heart rate of the same ECG: RR = 60 / rate."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rr_seconds = 60.0 / heart_rate_per_min
        return qt_ms / np.cbrt(rr_seconds)


def corrected_calcium(calcium_mmol_l: np.ndarray, albumin_g_l: np.ndarray) -> np.ndarray:
    """Albumin-corrected calcium by Payne et al. (BMJ 1973;4:643-6), in mmol/L:
    Ca + 0.02 × (40 − albumin g/L), applied above 40 g/L as below, as the formula is written."""
    return calcium_mmol_l + 0.02 * (40.0 - albumin_g_l)
