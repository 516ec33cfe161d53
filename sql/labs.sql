-- labs: results collected before the end of the as-of day (the bound date parameter as_of).
-- result_text is the laboratory's free text (qualifiers, decimal comma) and passes unchanged.
SELECT
    l.result_id,
    l.ipp,
    l.loinc_code,
    l.result_text,
    l.unit_label,
    to_char(l.collected_at, 'YYYY-MM-DD HH24:MI:SS') AS collected_at,
    -- numbers in the extract's declared decimal comma, like the results
    replace(l.ref_low::text, '.', ',') AS ref_low,
    replace(l.ref_high::text, '.', ',') AS ref_high
FROM dwh.lab_result AS l
WHERE l.collected_at IS NULL OR l.collected_at < CAST(:as_of AS date) + 1
ORDER BY l.lab_result_sk
