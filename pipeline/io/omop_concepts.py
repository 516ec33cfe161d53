"""`omop: concept_sets:`: the site's concepts for what the CDM has no standard home for.

ECOG, life expectancy, menopausal status and contraception (the assessments extract), and the
tumour's grade and Ki-67 index (pathology columns) are recorded in `observation` or
`measurement` rows whose concepts differ from one warehouse to the next (LOINC 89247-1 with
LOINC answers for ECOG, a local concept for the prognosis...). A site lists them; what it does
not list stays unavailable (criteria reading it are `unknown`, "not available from this
source"), never read as "no record":

```yaml
omop:
  concept_sets:
    ECOG:                              # an assessment type of the contract
      concepts: [2000000400]           # observation / measurement concept ids (the site's)
      values: {2000000410: "0", 2000000411: "1"}   # value_as_concept_id -> the contract's value
    LIFE_EXPECTANCY: {concepts: [2000000500]}  # no values: value_as_number (months)
    grade: {concepts: [2000000200], values: {2000000201: G1}}   # pathology.grade
    ki67_percent: {concepts: [2000000300]}     # pathology.ki67_percent, value_as_number
```

How each is read:
- an assessment is one row per observation or measurement row of one of the type's concepts,
  dated on or before the as-of day (record ids `observation-<id>`, `measurement-<id>`); its
  value is the `values` entry of its value_as_concept_id, else (ECOG and life expectancy only,
  which are numbers) its value_as_number. A row with neither is delivered without a value:
  set aside by data quality, and its answer concept counted per code.
- grade and Ki-67 are values of a diagnosis (a pathology row, an ICD-O-3 condition): the row
  of the set linked to the condition occurrence the OMOP 5.4 way (measurement_event_id /
  observation_event_id with the field concept 1147127, condition_occurrence_id), else one
  recorded for the same person on the diagnosis day; the linked one first, then the latest
  recorded. Grade reads value_as_concept_id through `values` (G1, G2, G3); Ki-67 reads
  value_as_number.
- a measurement of a concept set is read there, not as a lab result (it would otherwise be
  counted as a test the lab catalogue does not know).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io.code_issues import count_codes
from pipeline.io.omop_concept_sets import ConceptSet, all_concepts, assessment_sets
from pipeline.io.sql import Pull

# The field concept of `condition_occurrence.condition_occurrence_id` (OMOP 5.4 event links).
CONDITION_OCCURRENCE_ID_FIELD = 1147127
NO_VALUE = "answer concept not in omop: concept_sets: values, and no number: row set aside"
NO_GRADE = "grade answer concept not in omop: concept_sets: grade: values: grade left empty"


def _in_list(concepts: list[int] | tuple[int, ...]) -> str:
    """Validated integers only (`parse_concept_sets`): safe to write into the query text."""
    return ", ".join(str(int(c)) for c in concepts)


def labs_filter(sets: dict[str, ConceptSet]) -> str:
    """The labs query's extra condition: measurements of a concept set are not lab results."""
    concepts = all_concepts(sets)
    return f"AND m.measurement_concept_id NOT IN ({_in_list(concepts)})" if concepts else ""


def assessments_query(text: str, sets: dict[str, ConceptSet]) -> str:
    """The assessments query with the concepts of every assessment type written in."""
    return text.replace("{concepts}", _in_list(all_concepts(assessment_sets(sets))))


def _modifier(column: str, concepts: tuple[int, ...]) -> str:
    """SQL: the value (`column`) of the row of `concepts` that belongs to diagnosis `c`."""
    ids = _in_list(concepts)
    linked = (
        f"(x.event_id = c.condition_occurrence_id AND x.field = {CONDITION_OCCURRENCE_ID_FIELD})"
    )
    return f"""(
        SELECT x.value FROM (
            SELECT m.person_id, m.measurement_event_id AS event_id,
                m.meas_event_field_concept_id AS field, m.measurement_date AS day,
                m.{column}::text AS value, 1 AS source, m.measurement_id AS id
            FROM {{cdm}}.measurement AS m WHERE m.measurement_concept_id IN ({ids})
            UNION ALL
            SELECT o.person_id, o.observation_event_id, o.obs_event_field_concept_id,
                o.observation_date, o.{column}::text, 2, o.observation_id
            FROM {{cdm}}.observation AS o WHERE o.observation_concept_id IN ({ids})
        ) AS x
        WHERE x.person_id = c.person_id AND x.value IS NOT NULL
            AND (COALESCE({linked}, false) OR x.day = c.condition_start_date)
        ORDER BY COALESCE({linked}, false) DESC, x.day DESC, x.source, x.id DESC
        LIMIT 1
    )"""


def pathology_query(text: str, sets: dict[str, ConceptSet]) -> str:
    """The pathology query with grade and Ki-67 read from their concept sets, if any."""
    grade = sets.get("grade")
    ki67 = sets.get("ki67_percent")
    text = text.replace(
        "{grade}", _modifier("value_as_concept_id", grade.concepts) if grade else "NULL::text"
    )
    return text.replace(
        "{ki67_percent}", _modifier("value_as_number", ki67.concepts) if ki67 else "NULL::text"
    )


def _number_text(values: pa.Array) -> pa.Array:
    """`2.0` -> `2`, `12.50` -> `12.5` (the numeric's text as PostgreSQL writes it)."""
    text = pc.replace_substring_regex(values, r"(\.\d*?)0+$", r"\1")
    return pc.replace_substring_regex(text, r"\.$", "")


def _lookup(keys: pa.Array, table: dict[str, str]) -> pa.Array:
    known = pa.array(list(table), pa.string())
    values = pa.array(list(table.values()), pa.string())
    return pc.take(values, pc.index_in(keys, value_set=known))


def _null_if_empty(values: pa.ChunkedArray) -> pa.Array:
    array = values.combine_chunks()
    return pc.if_else(pc.equal(array, ""), pa.scalar(None, pa.string()), array)


def assessments_transform(sets: dict[str, ConceptSet]) -> Any:
    """The vectorised step after the assessments pull: the type of each row's concept, and
    its value (answer concept through `values`, else the number where the type is one)."""
    types = {str(c): s.target for s in assessment_sets(sets).values() for c in s.concepts}
    answers = {
        f"{s.target}|{answer}": value
        for s in assessment_sets(sets).values()
        for answer, value in s.values.items()
    }
    numeric = pa.array(
        [t for t, s in assessment_sets(sets).items() if s.reads_numbers], pa.string()
    )

    def apply(table: pa.Table) -> pa.Table:
        kind = _lookup(_null_if_empty(table["concept_id"]), types)
        answer = pc.binary_join_element_wise(kind, _null_if_empty(table["value_concept_id"]), "|")
        number = _number_text(_null_if_empty(table["value_number"]))
        reads_number = pc.fill_null(pc.is_in(kind, value_set=numeric), False)
        value = pc.coalesce(
            _lookup(answer, answers),
            pc.if_else(reads_number, number, pa.scalar(None, pa.string())),
        )
        # missing as the pull writes it, an empty text
        kind, value = pc.fill_null(kind, ""), pc.fill_null(value, "")
        return table.append_column("assessment_type", kind).append_column("value", value)

    return apply


def assessments_issues(table: pa.Table) -> list[dict[str, Any]]:
    """Per answer concept, the assessment rows left without a value."""
    missing = table.filter(pc.equal(table["value"], ""))
    codes = missing["value_concept_id"].to_pandas()
    return count_codes(
        codes.where(codes != "", None),
        column="value",
        reason=NO_VALUE,
        system="OMOP value_as_concept_id",
    )


ASSESSMENT_HELPERS = ("concept_id", "value_concept_id", "value_number")


def pathology_transform(sets: dict[str, ConceptSet]) -> Any:
    """The vectorised step after the pathology pull: the grade's answer concept through the
    site's `values` (G1, G2, G3), the Ki-67 number as text without trailing zeros. The
    answer concept stays in `grade_concept_id` for the count of unmapped ones."""
    grade = sets.get("grade")

    def apply(table: pa.Table) -> pa.Table:
        position = table.schema.get_field_index("grade")
        concept = table["grade"].combine_chunks()
        table = table.append_column("grade_concept_id", concept)
        if grade is not None:
            mapped = pc.fill_null(_lookup(concept, grade.values), "")
            table = table.set_column(position, "grade", mapped)
        where = table.schema.get_field_index("ki67_percent")
        ki67 = _number_text(table["ki67_percent"].combine_chunks())
        return table.set_column(where, "ki67_percent", ki67)

    return apply


def pathology_issues(table: pa.Table) -> list[dict[str, Any]]:
    """Per answer concept, the diagnoses whose grade row gave a concept with no value."""
    lost = pc.and_(pc.not_equal(table["grade_concept_id"], ""), pc.equal(table["grade"], ""))
    codes = table.filter(lost)["grade_concept_id"].to_pandas()
    return count_codes(codes, column="grade", reason=NO_GRADE, system="OMOP value_as_concept_id")


def fill_concept_sets(name: str, text: str, sets: dict[str, ConceptSet]) -> str:
    """A shipped query's concept-set placeholders written in (before the schemas are)."""
    if name == "labs":
        return text.replace("{not_in_concept_sets}", labs_filter(sets))
    if name == "assessments":
        return assessments_query(text, sets)
    if name == "pathology":
        return pathology_query(text, sets)
    return text


def concept_set_pull(name: str, query: str, sets: dict[str, ConceptSet]) -> Pull:
    """The pull of an extract read through concept sets: its query, the vectorised mapping
    of concepts and answers, the count of answers left unmapped, the helper columns."""
    if name == "assessments":
        return Pull(
            "omop:assessments.sql",
            query,
            assessments_transform(sets),
            assessments_issues,
            ASSESSMENT_HELPERS,
        )
    return Pull(
        "omop:pathology.sql",
        query,
        pathology_transform(sets),
        pathology_issues,
        ("grade_concept_id",),
    )
