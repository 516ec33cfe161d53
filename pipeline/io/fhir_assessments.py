"""FHIR R4 Observation -> the `assessments` extract: ECOG and Karnofsky performance status.

Both scales have a LOINC question code that mCODE's profiles fix (`89247-1` ECOG,
`89243-0` Karnofsky), so a site needs no mapping. The score is read from `valueInteger`
(mCODE's choice), else `valueQuantity.value`, else a `valueCodeableConcept` answer: the LOINC
answers (ECOG LA9622-7 .. LA9627-6; Karnofsky LA29175-9 .. LA29183-3, 100 down to 20) or
the SNOMED CT ECOG grades of mCODE's first ballot. An answer in no list is kept with its value
empty (the typing step sets the row aside with its reason) and counted per code in the
unusable codes; a score outside its scale is set aside by the suite's plausibility range.
The date is `effectiveDateTime`, else `effectiveInstant`, else `effectivePeriod.start`.

An Observation `entered-in-error` or `cancelled` is no assessment: it is not read. The other
assessment types of the contract (NYHA, life expectancy, menopausal status, contraception)
have no standard Observation here: they stay unavailable (`ASSESSMENTS_UNAVAILABLE`), so a
criterion on them is unknown, "not available from this source", never "no record".
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io.code_issues import count_codes
from pipeline.io.fhir import (
    LOINC,
    PERFORMANCE_STATUS,
    _frame,
    _subjects,
    answer_keys,
    first_coding,
    wall_clock,
)

SNOMED = "http://snomed.info/sct"
# (system, answer code) -> score
ANSWERS: dict[tuple[str, str], str] = {
    **{
        (LOINC, code): str(score)
        for score, code in enumerate(
            ("LA9622-7", "LA9623-5", "LA9624-3", "LA9625-0", "LA9626-8", "LA9627-6")
        )
    },
    **{
        (SNOMED, code): str(score)
        for score, code in enumerate(
            ("425389002", "422512005", "422894000", "423053003", "423237006", "423409001")
        )
    },
    **{
        (LOINC, code): str(100 - 10 * step)
        for step, code in enumerate(
            (
                "LA29175-9",
                "LA29176-7",
                "LA29177-5",
                "LA29178-3",
                "LA29179-1",
                "LA29180-9",
                "LA29181-7",
                "LA29182-5",
                "LA29183-3",
            )
        )
    },
}
NOT_AN_ASSESSMENT = ("entered-in-error", "cancelled")
NO_ANSWER = (
    "performance-status Observation whose answer is in no list the reader knows: "
    "row set aside (value empty)"
)


def question_types(table: pa.Table) -> pd.Series:
    """Per Observation, the assessment type its LOINC question code names (NA if none)."""
    code = first_coding(table["code"].combine_chunks(), LOINC)["code"]
    return code.map(PERFORMANCE_STATUS).astype("string")


def is_assessment(table: pa.Table, kinds: pd.Series | None = None) -> pa.Array:
    """Per Observation, whether it is a performance-status score that stands (`kinds`: its
    `question_types`, when the caller has them already)."""
    kinds = question_types(table) if kinds is None else kinds
    status = pc.fill_null(table["status"].combine_chunks(), "")
    standing = ~pd.Series(status.to_pandas()).isin(NOT_AN_ASSESSMENT)
    return pa.array((kinds.notna() & standing).to_numpy(dtype=bool), pa.bool_())


def _score_text(values: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.cast(values, pa.string()), r"\.0$", "")


def assessments_frame(table: pa.Table) -> pd.DataFrame:
    """assessments extract (text, contract names) from performance-status Observations."""
    kinds = question_types(table)
    keep = is_assessment(table, kinds)
    table = table.filter(keep)
    kinds = kinds[keep.to_numpy(zero_copy_only=False)].reset_index(drop=True)
    answer = first_coding(table["valueCodeableConcept"].combine_chunks())
    answered = answer_keys(answer).map({f"{s}|{c}": v for (s, c), v in ANSWERS.items()})
    quantity = pc.struct_field(table["valueQuantity"].combine_chunks(), "value")
    value = pc.coalesce(
        _score_text(table["valueInteger"].combine_chunks()),
        _score_text(quantity),
        pa.array(answered.where(answered.notna(), None).astype(object), pa.string()),
    )
    moment = pc.coalesce(
        table["effectiveDateTime"].combine_chunks(),
        table["effectiveInstant"].combine_chunks(),
        pc.struct_field(table["effectivePeriod"].combine_chunks(), "start"),
    )
    unusable = answer["code"].notna().to_numpy() & pc.is_null(value).to_numpy(zero_copy_only=False)
    issues = _answer_issues(answer[unusable])
    return _frame(
        record_id=table["id"],
        patient_id=_subjects(table),
        assessed_on=wall_clock(moment, with_time=False),
        assessment_type=pa.array(kinds.astype(object).where(kinds.notna(), None), pa.string()),
        value=value,
        rows=table.num_rows,
        code_issues=issues,
    )


def _answer_issues(answers: pd.DataFrame) -> list[dict[str, object]]:
    if answers.empty:
        return []
    return count_codes(answers["code"], column="value", reason=NO_ANSWER, system=answers["system"])
