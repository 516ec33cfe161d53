"""FHIR R4 Condition -> the `conditions` extract (diagnoses), as text in the reader's dialect.

One Condition is one row, whatever number of codings it carries: its first ICD-10 coding
(`http://hl7.org/fhir/sid/icd-10`, or ICD-10-CM), its first SNOMED CT coding
(`http://snomed.info/sct`), and for a tumour its ICD-O-3 morphology (`M/B`, 8240/3) from
`code` and topography from the first `bodySite` (ICD-O-3, else ICD-10), as the pathology
extract reads them. `onsetDateTime`, else `onsetPeriod.start`, is the onset (an onset given
as an age or a text is not a date: empty); `recordedDate` the recorded date (required by the
contract: a Condition without one is set aside by the typing step, with its reason);
`clinicalStatus` its first coding's code (active, resolved...).

A Condition whose `verificationStatus` is `refuted` or `entered-in-error` is no diagnosis:
it is not read, and counted as a resource read and not used. A Condition with no coding in
any of these systems is kept with its codes empty (its criteria are unknown, never not met),
and its first coding is counted per system and code in the unusable codes.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io.fhir import (
    ICD10,
    ICDO3,
    _frame,
    _subjects,
    first_code,
    first_coding,
    first_element,
    unmapped_codes,
    wall_clock,
)

SNOMED = "http://snomed.info/sct"
CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
NOT_A_DIAGNOSIS = ("refuted", "entered-in-error")
NO_CODE = (
    "Condition coded in no system the contract reads (ICD-10, ICD-O-3, SNOMED CT): "
    "kept, its codes empty"
)


def is_diagnosis(table: pa.Table) -> pa.Array:
    """Per Condition, whether it stands as a diagnosis (not refuted, not entered in error)."""
    status = first_coding(table["verificationStatus"].combine_chunks())["code"]
    return pa.array(~status.isin(NOT_A_DIAGNOSIS).to_numpy(dtype=bool), pa.bool_())


def conditions_frame(table: pa.Table) -> pd.DataFrame:
    """conditions extract (text, contract names) from Condition resources."""
    table = table.filter(is_diagnosis(table))
    concepts = table["code"].combine_chunks()
    icd10 = first_code(concepts, ICD10)
    snomed = first_code(concepts, SNOMED)
    morphology = first_code(concepts, ICDO3)
    morphology = pc.if_else(
        pc.fill_null(pc.match_substring_regex(morphology, r"^\d{4}/\d$"), False),
        morphology,
        pa.scalar(None, pa.string()),
    )
    sites = table["bodySite"].combine_chunks()
    if len(sites):
        first_site = first_element(sites)
        topography = first_code(first_site, (*ICDO3, *ICD10))
    else:
        topography = pa.nulls(0, pa.string())
    onset = pc.coalesce(
        table["onsetDateTime"].combine_chunks(),
        pc.struct_field(table["onsetPeriod"].combine_chunks(), "start"),
    )
    coded = pc.coalesce(icd10, snomed, morphology)
    return _frame(
        record_id=table["id"],
        patient_id=_subjects(table),
        icd10_code=icd10,
        topography_code=topography,
        morphology_code=morphology,
        snomed_code=snomed,
        onset_date=wall_clock(onset, with_time=False),
        recorded_date=wall_clock(table["recordedDate"].combine_chunks(), with_time=False),
        clinical_status=first_code(table["clinicalStatus"].combine_chunks(), CLINICAL_STATUS),
        rows=table.num_rows,
        code_issues=unmapped_codes(concepts, coded, column="code", reason=NO_CODE),
    )
