-- OMOP CDM 5.4 person + death -> patients. Every person, not filtered by the as-of date (the
-- pipeline reads the dates). Sex from the standard gender concepts (8507 male, 8532 female;
-- any other concept is no sex recorded). Birth from birth_datetime, else year/month/day when
-- all three are recorded: a year alone is no date of birth (age is then unknown, not guessed).
-- The earliest death record of a person is the death date. {cdm} is the CDM schema.
SELECT
    p.person_id::text AS patient_id,
    to_char(
        COALESCE(
            p.birth_datetime::date,
            make_date(p.year_of_birth::int, p.month_of_birth::int, p.day_of_birth::int)
        ),
        'YYYY-MM-DD'
    ) AS birth_date,
    CASE p.gender_concept_id WHEN 8507 THEN 'M' WHEN 8532 THEN 'F' END AS sex,
    to_char(d.death_date, 'YYYY-MM-DD') AS death_date,
    NULL::text AS social_security_affiliated,
    NULL::text AS childbearing_potential
FROM {cdm}.person AS p
LEFT JOIN (
    SELECT person_id, min(death_date) AS death_date FROM {cdm}.death GROUP BY person_id
) AS d ON d.person_id = p.person_id
ORDER BY p.person_id
