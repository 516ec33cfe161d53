-- OMOP CDM 5.4 measurement -> labs, measured on or before the as-of day (bound :as_of).
-- The test code is the LOINC concept_code of measurement_concept_id (a measurement whose
-- concept is not LOINC gets no code and is set aside, counted, never silently dropped); the
-- unit is the UCUM concept_code of unit_concept_id, else the unit as recorded; the value is
-- value_as_number with the operator concept's qualifier (< <= > >=), else value_source_value.
-- The laboratory's reference range is range_low / range_high, which the CDM records in the
-- measurement's own unit (unit_concept_id): delivered as is, staging converts it with the
-- value's factor. measurement_concept_id is returned to count the concepts with no LOINC
-- code, then dropped.
-- A measurement of one of the site's concept sets (ECOG, grade, Ki-67...) is read there, not
-- here: the placeholder in WHERE excludes those concepts (pipeline/io/omop_concepts.py).
-- {cdm} is the CDM schema, {vocab} the vocabulary schema.
SELECT
    m.measurement_id::text AS record_id,
    m.person_id::text AS patient_id,
    m.measurement_concept_id::text AS measurement_concept_id,
    loinc.concept_code AS loinc_code,
    CASE
        WHEN m.value_as_number IS NOT NULL THEN
            CASE m.operator_concept_id
                WHEN 4171756 THEN '<'
                WHEN 4171754 THEN '<='
                WHEN 4172704 THEN '>'
                WHEN 4171755 THEN '>='
                ELSE ''
            END || m.value_as_number::text
        ELSE NULLIF(m.value_source_value, '')
    END AS value_raw,
    COALESCE(ucum.concept_code, NULLIF(m.unit_source_value, '')) AS unit,
    to_char(
        COALESCE(m.measurement_datetime, m.measurement_date::timestamp),
        'YYYY-MM-DD HH24:MI:SS'
    ) AS collected_at,
    m.range_low::text AS reference_low,
    m.range_high::text AS reference_high
FROM {cdm}.measurement AS m
LEFT JOIN {vocab}.concept AS loinc
    ON loinc.concept_id = m.measurement_concept_id AND loinc.vocabulary_id = 'LOINC'
LEFT JOIN {vocab}.concept AS ucum
    ON ucum.concept_id = m.unit_concept_id AND ucum.vocabulary_id = 'UCUM'
WHERE (m.measurement_date IS NULL OR m.measurement_date <= CAST(:as_of AS date))
    {not_in_concept_sets}
ORDER BY m.measurement_id
