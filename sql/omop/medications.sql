-- OMOP CDM 5.4 drug_exposure -> medications: the exposures whose drug_type_concept_id says a
-- prescription, a dispensing or a statement (the list in pipeline/io/medication_codes.py,
-- written in where the braces say), started on or before the as-of day (bound :as_of). Every
-- other exposure is an administration, read by treatments.sql: each row is in one extract.
-- The ATC code as in treatments.sql (an ATC 5th-level ancestor, else an 'RxNorm - ATC'
-- relationship, the first in code order; the site's `omop: drug_atc:` applied after the pull
-- on drug_concept_id); a drug with no ATC code is set aside (counted). The source code is the
-- drug's source concept (else its standard concept) with its vocabulary; the route the SNOMED
-- CT code of route_concept_id; the end drug_exposure_end_date.
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
    {medication_kind} AS kind,
    d.drug_concept_id::text AS drug_concept_id,
    COALESCE(anc.atc_code, rel.atc_code) AS atc_code,
    COALESCE(src.concept_code, std.concept_code) AS source_code,
    CASE
        WHEN COALESCE(src.vocabulary_id, std.vocabulary_id) IS NOT NULL
        THEN {source_system}
    END AS source_system,
    to_char(d.drug_exposure_start_date, 'YYYY-MM-DD') AS start_date,
    to_char(d.drug_exposure_end_date, 'YYYY-MM-DD') AS end_date,
    {route} AS route
FROM {cdm}.drug_exposure AS d
LEFT JOIN by_ancestor AS anc ON anc.drug_concept_id = d.drug_concept_id
LEFT JOIN by_relationship AS rel ON rel.drug_concept_id = d.drug_concept_id
LEFT JOIN {vocab}.concept AS std
    ON std.concept_id = d.drug_concept_id AND d.drug_concept_id <> 0
LEFT JOIN {vocab}.concept AS src
    ON src.concept_id = d.drug_source_concept_id AND d.drug_source_concept_id <> 0
LEFT JOIN {vocab}.concept AS rt
    ON rt.concept_id = d.route_concept_id AND rt.vocabulary_id = 'SNOMED'
WHERE d.drug_type_concept_id IN ({medication_types})
    AND (d.drug_exposure_start_date IS NULL OR d.drug_exposure_start_date <= CAST(:as_of AS date))
ORDER BY d.drug_exposure_id
