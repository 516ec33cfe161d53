# ruff: noqa: E501  (one case per line where it fits: the table reads better than wrapped code)
"""The acceptance cases: hand-built patients from the protocol and the trial file.

Each case is one patient: an eligible baseline (a woman of childbearing potential, `F`, or a
man, `M`) with ONE change, the verdicts it must change (every other criterion keeps the
baseline's verdict), the overall status, and a one-line clinical rationale. Written from
/work/shared/trials/lutathera-retreatment-protocol.txt and trials/lutathera-retreatment.yaml,
never from the synthetic generator.

As-of date 2026-11-24 (the inclusion date). Windows, both ends included:
  SSTR imaging and CT/MRI 4 calendar months: 2026-07-24 .. 2026-11-24
  tumour board 6 months: 2026-05-24 .. ; ECOG, life expectancy 3 months: 2026-08-24 ..
  labs 28 days: 2026-10-27 .. ; beta-hCG 4 days: 2026-11-20 ..
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.acceptance.builder import Raw, as_date, as_datetime

AS_OF = "2026-11-24"

CRITERIA = (
    "alive",
    "age",
    "histology_intestinal_net_g1_g2",
    "first_prrt_four_cycles",
    "disease_control_12_months",
    "progression_after_first_prrt",
    "retreatment_decision",
    "ecog_0_2",
    "life_expectancy_6_months",
    "sstr_imaging_positive",
    "measurable_disease_recist",
    "haemoglobin_above_8",
    "neutrophils_1500",
    "platelets_80000",
    "negative_pregnancy_test",
    "effective_contraception",
    "informed_consent",
    "willingness_to_comply",
    "social_security_affiliation",
)

LOINC = {
    "haemoglobin": "718-7",
    "neutrophils": "751-8",
    "platelets": "777-3",
    "beta_hcg": "21198-7",
    "albumin": "1751-7",
}

Records = dict[str, list[dict[str, Any]]]


def _lab(analyte: str, value: Any, unit: str, when: str, key: str | None = None) -> dict:
    return {
        "_key": key or analyte,
        "loinc_code": LOINC[analyte],
        "value_raw": value,
        "unit": unit,
        "collected_at": as_datetime(when),
    }


def _assessment(kind: str, value: str, when: str, key: str | None = None) -> dict:
    return {
        "_key": key or kind,
        "assessed_on": as_date(when),
        "assessment_type": kind,
        "value": value,
    }


def _lesion(longest: float | Raw, short: float | None = None, node: bool = False) -> dict:
    return {"is_lymph_node": node, "longest_diameter_mm": longest, "short_axis_mm": short}


def _node(short: float | None, longest: float = 20.0) -> dict:
    return _lesion(longest, short, node=True)


def baseline_f() -> Records:
    """An eligible 41-year-old woman of childbearing potential, first PRRT in 2022."""
    return {
        "patients": [
            {
                "family_name": "Lefèvre",
                "given_name": "Hélène",
                "birth_date": as_date("1985-05-15"),
                "sex": "F",
                "death_date": None,
                "social_security_affiliated": True,
                "childbearing_potential": True,
            }
        ],
        "pathology": [
            {
                "_key": "path",
                "report_date": as_date("2019-03-10"),
                "topography_code": "C17.1",
                "morphology_code": "8240/3",
                "grade": "G2",
                "ki67_percent": 5.0,
            },
        ],
        "conditions": [
            {
                "_key": "net",
                "icd10_code": "C17.1",
                "topography_code": "C17.1",
                "morphology_code": "8240/3",
                "onset_date": as_date("2019-02-20"),
                "recorded_date": as_date("2019-03-10"),
                "clinical_status": "ACTIVE",
            },
        ],
        "treatments": [
            {
                "_key": f"c{n}",
                "atc_code": "V10XX04",
                "administered_on": as_date(d),
                "activity_mbq": 7400.0,
            }
            for n, d in enumerate(["2022-01-10", "2022-03-07", "2022-05-02", "2022-06-27"], start=1)
        ],
        "imaging_studies": [
            # First progression after the first PRRT (course end 2022-06-27): 2 y 9 m later.
            {
                "_key": "pd_ct",
                "study_date": as_date("2025-03-15"),
                "modality": "CT",
                "recist_response": "PD",
            },
            {
                "_key": "sstr",
                "study_date": as_date("2026-10-01"),
                "modality": "PET",
                "sstr_tracer": "68GA-DOTATATE",
                "sstr_positive_percent": 95.0,
                "uptake_vs_liver": "ABOVE",
                "krenning_score": 4,
            },
            {
                "_key": "ct",
                "study_date": as_date("2026-10-20"),
                "modality": "CT",
                "_lesions": [_lesion(25.0), _lesion(18.0)],
            },
        ],
        "tumour_board": [
            {
                "_key": "board",
                "decision_date": as_date("2026-10-15"),
                "board": "RCP",
                "decision": "PRRT_RETREATMENT",
                "reimbursement_scope": True,
            },
        ],
        "assessments": [
            _assessment("ECOG", "1", "2026-11-10"),
            _assessment("LIFE_EXPECTANCY", "24", "2026-11-10"),
            _assessment("MENOPAUSAL_STATUS", "PRE", "2026-11-10"),
        ],
        "labs": [
            _lab("haemoglobin", 12.5, "g/dL", "2026-11-17T08:00"),
            _lab("neutrophils", 3500.0, "/mm3", "2026-11-17T08:00"),
            _lab("platelets", 220000.0, "/mm3", "2026-11-17T08:00"),
            _lab("beta_hcg", 1.0, "UI/L", "2026-11-22T08:00"),
        ],
    }


def baseline_m() -> Records:
    """The same eligible history in a 68-year-old man: no pregnancy test, no menopausal status."""
    records = baseline_f()
    records["patients"][0].update(
        family_name="Bérard",
        given_name="Jérôme",
        birth_date=as_date("1958-07-02"),
        sex="M",
        childbearing_potential=None,
    )
    records["labs"] = [r for r in records["labs"] if r["_key"] != "beta_hcg"]
    records["assessments"] = [r for r in records["assessments"] if r["_key"] != "MENOPAUSAL_STATUS"]
    return records


BASELINES: dict[str, Callable[[], Records]] = {"F": baseline_f, "M": baseline_m}

_CONFIRM = {"informed_consent": "to_confirm", "willingness_to_comply": "to_confirm"}
BASELINE_EXPECTED: dict[str, dict[str, str]] = {
    "F": {
        **{c: "met" for c in CRITERIA},
        "effective_contraception": "to_confirm",
        **_CONFIRM,
    },
    "M": {
        **{c: "met" for c in CRITERIA},
        "negative_pregnancy_test": "not_applicable",
        "effective_contraception": "to_confirm",
        **_CONFIRM,
    },
}


# --- changes: each returns a function applying ONE change to a copy of the baseline ------------


def _find(records: Records, extract: str, key: str) -> dict:
    (found,) = [r for r in records[extract] if r.get("_key") == key]
    return found


def patient(**values: Any) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        r["patients"][0].update(values)

    return change


def edit(extract: str, key: str, **values: Any) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        _find(r, extract, key).update(values)

    return change


def add(extract: str, record: dict) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        r[extract].append(copy.deepcopy(record))

    return change


def drop(extract: str, key: str) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        r[extract] = [x for x in r[extract] if x.get("_key") != key]

    return change


def lesions(*items: dict) -> Callable[[Records], None]:
    return edit("imaging_studies", "ct", _lesions=list(items))


def lab(
    analyte: str, value: Any, unit: str | None = None, when: str | None = None
) -> Callable[[Records], None]:
    values: dict[str, Any] = {"value_raw": value}
    if unit is not None:
        values["unit"] = unit
    if when is not None:
        values["collected_at"] = as_datetime(when)
    return edit("labs", analyte, **values)


def add_lab(analyte: str, value: Any, unit: str, when: str) -> Callable[[Records], None]:
    return add("labs", _lab(analyte, value, unit, when, key=f"extra_{analyte}"))


def cycles(*dates: str) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        r["treatments"] = [
            {
                "_key": f"c{n}",
                "atc_code": "V10XX04",
                "administered_on": as_date(d),
                "activity_mbq": 7400.0,
            }
            for n, d in enumerate(dates, start=1)
        ]

    return change


def atc(code: Any) -> Callable[[Records], None]:
    def change(r: Records) -> None:
        for record in r["treatments"]:
            record["atc_code"] = code

    return change


@dataclass(frozen=True)
class Case:
    id: str
    rationale: str
    change: Callable[[Records], None] | None
    expect: dict[str, str]
    overall: str
    base: str = "F"
    # What the SQL path must give where it legitimately differs: a value that does not type
    # under the file dialect is loaded as NULL by load_warehouse (a typed column cannot hold
    # it), so the patients row is not set aside there, the value is only missing.
    sql_expect: dict[str, str] | None = None
    sql_overall: str | None = None
    # criterion -> text its reason must contain (e.g. the data-quality rule id)
    reasons: dict[str, str] = field(default_factory=dict)
    sql_reasons: dict[str, str] | None = None
    # (extract, rule id) the patient must have in quarantine/<extract>.parquet
    quarantined: tuple[tuple[str, str], ...] = ()
    sql_quarantined: tuple[tuple[str, str], ...] | None = None

    def records(self) -> Records:
        records = BASELINES[self.base]()
        records["patients"][0]["patient_id"] = self.patient_id
        if self.change is not None:
            self.change(records)
        return records

    @property
    def patient_id(self) -> str:
        return self.id.upper()

    def expected(self, dialect: str) -> tuple[dict[str, str], str]:
        changes = (
            self.sql_expect if dialect == "sql" and self.sql_expect is not None else self.expect
        )
        overall = self.sql_overall if dialect == "sql" and self.sql_overall else self.overall
        return {**BASELINE_EXPECTED[self.base], **changes}, overall

    def reason_texts(self, dialect: str) -> dict[str, str]:
        return (
            self.sql_reasons if dialect == "sql" and self.sql_reasons is not None else self.reasons
        )

    def quarantine(self, dialect: str) -> tuple[tuple[str, str], ...]:
        if dialect == "sql" and self.sql_quarantined is not None:
            return self.sql_quarantined
        return self.quarantined


NE, NR, C = "not_eligible", "needs_review", "candidate"
HB, NEUT, PLT, HCG = (
    "haemoglobin_above_8",
    "neutrophils_1500",
    "platelets_80000",
    "negative_pregnancy_test",
)
RECIST, SSTR, BOARD = "measurable_disease_recist", "sstr_imaging_positive", "retreatment_decision"
LIFE, PREG, CONTRA = (
    "life_expectancy_6_months",
    "negative_pregnancy_test",
    "effective_contraception",
)
PRRT, CONTROL, PROG = (
    "first_prrt_four_cycles",
    "disease_control_12_months",
    "progression_after_first_prrt",
)
HISTO, SS = "histology_intestinal_net_g1_g2", "social_security_affiliation"
PATIENT_ROW = ("alive", "age", SS)

_BIRTH_RULE = "conformance.patients.birth_date.date"
_SEX_RULE = "conformance.patients.sex.code"
_DEATH_RULE = "conformance.patients.death_date.date"

# The table of cases, one per line where it fits (kept unformatted on purpose).
# fmt: off
CASES: list[Case] = [
    # --- baselines --------------------------------------------------------------------------
    Case("baseline_f", "Eligible woman of childbearing potential: every criterion met or to confirm at the visit", None, {}, C),
    Case("baseline_m", "Eligible man: pregnancy test not applicable, contraception to confirm", None, {}, C, base="M"),
    # --- alive (implicit first criterion) -------------------------------------------------------
    Case("deceased_5_days_before", "Died 5 days before the inclusion date: cannot be included", patient(death_date=as_date("2026-11-19")), {"alive": "not_met"}, NE, base="M", reasons={"alive": "deceased on 2026-11-19"}),
    Case("deceased_on_as_of", "A death date on the inclusion date itself counts as deceased", patient(death_date=as_date("2026-11-24")), {"alive": "not_met"}, NE, base="M", reasons={"alive": "deceased on 2026-11-24"}),
    Case("death_day_after_as_of", "A death recorded the day after the as-of date: alive on that date (backfill)", patient(death_date=as_date("2026-11-25")), {}, C),
    Case("death_date_unparseable", "Death date 31/02/2026 does not parse: the patients row is set aside, alive/age/affiliation unknown, other records still screened", patient(death_date=Raw("31/02/2026")),
         {c: "unknown" for c in PATIENT_ROW}, NR, reasons={c: _DEATH_RULE for c in PATIENT_ROW}, quarantined=(("patients", _DEATH_RULE),),
         sql_expect={}, sql_overall=C, sql_reasons={}, sql_quarantined=()),
    # --- age (protocol item 1) ------------------------------------------------------------------
    Case("age_18th_birthday_on_as_of", "18th birthday on the inclusion date: aged 18", patient(birth_date=as_date("2008-11-24")), {}, C),
    Case("age_18th_birthday_day_after", "18th birthday the day after inclusion: still 17", patient(birth_date=as_date("2008-11-25")), {"age": "not_met"}, NE),
    Case("age_born_29_feb_2008", "Born 29 February 2008: 18 since 28 February 2026", patient(birth_date=as_date("2008-02-29")), {}, C),
    Case("age_birth_date_missing", "No birth date recorded: age cannot be checked", patient(birth_date=None), {"age": "unknown"}, NR),
    Case("birth_date_iso_in_french_dialect", "Birth date 1960-03-12 in a dd/mm/yyyy export: row set aside but the patient is not lost; labs etc. still screened", patient(birth_date=Raw("1960-03-12")),
         {c: "unknown" for c in PATIENT_ROW}, NR, reasons={c: _BIRTH_RULE for c in PATIENT_ROW}, quarantined=(("patients", _BIRTH_RULE),),
         sql_expect={"age": "unknown"}, sql_reasons={}, sql_quarantined=()),
    Case("sex_x", "Sex 'X' is outside the contract's M/F: the patients row is set aside, the patient stays (needs review)", patient(sex=Raw("X")),
         {c: "unknown" for c in PATIENT_ROW}, NR, reasons={c: _SEX_RULE for c in PATIENT_ROW}, quarantined=(("patients", _SEX_RULE),)),
    # --- social security (item 16) --------------------------------------------------------------
    Case("ss_not_affiliated", "Not affiliated to the French social security: not includable", patient(social_security_affiliated=False), {SS: "not_met"}, NE),
    Case("ss_not_recorded", "Affiliation not recorded: to be checked", patient(social_security_affiliated=None), {SS: "unknown"}, NR),
    # --- childbearing potential, pregnancy test, contraception (items 12, 13) -------------------
    Case("childbearing_potential_false", "Woman recorded without childbearing potential: no pregnancy test, no contraception requirement", patient(childbearing_potential=False), {PREG: "not_applicable", CONTRA: "not_applicable"}, C),
    Case("childbearing_potential_unrecorded", "Potential not recorded: the test still applies, and her negative β-hCG meets it", patient(childbearing_potential=None), {}, C),
    Case("postmenopausal_latest_status", "Latest menopausal status POST: no pregnancy test and no contraception requirement", edit("assessments", "MENOPAUSAL_STATUS", value="POST"), {PREG: "not_applicable", CONTRA: "not_applicable"}, C),
    Case("postmenopausal_older_premenopausal_latest", "An older POST then a later PRE: the latest (PRE) decides, the test applies", add("assessments", _assessment("MENOPAUSAL_STATUS", "POST", "2025-01-10", key="old_meno")), {}, C),
    Case("bhcg_4_days_old", "β-hCG taken 4 days before inclusion: within the protocol's 4 days", lab("beta_hcg", 1.0, when="2026-11-20T08:00"), {}, C),
    Case("bhcg_5_days_old", "β-hCG 5 days old is too old: a new test is needed at inclusion", lab("beta_hcg", 1.0, when="2026-11-19T08:00"), {HCG: "to_confirm"}, C),
    Case("bhcg_qualifier_below_5", "'<5' IU/L is negative (every value of the interval is below 5)", lab("beta_hcg", Raw("<5")), {}, C),
    Case("bhcg_exactly_5", "β-hCG exactly 5 IU/L is not negative (< 5)", lab("beta_hcg", 5.0), {HCG: "not_met"}, NE),
    Case("bhcg_miu_per_ml", "2 mUI/mL equals 2 IU/L: negative", lab("beta_hcg", 2.0, unit="mUI/mL"), {}, C),
    # --- histology (item 2) ---------------------------------------------------------------------
    Case("histology_g3", "G3 NET is outside the protocol (G1/G2 only)", edit("pathology", "path", grade="G3"), {HISTO: "not_met"}, NE),
    Case("histology_grade_missing", "Grade not reported: G1/G2 cannot be confirmed", edit("pathology", "path", grade=None), {HISTO: "unknown"}, NR),
    Case("histology_colon_c18", "Colonic/appendiceal NET (C18) is intestinal", edit("pathology", "path", topography_code="C18.1"), {}, C),
    Case("histology_pancreas_c25", "Pancreatic NET is not intestinal", edit("pathology", "path", topography_code="C25.4"), {HISTO: "not_met"}, NE),
    Case("histology_nec_8246", "Neuroendocrine carcinoma (8246/3) is not a well-differentiated NET", edit("pathology", "path", morphology_code="8246/3"), {HISTO: "not_met"}, NE),
    Case("histology_latest_report_g3", "A later re-biopsy reports G3: the latest pathology report decides", add("pathology", {"report_date": as_date("2024-06-01"), "topography_code": "C17.1", "morphology_code": "8249/3", "grade": "G3", "ki67_percent": 25.0}), {HISTO: "not_met"}, NE),
    # --- first PRRT: 4 cycles of V10XX04 (item 3), course gap > 120 days --------------------------
    Case("prrt_three_cycles", "Only 3 cycles of the first PRRT", cycles("2022-01-10", "2022-03-07", "2022-05-02"), {PRRT: "not_met"}, NE),
    Case("prrt_fourth_cycle_after_120_days", "4th cycle 120 days after the 3rd: same course (gap not > 120)", cycles("2022-01-10", "2022-03-07", "2022-05-02", "2022-08-30"), {}, C),
    Case("prrt_fourth_cycle_after_121_days", "4th cycle 121 days after the 3rd starts a new course: first PRRT had 3 cycles", cycles("2022-01-10", "2022-03-07", "2022-05-02", "2022-08-31"), {PRRT: "not_met"}, NE),
    Case("prrt_none_on_record", "No Lutathera on record (may have been given elsewhere): unknown, and so are control and progression after it", cycles(), {PRRT: "unknown", CONTROL: "unknown", PROG: "unknown"}, NR),
    Case("prrt_atc_lower_case", "ATC code exported in lower case is still V10XX04", atc(Raw("v10xx04")), {}, C),
    # --- disease control >= 12 months (item 4) and progression (item 5) -------------------------
    Case("disease_control_exactly_12_months", "First PD exactly 12 calendar months after the last cycle", edit("imaging_studies", "pd_ct", study_date=as_date("2023-06-27")), {}, C),
    Case("disease_control_one_day_short", "First PD one day short of 12 months after the last cycle", edit("imaging_studies", "pd_ct", study_date=as_date("2023-06-26")), {CONTROL: "not_met"}, NE),
    Case("no_progression_recorded", "Stable disease only: no radiological progression on record (clinical one not in the extracts)", edit("imaging_studies", "pd_ct", recist_response="SD"), {CONTROL: "unknown", PROG: "unknown"}, NR),
    Case("progression_after_as_of", "The only PD is dated after the as-of date: ignored", edit("imaging_studies", "pd_ct", study_date=as_date("2026-11-30")), {CONTROL: "unknown", PROG: "unknown"}, NR),
    Case("recist_pm_code_lower_case", "RECIST 'pm' (progression, French code) in lower case maps to PD", edit("imaging_studies", "pd_ct", recist_response=Raw("pm")), {}, C),
    # --- retreatment decision (item 6), 6 months ------------------------------------------------
    Case("board_exactly_6_months", "Board decision exactly 6 calendar months before inclusion", edit("tumour_board", "board", decision_date=as_date("2026-05-24")), {}, C),
    Case("board_6_months_and_1_day", "Board decision 6 months and a day old: outside the window", edit("tumour_board", "board", decision_date=as_date("2026-05-23")), {BOARD: "unknown"}, NR),
    Case("board_first_prrt_decision", "Latest decision is a first PRRT, not a retreatment", edit("tumour_board", "board", decision="PRRT_FIRST"), {BOARD: "not_met"}, NE),
    Case("board_outside_reimbursement", "Retreatment decided outside the French reimbursement scope", edit("tumour_board", "board", reimbursement_scope=False), {BOARD: "not_met"}, NE),
    Case("board_code_lower_case", "'retraitement_prrt' in lower case is the retreatment code", edit("tumour_board", "board", decision=Raw("retraitement_prrt")), {}, C),
    Case("board_code_spaces_mixed_case", "' Retraitement_PRRT ' with spaces and mixed case is the retreatment code", edit("tumour_board", "board", decision=Raw(" Retraitement_PRRT ")), {}, C),
    Case("board_code_xyz", "Decision 'XYZ' is outside the vocabulary: set aside, the decision is unknown (not silently not met)", edit("tumour_board", "board", decision=Raw("XYZ")), {BOARD: "unknown"}, NR,
         reasons={BOARD: "conformance.tumour_board.decision.code"}, quarantined=(("tumour_board", "conformance.tumour_board.decision.code"),)),
    Case("board_later_decision_after_as_of", "A later first-PRRT decision dated after the as-of date is ignored", add("tumour_board", {"decision_date": as_date("2026-11-30"), "board": "RCP", "decision": "PRRT_FIRST", "reimbursement_scope": True}), {}, C),
    # --- ECOG 0-2 (item 7), 3 months ------------------------------------------------------------
    Case("ecog_2", "ECOG 2 is within 0-2", edit("assessments", "ECOG", value="2"), {}, C),
    Case("ecog_3", "ECOG 3 is outside 0-2", edit("assessments", "ECOG", value="3"), {"ecog_0_2": "not_met"}, NE),
    Case("ecog_window_first_day", "ECOG exactly 3 calendar months old", edit("assessments", "ECOG", assessed_on=as_date("2026-08-24")), {}, C),
    Case("ecog_window_day_before", "ECOG 3 months and a day old: none recent", edit("assessments", "ECOG", assessed_on=as_date("2026-08-23")), {"ecog_0_2": "unknown"}, NR),
    Case("ecog_oms_lower_case", "Assessment type 'oms' (French for ECOG) in lower case", edit("assessments", "ECOG", assessment_type=Raw("oms")), {}, C),
    # --- life expectancy >= 6 months (item 8), 3 months, absent: to confirm ---------------------
    Case("life_expectancy_6_months", "Prognosis exactly 6 months", edit("assessments", "LIFE_EXPECTANCY", value="6"), {}, C),
    Case("life_expectancy_5_months", "Prognosis 5 months is below 6", edit("assessments", "LIFE_EXPECTANCY", value="5"), {LIFE: "not_met"}, NE),
    Case("life_expectancy_not_recorded", "No recorded prognosis: the physician confirms at the visit", drop("assessments", "LIFE_EXPECTANCY"), {LIFE: "to_confirm"}, C),
    Case("life_expectancy_too_old", "Prognosis 3 months and a day old: to confirm", edit("assessments", "LIFE_EXPECTANCY", assessed_on=as_date("2026-08-23")), {LIFE: "to_confirm"}, C),
    # --- SSTR imaging (item 9), 4 months, >= 90 % positive, uptake >= liver ---------------------
    Case("sstr_window_first_day", "SSTR PET exactly 4 calendar months before inclusion", edit("imaging_studies", "sstr", study_date=as_date("2026-07-24")), {}, C),
    Case("sstr_window_day_before", "SSTR PET 4 months and a day old: none recent", edit("imaging_studies", "sstr", study_date=as_date("2026-07-23")), {SSTR: "unknown"}, NR),
    Case("sstr_exactly_90_percent", "90 % of lesions positive meets >= 90 %", edit("imaging_studies", "sstr", sstr_positive_percent=90.0), {}, C),
    Case("sstr_89_9_percent", "89.9 % of lesions positive is below 90 %", edit("imaging_studies", "sstr", sstr_positive_percent=89.9), {SSTR: "not_met"}, NE),
    Case("sstr_percent_missing", "Share of positive lesions not reported", edit("imaging_studies", "sstr", sstr_positive_percent=None), {SSTR: "unknown"}, NR),
    Case("sstr_uptake_equal_liver", "Uptake equal to liver is significant", edit("imaging_studies", "sstr", uptake_vs_liver="EQUAL"), {}, C),
    Case("sstr_uptake_below_liver", "Uptake below liver is not significant", edit("imaging_studies", "sstr", uptake_vs_liver="BELOW"), {SSTR: "not_met"}, NE),
    Case("sstr_uptake_egal_accented", "'Égal' (accented, mixed case) is the EGAL code", edit("imaging_studies", "sstr", uptake_vs_liver=Raw("Égal")), {}, C),
    Case("sstr_octreoscan", "111In-pentetreotide scintigraphy is an accepted SSTR imaging", edit("imaging_studies", "sstr", modality="SCINTIGRAPHY", sstr_tracer="111IN-PENTETREOTIDE"), {}, C),
    Case("sstr_modality_tep_lower_case", "Modality 'tep' in lower case is PET", edit("imaging_studies", "sstr", modality=Raw("tep")), {}, C),
    Case("sstr_tracer_fdg", "An 18F-FDG tracer is outside the tracer vocabulary: the study is set aside, SSTR imaging unknown", edit("imaging_studies", "sstr", sstr_tracer=Raw("18F-FDG")), {SSTR: "unknown"}, NR,
         reasons={SSTR: "conformance.imaging_studies.sstr_tracer.code"}, quarantined=(("imaging_studies", "conformance.imaging_studies.sstr_tracer.code"),)),
    Case("sstr_latest_80_percent", "A later SSTR PET shows 80 % positive: the latest decides", add("imaging_studies", {"study_date": as_date("2026-11-05"), "modality": "PET", "sstr_tracer": "68GA-DOTATOC", "sstr_positive_percent": 80.0, "uptake_vs_liver": "ABOVE", "krenning_score": 3}), {SSTR: "not_met"}, NE),
    Case("sstr_after_as_of_ignored", "A 50 % SSTR PET dated after the as-of date is ignored", add("imaging_studies", {"study_date": as_date("2026-11-30"), "modality": "PET", "sstr_tracer": "68GA-DOTATATE", "sstr_positive_percent": 50.0, "uptake_vs_liver": "BELOW", "krenning_score": 2}), {}, C),
    # --- measurable disease, RECIST 1.1 (item 10) -----------------------------------------------
    Case("recist_single_lesion", "One 25 mm liver lesion: fewer than 2 lesions", lesions(_lesion(25.0)), {RECIST: "not_met"}, NE),
    Case("recist_nonnodal_10_and_9_9", "10 mm non-nodal lesion is measurable, 9.9 mm counts toward the total", lesions(_lesion(10.0), _lesion(9.9)), {}, C),
    Case("recist_25_and_nonnodal_9_9", "25 mm measurable plus a 9.9 mm non-measurable lesion: 2 lesions", lesions(_lesion(25.0), _lesion(9.9)), {}, C),
    Case("recist_25_and_node_short_8", "A node of 8 mm short axis is normal tissue: only 1 lesion", lesions(_lesion(25.0), _node(8.0, 12.0)), {RECIST: "not_met"}, NE),
    Case("recist_25_and_node_short_9_9", "A node of 9.9 mm short axis is normal tissue: only 1 lesion", lesions(_lesion(25.0), _node(9.9, 14.0)), {RECIST: "not_met"}, NE),
    Case("recist_25_and_node_short_10", "A 10 mm short-axis node is a pathological non-measurable lesion: 2 lesions", lesions(_lesion(25.0), _node(10.0, 14.0)), {}, C),
    Case("recist_nodes_short_14_9_twice", "Two 14.9 mm short-axis nodes: lesions but none measurable", lesions(_node(14.9), _node(14.9)), {RECIST: "not_met"}, NE),
    Case("recist_nodes_short_15_and_10", "15 mm short-axis node is measurable, 10 mm node counts: met", lesions(_node(15.0), _node(10.0)), {}, C),
    Case("recist_node_14_9_and_nonnodal_9_9", "Non-measurable node and non-measurable lesion: no measurable lesion", lesions(_node(14.9), _lesion(9.9)), {RECIST: "not_met"}, NE),
    Case("recist_25_and_node_without_short_axis", "The node without short axis decides (lesion or normal node): unknown", lesions(_lesion(25.0), _node(None, 20.0)), {RECIST: "unknown"}, NR),
    Case("recist_25_25_and_node_without_short_axis", "Two 25 mm lesions suffice whatever the unmeasured node is", lesions(_lesion(25.0), _lesion(25.0), _node(None, 20.0)), {}, C),
    Case("recist_ct_window_first_day", "CT exactly 4 calendar months old", edit("imaging_studies", "ct", study_date=as_date("2026-07-24")), {}, C),
    Case("recist_ct_window_day_before", "CT 4 months and a day old: no recent CT/MRI", edit("imaging_studies", "ct", study_date=as_date("2026-07-23")), {RECIST: "unknown"}, NR),
    Case("recist_mri", "Measured on MRI instead of CT", edit("imaging_studies", "ct", modality="MRI"), {}, C),
    Case("recist_modality_tdm_lower_case", "Modality 'tdm' in lower case is CT", edit("imaging_studies", "ct", modality=Raw("tdm")), {}, C),
    Case("recist_modality_echo", "A modality 'ECHO' is outside the modality vocabulary: the study is set aside and, its modality unreadable, it could be the latest CT or SSTR study: both unknown", edit("imaging_studies", "ct", modality=Raw("ECHO")), {RECIST: "unknown", SSTR: "unknown"}, NR,
         reasons={RECIST: "conformance.imaging_studies.modality.code", SSTR: "conformance.imaging_studies.modality.code"}, quarantined=(("imaging_studies", "conformance.imaging_studies.modality.code"),)),
    Case("recist_latest_ct_single_lesion", "A later CT with a single lesion: the latest study decides", add("imaging_studies", {"study_date": as_date("2026-11-05"), "modality": "CT", "_lesions": [_lesion(30.0)]}), {RECIST: "not_met"}, NE),
    Case("recist_lesion_size_unparseable", "A lesion size 'n.m.' cannot be read: the lesion is set aside, 1 lesion left could be 2: unknown", lesions(_lesion(25.0), _lesion(Raw("n.m."))), {RECIST: "unknown"}, NR,
         quarantined=(("imaging_lesions", "conformance.imaging_lesions.longest_diameter_mm.float"),),
         sql_quarantined=(("imaging_lesions", "completeness.imaging_lesions.longest_diameter_mm.not_null"),)),
    # --- haemoglobin > 8 g/dL (item 11), 28 days ------------------------------------------------
    Case("hb_exactly_8", "Hb exactly 8 g/dL is not > 8", lab("haemoglobin", 8.0), {HB: "not_met"}, NE),
    Case("hb_8_1", "Hb 8.1 g/dL is > 8", lab("haemoglobin", 8.1), {}, C),
    Case("hb_80_g_per_l", "Hb 80 g/L is exactly 8 g/dL: not > 8", lab("haemoglobin", 80.0, unit="g/L"), {HB: "not_met"}, NE),
    Case("hb_4_97_mmol_per_l", "Hb 4.97 mmol/L = 8.01 g/dL", lab("haemoglobin", 4.97, unit="mmol/L"), {}, C),
    Case("hb_4_96_mmol_per_l", "Hb 4.96 mmol/L = 7.99 g/dL", lab("haemoglobin", 4.96, unit="mmol/L"), {HB: "not_met"}, NE),
    Case("hb_window_first_day", "Hb exactly 28 days old still counts", lab("haemoglobin", 12.5, when="2026-10-27T08:00"), {}, C),
    Case("hb_29_days_old", "Hb 29 days old: no recent result", lab("haemoglobin", 12.5, when="2026-10-26T08:00"), {HB: "unknown"}, NR),
    Case("hb_latest_7_5", "A later Hb of 7.5 g/dL supersedes the 12.5", add_lab("haemoglobin", 7.5, "g/dL", "2026-11-20T08:00"), {HB: "not_met"}, NE),
    Case("hb_on_as_of_evening", "An Hb of 7 taken at 23:30 on the inclusion day counts", add_lab("haemoglobin", 7.0, "g/dL", "2026-11-24T23:30"), {HB: "not_met"}, NE),
    Case("hb_after_as_of_ignored", "An Hb of 6 taken the day after the as-of date is ignored", add_lab("haemoglobin", 6.0, "g/dL", "2026-11-25T08:00"), {}, C),
    Case("hb_unparseable_latest", "The latest Hb reads 'hémolysé': set aside, it may be the deciding result: unknown", add_lab("haemoglobin", Raw("hémolysé"), "g/dL", "2026-11-20T08:00"), {HB: "unknown"}, NR,
         reasons={HB: "conformance.labs.value_raw.numeric"}, quarantined=(("labs", "conformance.labs.value_raw.numeric"),)),
    Case("hb_unit_unknown", "Hb in 'mg/mL' is not a unit the catalogue knows: set aside, unknown", lab("haemoglobin", 125.0, unit="mg/mL"), {HB: "unknown"}, NR,
         reasons={HB: "conformance.labs.unit.known"}, quarantined=(("labs", "conformance.labs.unit.known"),)),
    Case("albumin_unparseable", "An unreadable albumin result says nothing about haemoglobin", add_lab("albumin", Raw("ininterprétable"), "g/L", "2026-11-20T08:00"), {}, C,
         quarantined=(("labs", "conformance.labs.value_raw.numeric"),)),
    # --- neutrophils >= 1500/mm3 ---------------------------------------------------------------
    Case("neut_exactly_1500", "Neutrophils exactly 1500/mm³ meet >= 1500", lab("neutrophils", 1500.0), {}, C),
    Case("neut_1499", "Neutrophils 1499/mm³ are below 1500", lab("neutrophils", 1499.0), {NEUT: "not_met"}, NE),
    Case("neut_1_5_g_per_l", "1.5 G/L (giga per litre) = 1500/mm³", lab("neutrophils", 1.5, unit="G/L"), {}, C),
    Case("neut_1_49_g_per_l", "1.49 G/L = 1490/mm³", lab("neutrophils", 1.49, unit="G/L"), {NEUT: "not_met"}, NE),
    Case("neut_1_5_10_9_per_l", "1.5 10*9/L = 1500/mm³", lab("neutrophils", 1.5, unit="10*9/L"), {}, C),
    Case("neut_below_1_g_per_l", "'<1,0' G/L: every possible value is below 1500/mm³", lab("neutrophils", Raw("<1,0"), unit="G/L"), {NEUT: "not_met"}, NE),
    # --- platelets >= 80 000/mm3 ---------------------------------------------------------------
    Case("plt_exactly_80000", "Platelets exactly 80 000/mm³", lab("platelets", 80000.0), {}, C),
    Case("plt_79999", "Platelets 79 999/mm³", lab("platelets", 79999.0), {PLT: "not_met"}, NE),
    Case("plt_80_g_per_l", "80 G/L = 80 000/mm³", lab("platelets", 80.0, unit="G/L"), {}, C),
    Case("plt_79_9_g_per_l", "79.9 G/L = 79 900/mm³", lab("platelets", 79.9, unit="G/L"), {PLT: "not_met"}, NE),
]
# fmt: on


CASE_IDS = [c.id for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS), "case ids must be unique"
