-- OMOP CDM 5.4 condition_occurrence -> pathology, per the OHDSI oncology convention: a
-- diagnosis is an ICD-O-3 condition concept (vocabulary ICDO3) coded histology-topography,
-- `8240/3-C17.1`, as the condition concept or the source concept. Other conditions are not
-- pathology reports and are not pulled (a condition coded both ways gives its condition
-- concept's code). Grade and Ki-67 have no standard home: the two placeholders below become
-- subqueries over the site's concept sets (pipeline/io/omop_concepts.py), else NULL (declared
-- unavailable). Diagnosed on or before the as-of day (bound :as_of).
-- {cdm} is the CDM schema, {vocab} the vocabulary schema.
SELECT DISTINCT ON (c.condition_occurrence_id)
    c.condition_occurrence_id::text AS record_id,
    c.person_id::text AS patient_id,
    to_char(c.condition_start_date, 'YYYY-MM-DD') AS report_date,
    split_part(icdo.concept_code, '-', 2) AS topography_code,
    split_part(icdo.concept_code, '-', 1) AS morphology_code,
    {grade} AS grade,
    {ki67_percent} AS ki67_percent
FROM {cdm}.condition_occurrence AS c
JOIN {vocab}.concept AS icdo
    ON icdo.concept_id IN (c.condition_concept_id, c.condition_source_concept_id)
    AND icdo.vocabulary_id = 'ICDO3' AND icdo.concept_code LIKE '%/%-C%'
WHERE c.condition_start_date IS NULL OR c.condition_start_date <= CAST(:as_of AS date)
ORDER BY c.condition_occurrence_id, icdo.concept_id = c.condition_concept_id DESC
