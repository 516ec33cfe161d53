-- treatments: administrations on or before the as-of day (the bound date parameter as_of).
SELECT
    a.administration_id,
    a.ipp,
    a.atc_code,
    to_char(a.administered_on, 'YYYY-MM-DD') AS administered_on,
    a.activity_mbq::text AS activity_mbq
FROM dwh.drug_administration AS a
WHERE a.administered_on IS NULL OR a.administered_on <= :as_of
ORDER BY a.drug_administration_sk
