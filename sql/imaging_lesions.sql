-- imaging_lesions: lesions carry no date; keep those of studies on or before the as-of day
-- (the bound date parameter as_of) and those whose study is unknown or undated, which the
-- pipeline then handles itself.
SELECT
    l.lesion_id,
    l.study_id,
    l.ipp,
    l.lymph_node::text AS lymph_node,
    l.longest_diameter_mm::text AS longest_diameter_mm,
    l.short_axis_mm::text AS short_axis_mm
FROM dwh.imaging_lesion AS l
WHERE NOT EXISTS (
    SELECT 1
    FROM dwh.imaging_study AS s
    WHERE s.study_id = l.study_id AND s.study_date > :as_of
)
ORDER BY l.imaging_lesion_sk
