"""The canonical export contract: the extracts a hospital delivers and their columns.

This module is the single source of truth for `docs/export-contract.md`, the readers and the
data-quality suites. Bump CONTRACT_VERSION on any change a hospital must act upon.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

CONTRACT_VERSION = "1.10.0"

ColumnType = Literal["id", "str", "code", "date", "datetime", "float", "int", "bool"]
TEXT_TYPES = ("id", "str", "code")

# Longest text (in characters) a text column may hold: ids, codes and short values fit in
# SHORT_TEXT; free text written by a physician in FREE_TEXT. Longer text is set aside
# (`conformance.<extract>.<column>.text`): no report writer, cell or page has to cut it.
SHORT_TEXT = 255
FREE_TEXT = 4000
# Characters no text value may hold: C0 controls other than tab, line feed and carriage
# return, DEL, and the two non-characters XML 1.0 forbids. A spreadsheet cannot hold them,
# and in a report they would hide or disguise text. (Lone surrogates cannot occur: text is
# decoded as UTF-8, which has none.) An RE2 class, as Arrow's regex kernels take it.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x{fffe}\x{ffff}]"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool = True
    description: str = ""
    unit: str | None = None
    allowed: tuple[str, ...] | None = None
    identifying: bool = False
    # An open code system's shape (a full-match regular expression on the upper-cased code),
    # for code columns without a closed set: a value of another shape is set aside.
    pattern: str | None = None
    pattern_name: str = ""
    # Text columns (id, str, code): the longest value accepted, in characters.
    max_length: int = SHORT_TEXT
    # A date planned when the row was written (a prescription's last day): it may lie after
    # the export and after the patient's death, so neither sets the row aside.
    planned: bool = False

    @property
    def is_text(self) -> bool:
        """A column whose values are text up to the screening (ids, codes, free text): its
        raw values are checked for control characters and length (typed columns are checked
        by parsing them)."""
        return self.type in TEXT_TYPES

    @property
    def has_vocabulary(self) -> bool:
        """A code column whose values can be checked: a closed set or a code system's shape."""
        return self.type == "code" and (self.allowed is not None or self.pattern is not None)


@dataclass(frozen=True)
class Extract:
    name: str
    description: str
    record_id: str | None
    date_column: str | None
    columns: tuple[Column, ...] = field(default_factory=tuple)
    # An optional extract (added in a minor version) is one a source config may leave out:
    # left out, it is unavailable from that source, as if declared so (`unavailable:`).
    optional: bool = False
    # The date a record became known, when it differs from the date it is about (a diagnosis
    # recorded years after its onset): records known after the as-of date are kept out of that
    # date's screening too, and a missing `date_column` is at most this date.
    known_column: str | None = None
    # The last day of a record that spans a period (a prescription's end), when the extract
    # has one: `record_count` with `overlap: true` counts a record whose period meets its
    # window, not only one that starts in it.
    end_column: str | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(name)


SEXES = ("M", "F")
MODALITIES = ("PET", "SCINTIGRAPHY", "CT", "MRI")
SSTR_TRACERS = (
    "68GA-DOTATATE",
    "68GA-DOTATOC",
    "68GA-DOTANOC",
    "111IN-PENTETREOTIDE",
    "99MTC-OCTREOTIDE",
)
UPTAKE_VS_LIVER = ("BELOW", "EQUAL", "ABOVE")
RECIST_RESPONSES = ("CR", "PR", "SD", "PD", "NE")
GRADES = ("G1", "G2", "G3")
ASSESSMENT_TYPES = (
    "ECOG",
    "KARNOFSKY",
    "NYHA",
    "LIFE_EXPECTANCY",
    "MENOPAUSAL_STATUS",
    "CONTRACEPTION",
)
BOARDS = ("RENATEN", "RCP")
DECISIONS = (
    "PRRT_FIRST",
    "PRRT_RETREATMENT",
    "SURVEILLANCE",
    "SURGERY",
    "SYSTEMIC_TREATMENT",
    "LOCOREGIONAL_TREATMENT",
    "OTHER",
)
# Shapes of the open code systems (on upper-cased codes).
ICDO3_TOPOGRAPHY = r"C\d{2}(\.\d)?"
ICDO3_MORPHOLOGY = r"\d{4}/\d"
LOINC = r"\d{1,6}-\d"
ATC = r"[A-Z](\d{2}([A-Z]([A-Z](\d{2})?)?)?)?"
# ICD-10: a letter, a digit, a digit or A/B (ICD-10-CM's C7A, C7B, D3A: the neuroendocrine
# tumours of US data; M1A, Z3A), then up to four characters after the dot (WHO and its
# national extensions, e.g. CIM-10 FR's fifth and sixth characters, ICD-10-CM's seventh).
# Any other letter there is a typo (C5O for C50) and is refused.
ICD10 = r"[A-Z]\d[0-9AB](\.[0-9A-Z]{1,4})?"
# SNOMED CT concept id: 6 to 18 digits (its check digit and partition are not verified).
SNOMED = r"\d{6,18}"
# CCAM (Classification commune des actes médicaux, the French procedure coding): 4 letters
# (organ system, organ, action, technique) and 3 digits, e.g. HHFA016. The leading letters are
# its hierarchy: `HH*` is any procedure on the small intestine, `Z*` imaging-guided acts.
CCAM = r"[A-Z]{4}\d{3}"
# ICD-10-PCS (US inpatient procedures): 7 characters, digits and letters other than I and O
# (never used, to avoid confusion with 1 and 0), e.g. 0DTN0ZZ; the first is the section
# (0 medical and surgical, D radiation therapy).
ICD10PCS = r"[0-9A-HJ-NP-Z]{7}"
PROCEDURE_CATEGORIES = ("SURGERY", "RADIOTHERAPY", "INTERVENTIONAL_RADIOLOGY", "OTHER")
CLINICAL_STATUSES = ("ACTIVE", "RECURRENCE", "RELAPSE", "INACTIVE", "REMISSION", "RESOLVED")
# Tumour biomarkers (contract 1.6.0): a closed list of markers, each a test result the
# laboratory interpreted. ER and PR by immunohistochemistry (share of stained nuclei), HER2 by
# immunohistochemistry (score 0 to 3+) or in situ hybridisation (FISH, CISH, SISH: ISH).
BIOMARKERS = ("ER", "PR", "HER2")
BIOMARKER_METHODS = ("IHC", "ISH")
BIOMARKER_RESULTS = ("POSITIVE", "NEGATIVE", "EQUIVOCAL")
IHC_SCORES = ("0", "1+", "2+", "3+")
# Cancer stage (contract 1.10.0): the TNM categories and the stage group as the staging system
# writes them, without their c / p / yp prefix, which is the row's `basis` (on upper-cased
# codes: Tis is TIS). The stage group runs 0 to IV with the letters and digits AJCC, UICC and
# FIGO add (IIIB, IVA, IA2, IIIC1).
STAGING_SYSTEMS = ("AJCC8", "UICC8", "ENETS", "FIGO", "OTHER")
STAGING_BASES = ("CLINICAL", "PATHOLOGICAL", "POST_THERAPY")
T_CATEGORY = r"T(X|IS|0|[1-4][A-D]?)"
N_CATEGORY = r"N(X|0|[1-3][A-C]?)"
M_CATEGORY = r"M(X|0|1[A-D]?)"
STAGE_GROUP = r"0(IS)?|I{1,3}[A-C]?[1-3]?|IV[A-C]?"
# Medication records other than administrations (contract 1.8.0): what the record says
# happened. A prescription (an order written), a dispensing (a pharmacy handed the drug over)
# or a statement (the patient or a clinician reports the patient takes or took it).
MEDICATION_KINDS = ("PRESCRIPTION", "DISPENSING", "STATEMENT")
# Routes a criterion may ask for ("oral anticancer drugs"); OTHER is a route none of these.
ROUTES = (
    "ORAL",
    "INTRAVENOUS",
    "SUBCUTANEOUS",
    "INTRAMUSCULAR",
    "TRANSDERMAL",
    "TOPICAL",
    "INHALED",
    "RECTAL",
    "OTHER",
)
# Systems a medication's source code may be in (the code the hospital prescribes with,
# beside its ATC code): RxNorm (US), NDC (US packages), CIP13 and UCD (French packages and
# dispensing units), SNOMED CT, dm+d (UK), or another.
MEDICATION_CODE_SYSTEMS = ("RXNORM", "NDC", "CIP13", "UCD", "SNOMED", "DMD", "OTHER")

_PATIENT_ID = Column("patient_id", "id", description="Hospital patient identifier (IPP).")

EXTRACTS: dict[str, Extract] = {
    e.name: e
    for e in (
        Extract(
            "patients",
            "One row per patient known to the export.",
            record_id="patient_id",
            date_column=None,
            columns=(
                Column(
                    "patient_id", "id", description="Hospital patient identifier (IPP), unique."
                ),
                Column(
                    "family_name",
                    "str",
                    required=False,
                    identifying=True,
                    description="Never used for screening; dropped on read.",
                ),
                Column(
                    "given_name",
                    "str",
                    required=False,
                    identifying=True,
                    description="Never used for screening; dropped on read.",
                ),
                Column("birth_date", "date", required=False, description="Date of birth."),
                Column("sex", "code", allowed=SEXES, description="Administrative sex."),
                Column("death_date", "date", required=False, description="Date of death."),
                Column(
                    "social_security_affiliated",
                    "bool",
                    required=False,
                    description="Affiliated to the French social security system.",
                ),
                Column(
                    "childbearing_potential",
                    "bool",
                    required=False,
                    description="Woman of childbearing potential (false after menopause or "
                    "permanent sterilisation); empty when not recorded.",
                ),
            ),
        ),
        Extract(
            "pathology",
            "Pathology reports of the primary tumour.",
            record_id="record_id",
            date_column="report_date",
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column("report_date", "date"),
                Column(
                    "topography_code",
                    "code",
                    description="ICD-O-3 topography, e.g. C17.1.",
                    pattern=ICDO3_TOPOGRAPHY,
                    pattern_name="an ICD-O-3 topography code (C00 to C80, e.g. C17.1)",
                ),
                Column(
                    "morphology_code",
                    "code",
                    description="ICD-O-3 morphology, e.g. 8240/3.",
                    pattern=ICDO3_MORPHOLOGY,
                    pattern_name="an ICD-O-3 morphology code (4 digits / behaviour, e.g. 8240/3)",
                ),
                Column("grade", "code", required=False, allowed=GRADES, description="WHO grade."),
                Column("ki67_percent", "float", required=False, unit="%"),
            ),
        ),
        Extract(
            "labs",
            "Laboratory results, one row per result.",
            record_id="record_id",
            date_column="collected_at",
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column(
                    "loinc_code",
                    "code",
                    description="LOINC code of the test, e.g. 718-7.",
                    pattern=LOINC,
                    pattern_name="a LOINC code (digits, dash, check digit, e.g. 718-7)",
                ),
                Column(
                    "value_raw",
                    "str",
                    description="Value as exported, text, may carry a qualifier (<0.5, >1000).",
                ),
                Column("unit", "str", required=False, description="Unit as exported (UCUM-ish)."),
                Column("collected_at", "datetime", description="Specimen collection time."),
                Column(
                    "reference_low",
                    "float",
                    required=False,
                    description="Lower limit of the laboratory's reference range for this "
                    "result, in the result's unit (criteria relative to the LLN).",
                ),
                Column(
                    "reference_high",
                    "float",
                    required=False,
                    description="Upper limit of the laboratory's reference range for this "
                    "result, in the result's unit (criteria relative to the ULN).",
                ),
            ),
        ),
        Extract(
            "imaging_studies",
            "Imaging studies with their structured report.",
            record_id="study_id",
            date_column="study_date",
            columns=(
                Column("study_id", "id"),
                _PATIENT_ID,
                Column("study_date", "date"),
                Column("modality", "code", allowed=MODALITIES),
                Column("sstr_tracer", "code", required=False, allowed=SSTR_TRACERS),
                Column(
                    "sstr_positive_percent",
                    "float",
                    required=False,
                    unit="%",
                    description="Share of known lesions positive on SSTR imaging.",
                ),
                Column("uptake_vs_liver", "code", required=False, allowed=UPTAKE_VS_LIVER),
                Column("krenning_score", "int", required=False, description="0 to 4."),
                Column("recist_response", "code", required=False, allowed=RECIST_RESPONSES),
            ),
        ),
        Extract(
            "imaging_lesions",
            "Lesions measured on CT/MRI studies.",
            record_id="lesion_id",
            date_column=None,
            columns=(
                Column("lesion_id", "id"),
                Column("study_id", "id"),
                _PATIENT_ID,
                Column("is_lymph_node", "bool"),
                Column("longest_diameter_mm", "float", unit="mm"),
                Column("short_axis_mm", "float", required=False, unit="mm"),
            ),
        ),
        Extract(
            "treatments",
            "Drug administrations.",
            record_id="record_id",
            date_column="administered_on",
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column(
                    "atc_code",
                    "code",
                    description="WHO ATC code, e.g. V10XX04.",
                    pattern=ATC,
                    pattern_name="a WHO ATC code (e.g. V10XX04)",
                ),
                Column("administered_on", "date"),
                Column("activity_mbq", "float", required=False, unit="MBq"),
            ),
        ),
        Extract(
            "assessments",
            "Clinical assessments recorded by physicians.",
            record_id="record_id",
            date_column="assessed_on",
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column("assessed_on", "date"),
                Column("assessment_type", "code", allowed=ASSESSMENT_TYPES),
                Column(
                    "value",
                    "str",
                    max_length=FREE_TEXT,
                    description="ECOG 0-5; Karnofsky 0-100 (%); NYHA class 1-4 (I-IV); life "
                    "expectancy in months; menopausal status PRE/POST; contraception "
                    "EFFECTIVE/NONE.",
                ),
            ),
        ),
        Extract(
            "tumour_board",
            "Multidisciplinary tumour board (RCP) and RENATEN decisions.",
            record_id="decision_id",
            date_column="decision_date",
            columns=(
                Column("decision_id", "id"),
                _PATIENT_ID,
                Column("decision_date", "date"),
                Column("board", "code", allowed=BOARDS),
                Column(
                    "decision",
                    "code",
                    allowed=DECISIONS,
                    description="Board decision; a site with more decisions declares them in "
                    "its source config (`codes`).",
                ),
                Column("reimbursement_scope", "bool", required=False),
            ),
        ),
        Extract(
            "conditions",
            "Diagnoses recorded for the patient, one row per diagnosis (optional extract: a "
            "source config that leaves it out has it unavailable). A row carries the codes "
            "of the systems the hospital records it in (a row with none is kept: every "
            "condition on a code is unknown for it).",
            record_id="record_id",
            date_column="onset_date",
            optional=True,
            known_column="recorded_date",
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column(
                    "icd10_code",
                    "code",
                    required=False,
                    description="ICD-10 code (WHO or a national extension such as CIM-10 or "
                    "ICD-10-CM), e.g. C17.1, C7A.010.",
                    pattern=ICD10,
                    pattern_name="an ICD-10 code (letter, digit, digit or A/B, optional dot "
                    "and up to 4 characters, e.g. C17.1)",
                ),
                Column(
                    "topography_code",
                    "code",
                    required=False,
                    description="ICD-O-3 topography of a tumour, e.g. C17.1.",
                    pattern=ICDO3_TOPOGRAPHY,
                    pattern_name="an ICD-O-3 topography code (C00 to C80, e.g. C17.1)",
                ),
                Column(
                    "morphology_code",
                    "code",
                    required=False,
                    description="ICD-O-3 morphology and behaviour of a tumour, e.g. 8240/3.",
                    pattern=ICDO3_MORPHOLOGY,
                    pattern_name="an ICD-O-3 morphology code (4 digits / behaviour, e.g. 8240/3)",
                ),
                Column(
                    "snomed_code",
                    "code",
                    required=False,
                    description="SNOMED CT concept id, e.g. 254626006.",
                    pattern=SNOMED,
                    pattern_name="a SNOMED CT concept id (6 to 18 digits)",
                ),
                Column(
                    "onset_date",
                    "date",
                    required=False,
                    description="Date of onset or diagnosis; empty when not recorded (the "
                    "record then dates from at most its recorded date).",
                ),
                Column(
                    "recorded_date",
                    "date",
                    description="Date the diagnosis was recorded.",
                ),
                Column(
                    "clinical_status",
                    "code",
                    required=False,
                    allowed=CLINICAL_STATUSES,
                    description="FHIR clinical status; empty when not recorded.",
                ),
            ),
        ),
        Extract(
            "biomarkers",
            "Tumour biomarker results, one row per marker and test (optional extract: a source "
            "config that leaves it out has it unavailable). ER and PR by immunohistochemistry; "
            "HER2 by immunohistochemistry (a score) or in situ hybridisation (a result): a "
            "HER2 tested both ways is two rows, so a trial reads each test on its own.",
            record_id="record_id",
            date_column="measured_on",
            optional=True,
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column(
                    "measured_on",
                    "date",
                    description="Date of the test's report (of the specimen when the report "
                    "date is not kept).",
                ),
                Column("marker", "code", allowed=BIOMARKERS, description="The marker tested."),
                Column(
                    "method",
                    "code",
                    required=False,
                    allowed=BIOMARKER_METHODS,
                    description="IHC (immunohistochemistry) or ISH (in situ hybridisation: "
                    "FISH, CISH, SISH).",
                ),
                Column(
                    "result",
                    "code",
                    required=False,
                    allowed=BIOMARKER_RESULTS,
                    description="The laboratory's interpretation, by the guideline it applies "
                    "(ASCO/CAP: ER or PR positive from 1 % stained nuclei; HER2 IHC 0 and 1+ "
                    "negative, 2+ equivocal, 3+ positive).",
                ),
                Column(
                    "ihc_score",
                    "code",
                    required=False,
                    allowed=IHC_SCORES,
                    description="Immunohistochemistry score (HER2: 0, 1+, 2+, 3+).",
                ),
                Column(
                    "percent_positive",
                    "float",
                    required=False,
                    unit="%",
                    description="Share of stained tumour nuclei (ER, PR), 0 to 100.",
                ),
            ),
        ),
        Extract(
            "procedures",
            "Procedures performed on the patient (surgery, radiotherapy, interventional "
            "radiology...), one row per procedure (optional extract: a source config that "
            "leaves it out has it unavailable). A row carries the codes of the systems the "
            "hospital records it in and, where known, its category, so a criterion can ask "
            "for any surgery without a code list (a row with neither is kept: every "
            "condition on them is unknown for it).",
            record_id="procedure_id",
            date_column="performed_on",
            optional=True,
            columns=(
                Column("procedure_id", "id"),
                _PATIENT_ID,
                Column(
                    "performed_on",
                    "date",
                    description="Date the procedure was performed (its first day, for a "
                    "course of radiotherapy or a stay).",
                ),
                Column(
                    "ccam_code",
                    "code",
                    required=False,
                    description="CCAM code (French procedure coding), e.g. HHFA016.",
                    pattern=CCAM,
                    pattern_name="a CCAM code (4 letters and 3 digits, e.g. HHFA016)",
                ),
                Column(
                    "snomed_code",
                    "code",
                    required=False,
                    description="SNOMED CT procedure concept id, e.g. 387713003.",
                    pattern=SNOMED,
                    pattern_name="a SNOMED CT concept id (6 to 18 digits)",
                ),
                Column(
                    "icd10pcs_code",
                    "code",
                    required=False,
                    description="ICD-10-PCS code, e.g. 0DTN0ZZ.",
                    pattern=ICD10PCS,
                    pattern_name="an ICD-10-PCS code (7 digits or letters other than I and O, "
                    "e.g. 0DTN0ZZ)",
                ),
                Column(
                    "category",
                    "code",
                    required=False,
                    allowed=PROCEDURE_CATEGORIES,
                    description="Kind of procedure; empty when the source does not say.",
                ),
            ),
        ),
        Extract(
            "medications",
            "Medication records other than administrations: prescriptions, dispensings and "
            "medication statements, one row per record (optional extract: a source config "
            "that leaves it out has it unavailable). Administrations stay in `treatments`: a "
            "source record is in one extract or the other, never both, so no drug is counted "
            "twice. Each row carries the drug's WHO ATC code, what kind of record it is and "
            "when the medication starts.",
            record_id="record_id",
            date_column="start_date",
            end_column="end_date",
            optional=True,
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column(
                    "kind",
                    "code",
                    allowed=MEDICATION_KINDS,
                    description="PRESCRIPTION (an order written), DISPENSING (handed over by a "
                    "pharmacy) or STATEMENT (reported as taken by the patient or a clinician).",
                ),
                Column(
                    "atc_code",
                    "code",
                    description="WHO ATC code of the drug, e.g. L01EF02 (ribociclib).",
                    pattern=ATC,
                    pattern_name="a WHO ATC code (e.g. L01EF02)",
                ),
                Column(
                    "source_code",
                    "code",
                    required=False,
                    description="The drug's code in the system the hospital records it in "
                    "(RxNorm, NDC, CIP13...), kept for the record; criteria read the ATC code.",
                ),
                Column(
                    "source_system",
                    "code",
                    required=False,
                    allowed=MEDICATION_CODE_SYSTEMS,
                    description="System of source_code.",
                ),
                Column(
                    "start_date",
                    "date",
                    description="Date the medication starts: the prescription written or its "
                    "validity's first day, the dispensing handed over, the statement's period "
                    "start (its date, when it gives no period).",
                ),
                Column(
                    "end_date",
                    "date",
                    required=False,
                    planned=True,
                    description="Last day planned or known (may lie after the export date); "
                    "empty when open or not recorded.",
                ),
                Column(
                    "route",
                    "code",
                    required=False,
                    allowed=ROUTES,
                    description="Route of administration; empty when not recorded.",
                ),
            ),
        ),
        Extract(
            "observation_periods",
            "Spans of time over which the source records the patient's care (optional "
            "extract, contract 1.9.0; OMOP's observation_period): inside one, a record that "
            "is not there was not made; outside, nothing is known. A criterion that asks for "
            "the absence of records (`observed: true`) is unknown unless one period covers "
            "its whole window.",
            record_id="period_id",
            date_column="start_date",
            optional=True,
            columns=(
                Column("period_id", "id"),
                _PATIENT_ID,
                Column("start_date", "date", description="First day observed."),
                Column(
                    "end_date",
                    "date",
                    required=False,
                    planned=True,
                    description="Last day observed (may lie after the export date: the source "
                    "observes the patient until then); empty when still open.",
                ),
            ),
        ),
        Extract(
            "tumour_stage",
            "Cancer stage assessments, one row per staging (optional extract, contract "
            "1.10.0): the TNM categories and the stage group a staging system gave, clinical "
            "or pathological, so a trial can ask for 'stage IV' or 'M1' without reading "
            "reports.",
            record_id="record_id",
            date_column="staged_on",
            optional=True,
            columns=(
                Column("record_id", "id"),
                _PATIENT_ID,
                Column("staged_on", "date", description="Date of the staging."),
                Column(
                    "system",
                    "code",
                    required=False,
                    allowed=STAGING_SYSTEMS,
                    description="Staging system and edition (AJCC8, UICC8, ENETS, FIGO, OTHER).",
                ),
                Column(
                    "basis",
                    "code",
                    required=False,
                    allowed=STAGING_BASES,
                    description="CLINICAL (c), PATHOLOGICAL (p) or POST_THERAPY (yp).",
                ),
                Column(
                    "t_category",
                    "code",
                    required=False,
                    pattern=T_CATEGORY,
                    pattern_name="a T category (TX, Tis, T0, T1 to T4 with a letter, e.g. T3)",
                    description="Primary tumour, without the c / p prefix, e.g. T3.",
                ),
                Column(
                    "n_category",
                    "code",
                    required=False,
                    pattern=N_CATEGORY,
                    pattern_name="an N category (NX, N0, N1 to N3 with a letter, e.g. N1a)",
                    description="Regional lymph nodes, e.g. N1a.",
                ),
                Column(
                    "m_category",
                    "code",
                    required=False,
                    pattern=M_CATEGORY,
                    pattern_name="an M category (MX, M0, M1 with a letter, e.g. M1b)",
                    description="Distant metastasis, e.g. M1b.",
                ),
                Column(
                    "stage_group",
                    "code",
                    required=False,
                    pattern=STAGE_GROUP,
                    pattern_name="a stage group (0 to IV, with a letter or digit, e.g. IIIB)",
                    description="Stage group, in roman numerals, e.g. IIIB or IV.",
                ),
            ),
        ),
    )
}
