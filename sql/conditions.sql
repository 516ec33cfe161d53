-- conditions: diagnoses recorded on or before the as-of day (the bound date parameter as_of);
-- the pipeline also keeps out an onset after it. Undated rows are kept so the pipeline sets
-- them aside with a reason instead of losing them.
SELECT
    d.diagnosis_id,
    d.ipp,
    d.icd10_code,
    d.icdo_topography,
    d.icdo_morphology,
    d.snomed_code,
    to_char(d.onset_date, 'YYYY-MM-DD') AS onset_date,
    to_char(d.recorded_date, 'YYYY-MM-DD') AS recorded_date,
    d.status_code
FROM dwh.diagnosis AS d
WHERE d.recorded_date IS NULL OR d.recorded_date <= :as_of
ORDER BY d.diagnosis_sk
