-- medications: prescriptions, dispensings and statements starting on or before the as-of day
-- (the bound date parameter as_of). The end date is planned and may lie after it.
-- Undated rows are kept so the pipeline sets them aside with a reason instead of losing them.
SELECT
    m.medication_id,
    m.ipp,
    m.record_type_code,
    m.atc_code,
    m.cip13_code,
    m.code_system,
    to_char(m.start_date, 'YYYY-MM-DD') AS start_date,
    to_char(m.end_date, 'YYYY-MM-DD') AS end_date,
    m.route_code
FROM dwh.medication_record AS m
WHERE m.start_date IS NULL OR m.start_date <= :as_of
ORDER BY m.medication_record_sk
