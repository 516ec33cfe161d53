"""Codes the standards use for what a medication record is and how the drug is given, as the
contract's `medications.kind` and `route` (shared by the OMOP and FHIR sources).

OMOP CDM 5.4 tells a prescription from a dispensing or a statement by `drug_type_concept_id`
(the Type Concept vocabulary, and the older Drug Type concepts still found in CDMs). A type
not listed here (an administration record, a generic "EHR", a claim of another kind) is an
administration or says nothing more: that row stays in `treatments`, so each drug exposure is
in one extract only.
"""

from __future__ import annotations

# drug_type_concept_id -> the contract's kind of medication record
OMOP_DRUG_TYPES: dict[int, str] = {
    32838: "PRESCRIPTION",  # EHR prescription
    32839: "PRESCRIPTION",  # EHR prescription issue record
    32833: "PRESCRIPTION",  # EHR order
    38000177: "PRESCRIPTION",  # Prescription written
    32825: "DISPENSING",  # EHR dispensing record
    32869: "DISPENSING",  # Pharmacy claim
    32857: "DISPENSING",  # Mail order record
    38000175: "DISPENSING",  # Prescription dispensed in pharmacy
    38000176: "DISPENSING",  # Prescription dispensed through mail order
    581452: "DISPENSING",  # Dispensed in Outpatient office
    32865: "STATEMENT",  # Patient self-report
    32830: "STATEMENT",  # EHR medication list
    44787730: "STATEMENT",  # Patient Self-Reported Medication
    38000178: "STATEMENT",  # Medication list entry
}
# SNOMED CT route of administration codes (FHIR's route value set; OMOP's route concepts are
# SNOMED CT concepts) -> the contract's routes. Any other route code leaves the route empty:
# "oral" is then unknown for the record, never not met.
SNOMED_ROUTES: dict[str, str] = {
    "26643006": "ORAL",
    "47625008": "INTRAVENOUS",
    "34206005": "SUBCUTANEOUS",
    "78421000": "INTRAMUSCULAR",
    "45890007": "TRANSDERMAL",
    "6064005": "TOPICAL",
    "447694001": "INHALED",  # respiratory tract route
    "37161004": "RECTAL",
}
# OMOP vocabulary_id of a drug's source concept -> the contract's source_system.
OMOP_SOURCE_SYSTEMS: dict[str, str] = {
    "RxNorm": "RXNORM",
    "NDC": "NDC",
    "SNOMED": "SNOMED",
    "dm+d": "DMD",
}


def _case(column: str, mapping: dict, quote_keys: bool) -> str:
    whens = " ".join(
        f"WHEN {column} = {repr(str(k)) if quote_keys else int(k)} THEN '{v}'"
        for k, v in mapping.items()
    )
    return f"CASE {whens} END"


def omop_kind_sql(column: str) -> str:
    """SQL giving the kind of a drug exposure from its type concept column (NULL: none)."""
    return _case(column, OMOP_DRUG_TYPES, quote_keys=False)


def omop_route_sql(column: str) -> str:
    """SQL giving the contract's route from a SNOMED CT route concept code column."""
    return _case(column, SNOMED_ROUTES, quote_keys=True)


def omop_source_system_sql(column: str) -> str:
    """SQL giving the contract's source system from a vocabulary_id column (else OTHER)."""
    return _case(column, OMOP_SOURCE_SYSTEMS, quote_keys=True).replace(" END", " ELSE 'OTHER' END")


def omop_medication_types_sql() -> str:
    """The type concept ids of the medications extract, as an SQL list."""
    return ", ".join(str(k) for k in OMOP_DRUG_TYPES)


def drug_type_fill(query: str) -> str:
    """A shipped OMOP query with the medication record types written in: the type list
    (`{medication_types}`, which treatments.sql leaves out and medications.sql reads), the kind,
    route and source system expressions of medications.sql."""
    return (
        query.replace("{medication_types}", omop_medication_types_sql())
        .replace("{medication_kind}", omop_kind_sql("d.drug_type_concept_id"))
        .replace("{route}", omop_route_sql("rt.concept_code"))
        .replace(
            "{source_system}",
            omop_source_system_sql("COALESCE(src.vocabulary_id, std.vocabulary_id)"),
        )
    )
