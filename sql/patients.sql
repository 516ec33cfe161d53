-- patients: one row per patient, in load order. Not filtered by the as-of date: a patient born or
-- deceased after the as-of date is still a patient of the export (the pipeline reads the dates),
-- so the bound as-of parameter is accepted and unused here.
SELECT
    p.ipp,
    to_char(p.birth_date, 'YYYY-MM-DD') AS birth_date,
    p.sex_code,
    to_char(p.death_date, 'YYYY-MM-DD') AS death_date,
    p.ss_affiliated::text AS ss_affiliated,
    p.childbearing_potential::text AS childbearing_potential
FROM dwh.patient AS p
ORDER BY p.patient_sk
