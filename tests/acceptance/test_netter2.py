# ruff: noqa: E501  (one case per line where it fits: the table reads better than wrapped code)
"""Acceptance cases for NETTER-2 (trials/netter-2.yaml), hand-built, one change each.

Written from the published criteria (see the sources at the top of the trial file), not from
the code: each case is an eligible baseline patient, a woman of childbearing potential (`F`)
or a man (`M`), with ONE change, the verdicts that change (every other criterion keeps the
baseline's), the overall status and a one-line clinical rationale.

As-of date 2026-11-24 (the randomisation date). Windows, both ends included:
  labs, weight, ECG, Karnofsky/ECOG, CT/MRI 28 days: 2026-10-27 .. 2026-11-24; beta-hCG 14 days:
  2026-11-10 .. ; NYHA class 6 calendar months: 2026-05-24 ..
  SSTR imaging 3 calendar months: 2026-08-24 .. ; diagnosis 6 calendar months: 2026-05-24 ..
  systemic therapy 12 weeks: 2026-09-01 .. 2026-11-24

Baseline F: 52 years, pancreatic NET G2 (C25.4, 8249/3), Ki-67 15 %, diagnosed 2026-09-10
with liver metastases, 68Ga-DOTATATE PET 2026-10-01 (100 % positive, uptake above liver), CT
2026-11-03 (32 and 18 mm liver lesions), Karnofsky 80, 65 kg, creatinine 70 µmol/L (Cockcroft-
Gault 85 mL/min), QT 400 ms at 70/min (QTcF 421 ms), no prior treatment. Baseline M: the same
disease in a 68-year-old man.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipeline.trial import find_trial, load_trial
from tests.acceptance.builder import (
    as_date,
    as_datetime,
    diagnosis,
    lab_result,
    prescribed,
    write_exports,
)
from tests.acceptance.conftest import FILES, Screened, assert_verdicts, screen_files, screen_sql

CRITERIA = (
    "alive",
    "histology_gep_net_g2_g3",
    "diagnosed_within_6_months",
    "advanced_inoperable",
    "ki67_10_to_55",
    "age_15",
    "weight_over_40_kg",
    "sstr_positive_target_lesions",
    "karnofsky_60",
    "measurable_disease",
    "informed_consent",
    "creatinine_clearance_below_40",
    "haemoglobin_below_8",
    "white_cells_below_2000",
    "platelets_below_75000",
    "bilirubin_above_3_uln",
    "albumin_below_3_g_dl",
    "pregnancy",
    "lactation",
    "contraception",
    "progression_on_previous_treatment",
    "prior_prrt",
    "prior_ebrt_bone_marrow",
    "prior_systemic_therapy",
    "prior_liver_directed_therapy",
    "surgery_within_12_weeks",
    "brain_metastases",
    "uncontrolled_heart_failure",
    "qtcf_prolonged",
    "hypersensitivity",
)

LOINC = {
    "haemoglobin": "718-7",
    "white_cells": "6690-2",
    "platelets": "777-3",
    "creatinine": "2160-0",
    "bilirubin": "1975-2",
    "albumin": "1751-7",
    "beta_hcg": "21198-7",
    "body_weight": "29463-7",
    "qt_interval": "8634-8",
    "heart_rate": "8867-4",
    "prothrombin_time": "5902-2",
}

Records = dict[str, list[dict[str, Any]]]
LAB_DAY = "2026-11-17T08:00"
ECG_TIME = "2026-11-17T09:00"


def _lab(analyte: str, value: Any, unit: str, when: str = LAB_DAY, **more: Any) -> dict:
    return lab_result(LOINC[analyte], value, unit, when, analyte, **more)


_diagnosis = diagnosis


def _net_diagnosis(onset: str | None = "2026-09-10", recorded: str = "2026-09-12") -> dict:
    return _diagnosis(
        "C25.4", onset, recorded, topography_code="C25.4", morphology_code="8249/3", _key="net"
    )


def _assessment(kind: str, value: str, on: str = "2026-11-10") -> dict:
    return {"_key": kind, "assessed_on": as_date(on), "assessment_type": kind, "value": value}


def _lesion(longest: float, short: float | None = None, node: bool = False) -> dict:
    return {"is_lymph_node": node, "longest_diameter_mm": longest, "short_axis_mm": short}


def baseline_f() -> Records:
    """An eligible 52-year-old woman of childbearing potential, newly diagnosed."""
    return {
        "patients": [
            {
                "family_name": "Marchand",
                "given_name": "Élise",
                "birth_date": as_date("1974-03-02"),
                "sex": "F",
                "death_date": None,
                "social_security_affiliated": True,
                "childbearing_potential": True,
            }
        ],
        "pathology": [
            {
                "_key": "path",
                "report_date": as_date("2026-09-10"),
                "topography_code": "C25.4",
                "morphology_code": "8249/3",
                "grade": "G2",
                "ki67_percent": 15.0,
            }
        ],
        "conditions": [
            _net_diagnosis(),
            {**_diagnosis("C78.7", "2026-09-05", "2026-09-12"), "_key": "liver_mets"},
        ],
        "treatments": [],
        "medications": [],
        "imaging_studies": [
            {
                "_key": "sstr",
                "study_date": as_date("2026-10-01"),
                "modality": "PET",
                "sstr_tracer": "68GA-DOTATATE",
                "sstr_positive_percent": 100.0,
                "uptake_vs_liver": "ABOVE",
                "krenning_score": 4,
            },
            {
                "_key": "ct",
                "study_date": as_date("2026-11-03"),
                "modality": "CT",
                "_lesions": [_lesion(32.0), _lesion(18.0)],
            },
        ],
        "tumour_board": [
            {
                "_key": "board",
                "decision_date": as_date("2026-10-20"),
                "board": "RCP",
                "decision": "PRRT_FIRST",
                "reimbursement_scope": True,
            }
        ],
        "assessments": [
            _assessment("KARNOFSKY", "80"),
            _assessment("MENOPAUSAL_STATUS", "PRE"),
        ],
        "labs": [
            _lab("haemoglobin", 12.1, "g/dL"),
            _lab("white_cells", 6200.0, "/mm3"),
            _lab("platelets", 250000.0, "/mm3"),
            _lab("creatinine", 70.0, "umol/L"),
            _lab("bilirubin", 9.0, "umol/L", reference_high=21.0),
            _lab("albumin", 40.0, "g/L"),
            _lab("body_weight", 65.0, "kg"),
            _lab("qt_interval", 400.0, "ms", ECG_TIME),
            _lab("heart_rate", 70.0, "/min", ECG_TIME),
            _lab("beta_hcg", 1.0, "UI/L", "2026-11-20T08:00"),
        ],
    }


def baseline_m() -> Records:
    """The same newly diagnosed disease in a 68-year-old man: no pregnancy test."""
    records = baseline_f()
    records["patients"][0].update(
        family_name="Roux",
        given_name="Gérard",
        birth_date=as_date("1958-07-02"),
        sex="M",
        childbearing_potential=None,
    )
    records["labs"] = [r for r in records["labs"] if r["_key"] != "beta_hcg"]
    records["assessments"] = [r for r in records["assessments"] if r["_key"] != "MENOPAUSAL_STATUS"]
    return records


BASELINES: dict[str, Callable[[], Records]] = {"F": baseline_f, "M": baseline_m}
_VISIT = (
    "informed_consent",
    "lactation",
    "contraception",
    "hypersensitivity",
)
BASELINE_EXPECTED = {
    "F": {**{c: "met" for c in CRITERIA}, **{c: "to_confirm" for c in _VISIT}},
    "M": {
        **{c: "met" for c in CRITERIA},
        **{c: "to_confirm" for c in _VISIT},
        "pregnancy": "not_applicable",
        "lactation": "not_applicable",
    },
}


# --- changes: each applies ONE change to a copy of the baseline --------------------------------


def _find(records: Records, extract: str, key: str) -> dict:
    (found,) = [r for r in records[extract] if r.get("_key") == key]
    return found


def patient(**values: Any) -> Callable[[Records], None]:
    return lambda r: r["patients"][0].update(values)


def edit(extract: str, key: str, **values: Any) -> Callable[[Records], None]:
    return lambda r: _find(r, extract, key).update(values)


def add(extract: str, *records: dict) -> Callable[[Records], None]:
    return lambda r: r[extract].extend(copy.deepcopy(list(records)))


def drop(extract: str, key: str) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        r[extract] = [x for x in r[extract] if x.get("_key") != key]

    return change


def procedure(on: str | None, category: str | None) -> Callable[[Records], None]:
    """One procedure on record (the baselines have none)."""
    record = {"performed_on": None if on is None else as_date(on), "category": category}
    return lambda r: r.setdefault("procedures", []).append({**record, "_key": "act"})


def both(
    first: Callable[[Records], None], second: Callable[[Records], None]
) -> Callable[[Records], None]:
    """Two edits that make one clinical change (an albumin and the time that qualifies it)."""

    def change(r: Records) -> None:
        first(r)
        second(r)

    return change


def lab(
    analyte: str, value: Any, unit: str | None = None, **more: Any
) -> Callable[[Records], None]:
    values = {"value_raw": value, **more}
    if unit is not None:
        values["unit"] = unit
    return edit("labs", analyte, **values)


def ecg(qt: float, rate: float) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        _find(r, "labs", "qt_interval")["value_raw"] = qt
        _find(r, "labs", "heart_rate")["value_raw"] = rate

    return change


def given(atc: str, on: str) -> dict:
    return {"atc_code": atc, "administered_on": as_date(on), "activity_mbq": None}


def study(on: str, **values: Any) -> dict:
    return {"study_date": as_date(on), **values}


def treated_then_progressing(r: Records) -> None:
    """One history: two lanreotide injections, then a RECIST progression on a CT."""
    r["treatments"] += [given("H01CB03", "2026-06-01"), given("H01CB03", "2026-06-29")]
    r["imaging_studies"].append(study("2026-08-01", modality="CT", recist_response="PD"))


@dataclass(frozen=True)
class Case:
    id: str
    rationale: str
    change: Callable[[Records], None] | None
    expect: dict[str, str]
    overall: str
    base: str = "F"
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def patient_id(self) -> str:
        return "N2_" + self.id.upper()

    def records(self) -> Records:
        records = BASELINES[self.base]()
        records["patients"][0]["patient_id"] = self.patient_id
        if self.change is not None:
            self.change(records)
        return records

    def expected(self) -> dict[str, str]:
        return {**BASELINE_EXPECTED[self.base], **self.expect}


NE, NR, C = "not_eligible", "needs_review", "candidate"
M_, N_, U_, TC = "met", "not_met", "unknown", "to_confirm"
HISTO, DIAG, KI67, WEIGHT = (
    "histology_gep_net_g2_g3",
    "diagnosed_within_6_months",
    "ki67_10_to_55",
    "weight_over_40_kg",
)
SSTR, KPS, RECIST, CRCL = (
    "sstr_positive_target_lesions",
    "karnofsky_60",
    "measurable_disease",
    "creatinine_clearance_below_40",
)
HB, WBC, PLT, BILI, ALB = (
    "haemoglobin_below_8",
    "white_cells_below_2000",
    "platelets_below_75000",
    "bilirubin_above_3_uln",
    "albumin_below_3_g_dl",
)
PREG, LACT, CONTRA = "pregnancy", "lactation", "contraception"
PROG, PRRT, SYST = "progression_on_previous_treatment", "prior_prrt", "prior_systemic_therapy"
BRAIN, HF, QTC = "brain_metastases", "uncontrolled_heart_failure", "qtcf_prolonged"
ADV = "advanced_inoperable"
EBRT, LIVER, SURG = (
    "prior_ebrt_bone_marrow",
    "prior_liver_directed_therapy",
    "surgery_within_12_weeks",
)
GEP_NET_2024 = {**_net_diagnosis("2024-03-01", "2024-03-05"), "_key": "old_net"}

# fmt: off
CASES: list[Case] = [
    # --- baselines --------------------------------------------------------------------------
    Case("baseline_f", "Eligible woman of childbearing potential: met, or to confirm at the visit", None, {}, C),
    Case("baseline_m", "Eligible man: pregnancy and breastfeeding not applicable", None, {}, C, base="M"),
    # --- alive --------------------------------------------------------------------------------
    Case("deceased", "Died 5 days before randomisation", patient(death_date=as_date("2026-11-19")), {"alive": N_}, NE, base="M", reasons={"alive": "deceased on 2026-11-19"}),
    # --- I1 histology, diagnosis within 6 months ------------------------------------------------
    Case("grade_g1", "A G1 NET is outside the protocol's G2/G3", edit("pathology", "path", grade="G1"), {HISTO: N_}, NE),
    Case("grade_g3", "A well-differentiated G3 NET is in the protocol", edit("pathology", "path", grade="G3", ki67_percent=30.0), {}, C),
    Case("grade_missing", "Grade not reported: G2/G3 cannot be confirmed", edit("pathology", "path", grade=None), {HISTO: U_}, NR),
    Case("neuroendocrine_carcinoma", "A neuroendocrine carcinoma (8246/3) is not a well-differentiated NET", edit("pathology", "path", morphology_code="8246/3"), {HISTO: N_}, NE),
    Case("lung_primary", "A bronchial NET (C34.1) is not gastroenteropancreatic", edit("pathology", "path", topography_code="C34.1"), {HISTO: N_}, NE),
    Case("diagnosed_exactly_6_months", "Diagnosis onset exactly 6 calendar months before (2026-05-24): within 6 months", edit("conditions", "net", onset_date=as_date("2026-05-24"), recorded_date=as_date("2026-05-30")), {}, C),
    Case("diagnosed_6_months_and_a_day", "Diagnosis onset 2026-05-23: more than 6 months ago, not newly diagnosed", edit("conditions", "net", onset_date=as_date("2026-05-23"), recorded_date=as_date("2026-05-30")), {DIAG: N_}, NE),
    Case("diagnosed_2024_and_again", "A GEP-NET first diagnosed in 2024, recorded again this autumn: not a new diagnosis", add("conditions", GEP_NET_2024), {DIAG: N_}, NE),
    Case("diagnosis_onset_unknown", "Diagnosis without onset date, recorded 2026-09-12: may date from before the 6 months", edit("conditions", "net", onset_date=None), {DIAG: U_}, NR),
    # --- I1 metastasised, or locally advanced and inoperable ---------------------------------
    Case("no_metastasis_on_record", "No distant metastasis recorded: locally advanced and inoperable is the visit's call", drop("conditions", "liver_mets"), {ADV: TC}, C),
    Case("nodes_only", "Lymph-node secondaries only (C77.2, may be regional): the visit confirms", both(drop("conditions", "liver_mets"), add("conditions", {**_diagnosis("C77.2", "2026-09-05", "2026-09-12"), "_key": "nodes"})), {ADV: TC}, C),
    Case("bone_metastases", "Bone metastases (C79.5) instead of liver: metastasised", both(drop("conditions", "liver_mets"), add("conditions", {**_diagnosis("C79.51", "2026-09-05", "2026-09-12"), "_key": "bone"})), {}, C),
    Case("metastasis_recorded_after_as_of", "Liver metastases recorded the day after randomisation are not known yet", edit("conditions", "liver_mets", recorded_date=as_date("2026-11-25")), {ADV: TC}, C),
    # --- I2 Ki-67 -----------------------------------------------------------------------------
    Case("ki67_exactly_10", "Ki-67 exactly 10 % is in 10-55 %", edit("pathology", "path", ki67_percent=10.0), {}, C),
    Case("ki67_9_9", "Ki-67 9.9 % is below 10 %", edit("pathology", "path", ki67_percent=9.9), {KI67: N_}, NE),
    Case("ki67_exactly_55", "Ki-67 exactly 55 % is in 10-55 % (a G3 NET)", edit("pathology", "path", grade="G3", ki67_percent=55.0), {}, C),
    Case("ki67_55_1", "Ki-67 55.1 % is above 55 %", edit("pathology", "path", grade="G3", ki67_percent=55.1), {KI67: N_}, NE),
    Case("ki67_missing", "Ki-67 not reported", edit("pathology", "path", ki67_percent=None), {KI67: U_}, NR),
    # --- I3 age and weight ----------------------------------------------------------------------
    Case("age_15_on_as_of", "15th birthday on the randomisation date: aged 15", patient(birth_date=as_date("2011-11-24")), {}, C),
    Case("age_15_day_after", "15th birthday the day after randomisation: still 14", patient(birth_date=as_date("2011-11-25")), {"age_15": N_}, NE),
    Case("weight_exactly_40", "Weight exactly 40 kg is not > 40 kg", lab("body_weight", 40.0), {WEIGHT: N_}, NE),
    Case("weight_40_1", "Weight 40.1 kg is > 40 kg", lab("body_weight", 40.1), {}, C),
    Case("weight_88_2_lb", "88.2 lb is 40.007 kg: > 40 kg once converted", lab("body_weight", 88.2, "lb"), {}, C),
    Case("weight_missing", "No weight at screening: neither the weight nor the Cockcroft-Gault clearance can be told", drop("labs", "body_weight"), {WEIGHT: U_, CRCL: U_}, NR),
    Case("weight_29_days_old", "The only weight is 29 days old: none at screening", lab("body_weight", 65.0, collected_at=as_datetime("2026-10-26T08:00")), {WEIGHT: U_, CRCL: U_}, NR),
    # --- I4 SSTR imaging ----------------------------------------------------------------------
    Case("sstr_uptake_equal_liver", "Uptake equal to liver is not above normal liver uptake", edit("imaging_studies", "sstr", uptake_vs_liver="EQUAL"), {SSTR: N_}, NE),
    Case("sstr_90_percent", "90 % of known lesions positive: the negative ones may be non-target, the visit confirms", edit("imaging_studies", "sstr", sstr_positive_percent=90.0), {SSTR: TC}, C),
    Case("sstr_percent_missing", "Share of positive lesions not reported", edit("imaging_studies", "sstr", sstr_positive_percent=None), {SSTR: U_}, NR),
    Case("sstr_exactly_3_months", "SSTR PET exactly 3 calendar months before (2026-08-24)", edit("imaging_studies", "sstr", study_date=as_date("2026-08-24")), {}, C),
    Case("sstr_3_months_and_a_day", "SSTR PET 3 months and a day old: none recent", edit("imaging_studies", "sstr", study_date=as_date("2026-08-23")), {SSTR: U_}, NR),
    Case("sstr_octreoscan", "111In-pentetreotide scintigraphy is an accepted SSTR imaging", edit("imaging_studies", "sstr", modality="SCINTIGRAPHY", sstr_tracer="111IN-PENTETREOTIDE"), {}, C),
    # --- I5 Karnofsky, or ECOG where the site records only ECOG --------------------------------
    Case("kps_exactly_60", "Karnofsky exactly 60 meets ≥ 60", edit("assessments", "KARNOFSKY", value="60"), {}, C),
    Case("kps_50", "Karnofsky 50 is below 60", edit("assessments", "KARNOFSKY", value="50"), {KPS: N_}, NE),
    Case("kps_80_and_ecog_3", "Karnofsky 80 recorded: an ECOG 3 of the same day is not read (the protocol's own score is recorded)", add("assessments", _assessment("ECOG", "3")), {}, C),
    Case("ecog_1_instead", "The site records ECOG 1 instead of a Karnofsky score: ECOG 1 is KPS 70-80", edit("assessments", "KARNOFSKY", assessment_type="ECOG", value="1"), {}, C),
    Case("ecog_2_instead", "ECOG 2 instead of a Karnofsky score: KPS 50 or 60, the visit confirms", edit("assessments", "KARNOFSKY", assessment_type="ECOG", value="2"), {KPS: TC}, C),
    Case("ecog_3_instead", "ECOG 3 instead of a Karnofsky score: KPS 30-40, below 60", edit("assessments", "KARNOFSKY", assessment_type="ECOG", value="3"), {KPS: N_}, NE),
    Case("no_performance_status", "No performance status at screening", drop("assessments", "KARNOFSKY"), {KPS: U_}, NR),
    Case("kps_29_days_old", "The only Karnofsky score is 29 days old: none at screening", edit("assessments", "KARNOFSKY", assessed_on=as_date("2026-10-26")), {KPS: U_}, NR),
    # --- I6 measurable disease -------------------------------------------------------------------
    Case("one_lesion_10_mm", "A single 10 mm liver lesion is measurable", edit("imaging_studies", "ct", _lesions=[_lesion(10.0)]), {}, C),
    Case("one_lesion_9_9_mm", "A single 9.9 mm lesion is not measurable", edit("imaging_studies", "ct", _lesions=[_lesion(9.9)]), {RECIST: N_}, NE),
    Case("ct_29_days_old", "CT 29 days old: no baseline imaging in the screening window", edit("imaging_studies", "ct", study_date=as_date("2026-10-26")), {RECIST: U_}, NR),
    # --- E1 creatinine clearance (Cockcroft-Gault) ----------------------------------------------
    Case("crcl_exactly_40", "Man of 68, 65 kg, creatinine 1.625 mg/dL: (140-68)×65/(72×1.625) = 40 mL/min, not < 40", lab("creatinine", 1.625, "mg/dL"), {}, C, base="M"),
    Case("crcl_39_9", "Creatinine 1.63 mg/dL: 39.9 mL/min, below 40", lab("creatinine", 1.63, "mg/dL"), {CRCL: N_}, NE, base="M"),
    Case("creatinine_missing", "No creatinine at screening: clearance unknown", drop("labs", "creatinine"), {CRCL: U_}, NR),
    # --- E2 blood counts -----------------------------------------------------------------------
    Case("hb_exactly_8", "Hb exactly 8.0 g/dL is not < 8.0", lab("haemoglobin", 8.0), {}, C),
    Case("hb_after_as_of_ignored", "An Hb of 6.0 taken the day after randomisation is not read", add("labs", {**_lab("haemoglobin", 6.0, "g/dL", "2026-11-25T08:00"), "_key": "late_hb"}), {}, C),
    Case("hb_7_9", "Hb 7.9 g/dL is < 8.0", lab("haemoglobin", 7.9), {HB: N_}, NE),
    Case("wbc_exactly_2_g_per_l", "White cells 2.0 G/L = 2000/mm³, not < 2 × 10⁹/L", lab("white_cells", 2.0, "G/L"), {}, C),
    Case("wbc_1_99_g_per_l", "White cells 1.99 G/L", lab("white_cells", 1.99, "G/L"), {WBC: N_}, NE),
    Case("plt_exactly_75_g_per_l", "Platelets 75 G/L, not < 75 × 10⁹/L", lab("platelets", 75.0, "G/L"), {}, C),
    Case("plt_74_9_g_per_l", "Platelets 74.9 G/L", lab("platelets", 74.9, "G/L"), {PLT: N_}, NE),
    # --- E3 bilirubin, E4 albumin ---------------------------------------------------------------
    Case("bilirubin_exactly_3_uln", "Bilirubin 63 µmol/L with ULN 21: exactly 3 × ULN, not above", lab("bilirubin", 63.0), {}, C),
    Case("bilirubin_above_3_uln", "Bilirubin 63.1 µmol/L with ULN 21: above 3 × ULN", lab("bilirubin", 63.1), {BILI: N_}, NE),
    Case("bilirubin_without_uln", "A bilirubin without the laboratory's ULN cannot be compared with 3 × ULN", lab("bilirubin", 9.0, reference_high=None), {BILI: U_}, NR),
    Case("albumin_exactly_3_g_dl", "Albumin 30 g/L = 3.0 g/dL, not < 3.0", lab("albumin", 30.0), {}, C),
    Case("albumin_2_9_g_dl", "Albumin 2.9 g/dL and no prothrombin time: the visit confirms it is normal", lab("albumin", 2.9, "g/dL"), {ALB: TC}, C),
    Case("albumin_2_9_pt_normal", "Albumin 2.9 g/dL, prothrombin time 12.0 s inside its range 10.0-13.5 s: the 'unless' holds", both(lab("albumin", 2.9, "g/dL"), add("labs", _lab("prothrombin_time", 12.0, "s", reference_low=10.0, reference_high=13.5))), {}, C),
    Case("albumin_2_9_pt_at_uln", "Albumin 2.9 g/dL, prothrombin time exactly 13.5 s, its range's upper limit: still normal", both(lab("albumin", 2.9, "g/dL"), add("labs", _lab("prothrombin_time", 13.5, "sec", reference_low=10.0, reference_high=13.5))), {}, C),
    Case("albumin_2_9_pt_long", "Albumin 2.9 g/dL, prothrombin time 15.2 s above its range 10.0-13.5 s: excluded", both(lab("albumin", 2.9, "g/dL"), add("labs", _lab("prothrombin_time", 15.2, "s", reference_low=10.0, reference_high=13.5))), {ALB: N_}, NE),
    Case("albumin_2_9_pt_no_range", "Albumin 2.9 g/dL, a prothrombin time without the laboratory's range cannot be judged", both(lab("albumin", 2.9, "g/dL"), add("labs", _lab("prothrombin_time", 12.0, "s"))), {ALB: U_}, NR),
    Case("albumin_3_pt_long", "Albumin 3.0 g/dL: a long prothrombin time alone does not exclude", add("labs", _lab("prothrombin_time", 15.2, "s", reference_low=10.0, reference_high=13.5)), {}, C),
    # --- E5 pregnancy, breastfeeding, E6 contraception ------------------------------------------
    Case("bhcg_exactly_5", "β-hCG 5 IU/L is positive (≥ 5): pregnant", lab("beta_hcg", 5.0), {PREG: N_}, NE),
    Case("bhcg_none", "No pregnancy test yet: the visit confirms", drop("labs", "beta_hcg"), {PREG: TC}, C),
    Case("bhcg_15_days_old", "β-hCG 15 days old is too old: a new test at the visit", lab("beta_hcg", 1.0, collected_at=as_datetime("2026-11-09T08:00")), {PREG: TC}, C),
    Case("postmenopausal", "Post-menopausal woman: no pregnancy test nor contraception; breastfeeding still asked", edit("assessments", "MENOPAUSAL_STATUS", value="POST"), {PREG: "not_applicable", CONTRA: "not_applicable"}, C),
    # --- E7c, E7e, E7f procedures on record ----------------------------------------------------
    Case("surgery_exactly_12_weeks", "Surgery on 2026-09-01, exactly 12 weeks before randomisation: within the 12 weeks", procedure("2026-09-01", "SURGERY"), {SURG: N_}, NE),
    Case("surgery_12_weeks_and_a_day", "Surgery on 2026-08-31, 12 weeks and a day before: not within", procedure("2026-08-31", "SURGERY"), {}, C),
    Case("recent_act_without_category", "A procedure last month without its category may have been surgery", procedure("2026-10-20", None), {SURG: U_, EBRT: U_, LIVER: U_}, NR),
    Case("radiotherapy_on_record", "External beam radiotherapy in 2023: how much marrow it took, the visit confirms", procedure("2023-04-12", "RADIOTHERAPY"), {EBRT: TC}, C),
    Case("interventional_radiology_on_record", "An interventional radiology procedure in 2025: whether it was liver-directed, the visit confirms", procedure("2025-02-03", "INTERVENTIONAL_RADIOLOGY"), {LIVER: TC}, C),
    Case("old_surgery", "The primary's resection in 2026-03 (8 months ago): not within 12 weeks", procedure("2026-03-15", "SURGERY"), {}, C),
    # --- E7 prior therapy ----------------------------------------------------------------------
    Case("prior_lutathera", "Lutathera given in 2025: prior radioligand therapy", add("treatments", given("V10XX04", "2025-04-01")), {PRRT: N_}, NE),
    Case("octreotide_exactly_12_weeks", "Octreotide LAR on 2026-09-01, exactly 12 weeks before randomisation", add("treatments", given("H01CB02", "2026-09-01")), {SYST: N_}, NE),
    Case("octreotide_12_weeks_and_a_day", "Octreotide LAR on 2026-08-31, over 12 weeks ago: whether it lasted more than a month is confirmed at the visit", add("treatments", given("H01CB02", "2026-08-31")), {SYST: TC}, C),
    Case("everolimus_prescribed_exactly_12_weeks", "Everolimus prescribed on 2026-09-01 and taken at home, exactly 12 weeks before randomisation", add("medications", prescribed("L01EG02", "2026-09-01")), {SYST: N_}, NE),
    Case("sunitinib_dispensed_12_weeks_and_a_day", "Sunitinib dispensed on 2026-08-31, over 12 weeks ago: whether it lasted more than a month is confirmed at the visit", add("medications", prescribed("L01EX01", "2026-08-31", "DISPENSING")), {SYST: TC}, C),
    Case("progression_on_lanreotide", "Lanreotide from 2026-06-01 and RECIST PD on 2026-08-01: progression on a previous treatment (the lanreotide itself, over 12 weeks ago, is to confirm)", treated_then_progressing, {PROG: N_, SYST: TC}, NE),
    Case("pd_before_any_treatment", "A RECIST PD with no treatment before it is not progression on a treatment", add("imaging_studies", study("2026-10-05", modality="CT", recist_response="PD")), {}, C),
    # --- E8-E10 ----------------------------------------------------------------------------------
    Case("brain_metastases", "Brain metastases on record (C79.3): excluded unless treated and stable 24 weeks, the visit confirms", add("conditions", {**_diagnosis("C79.3", "2026-09-20", "2026-09-22"), "_key": "brain"}), {BRAIN: TC}, C),
    Case("heart_failure", "Heart failure on record (I50.9): its NYHA class is confirmed at the visit", add("conditions", {**_diagnosis("I50.9", "2021-01-10", "2021-01-12"), "_key": "hf"}), {HF: TC}, C),
    Case("nyha_1", "NYHA class I recorded: not NYHA II-IV", add("assessments", _assessment("NYHA", "1")), {}, C),
    Case("nyha_2", "NYHA class II recorded in the last 6 months: excluded", add("assessments", _assessment("NYHA", "2")), {HF: N_}, NE),
    Case("nyha_2_seven_months_ago", "NYHA II recorded 7 months ago, none since, no heart failure on record: not excluded", add("assessments", _assessment("NYHA", "2", "2026-04-20")), {}, C),
    Case("qtcf_woman_exactly_470", "Woman, QT 470 ms at 60/min: QTcF 470 ms, not > 470", ecg(470.0, 60.0), {}, C),
    Case("qtcf_woman_471", "Woman, QT 471 ms at 60/min: QTcF 471 ms > 470", ecg(471.0, 60.0), {QTC: N_}, NE),
    Case("qtcf_man_exactly_450", "Man, QT 450 ms at 60/min: QTcF 450 ms, not > 450", ecg(450.0, 60.0), {}, C, base="M"),
    Case("qtcf_man_451", "Man, QT 451 ms at 60/min: QTcF 451 ms > 450", ecg(451.0, 60.0), {QTC: N_}, NE, base="M"),
    Case("qtcf_heart_rate_another_time", "A heart rate taken an hour after the ECG is not the ECG's: QTcF unknown", edit("labs", "heart_rate", collected_at=as_datetime("2026-11-17T10:00")), {QTC: U_}, NR),
    Case("qtcf_without_heart_rate", "QT without the heart rate of the same ECG: QTcF unknown", drop("labs", "heart_rate"), {QTC: U_}, NR),
]
# fmt: on

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.fixture(scope="module")
def netter2_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("netter2") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    return folder


@pytest.fixture(scope="module")
def netter2_trial():
    return load_trial(find_trial("netter-2"))


@pytest.fixture(scope="module")
def screened_netter2_files(netter2_exports, netter2_trial, tmp_path_factory) -> Screened:
    return screen_files(netter2_trial, netter2_exports, tmp_path_factory.mktemp("netter2-files"))


@pytest.fixture(scope="module")
def screened_netter2_sql(netter2_exports, netter2_trial, tmp_path_factory) -> Screened:
    return screen_sql(netter2_trial, netter2_exports, tmp_path_factory.mktemp("netter2-sql"))


DIALECTS = ("files", "sql")


def _screened(request: pytest.FixtureRequest, dialect: str) -> Screened:
    return request.getfixturevalue(f"screened_netter2_{dialect}")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_criteria_in_protocol_order(request, dialect):
    """`alive` first, then the trial's inclusion and exclusion criteria in protocol order."""
    criteria = _screened(request, dialect).criteria
    order = criteria.drop_duplicates("criterion_id").sort_values("criterion_order")
    assert order["criterion_id"].tolist() == list(CRITERIA)


@pytest.mark.parametrize(
    ("dialect", "case"),
    [(d, c) for d in DIALECTS for c in CASES],
    ids=[f"{d}-{c.id}" for d in DIALECTS for c in CASES],
)
def test_case(request, dialect: str, case: Case):
    assert_verdicts(
        _screened(request, dialect),
        case.patient_id,
        case.expected(),
        case.overall,
        case.rationale,
        case.reasons,
    )
