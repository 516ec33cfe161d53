-- pathology: reports dated on or before the as-of day (the bound date parameter as_of).
-- Undated rows are kept so the pipeline sets them aside with a reason instead of losing them.
SELECT
    r.report_id,
    r.ipp,
    to_char(r.report_date, 'YYYY-MM-DD') AS report_date,
    r.icdo_topography,
    r.icdo_morphology,
    r.who_grade,
    r.ki67_pct::text AS ki67_pct
FROM dwh.pathology_report AS r
WHERE r.report_date IS NULL OR r.report_date <= :as_of
ORDER BY r.pathology_report_sk
