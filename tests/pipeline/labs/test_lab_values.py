"""Lab value parsing (qualifiers) and unit normalisation to the catalogue's canonical units."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.labs.values import normalise_labs, normalise_unit_text, parse_lab_values

HB, NEUT, PLT, HCG = "718-7", "751-8", "777-3", "21198-7"


def one(loinc: str, raw: str, unit: str | None, decimal: str = ".") -> pd.Series:
    frame = normalise_labs(
        pd.Series([loinc], dtype="str"),
        pd.Series([raw], dtype="str"),
        pd.Series([unit], dtype="str"),
        decimal,
    )
    return frame.iloc[0]


@pytest.mark.parametrize(
    ("loinc", "unit", "raw", "expected", "canonical"),
    [
        (HB, "g/dL", "9", 9.0, "g/dL"),
        (HB, "g/L", "90", 9.0, "g/dL"),
        (HB, "mmol/L", "6.2", 6.2 * 1.6114, "g/dL"),
        (NEUT, "/mm3", "1500", 1500.0, "/mm3"),
        (NEUT, "/mm³", "1500", 1500.0, "/mm3"),
        (NEUT, "/µL", "1500", 1500.0, "/mm3"),
        (NEUT, "G/L", "1.5", 1500.0, "/mm3"),
        (NEUT, "10^9/L", "1.5", 1500.0, "/mm3"),
        (NEUT, "10*9/L", "1.5", 1500.0, "/mm3"),
        (NEUT, "x10^9/L", "1.5", 1500.0, "/mm3"),
        (NEUT, "10^3/uL", "1.5", 1500.0, "/mm3"),
        (NEUT, "10^3/µL", "1.5", 1500.0, "/mm3"),
        (PLT, "G/L", "80", 80000.0, "/mm3"),
        (HCG, "mUI/mL", "150", 150.0, "IU/L"),
        (HCG, "UI/L", "150", 150.0, "IU/L"),
        (HCG, "IU/L", "150", 150.0, "IU/L"),
        (HCG, "m[iU]/mL", "150", 150.0, "IU/L"),  # UCUM, as an OMOP unit concept codes it
        (HCG, "[iU]/L", "150", 150.0, "IU/L"),
    ],
)
def test_accepted_unit_spelling_converts_to_canonical(loinc, unit, raw, expected, canonical):
    row = one(loinc, raw, unit)
    assert row["value"] == pytest.approx(expected)
    assert row["canonical_unit"] == canonical
    assert not row["unknown_unit"]
    assert not row["unparseable"]


@pytest.mark.parametrize(
    ("unit", "key"),
    [
        ("g/dL", "g/dl"),
        ("/mm³", "/mm3"),
        ("/µL", "/ul"),
        ("10*9/L", "10^9/l"),
        ("x10^9/L", "10^9/l"),
        (" 10^9 / L ", "10^9/l"),
        ("10^3/µL", "10^3/ul"),
        ("mUI/mL", "miu/ml"),
        ("UI/L", "iu/l"),
        ("[iU]/L", "iu/l"),
        ("m[iU]/mL", "miu/ml"),
    ],
)
def test_unit_spellings_normalise_to_one_key(unit, key):
    assert normalise_unit_text(pd.Series([unit], dtype="str")).iloc[0] == key


def test_comma_decimal_value_is_read_when_declared():
    row = one(NEUT, "1,5", "10^9/L", decimal=",")
    assert row["value"] == pytest.approx(1500.0)


def test_comma_is_not_a_decimal_mark_unless_declared():
    row = one(NEUT, "1,500", "/mm3")
    assert bool(row["unparseable"])
    assert math.isnan(row["value"])


def test_point_is_rejected_when_the_comma_is_declared():
    assert bool(one(NEUT, "1.5", "G/L", decimal=",")["unparseable"])


def test_unknown_unit_is_flagged_and_never_converted():
    row = one(HB, "9", "mg/mL")
    assert row["unknown_unit"]
    assert math.isnan(row["value"])
    assert math.isnan(row["lower"]) and math.isnan(row["upper"])


def test_missing_unit_is_an_unknown_unit():
    row = one(HB, "9", None)
    assert row["unknown_unit"]
    assert math.isnan(row["value"])


@pytest.mark.parametrize("unit", [None, "", "{INR}", "INR", "ratio"])
def test_an_inr_is_a_ratio_whatever_its_unit_cell_says(unit):
    """The INR has no unit: an export's empty unit cell is the usual spelling, not a gap."""
    row = one("6301-6", "1.3", unit)
    assert not row["unknown_unit"]
    assert row["value"] == 1.3 and row["canonical_unit"] == "{INR}"


@pytest.mark.parametrize(
    ("unit", "known"), [("s", True), ("sec", True), ("%", False), (None, False)]
)
def test_a_prothrombin_time_is_in_seconds_never_a_percentage(unit, known):
    """The French 'taux de prothrombine' is a percentage: never read as a time."""
    row = one("5902-2", "12.5", unit)
    assert bool(row["unknown_unit"]) is not known
    assert bool(row["value"] == 12.5) is known


def test_unit_of_another_analyte_is_unknown_here():
    # g/dL is a haemoglobin unit, not a neutrophil one.
    row = one(NEUT, "1.5", "g/dL")
    assert row["unknown_unit"]
    assert math.isnan(row["value"])


@pytest.mark.parametrize("raw", ["haemolysed", "see comment", "", "1.5.2", "< >"])
def test_free_text_is_unparseable(raw):
    row = one(HB, raw, "g/dL")
    assert row["unparseable"]
    assert not row["unknown_unit"]
    assert math.isnan(row["value"])


def test_unknown_loinc_has_no_analyte_and_no_unit_flag():
    row = one("0000-0", "9", "g/dL")
    assert pd.isna(row["analyte"])
    assert not row["unknown_unit"]


@pytest.mark.parametrize(
    ("raw", "operator", "number"),
    [
        ("<9", "<", 9.0),
        ("< 0.5", "<", 0.5),
        ("<=2", "<=", 2.0),
        ("≤2", "<=", 2.0),
        (">1000", ">", 1000.0),
        (">=3", ">=", 3.0),
        ("≥3", ">=", 3.0),
        ("=4", "=", 4.0),
        ("4", "=", 4.0),
        (" 4.5 ", "=", 4.5),
    ],
)
def test_qualifier_parsed_into_operator_and_number(raw, operator, number):
    parsed = parse_lab_values(pd.Series([raw], dtype="str")).iloc[0]
    assert parsed["operator"] == operator
    assert parsed["number"] == pytest.approx(number)


def test_less_than_is_an_open_interval_below_the_bound():
    row = one(HB, "<9", "g/dL")
    assert row["operator"] == "<"
    assert row["lower"] == -math.inf
    assert row["upper"] == pytest.approx(9.0)


def test_greater_than_is_an_open_interval_above_the_bound():
    row = one(HB, ">10", "g/dL")
    assert row["operator"] == ">"
    assert row["lower"] == pytest.approx(10.0)
    assert row["upper"] == math.inf


def test_less_or_equal_keeps_its_inclusive_operator():
    row = one(HB, "<=9", "g/dL")
    assert row["operator"] == "<="
    assert row["upper"] == pytest.approx(9.0)
    assert row["lower"] == -math.inf


def test_plain_value_is_a_point_interval():
    row = one(HB, "9", "g/dL")
    assert row["operator"] == "="
    assert row["lower"] == row["upper"] == pytest.approx(9.0)


def test_qualified_bound_is_converted_with_the_unit():
    row = one(NEUT, "<1", "G/L")
    assert row["operator"] == "<"
    assert row["upper"] == pytest.approx(1000.0)
    assert row["lower"] == -math.inf


# Conversions worked out from molar masses (Ca 40.08, Mg 24.305, P 30.97, glucose 180.16,
# oestradiol 272.38 g/mol; NT-proBNP 8,457 g/mol), as a laboratory would.
@pytest.mark.parametrize(
    ("loinc", "unit", "raw", "expected", "canonical"),
    [
        ("6690-2", "G/L", "5.2", 5200.0, "/mm3"),  # white cells
        ("2823-3", "mEq/L", "4.2", 4.2, "mmol/L"),  # potassium
        ("2951-2", "mmol/L", "139", 139.0, "mmol/L"),  # sodium
        ("17861-6", "mg/dL", "10", 2.495, "mmol/L"),  # calcium
        ("2000-8", "mEq/L", "5", 2.5, "mmol/L"),
        ("19123-9", "mg/dL", "2", 0.8228, "mmol/L"),  # magnesium
        ("2777-1", "mg/dL", "3.1", 1.001, "mmol/L"),  # phosphate, as phosphorus
        ("2345-7", "mg/dL", "100", 5.551, "mmol/L"),  # glucose
        ("2345-7", "g/L", "1", 5.551, "mmol/L"),
        ("4548-4", "%", "6.5", 6.5, "%"),  # HbA1c
        ("15067-2", "mUI/mL", "30", 30.0, "IU/L"),  # FSH
        ("2243-4", "pg/mL", "100", 367.1, "pmol/L"),  # oestradiol
        ("33762-6", "pmol/L", "10", 84.57, "pg/mL"),  # NT-proBNP
        ("33762-6", "ng/L", "125", 125.0, "pg/mL"),
    ],
)
def test_other_trials_analytes_convert_to_canonical(loinc, unit, raw, expected, canonical):
    row = one(loinc, raw, unit)
    assert row["value"] == pytest.approx(expected, rel=1e-3)
    assert row["canonical_unit"] == canonical
    assert not row["unknown_unit"]


def test_hba1c_in_ifcc_units_is_not_converted_by_a_factor():
    """48 mmol/mol is 6.5 %, but by an affine relation: set aside, never multiplied."""
    row = one("4548-4", "48", "mmol/mol")
    assert row["unknown_unit"]
    assert math.isnan(row["value"])
