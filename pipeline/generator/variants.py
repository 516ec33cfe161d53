"""Per-criterion-group variants and the statuses each one must produce (the ground truth).

Every patient gets one variant per group; data are then synthesised to produce exactly that
variant, so the expected status is known by construction, independently of the engine.
Variant 0 of each group is the eligible one.
"""

from __future__ import annotations

M, N, U, T, NA = "met", "not_met", "unknown", "to_confirm", "not_applicable"

# group -> {variant: {criterion_id: status}}
GROUPS: dict[str, dict[str, dict[str, str]]] = {
    "vital": {
        "ok": {"alive": M},
        "died_on_as_of": {"alive": N},
        "died_after_as_of": {"alive": M},
    },
    "age": {
        "ok": {"age": M},
        "eighteen_today": {"age": M},
        "eighteen_tomorrow": {"age": N},
        "sixteen": {"age": N},
        "birth_date_missing": {"age": U},
        # The patients row is set aside (sex "I", outside the contract's codes, as a typed
        # warehouse would deliver it too): the patient is still screened, every criterion
        # reading that row unknown (see truth.PATIENT_ROW_READERS).
        "patient_row_set_aside": {"age": U},
    },
    "histology": {
        "ok": {"histology_intestinal_net_g1_g2": M},
        "older_g3_newer_g2": {"histology_intestinal_net_g1_g2": M},
        "grade_3": {"histology_intestinal_net_g1_g2": N},
        "pancreas": {"histology_intestinal_net_g1_g2": N},
        "grade_missing": {"histology_intestinal_net_g1_g2": U},
        "no_report": {"histology_intestinal_net_g1_g2": U},
    },
    "prrt": {
        "ok": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": M,
            "progression_after_first_prrt": M,
        },
        "with_second_course": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": M,
            "progression_after_first_prrt": M,
        },
        "three_cycles": {
            "first_prrt_four_cycles": N,
            "disease_control_12_months": M,
            "progression_after_first_prrt": M,
        },
        "control_8_months": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": N,
            "progression_after_first_prrt": M,
        },
        "control_exactly_12_months": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": M,
            "progression_after_first_prrt": M,
        },
        "control_12_months_less_a_day": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": N,
            "progression_after_first_prrt": M,
        },
        "no_progression": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": U,
            "progression_after_first_prrt": U,
        },
        "progression_after_as_of": {
            "first_prrt_four_cycles": M,
            "disease_control_12_months": U,
            "progression_after_first_prrt": U,
        },
        "no_prrt": {
            "first_prrt_four_cycles": U,
            "disease_control_12_months": U,
            "progression_after_first_prrt": U,
        },
    },
    "board": {
        "ok": {"retreatment_decision": M},
        "later_decision_after_as_of": {"retreatment_decision": M},
        "surveillance": {"retreatment_decision": N},
        "out_of_reimbursement_scope": {"retreatment_decision": N},
        "older_than_6_months": {"retreatment_decision": U},
        "no_decision": {"retreatment_decision": U},
    },
    "ecog": {
        "ok": {"ecog_0_2": M},
        "ecog_2": {"ecog_0_2": M},
        "ecog_3": {"ecog_0_2": N},
        "older_than_3_months": {"ecog_0_2": U},
        "not_recorded": {"ecog_0_2": U},
    },
    "life": {
        "ok": {"life_expectancy_6_months": M},
        "exactly_6_months": {"life_expectancy_6_months": M},
        "four_months": {"life_expectancy_6_months": N},
        "not_recorded": {"life_expectancy_6_months": T},
    },
    "sstr": {
        "ok": {"sstr_imaging_positive": M},
        "scintigraphy": {"sstr_imaging_positive": M},
        "exactly_90_percent": {"sstr_imaging_positive": M},
        "exactly_4_months": {"sstr_imaging_positive": M},
        "85_percent": {"sstr_imaging_positive": N},
        "uptake_below_liver": {"sstr_imaging_positive": N},
        "4_months_and_a_day": {"sstr_imaging_positive": U},
        "no_study": {"sstr_imaging_positive": U},
    },
    "lesions": {
        "ok": {"measurable_disease_recist": M},
        "exactly_10_mm": {"measurable_disease_recist": M},
        "node_15_mm": {"measurable_disease_recist": M},
        "single_lesion": {"measurable_disease_recist": N},
        "largest_9_9_mm": {"measurable_disease_recist": N},
        "node_14_9_mm": {"measurable_disease_recist": N},
        "no_recent_ct": {"measurable_disease_recist": U},
        # RECIST 1.1 lymph nodes beside one measurable lesion: under 10 mm short axis a node is
        # normal tissue (one lesion only), from 10 mm a second, non-measurable lesion.
        "normal_node_9_9_mm": {"measurable_disease_recist": N},
        "pathological_node_10_mm": {"measurable_disease_recist": M},
        "node_without_short_axis": {"measurable_disease_recist": U},
        "small_lesion_9_9_mm_counts": {"measurable_disease_recist": M},
    },
    "haemoglobin": {
        "ok": {"haemoglobin_above_8": M},
        "8_1_g_dl": {"haemoglobin_above_8": M},
        "mmol_l": {"haemoglobin_above_8": M},
        "newer_ok_after_older_low": {"haemoglobin_above_8": M},
        "low_after_as_of": {"haemoglobin_above_8": M},
        "exactly_8_g_dl": {"haemoglobin_above_8": N},
        "exactly_80_g_l": {"haemoglobin_above_8": N},
        "7_2_g_dl": {"haemoglobin_above_8": N},
        "below_9_qualified": {"haemoglobin_above_8": U},
        "unknown_unit": {"haemoglobin_above_8": U},
        "none_in_28_days": {"haemoglobin_above_8": U},
    },
    "neutrophils": {
        "ok": {"neutrophils_1500": M},
        "exactly_1500_mm3": {"neutrophils_1500": M},
        "exactly_1_5_g_l": {"neutrophils_1500": M},
        "1499_mm3": {"neutrophils_1500": N},
        "1_2_g_l": {"neutrophils_1500": N},
        "below_1_g_l_qualified": {"neutrophils_1500": N},
        "none_in_28_days": {"neutrophils_1500": U},
    },
    "platelets": {
        "ok": {"platelets_80000": M},
        "exactly_80000_mm3": {"platelets_80000": M},
        "exactly_80_g_l": {"platelets_80000": M},
        "above_500_qualified": {"platelets_80000": M},
        "79_9_g_l": {"platelets_80000": N},
        "60_g_l": {"platelets_80000": N},
        "none_in_28_days": {"platelets_80000": U},
    },
    "social": {
        "ok": {"social_security_affiliation": M},
        "not_affiliated": {"social_security_affiliation": N},
        "not_recorded": {"social_security_affiliation": U},
    },
}

# Reproductive profile: decides whether the pregnancy test and contraception apply.
PROFILES = {
    # profile: (sex, childbearing_potential, menopausal status recorded, pregnancy applies,
    #           contraception applies)
    "man": ("H", "", "", False, True),
    "woman_of_childbearing_potential": ("F", "O", "PRE", True, True),
    "woman_potential_not_recorded": ("F", "", "", True, True),
    "woman_sterilised": ("F", "N", "", False, False),
    "woman_post_menopausal": ("F", "N", "POST", False, False),
    "woman_post_menopausal_potential_not_recorded": ("F", "", "POST", False, False),
}
PROFILE_WEIGHTS = (0.5, 0.2, 0.05, 0.05, 0.15, 0.05)

# β-hCG results for women to whom the test applies.
HCG_VARIANTS = {
    "not_done": T,
    "negative_yesterday": M,
    "negative_4_days_old": M,
    "negative_5_days_old": T,
    "positive": N,
}
HCG_WEIGHTS = (0.6, 0.2, 0.07, 0.07, 0.06)

ALWAYS_TO_CONFIRM = ("informed_consent", "willingness_to_comply")
