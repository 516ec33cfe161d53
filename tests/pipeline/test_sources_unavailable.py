"""A source kind's gaps merged with a site's declarations."""

from pipeline.sources_unavailable import merge_unavailable

KIND = {"tumour_board": None, "patients": ("childbearing_potential",)}


def test_a_site_adds_gaps_and_never_fills_the_kinds():
    merged = merge_unavailable(
        KIND,
        {
            "tumour_board": ("reimbursement_scope",),
            "patients": ("childbearing_potential",),
            "labs": None,
        },
    )
    assert merged == {
        "tumour_board": None,
        "patients": ("childbearing_potential",),
        "labs": None,
    }


def test_a_whole_extract_wins_over_columns_and_columns_add_up():
    merged = merge_unavailable(KIND, {"patients": None, "pathology": ("grade",)})
    assert merged["patients"] is None
    assert merge_unavailable(
        {"pathology": ("grade",)}, {"pathology": ("ki67_percent", "grade")}
    ) == {"pathology": ("grade", "ki67_percent")}
