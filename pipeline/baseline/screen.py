"""The baseline's screening: the Lutathera retreatment trial's statuses, in one SQL query.

Written by hand from trials/lutathera-retreatment.yaml (not generated from it): what an
engineer would write for one trial without a criteria vocabulary. Three-valued throughout
(SQL's own AND / OR are Kleene's); a set-aside row that could be a criterion's latest record
makes it unknown; records dated after the as-of date are not seen.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from pipeline.baseline.stage import quote

PRRT = "'V10XX04'"
COURSE_GAP_DAYS = 120


def _status(condition: str) -> str:
    return (
        f"CASE WHEN {condition} THEN 'met' WHEN NOT ({condition}) THEN 'not_met' ELSE 'unknown' END"
    )


def latest(
    name: str,
    table: str,
    date: str,
    record_id: str,
    where: str,
    condition: str,
    *,
    months: int | None = None,
    days: int | None = None,
    when_absent: str = "unknown",
    certain: bool = False,
) -> str:
    """CTEs `<name>` (patient_id, status): the latest accepted record matching `where` in the
    window must meet `condition`; a later (or undated) set-aside row that could match makes
    the status unknown."""
    day = f"CAST({date} AS DATE)"
    window = f"{day} <= as_of"
    if months is not None:
        window += f" AND {day} >= as_of - INTERVAL {months} MONTH"
    if days is not None:
        window += f" AND {day} >= as_of - INTERVAL {days} DAY"
    could_match = f"coalesce({where}, {'false' if certain else 'true'})"
    return f"""
    {name}_accepted AS (
        SELECT t_patient_id AS patient_id, {date} AS d, ({condition}) AS ok
        FROM {table}, params WHERE NOT bad AND ({where}) AND {window}
        QUALIFY row_number() OVER (
            PARTITION BY t_patient_id ORDER BY {date} DESC, {record_id} DESC) = 1
    ),
    {name}_aside AS (
        SELECT t_patient_id AS patient_id, max({date}) AS d, bool_or({date} IS NULL) AS undated
        FROM {table}, params
        WHERE bad AND {could_match} AND ({date} IS NULL OR ({window}))
        GROUP BY ALL
    ),
    {name} AS (
        SELECT u.patient_id, CASE
            WHEN s.patient_id IS NOT NULL AND (a.patient_id IS NULL OR s.undated OR s.d > a.d)
                THEN 'unknown'
            WHEN a.patient_id IS NULL THEN '{when_absent}'
            ELSE {_status("a.ok")} END AS status
        FROM universe u
        LEFT JOIN {name}_accepted a USING (patient_id)
        LEFT JOIN {name}_aside s USING (patient_id)
    )"""


def lab(name: str, analyte: str, operator: str, threshold: float, **window: object) -> str:
    """A latest lab result against a threshold, a qualified value (`<9`) kept as the interval
    it is: met only if every value in it meets the threshold."""
    t = repr(threshold)
    met, not_met = {
        ">": (
            f"(op IN ('=', '>=') AND value > {t}) OR (op = '>' AND value >= {t})",
            f"op IN ('=', '<=', '<') AND value <= {t}",
        ),
        ">=": (
            f"op IN ('=', '>=', '>') AND value >= {t}",
            f"(op IN ('=', '<=') AND value < {t}) OR (op = '<' AND value <= {t})",
        ),
        "<": (
            f"(op IN ('=', '<=') AND value < {t}) OR (op = '<' AND value <= {t})",
            f"op IN ('=', '>=', '>') AND value >= {t}",
        ),
    }[operator]
    condition = f"CASE WHEN {met} THEN true WHEN {not_met} THEN false END"
    return latest(
        name,
        "labs",
        "t_collected_at",
        "t_record_id",
        f"analyte = {quote(analyte)}",
        condition,
        certain=True,
        **window,  # type: ignore[arg-type]
    )


def screening_sql(as_of: str) -> str:
    ctes = [
        f"params AS (SELECT DATE {quote(as_of)} AS as_of)",
        "universe AS (SELECT DISTINCT t_patient_id AS patient_id FROM patients"
        " WHERE t_patient_id IS NOT NULL)",
        """person AS (
            SELECT u.patient_id, p.t_patient_id IS NULL AS set_aside, p.t_birth_date AS birth,
                   p.t_death_date AS death, p.t_sex AS sex, p.t_childbearing_potential AS cbp,
                   p.t_social_security_affiliated AS affiliated
            FROM universe u LEFT JOIN (SELECT * FROM patients WHERE NOT bad) p
                 ON p.t_patient_id = u.patient_id)""",
        latest(
            "histology",
            "pathology",
            "t_report_date",
            "t_record_id",
            "true",
            "(t_topography_code[1:3] IN ('C17', 'C18', 'C19', 'C20'))"
            " AND t_morphology_code IN ('8240/3', '8249/3', '8241/3')"
            " AND t_grade IN ('G1', 'G2')",
        ),
        f"""prrt AS (
            SELECT t_patient_id AS patient_id, t_administered_on AS d,
                   coalesce(t_administered_on - lag(t_administered_on) OVER w
                            > {COURSE_GAP_DAYS}, true) AS starts_course
            FROM treatments, params
            WHERE NOT bad AND t_atc_code = {PRRT} AND t_administered_on <= as_of
            WINDOW w AS (PARTITION BY t_patient_id ORDER BY t_administered_on)
        )""",
        """first_course AS (
            SELECT patient_id, count(*) AS cycles, max(d) AS ended FROM (
                SELECT *, sum(starts_course::INT) OVER (
                    PARTITION BY patient_id ORDER BY d ROWS UNBOUNDED PRECEDING) AS course
                FROM prrt) WHERE course = 1 GROUP BY ALL
        )""",
        """first_progression AS (
            SELECT c.patient_id, min(s.t_study_date) AS d
            FROM first_course c JOIN imaging_studies s ON s.t_patient_id = c.patient_id, params
            WHERE NOT s.bad AND s.t_recist_response = 'PD' AND s.t_study_date > c.ended
                  AND s.t_study_date <= as_of
            GROUP BY ALL
        )""",
        latest(
            "board",
            "tumour_board",
            "t_decision_date",
            "t_decision_id",
            "true",
            "t_decision = 'PRRT_RETREATMENT' AND t_reimbursement_scope",
            months=6,
        ),
        latest(
            "ecog",
            "assessments",
            "t_assessed_on",
            "t_record_id",
            "t_assessment_type = 'ECOG'",
            "value_number <= 2",
            months=3,
        ),
        latest(
            "life",
            "assessments",
            "t_assessed_on",
            "t_record_id",
            "t_assessment_type = 'LIFE_EXPECTANCY'",
            "value_number >= 6",
            months=3,
            when_absent="to_confirm",
        ),
        latest(
            "sstr",
            "imaging_studies",
            "t_study_date",
            "t_study_id",
            "t_modality IN ('PET', 'SCINTIGRAPHY') AND t_sstr_tracer IN ('68GA-DOTATATE', "
            "'68GA-DOTATOC', '68GA-DOTANOC', '111IN-PENTETREOTIDE', '99MTC-OCTREOTIDE')",
            "t_sstr_positive_percent >= 90 AND t_uptake_vs_liver IN ('EQUAL', 'ABOVE')",
            months=4,
        ),
        # RECIST 1.1: a node under 10 mm short axis is normal tissue, 10 to 15 mm a
        # non-measurable lesion, measurable from 15 mm; any other lesion counts, measurable
        # from 10 mm. A node without a short axis, or a lesion set aside, may be either.
        """lesion_counts AS (
            SELECT t_study_id AS study_id,
                count(*) FILTER (NOT bad AND (NOT t_is_lymph_node OR t_short_axis_mm >= 10))
                    AS lesions,
                count(*) FILTER (NOT bad AND (NOT t_is_lymph_node AND t_longest_diameter_mm >= 10
                                 OR t_is_lymph_node AND t_short_axis_mm >= 15)) AS measurable,
                count(*) FILTER (bad OR t_is_lymph_node AND t_short_axis_mm IS NULL) AS doubtful
            FROM imaging_lesions WHERE t_study_id IS NOT NULL GROUP BY ALL
        )""",
        """ct AS (
            SELECT s.*, coalesce(c.lesions, 0) AS lesions, coalesce(c.measurable, 0) AS measurable,
                   coalesce(c.doubtful, 0) AS doubtful
            FROM imaging_studies s LEFT JOIN lesion_counts c ON c.study_id = s.t_study_id
        )""",
        latest(
            "recist",
            "ct",
            "t_study_date",
            "t_study_id",
            "t_modality IN ('CT', 'MRI')",
            "CASE WHEN lesions >= 2 AND measurable >= 1 THEN true"
            " WHEN lesions + doubtful < 2 OR measurable + doubtful < 1 THEN false END",
            months=4,
        ),
        lab("haemoglobin", "haemoglobin", ">", 8.0, days=28),
        lab("neutrophils", "neutrophils", ">=", 1500.0, days=28),
        lab("platelets", "platelets", ">=", 80000.0, days=28),
        lab("hcg", "beta_hcg", "<", 5.0, days=4, when_absent="to_confirm"),
        latest(
            "menopause",
            "assessments",
            "t_assessed_on",
            "t_record_id",
            "t_assessment_type = 'MENOPAUSAL_STATUS'",
            "t_value <> 'POST'",
        ),
    ]
    gate_menopause = "CASE m.status WHEN 'met' THEN true WHEN 'not_met' THEN false END"
    patient = "CASE WHEN p.set_aside THEN 'unknown' ELSE {} END"
    select = f"""
    SELECT u.patient_id,
        {patient.format("CASE WHEN p.death <= as_of THEN 'not_met' ELSE 'met' END")} AS alive,
        {
        patient.format(
            "CASE WHEN p.birth IS NULL THEN 'unknown' WHEN p.birth + INTERVAL 18 YEAR"
            " <= as_of THEN 'met' ELSE 'not_met' END"
        )
    } AS age,
        h.status AS histology_intestinal_net_g1_g2,
        CASE WHEN c.patient_id IS NULL THEN 'unknown' WHEN c.cycles >= 4 THEN 'met'
             ELSE 'not_met' END AS first_prrt_four_cycles,
        CASE WHEN g.d IS NULL THEN 'unknown' WHEN g.d >= c.ended + INTERVAL 12 MONTH THEN 'met'
             ELSE 'not_met' END AS disease_control_12_months,
        CASE WHEN g.d IS NULL THEN 'unknown' ELSE 'met' END AS progression_after_first_prrt,
        b.status AS retreatment_decision,
        e.status AS ecog_0_2,
        l.status AS life_expectancy_6_months,
        s.status AS sstr_imaging_positive,
        r.status AS measurable_disease_recist,
        hb.status AS haemoglobin_above_8,
        n.status AS neutrophils_1500,
        pl.status AS platelets_80000,
        CASE WHEN (p.sex = 'F' AND p.cbp <> false AND {gate_menopause}) IS FALSE
             THEN 'not_applicable' ELSE hcg.status END AS negative_pregnancy_test,
        CASE WHEN ((p.sex = 'M' OR p.cbp <> false) AND {gate_menopause}) IS FALSE
             THEN 'not_applicable' ELSE 'to_confirm' END AS effective_contraception,
        'to_confirm' AS informed_consent,
        'to_confirm' AS willingness_to_comply,
        {patient.format(_status("p.affiliated"))} AS social_security_affiliation
    FROM universe u
    JOIN person p USING (patient_id)
    JOIN histology h USING (patient_id)
    LEFT JOIN first_course c USING (patient_id)
    LEFT JOIN first_progression g USING (patient_id)
    JOIN board b USING (patient_id)
    JOIN ecog e USING (patient_id)
    JOIN life l USING (patient_id)
    JOIN sstr s USING (patient_id)
    JOIN recist r USING (patient_id)
    JOIN haemoglobin hb USING (patient_id)
    JOIN neutrophils n USING (patient_id)
    JOIN platelets pl USING (patient_id)
    JOIN hcg USING (patient_id)
    JOIN menopause m USING (patient_id)
    CROSS JOIN params
    """
    return "WITH " + ",\n".join(ctes) + select


def screen(con: duckdb.DuckDBPyConnection, as_of: str) -> pd.DataFrame:
    """One row per exported patient: a status per criterion and the overall status (not
    eligible on any not_met, needs review on any unknown, else candidate)."""
    con.execute(f"CREATE OR REPLACE TABLE statuses AS {screening_sql(as_of)}")
    criteria = [c for c in con.execute("SELECT * FROM statuses LIMIT 0").df() if c != "patient_id"]
    any_of = " OR ".join
    return con.execute(
        f"""SELECT *, CASE
                WHEN {any_of(f"{c} = 'not_met'" for c in criteria)} THEN 'not_eligible'
                WHEN {any_of(f"{c} = 'unknown'" for c in criteria)} THEN 'needs_review'
                ELSE 'candidate' END AS overall
            FROM statuses"""
    ).df()
