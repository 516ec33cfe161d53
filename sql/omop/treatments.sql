-- OMOP CDM 5.4 drug_exposure -> treatments (administrations), started on or before the as-of
-- day (bound :as_of): every exposure except those whose drug_type_concept_id says a
-- prescription, a dispensing or a statement (read by medications.sql), so
-- each row is in one extract.
-- The ATC code comes from the vocabulary: an ATC 5th-level ancestor of the drug concept
-- (concept_ancestor), else an 'RxNorm - ATC' relationship (concept_relationship); of several,
-- the first in code order, so a pull is reproducible. drug_concept_id is returned for the
-- site's override table (`omop: drug_atc:` in the source config), applied after the pull.
-- A drug with no ATC code is set aside (counted), never silently dropped.
-- {cdm} is the CDM schema, {vocab} the vocabulary schema.
WITH by_ancestor AS (
    SELECT ca.descendant_concept_id AS drug_concept_id, min(a.concept_code) AS atc_code
    FROM {vocab}.concept_ancestor AS ca
    JOIN {vocab}.concept AS a ON a.concept_id = ca.ancestor_concept_id
    WHERE a.vocabulary_id = 'ATC' AND a.concept_class_id = 'ATC 5th'
    GROUP BY ca.descendant_concept_id
),
by_relationship AS (
    SELECT cr.concept_id_1 AS drug_concept_id, min(a.concept_code) AS atc_code
    FROM {vocab}.concept_relationship AS cr
    JOIN {vocab}.concept AS a ON a.concept_id = cr.concept_id_2
    WHERE cr.relationship_id = 'RxNorm - ATC' AND cr.invalid_reason IS NULL
        AND a.vocabulary_id = 'ATC' AND a.concept_class_id = 'ATC 5th'
    GROUP BY cr.concept_id_1
)
SELECT
    d.drug_exposure_id::text AS record_id,
    d.person_id::text AS patient_id,
    d.drug_concept_id::text AS drug_concept_id,
    COALESCE(anc.atc_code, rel.atc_code) AS atc_code,
    to_char(d.drug_exposure_start_date, 'YYYY-MM-DD') AS administered_on,
    NULL::text AS activity_mbq
FROM {cdm}.drug_exposure AS d
LEFT JOIN by_ancestor AS anc ON anc.drug_concept_id = d.drug_concept_id
LEFT JOIN by_relationship AS rel ON rel.drug_concept_id = d.drug_concept_id
WHERE d.drug_type_concept_id NOT IN ({medication_types})
    AND (d.drug_exposure_start_date IS NULL OR d.drug_exposure_start_date <= CAST(:as_of AS date))
ORDER BY d.drug_exposure_id
