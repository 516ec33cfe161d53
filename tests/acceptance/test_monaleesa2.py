# ruff: noqa: E501  (one case per line where it fits: the table reads better than wrapped code)
"""Acceptance cases for MONALEESA-2 (trials/monaleesa-2.yaml), hand-built, one change each.

Written from the published criteria (see the sources at the top of the trial file), not from
the code: each case is an eligible baseline patient with ONE change (a lab panel, an ECG, a
history), the verdicts that change (every other criterion keeps the baseline's), the overall
status and a one-line clinical rationale.

As-of date 2026-11-24 (the randomisation date). Windows, both ends included:
  labs, ECG, ECOG, CT/MRI 28 days: 2026-10-27 .. 2026-11-24; anastrozole/letrozole 12
  calendar months: 2025-11-24 .. ; cardiac events, LVEF 12 months; other malignancy 3 years:
  2023-11-24 .. ; coumarins 30 days: 2026-10-25 ..

Baseline: a 56-year-old woman recorded postmenopausal, with a breast cancer (C50.4,
8500/3) metastatic to bone diagnosed 2026-09-01; ER 80 % and PR 40 % positive, HER2 IHC 1+
(2026-09-10); CT 2026-11-03 (25 and 15 mm lesions); ECOG 1; 65 kg, creatinine 70 µmol/L
(Cockcroft-Gault 70 mL/min); INR 1.0; potassium, magnesium, ALT, AST, bilirubin inside their laboratory
ranges; QT 400 ms at 70/min (QTcF 421 ms); no prior treatment on record.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from pipeline.trial import find_trial, load_trial
from tests.acceptance.builder import as_date, diagnosis, lab_result, prescribed, write_exports
from tests.acceptance.conftest import (
    FILES,
    Screened,
    assert_verdicts,
    screen_files,
    screen_sql,
    screen_without,
)

CRITERIA = (
    "alive",
    "informed_consent",
    "woman",
    "age_18",
    "advanced_breast_cancer",
    "postmenopausal",
    "hormone_receptor_positive",
    "her2_negative",
    "measurable_disease_or_lytic_bone",
    "ecog_0_1",
    "neutrophils_1500",
    "platelets_100000",
    "haemoglobin_9",
    "potassium_normal",
    "magnesium_normal",
    "corrected_calcium_normal",
    "inr_1_5",
    "renal_function",
    "transaminases",
    "bilirubin",
    "qtcf_below_450",
    "resting_heart_rate_50_90",
    "able_to_swallow",
    "prior_cdk46_inhibitor",
    "prior_therapy_for_advanced_disease",
    "nsai_within_12_months",
    "inflammatory_breast_cancer",
    "cns_metastases",
    "cardiac_disease",
    "other_malignancy_3_years",
    "gastrointestinal_impairment",
    "interacting_medications",
    "coumarin_anticoagulant",
    "recent_surgery_or_radiotherapy",
    "known_hiv",
)

LOINC = {
    "neutrophils": "751-8",
    "platelets": "777-3",
    "haemoglobin": "718-7",
    "potassium": "2823-3",
    "magnesium": "19123-9",
    "calcium": "17861-6",
    "albumin": "1751-7",
    "creatinine": "2160-0",
    "body_weight": "29463-7",
    "alt": "1742-6",
    "ast": "1920-8",
    "bilirubin": "1975-2",
    "qt_interval": "8634-8",
    "heart_rate": "8867-4",
    "lvef": "10230-1",
    "inr": "6301-6",
}

Records = dict[str, list[dict[str, Any]]]
LAB_DAY = "2026-11-17T08:00"
ECG_TIME = "2026-11-17T09:00"


def _lab(analyte: str, value: Any, unit: str, when: str = LAB_DAY, **more: Any) -> dict:
    return lab_result(LOINC[analyte], value, unit, when, analyte, **more)


_diagnosis = diagnosis


def _marker(
    marker: str, method: str, result: str | None, on: str = "2026-09-10", **more: Any
) -> dict:
    return {
        "_key": f"{marker}_{method}",
        "measured_on": as_date(on),
        "marker": marker,
        "method": method,
        "result": result,
        **more,
    }


def _assessment(kind: str, value: str, on: str = "2026-11-10") -> dict:
    return {"_key": kind, "assessed_on": as_date(on), "assessment_type": kind, "value": value}


def _lesion(longest: float) -> dict:
    return {"is_lymph_node": False, "longest_diameter_mm": longest, "short_axis_mm": None}


def baseline() -> Records:
    """An eligible 56-year-old postmenopausal woman with HR+, HER2- metastatic breast cancer."""
    return {
        "patients": [
            {
                "family_name": "Lefèvre",
                "given_name": "Anne",
                "birth_date": as_date("1970-05-10"),
                "sex": "F",
                "death_date": None,
                "social_security_affiliated": True,
                "childbearing_potential": False,
            }
        ],
        "conditions": [
            _diagnosis(
                "C50.4",
                "2026-09-01",
                "2026-09-03",
                topography_code="C50.4",
                morphology_code="8500/3",
                _key="breast",
            ),
            _diagnosis("C79.5", "2026-09-01", "2026-09-03", _key="bone_mets"),
        ],
        "biomarkers": [
            _marker("ER", "IHC", "POSITIVE", percent_positive=80.0),
            _marker("PR", "IHC", "POSITIVE", percent_positive=40.0),
            _marker("HER2", "IHC", "NEGATIVE", ihc_score="1+"),
        ],
        "pathology": [
            {
                "_key": "path",
                "report_date": as_date("2026-09-10"),
                "topography_code": "C50.4",
                "morphology_code": "8500/3",
                "grade": "G2",
                "ki67_percent": 20.0,
            }
        ],
        "tumour_board": [
            {
                "_key": "board",
                "decision_date": as_date("2026-10-20"),
                "board": "RCP",
                "decision": "SYSTEMIC_TREATMENT",
                "reimbursement_scope": True,
            }
        ],
        "treatments": [],
        "medications": [],
        "imaging_studies": [
            {
                "_key": "ct",
                "study_date": as_date("2026-11-03"),
                "modality": "CT",
                "_lesions": [_lesion(25.0), _lesion(15.0)],
            },
        ],
        "assessments": [_assessment("ECOG", "1"), _assessment("MENOPAUSAL_STATUS", "POST")],
        "labs": [
            _lab("neutrophils", 3000.0, "/mm3"),
            _lab("platelets", 250000.0, "/mm3"),
            _lab("haemoglobin", 12.5, "g/dL"),
            _lab("potassium", 4.2, "mmol/L", reference_low=3.5, reference_high=5.0),
            _lab("magnesium", 0.85, "mmol/L", reference_low=0.7, reference_high=1.0),
            _lab("calcium", 2.35, "mmol/L"),
            _lab("albumin", 40.0, "g/L"),
            _lab("inr", 1.0, "{INR}"),
            _lab("creatinine", 70.0, "umol/L"),
            _lab("body_weight", 65.0, "kg"),
            _lab("alt", 20.0, "U/L", reference_high=40.0),
            _lab("ast", 22.0, "U/L", reference_high=40.0),
            _lab("bilirubin", 9.0, "umol/L", reference_high=21.0),
            _lab("qt_interval", 400.0, "ms", ECG_TIME),
            _lab("heart_rate", 70.0, "/min", ECG_TIME),
        ],
    }


_VISIT = (
    "informed_consent",
    "corrected_calcium_normal",
    "able_to_swallow",
    "cardiac_disease",
    "gastrointestinal_impairment",
    "interacting_medications",
    "coumarin_anticoagulant",
    "known_hiv",
)
BASELINE_EXPECTED = {**{c: "met" for c in CRITERIA}, **{c: "to_confirm" for c in _VISIT}}


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


def lab(
    analyte: str, value: Any, unit: str | None = None, **more: Any
) -> Callable[[Records], None]:
    values = {"value_raw": value, **more}
    if unit is not None:
        values["unit"] = unit
    return edit("labs", analyte, **values)


def labs(**changes: Any) -> Callable[[Records], None]:
    """Several results of one panel (a QT with its heart rate, a creatinine with its weight)."""

    def change(r: Records) -> None:
        for analyte, value in changes.items():
            _find(r, "labs", analyte)["value_raw"] = value

    return change


def both(*changes: Callable[[Records], None]) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        for one in changes:
            one(r)

    return change


def procedure(on: str, category: str) -> Callable[[Records], None]:
    """One procedure on record (the baseline has none)."""
    record = {"performed_on": as_date(on), "category": category, "_key": "act"}
    return lambda r: r.setdefault("procedures", []).append(record)


def given(atc: str, on: str) -> dict:
    return {"atc_code": atc, "administered_on": as_date(on), "activity_mbq": None}


def running(atc: str, start: str, end: str) -> dict:
    """A prescription with its period: from `start` to `end`, both days taken."""
    return {**prescribed(atc, start), "end_date": as_date(end)}


def her2(*rows: dict) -> Callable[[Records], None]:
    """The HER2 tests replaced by `rows` (the receptor tests stay)."""

    def change(r: Records) -> None:
        r["biomarkers"] = [x for x in r["biomarkers"] if x["marker"] != "HER2"] + copy.deepcopy(
            list(rows)
        )

    return change


@dataclass(frozen=True)
class Case:
    id: str
    rationale: str
    change: Callable[[Records], None] | None
    expect: dict[str, str]
    overall: str
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def patient_id(self) -> str:
        return "ML2_" + self.id.upper()

    def records(self) -> Records:
        records = baseline()
        records["patients"][0]["patient_id"] = self.patient_id
        if self.change is not None:
            self.change(records)
        return records

    def expected(self) -> dict[str, str]:
        return {**BASELINE_EXPECTED, **self.expect}


NE, NR, C = "not_eligible", "needs_review", "candidate"
M_, N_, U_, TC = "met", "not_met", "unknown", "to_confirm"
MENO, HR, HER2, RECIST = (
    "postmenopausal",
    "hormone_receptor_positive",
    "her2_negative",
    "measurable_disease_or_lytic_bone",
)
K, RENAL, TRANS, BILI = "potassium_normal", "renal_function", "transaminases", "bilirubin"
RECENT = "recent_surgery_or_radiotherapy"
QTC, PULSE, PRIOR = (
    "qtcf_below_450",
    "resting_heart_rate_50_90",
    "prior_therapy_for_advanced_disease",
)
IHC_2 = _marker("HER2", "IHC", "EQUIVOCAL", ihc_score="2+")
IHC_3 = _marker("HER2", "IHC", "POSITIVE", ihc_score="3+")
ISH_NEG = _marker("HER2", "ISH", "NEGATIVE", "2026-09-20")
ISH_POS = _marker("HER2", "ISH", "POSITIVE", "2026-09-20")

# fmt: off
CASES: list[Case] = [
    Case("baseline", "Eligible: met, or to confirm at the visit", None, {}, C),
    # --- alive, woman, age ----------------------------------------------------------------------
    Case("deceased", "Died 5 days before randomisation", patient(death_date=as_date("2026-11-19")), {"alive": N_}, NE, reasons={"alive": "deceased on 2026-11-19"}),
    Case("man", "A man with breast cancer is outside a trial of women", patient(sex="M"), {"woman": N_}, NE),
    Case("age_18_on_as_of", "18th birthday on the randomisation date, recorded postmenopausal", patient(birth_date=as_date("2008-11-24")), {}, C),
    Case("age_18_day_after", "18th birthday the day after randomisation: still 17", patient(birth_date=as_date("2008-11-25")), {"age_18": N_}, NE),
    Case("breast_cancer_in_pathology_only", "No breast cancer among the diagnoses, but the latest pathology report is of the breast", drop("conditions", "breast"), {}, C),
    Case("locoregional_recurrence_only", "No distant metastasis on record: a locoregional recurrence's curability is confirmed at the visit", drop("conditions", "bone_mets"), {"advanced_breast_cancer": TC}, C),
    Case("no_breast_cancer_on_record", "No breast diagnosis and the latest pathology report is of a colon primary: no breast cancer on record", both(drop("conditions", "breast"), edit("pathology", "path", topography_code="C18.7")), {"advanced_breast_cancer": N_}, NE),
    # --- I2 postmenopausal -----------------------------------------------------------------------
    Case("premenopausal", "A 56-year-old woman recorded premenopausal", edit("assessments", "MENOPAUSAL_STATUS", value="PRE"), {MENO: N_}, NE),
    Case("menopausal_status_missing", "Aged 56, no menopausal status recorded: unknown", drop("assessments", "MENOPAUSAL_STATUS"), {MENO: U_}, NR),
    Case("age_60_on_as_of_recorded_pre", "60th birthday on the randomisation date: postmenopausal by the protocol's definition, whatever the old record says", both(patient(birth_date=as_date("1966-11-24")), edit("assessments", "MENOPAUSAL_STATUS", value="PRE")), {}, C),
    Case("age_60_day_after_recorded_pre", "60th birthday the day after, recorded premenopausal: not postmenopausal", both(patient(birth_date=as_date("1966-11-25")), edit("assessments", "MENOPAUSAL_STATUS", value="PRE")), {MENO: N_}, NE),
    # --- I3 hormone receptors -------------------------------------------------------------------
    Case("er_negative_pr_positive", "ER negative, PR positive: 'and/or' is met", edit("biomarkers", "ER_IHC", result="NEGATIVE", percent_positive=0.0), {}, C),
    Case("er_and_pr_negative", "Triple negative for hormone receptors", both(edit("biomarkers", "ER_IHC", result="NEGATIVE", percent_positive=0.0), edit("biomarkers", "PR_IHC", result="NEGATIVE", percent_positive=0.0)), {HR: N_}, NE),
    Case("er_negative_pr_not_tested", "ER negative and no PR result: PR may be positive", both(edit("biomarkers", "ER_IHC", result="NEGATIVE", percent_positive=0.0), drop("biomarkers", "PR_IHC")), {HR: U_}, NR),
    Case("er_latest_negative", "ER positive in 2019, negative on the latest (2026) biopsy; PR negative: the most recent tissue decides", both(add("biomarkers", _marker("ER", "IHC", "POSITIVE", "2019-03-01", percent_positive=90.0, _key="er_2019")), edit("biomarkers", "ER_IHC", result="NEGATIVE", percent_positive=0.0), edit("biomarkers", "PR_IHC", result="NEGATIVE", percent_positive=0.0)), {HR: N_}, NE),
    Case("receptors_missing", "No receptor result at all: unknown", both(drop("biomarkers", "ER_IHC"), drop("biomarkers", "PR_IHC")), {HR: U_}, NR),
    # --- I4 HER2 (ASCO/CAP) --------------------------------------------------------------------
    Case("her2_ihc_0", "HER2 IHC 0 is negative", her2(_marker("HER2", "IHC", "NEGATIVE", ihc_score="0")), {}, C),
    Case("her2_ihc_2_ish_negative", "HER2 IHC 2+ with a negative ISH is negative", her2(IHC_2, ISH_NEG), {}, C),
    Case("her2_ihc_2_ish_positive", "HER2 IHC 2+ with a positive ISH is HER2-positive", her2(IHC_2, ISH_POS), {HER2: N_}, NE),
    Case("her2_ihc_2_no_ish", "HER2 IHC 2+ without ISH: equivocal, the ISH is needed", her2(IHC_2), {HER2: U_}, NR),
    Case("her2_ihc_3", "HER2 IHC 3+ is positive", her2(IHC_3), {HER2: N_}, NE),
    Case("her2_ihc_3_ish_negative", "HER2 IHC 3+ is positive whatever the ISH (ASCO/CAP)", her2(IHC_3, ISH_NEG), {HER2: N_}, NE),
    Case("her2_ish_negative_only", "Only an ISH was done, negative: HER2-negative", her2(ISH_NEG), {}, C),
    Case("her2_missing", "No HER2 result: unknown", her2(), {HER2: U_}, NR),
    Case("her2_ihc_score_missing", "A HER2 IHC row without its score: unknown", her2(_marker("HER2", "IHC", None)), {HER2: U_}, NR),
    # --- I5 measurable disease, I6 ECOG ----------------------------------------------------------
    Case("lesion_exactly_10_mm", "A single 10 mm lesion is measurable", edit("imaging_studies", "ct", _lesions=[_lesion(10.0)]), {}, C),
    Case("lesion_9_9_mm", "A single 9.9 mm lesion is not measurable: a lytic bone lesion is confirmed at the visit", edit("imaging_studies", "ct", _lesions=[_lesion(9.9)]), {RECIST: TC}, C),
    Case("ct_29_days_old", "CT 29 days old: no baseline imaging in the screening window", edit("imaging_studies", "ct", study_date=as_date("2026-10-26")), {RECIST: U_}, NR),
    Case("ecog_2", "ECOG 2 is above 1", edit("assessments", "ECOG", value="2"), {"ecog_0_1": N_}, NE),
    # --- I7 organ function -----------------------------------------------------------------------
    Case("neutrophils_exactly_1_5_g_per_l", "Neutrophils 1.5 G/L = 1500/mm³ meets ≥ 1.5 × 10⁹/L", lab("neutrophils", 1.5, "G/L"), {}, C),
    Case("neutrophils_1_49_g_per_l", "Neutrophils 1.49 G/L", lab("neutrophils", 1.49, "G/L"), {"neutrophils_1500": N_}, NE),
    Case("platelets_exactly_100_g_per_l", "Platelets 100 G/L meets ≥ 100 × 10⁹/L", lab("platelets", 100.0, "G/L"), {}, C),
    Case("platelets_99_9_g_per_l", "Platelets 99.9 G/L", lab("platelets", 99.9, "G/L"), {"platelets_100000": N_}, NE),
    Case("hb_exactly_9", "Hb exactly 9.0 g/dL meets ≥ 9.0", lab("haemoglobin", 9.0), {}, C),
    Case("hb_8_9", "Hb 8.9 g/dL", lab("haemoglobin", 8.9), {"haemoglobin_9": N_}, NE),
    Case("potassium_at_upper_limit", "Potassium 5.0 mmol/L with the range 3.5-5.0: within normal limits", lab("potassium", 5.0), {}, C),
    Case("potassium_above_range", "Potassium 5.1 mmol/L: may be corrected before the first dose, the visit confirms", lab("potassium", 5.1), {K: TC}, C),
    Case("potassium_without_range", "A potassium without the laboratory's range cannot be said normal", lab("potassium", 4.2, reference_low=None, reference_high=None), {K: U_}, NR),
    Case("inr_exactly_1_5", "INR exactly 1.5 meets ≤ 1.5", lab("inr", 1.5), {}, C),
    Case("inr_1_6", "INR 1.6 is above 1.5", lab("inr", 1.6), {"inr_1_5": N_}, NE),
    Case("creatinine_exactly_1_5_mg_dl", "Creatinine 1.5 mg/dL is not < 1.5, and its Cockcroft-Gault clearance is 43 mL/min", lab("creatinine", 1.5, "mg/dL"), {RENAL: N_}, NE),
    Case("creatinine_1_49_mg_dl", "Creatinine 1.49 mg/dL is < 1.5", lab("creatinine", 1.49, "mg/dL"), {}, C),
    Case("clearance_exactly_50", "Creatinine 1.785 mg/dL and 90 kg: (140-56)×90/(72×1.785)×0.85 = 50 mL/min, meets ≥ 50", both(lab("creatinine", 1.785, "mg/dL"), lab("body_weight", 90.0)), {}, C),
    Case("clearance_49_9", "Creatinine 1.79 mg/dL and 90 kg: 49.9 mL/min, and creatinine ≥ 1.5", both(lab("creatinine", 1.79, "mg/dL"), lab("body_weight", 90.0)), {RENAL: N_}, NE),
    Case("alt_exactly_2_5_uln", "ALT 100 U/L with ULN 40 is 2.5 × ULN, not below: below 5 × ULN only with liver metastases, which the visit confirms", lab("alt", 100.0), {TRANS: TC}, C),
    Case("alt_4_uln_liver_metastases", "ALT 160 U/L (4 × ULN) with liver metastases on record", both(lab("alt", 160.0), add("conditions", {**_diagnosis("C78.7", "2026-09-01", "2026-09-03"), "_key": "liver"})), {}, C),
    Case("ast_exactly_5_uln", "AST 200 U/L with ULN 40 is 5 × ULN: above every limit", lab("ast", 200.0), {TRANS: N_}, NE),
    Case("bilirubin_exactly_uln", "Bilirubin 21 µmol/L = ULN is not below it: Gilbert's syndrome to confirm", lab("bilirubin", 21.0), {BILI: TC}, C),
    Case("bilirubin_above_3_uln", "Bilirubin 63.1 µmol/L with ULN 21 is above 3 × ULN", lab("bilirubin", 63.1), {BILI: N_}, NE),
    # --- I8 ECG ---------------------------------------------------------------------------------
    Case("qtcf_exactly_450", "QT 450 ms at 60/min: QTcF 450 ms, not < 450", labs(qt_interval=450.0, heart_rate=60.0), {QTC: N_}, NE),
    Case("qtcf_449", "QT 449 ms at 60/min: QTcF 449 ms", labs(qt_interval=449.0, heart_rate=60.0), {}, C),
    Case("qtcf_without_heart_rate", "QT without the heart rate of the same ECG: QTcF and heart rate unknown", drop("labs", "heart_rate"), {QTC: U_, PULSE: U_}, NR),
    Case("heart_rate_exactly_50", "Resting heart rate 50/min is in 50-90", labs(heart_rate=50.0), {}, C),
    Case("heart_rate_91", "Resting heart rate 91/min is above 90 (QT 400 ms at 91/min: QTcF 460 ms, prolonged too)", labs(heart_rate=91.0), {PULSE: N_, QTC: N_}, NE),
    # --- exclusions -----------------------------------------------------------------------------
    Case("prior_ribociclib", "Ribociclib in 2025: a prior CDK4/6 inhibitor (and a prior systemic therapy whose setting the visit would confirm)", add("treatments", given("L01EF02", "2025-06-01")), {"prior_cdk46_inhibitor": N_, PRIOR: TC}, NE),
    Case("letrozole_exactly_12_months", "Adjuvant letrozole last given 2025-11-24, exactly 12 months before: interval not > 12 months", add("treatments", given("L02BG04", "2025-11-24")), {"nsai_within_12_months": N_, PRIOR: TC}, NE),
    Case("letrozole_12_months_and_a_day", "Adjuvant letrozole last given 2025-11-23: more than 12 months ago; its setting is confirmed at the visit", add("treatments", given("L02BG04", "2025-11-23")), {PRIOR: TC}, C),
    Case("inflammatory_carcinoma", "An inflammatory carcinoma (8530/3) of the breast", edit("conditions", "breast", morphology_code="8530/3"), {"inflammatory_breast_cancer": N_}, NE),
    Case("brain_metastases", "Brain metastases on record: whether treated and stable is confirmed at the visit", add("conditions", {**_diagnosis("C79.3", "2026-10-01", "2026-10-02"), "_key": "brain"}), {"cns_metastases": TC}, C),
    Case("myocardial_infarction_8_months_ago", "Myocardial infarction in March 2026: within 12 months", add("conditions", {**_diagnosis("I21.9", "2026-03-15", "2026-03-16"), "_key": "mi"}), {"cardiac_disease": N_}, NE),
    Case("lvef_45", "LVEF 45 % on an echocardiogram in October", add("labs", _lab("lvef", 45.0, "%", "2026-10-15T10:00")), {"cardiac_disease": N_}, NE),
    Case("colon_cancer_2025", "A colon cancer diagnosed in January 2025: another malignancy within 3 years", add("conditions", {**_diagnosis("C18.7", "2025-01-10", "2025-01-15"), "_key": "colon"}), {"other_malignancy_3_years": N_}, NE),
    Case("skin_carcinoma_2025", "A basal cell skin carcinoma in 2025 is the protocol's exception", add("conditions", {**_diagnosis("C44.3", "2025-01-10", "2025-01-15"), "_key": "skin"}), {}, C),
    Case("warfarin_last_week", "Warfarin given on 2026-11-17: currently on a coumarin", add("treatments", given("B01AA03", "2026-11-17")), {"coumarin_anticoagulant": N_}, NE),
    Case("ribociclib_prescribed_only", "Ribociclib prescribed in 2025 and taken at home, never administered in hospital: a prior CDK4/6 inhibitor all the same", add("medications", prescribed("L01EF02", "2025-06-01")), {"prior_cdk46_inhibitor": N_, PRIOR: TC}, NE),
    Case("letrozole_dispensed_11_months_ago", "Letrozole dispensed by a pharmacy on 2025-12-20, within 12 months", add("medications", prescribed("L02BG04", "2025-12-20", "DISPENSING")), {"nsai_within_12_months": N_, PRIOR: TC}, NE),
    Case("letrozole_dispensed_a_day_too_early", "Letrozole dispensed on 2025-11-23, a day before the 12-month window: its setting is confirmed at the visit", add("medications", prescribed("L02BG04", "2025-11-23", "DISPENSING")), {PRIOR: TC}, C),
    Case("warfarin_reported_last_week", "The patient reports taking warfarin (a statement dated 2026-11-17): currently on a coumarin", add("medications", prescribed("B01AA03", "2026-11-17", "STATEMENT")), {"coumarin_anticoagulant": N_}, NE),
    Case("warfarin_prescribed_in_august_until_january", "Warfarin prescribed from 2026-08-01 to 2027-01-31: started before the 30 days, still running: currently on a coumarin", add("medications", running("B01AA03", "2026-08-01", "2027-01-31")), {"coumarin_anticoagulant": N_}, NE),
    Case("warfarin_stopped_on_the_window_first_day", "Warfarin prescribed 2026-06-01 to 2026-10-25, the first day of the 30 days: taken within them", add("medications", running("B01AA03", "2026-06-01", "2026-10-25")), {"coumarin_anticoagulant": N_}, NE),
    Case("warfarin_stopped_the_day_before", "Warfarin prescribed 2026-06-01 to 2026-10-24, stopped the day before the 30 days: not current; the visit confirms", add("medications", running("B01AA03", "2026-06-01", "2026-10-24")), {}, C),
    Case("warfarin_statement_open_since_june", "The patient reported taking warfarin from 2026-06-01, no end recorded: may still take it (unknown), which the visit confirms as for every patient (to confirm outranks unknown in any_of), the open record named", add("medications", prescribed("B01AA03", "2026-06-01", "STATEMENT")), {}, C, reasons={"coumarin_anticoagulant": "branch 2 of 3: cannot tell; 0 counted and 1 more possible"}),
    Case("radiotherapy_exactly_4_weeks", "Radiotherapy on 2026-10-27, exactly 4 weeks before randomisation: within", procedure("2026-10-27", "RADIOTHERAPY"), {RECENT: N_}, NE),
    Case("radiotherapy_4_weeks_and_a_day", "Radiotherapy on 2026-10-26: more than 4 weeks before", procedure("2026-10-26", "RADIOTHERAPY"), {}, C),
    Case("surgery_exactly_14_days", "Surgery on 2026-11-10, exactly 14 days before: whether it was major, the visit confirms", procedure("2026-11-10", "SURGERY"), {RECENT: TC}, C),
    Case("surgery_15_days", "Surgery on 2026-11-09, 15 days before: not within 14 days", procedure("2026-11-09", "SURGERY"), {}, C),
    Case("known_hiv", "HIV disease on record", add("conditions", {**_diagnosis("B20", "2015-06-01", "2015-06-02"), "_key": "hiv"}), {"known_hiv": N_}, NE),
]
# fmt: on

assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


@pytest.fixture(scope="module")
def monaleesa2_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("monaleesa2") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    return folder


@pytest.fixture(scope="module")
def monaleesa2_trial():
    return load_trial(find_trial("monaleesa-2"))


@pytest.fixture(scope="module")
def screened_monaleesa2_files(monaleesa2_exports, monaleesa2_trial, tmp_path_factory) -> Screened:
    return screen_files(
        monaleesa2_trial, monaleesa2_exports, tmp_path_factory.mktemp("monaleesa2-files")
    )


@pytest.fixture(scope="module")
def screened_monaleesa2_sql(monaleesa2_exports, monaleesa2_trial, tmp_path_factory) -> Screened:
    return screen_sql(
        monaleesa2_trial, monaleesa2_exports, tmp_path_factory.mktemp("monaleesa2-sql")
    )


DIALECTS = ("files", "sql")


def _screened(request: pytest.FixtureRequest, dialect: str) -> Screened:
    return request.getfixturevalue(f"screened_monaleesa2_{dialect}")


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


def test_a_source_without_medication_records_cannot_rule_out_an_oral_drug(
    monaleesa2_exports, monaleesa2_trial, tmp_path
):
    """Read from a config that predates medication records: no CDK4/6 inhibitor among the
    administrations no longer rules one out (it may have been prescribed), so the exclusion
    is unknown for the baseline; one administered still excludes."""
    screened = screen_without("medications", monaleesa2_trial, monaleesa2_exports, tmp_path)
    rows = screened.criteria.set_index(["patient_id", "criterion_id"])["status"]
    by_id = {case.id: case.patient_id for case in CASES}
    assert rows[(by_id["baseline"], "prior_cdk46_inhibitor")] == "unknown"
    assert rows[(by_id["prior_ribociclib"], "prior_cdk46_inhibitor")] == "not_met"
