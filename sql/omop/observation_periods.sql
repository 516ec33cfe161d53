-- OMOP CDM 5.4 observation_period -> observation_periods: the spans over which the source
-- records the person's care, started on or before the as-of day (bound :as_of). The end is
-- the last day the source observes the person, which may lie after the as-of day.
-- {cdm} is the CDM schema.
SELECT
    o.observation_period_id::text AS period_id,
    o.person_id::text AS patient_id,
    to_char(o.observation_period_start_date, 'YYYY-MM-DD') AS start_date,
    to_char(o.observation_period_end_date, 'YYYY-MM-DD') AS end_date
FROM {cdm}.observation_period AS o
WHERE o.observation_period_start_date IS NULL
    OR o.observation_period_start_date <= CAST(:as_of AS date)
ORDER BY o.observation_period_id
