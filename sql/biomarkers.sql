-- biomarkers: tumour biomarker results reported on or before the as-of day (the bound date
-- parameter as_of). Undated rows are kept so the pipeline sets them aside with a reason
-- instead of losing them.
SELECT
    b.biomarker_id,
    b.ipp,
    to_char(b.report_date, 'YYYY-MM-DD') AS report_date,
    b.marker_code,
    b.method_code,
    b.result_code,
    b.ihc_score,
    b.percent_positive::text AS percent_positive
FROM dwh.biomarker AS b
WHERE b.report_date IS NULL OR b.report_date <= :as_of
ORDER BY b.biomarker_sk
