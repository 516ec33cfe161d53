-- imaging_studies: studies on or before the as-of day (the bound date parameter as_of).
SELECT
    s.study_id,
    s.ipp,
    to_char(s.study_date, 'YYYY-MM-DD') AS study_date,
    s.modality_code,
    s.tracer_code,
    s.sstr_positive_pct::text AS sstr_positive_pct,
    s.liver_uptake_code,
    s.krenning_score::text AS krenning_score,
    s.recist_code
FROM dwh.imaging_study AS s
WHERE s.study_date IS NULL OR s.study_date <= :as_of
ORDER BY s.imaging_study_sk
