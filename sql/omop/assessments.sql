-- OMOP CDM 5.4 observation and measurement -> assessments, through the site's concept sets
-- (`omop: concept_sets:` in the source config; pipeline/io/omop_concepts.py): the rows whose
-- concept is in one of the sets (written in where the placeholder is), recorded on or before the as-of day (bound :as_of). The type and
-- value come after the pull, from the concept and the answer (value_as_concept_id, else
-- value_as_number); these three helper columns are then dropped. Record ids name the table,
-- as the two tables' ids may meet. {cdm} is the CDM schema.
SELECT * FROM (
    SELECT
        'observation-' || o.observation_id::text AS record_id,
        o.person_id::text AS patient_id,
        to_char(o.observation_date, 'YYYY-MM-DD') AS assessed_on,
        o.observation_concept_id::text AS concept_id,
        o.value_as_concept_id::text AS value_concept_id,
        o.value_as_number::text AS value_number
    FROM {cdm}.observation AS o
    WHERE o.observation_concept_id IN ({concepts})
        AND (o.observation_date IS NULL OR o.observation_date <= CAST(:as_of AS date))
    UNION ALL
    SELECT
        'measurement-' || m.measurement_id::text,
        m.person_id::text,
        to_char(m.measurement_date, 'YYYY-MM-DD'),
        m.measurement_concept_id::text,
        m.value_as_concept_id::text,
        m.value_as_number::text
    FROM {cdm}.measurement AS m
    WHERE m.measurement_concept_id IN ({concepts})
        AND (m.measurement_date IS NULL OR m.measurement_date <= CAST(:as_of AS date))
) AS a
ORDER BY a.record_id
