-- OMOP CDM 5.4 condition_occurrence -> conditions (diagnoses): every occurrence started on or
-- before the as-of day (bound :as_of), one row each, with the codes its condition concept
-- and its source concept give: ICD-10 (vocabularies ICD10, ICD10CM; source first, as sites
-- code), SNOMED CT (the standard concept first), and ICD-O-3 per the OHDSI oncology
-- convention (histology-topography, `8240/3-C17.1`, split in two). OMOP has one date: the
-- condition start is both the onset and the recorded date; no clinical status (unavailable).
-- An occurrence whose concepts give no code is kept with its codes empty.
-- {cdm} is the CDM schema, {vocab} the vocabulary schema.
SELECT
    c.condition_occurrence_id::text AS record_id,
    c.person_id::text AS patient_id,
    CASE
        WHEN src.vocabulary_id IN ('ICD10', 'ICD10CM') THEN src.concept_code
        WHEN std.vocabulary_id IN ('ICD10', 'ICD10CM') THEN std.concept_code
    END AS icd10_code,
    split_part(icdo3.code, '-', 2) AS topography_code,
    split_part(icdo3.code, '-', 1) AS morphology_code,
    CASE
        WHEN std.vocabulary_id = 'SNOMED' THEN std.concept_code
        WHEN src.vocabulary_id = 'SNOMED' THEN src.concept_code
    END AS snomed_code,
    to_char(c.condition_start_date, 'YYYY-MM-DD') AS onset_date,
    to_char(c.condition_start_date, 'YYYY-MM-DD') AS recorded_date,
    NULL::text AS clinical_status
FROM {cdm}.condition_occurrence AS c
LEFT JOIN {vocab}.concept AS std
    ON std.concept_id = c.condition_concept_id AND c.condition_concept_id <> 0
LEFT JOIN {vocab}.concept AS src
    ON src.concept_id = c.condition_source_concept_id AND c.condition_source_concept_id <> 0
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN std.vocabulary_id = 'ICDO3' AND std.concept_code LIKE '%/%-C%' THEN std.concept_code
        WHEN src.vocabulary_id = 'ICDO3' AND src.concept_code LIKE '%/%-C%' THEN src.concept_code
    END AS code
) AS icdo3
WHERE c.condition_start_date IS NULL OR c.condition_start_date <= CAST(:as_of AS date)
ORDER BY c.condition_occurrence_id
