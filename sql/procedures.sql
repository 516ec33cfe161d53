-- procedures: procedures performed on or before the as-of day (the bound date parameter as_of).
-- Undated rows are kept so the pipeline sets them aside with a reason instead of losing them.
SELECT
    p.procedure_id,
    p.ipp,
    to_char(p.performed_on, 'YYYY-MM-DD') AS performed_on,
    p.ccam_code,
    p.snomed_code,
    p.icd10pcs_code,
    p.category_code
FROM dwh.medical_procedure AS p
WHERE p.performed_on IS NULL OR p.performed_on <= :as_of
ORDER BY p.medical_procedure_sk
