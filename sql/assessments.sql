-- assessments: clinical assessments on or before the as-of day (the bound date parameter as_of).
SELECT
    c.assessment_id,
    c.ipp,
    to_char(c.assessed_on, 'YYYY-MM-DD') AS assessed_on,
    c.assessment_code,
    c.value_text
FROM dwh.clinical_assessment AS c
WHERE c.assessed_on IS NULL OR c.assessed_on <= :as_of
ORDER BY c.clinical_assessment_sk
