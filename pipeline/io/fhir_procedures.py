"""FHIR R4 Procedure -> the `procedures` extract, as text in the reader's dialect.

One Procedure is one row: its first SNOMED CT coding of `code` (`http://snomed.info/sct`;
US Core and Synthea code procedures so), its first ICD-10-PCS coding
(`http://www.cms.gov/Medicare/Coding/ICD10`) and its date, `performedDateTime`, else
`performedPeriod.start` (none: the row is set aside by the typing step, with its reason).
`category` is read from FHIR's procedure-category codes (SNOMED CT): a surgical procedure is
SURGERY, the value set's other kinds (diagnostic, counselling...) OTHER; any other category,
or none, leaves it empty, so "any surgery" is unknown for it rather than not met. CCAM has
no FHIR system URI the pipeline can rely on: `ccam_code` stays empty.

A Procedure whose `status` is `not-done` or `entered-in-error` was not performed: it is not
read, and counted as a resource read and not used. A Procedure with no coding in these
systems is kept with its codes empty (its criteria on codes are unknown, never not met), and
its first coding is counted per system and code in the unusable codes.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io.fhir import _frame, _subjects, first_code, unmapped_codes, wall_clock

SNOMED = "http://snomed.info/sct"
ICD10PCS = "http://www.cms.gov/Medicare/Coding/ICD10"
NOT_PERFORMED = ("not-done", "entered-in-error")
# FHIR's procedure-category value set (SNOMED CT): surgical procedure, and the other kinds.
CATEGORIES = {
    "387713003": "SURGERY",
    "24642003": "OTHER",  # psychiatry procedure or service
    "409063005": "OTHER",  # counselling
    "409073007": "OTHER",  # education
    "103693007": "OTHER",  # diagnostic procedure
    "46947000": "OTHER",  # chiropractic manipulation
    "410606002": "OTHER",  # social service procedure
}
NO_CODE = (
    "Procedure coded in no system the contract reads (SNOMED CT, ICD-10-PCS): kept, its codes empty"
)


def was_performed(table: pa.Table) -> pa.Array:
    """Per Procedure, whether it was performed (not `not-done`, not entered in error)."""
    status = pc.fill_null(table["status"].combine_chunks(), "")
    return pc.invert(pc.is_in(status, pa.array(NOT_PERFORMED, pa.string())))


def procedures_frame(table: pa.Table) -> pd.DataFrame:
    """procedures extract (text, contract names) from Procedure resources."""
    table = table.filter(was_performed(table))
    concepts = table["code"].combine_chunks()
    snomed = first_code(concepts, SNOMED)
    icd10pcs = first_code(concepts, ICD10PCS)
    category_code = first_code(table["category"].combine_chunks(), SNOMED)
    category = pd.Series(category_code.to_pandas(), dtype="string").map(CATEGORIES)
    performed = pc.coalesce(
        table["performedDateTime"].combine_chunks(),
        pc.struct_field(table["performedPeriod"].combine_chunks(), "start"),
    )
    return _frame(
        procedure_id=table["id"],
        patient_id=_subjects(table),
        performed_on=wall_clock(performed, with_time=False),
        ccam_code=None,
        snomed_code=snomed,
        icd10pcs_code=icd10pcs,
        category=pa.array(category.astype(object).where(category.notna(), None), pa.string()),
        rows=table.num_rows,
        code_issues=unmapped_codes(
            concepts, pc.coalesce(snomed, icd10pcs), column="code", reason=NO_CODE
        ),
    )
