-- OMOP CDM 5.4 procedure_occurrence -> procedures, performed on or before the as-of day (bound
-- :as_of), one row each, with the codes its procedure concept and its source concept give:
-- SNOMED CT (the standard concept first), ICD-10-PCS and CCAM (vocabularies ICD10PCS, CCAM;
-- source first, as sites code). The category comes from the SNOMED CT hierarchy
-- (concept_ancestor): under 387713003 |Surgical procedure| SURGERY, else under 108290001
-- |Radiation oncology AND/OR radiotherapy| RADIOTHERAPY, else OTHER; empty when the
-- vocabulary has no ancestry for the concept (a vocabulary without concept_ancestor, as in
-- OHDSI's Eunomia samples), so a criterion on the category is unknown rather than wrong.
-- Undated rows are kept so the pipeline sets them aside with a reason.
-- {cdm} is the CDM schema, {vocab} the vocabulary schema.
WITH heads AS (
    SELECT h.concept_id, CASE h.concept_code
        WHEN '387713003' THEN 'SURGERY' WHEN '108290001' THEN 'RADIOTHERAPY' END AS category
    FROM {vocab}.concept AS h
    WHERE h.vocabulary_id = 'SNOMED' AND h.concept_code IN ('387713003', '108290001')
),
categorised AS (
    SELECT
        ca.descendant_concept_id AS concept_id,
        CASE
            WHEN bool_or(heads.category = 'SURGERY') THEN 'SURGERY'
            WHEN bool_or(heads.category = 'RADIOTHERAPY') THEN 'RADIOTHERAPY'
            ELSE 'OTHER'
        END AS category
    FROM {vocab}.concept_ancestor AS ca
    LEFT JOIN heads ON heads.concept_id = ca.ancestor_concept_id
    GROUP BY ca.descendant_concept_id
)
SELECT
    p.procedure_occurrence_id::text AS procedure_id,
    p.person_id::text AS patient_id,
    to_char(p.procedure_date, 'YYYY-MM-DD') AS performed_on,
    CASE
        WHEN src.vocabulary_id = 'CCAM' THEN src.concept_code
        WHEN std.vocabulary_id = 'CCAM' THEN std.concept_code
    END AS ccam_code,
    CASE
        WHEN std.vocabulary_id = 'SNOMED' THEN std.concept_code
        WHEN src.vocabulary_id = 'SNOMED' THEN src.concept_code
    END AS snomed_code,
    CASE
        WHEN src.vocabulary_id = 'ICD10PCS' THEN src.concept_code
        WHEN std.vocabulary_id = 'ICD10PCS' THEN std.concept_code
    END AS icd10pcs_code,
    cat.category
FROM {cdm}.procedure_occurrence AS p
LEFT JOIN {vocab}.concept AS std
    ON std.concept_id = p.procedure_concept_id AND p.procedure_concept_id <> 0
LEFT JOIN {vocab}.concept AS src
    ON src.concept_id = p.procedure_source_concept_id AND p.procedure_source_concept_id <> 0
LEFT JOIN categorised AS cat ON cat.concept_id = p.procedure_concept_id
WHERE p.procedure_date IS NULL OR p.procedure_date <= CAST(:as_of AS date)
ORDER BY p.procedure_occurrence_id
