"""FHIR R4 Observation -> the `biomarkers` extract: ER, PR and HER2 status, as mCODE's tumour
marker test writes them.

The question is the LOINC code mCODE's examples use: ER `85337-4` and PR `85339-0` (presence
by immune stain: method IHC), HER2 `48676-1` (interpretation in tissue: the method is not
said, so it stays empty). The result is the `valueCodeableConcept` answer: LOINC LA6576-8
Positive, LA6577-6 Negative, or SNOMED CT 10828004 Positive, 260385009 Negative. An answer in
neither list is kept with its result empty (the row stands for a test whose result a criterion
cannot read: unknown, never negative) and counted per code. A `valueQuantity` in `%` on an ER
or PR test is its share of stained nuclei. The date is the day of `effectiveDateTime`, else
`effectiveInstant`, else `effectivePeriod.start`; an Observation entered-in-error or cancelled
is not read.
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io.code_issues import count_codes
from pipeline.io.fhir import LOINC, _frame, _subjects, answer_keys, first_coding, wall_clock

SNOMED = "http://snomed.info/sct"
UCUM = "http://unitsofmeasure.org"
# LOINC question -> (marker, method)
TUMOUR_MARKERS: dict[str, tuple[str, str | None]] = {
    "85337-4": ("ER", "IHC"),
    "85339-0": ("PR", "IHC"),
    "48676-1": ("HER2", None),
}
RESULTS: dict[tuple[str, str], str] = {
    (LOINC, "LA6576-8"): "POSITIVE",
    (LOINC, "LA6577-6"): "NEGATIVE",
    (SNOMED, "10828004"): "POSITIVE",
    (SNOMED, "260385009"): "NEGATIVE",
}
NOT_A_RESULT = ("entered-in-error", "cancelled")
NO_RESULT = (
    "tumour marker Observation whose answer is in no list the reader knows: kept, its result empty"
)


def marker_questions(table: pa.Table) -> pd.Series:
    """Per Observation, its tumour-marker LOINC question (NA if it is not one)."""
    code = first_coding(table["code"].combine_chunks(), LOINC)["code"]
    return code.where(code.isin(list(TUMOUR_MARKERS)))


def is_marker_test(table: pa.Table, questions: pd.Series | None = None) -> pa.Array:
    """Per Observation, whether it is an ER, PR or HER2 result that stands (`questions`: its
    `marker_questions`, when the caller has them already)."""
    questions = marker_questions(table) if questions is None else questions
    status = pd.Series(pc.fill_null(table["status"].combine_chunks(), "").to_pandas())
    keep = questions.notna() & ~status.isin(NOT_A_RESULT)
    return pa.array(keep.to_numpy(dtype=bool), pa.bool_())


def _text(values: pd.Series) -> pa.Array:
    return pa.array(values.astype(object).where(values.notna(), None), pa.string())


def biomarkers_frame(table: pa.Table) -> pd.DataFrame:
    """biomarkers extract (text, contract names) from tumour-marker Observations."""
    question = marker_questions(table)
    keep = is_marker_test(table, question)
    table = table.filter(keep)
    question = question[keep.to_numpy(zero_copy_only=False)].reset_index(drop=True)
    marker = question.map({q: m for q, (m, _) in TUMOUR_MARKERS.items()})
    method = question.map({q: m for q, (_, m) in TUMOUR_MARKERS.items() if m})
    answer = first_coding(table["valueCodeableConcept"].combine_chunks())
    result = answer_keys(answer).map({f"{s}|{c}": r for (s, c), r in RESULTS.items()})
    quantity = table["valueQuantity"].combine_chunks()
    unit = pc.coalesce(pc.struct_field(quantity, "code"), pc.struct_field(quantity, "unit"))
    in_percent = pc.fill_null(pc.equal(unit, "%"), False)
    percent = pc.if_else(
        in_percent, pc.struct_field(quantity, "value"), pa.scalar(None, pa.float64())
    )
    moment = pc.coalesce(
        table["effectiveDateTime"].combine_chunks(),
        table["effectiveInstant"].combine_chunks(),
        pc.struct_field(table["effectivePeriod"].combine_chunks(), "start"),
    )
    unread = answer["code"].notna() & result.isna()
    issues = (
        count_codes(
            answer.loc[unread.to_numpy(), "code"],
            column="result",
            reason=NO_RESULT,
            system=answer.loc[unread.to_numpy(), "system"],
        )
        if unread.any()
        else []
    )
    return _frame(
        record_id=table["id"],
        patient_id=_subjects(table),
        measured_on=wall_clock(moment, with_time=False),
        marker=_text(marker),
        method=_text(method),
        result=_text(result),
        ihc_score=None,
        percent_positive=pc.replace_substring_regex(pc.cast(percent, pa.string()), r"\.0$", ""),
        rows=table.num_rows,
        code_issues=issues,
    )
