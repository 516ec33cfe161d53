"""Vital signs, ECG intervals and LVEF are catalogue measurements: each accepted unit converts
to the canonical one by a factor worked out by hand (1 lb = 0.45359237 kg and 1 in = 2.54 cm
exactly; 1 kPa = 7.50062 mmHg), and a unit not listed is never guessed."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from pipeline.labs.catalogue import CATEGORIES, _analyte, analyte_by_loinc, load_catalogue
from pipeline.labs.values import normalise_labs

WEIGHT, HEIGHT, SBP, DBP, HR = "29463-7", "8302-2", "8480-6", "8462-4", "8867-4"
QT, QTC, LVEF, BMI = "8634-8", "8636-3", "10230-1", "39156-5"


def one(loinc: str, raw: str, unit: str | None) -> pd.Series:
    frame = normalise_labs(
        pd.Series([loinc], dtype="str"),
        pd.Series([raw], dtype="str"),
        pd.Series([unit], dtype="str"),
    )
    return frame.iloc[0]


@pytest.mark.parametrize(
    ("loinc", "unit", "raw", "expected", "canonical"),
    [
        (WEIGHT, "kg", "72.5", 72.5, "kg"),
        (WEIGHT, "g", "3400", 3.4, "kg"),
        (WEIGHT, "lb", "160", 72.5747792, "kg"),  # 160 × 0.45359237
        (WEIGHT, "[lb_av]", "200", 90.718474, "kg"),  # UCUM's pound, as FHIR and OMOP write it
        ("3141-9", "kg", "70", 70.0, "kg"),  # body weight measured
        (HEIGHT, "cm", "172", 172.0, "cm"),
        (HEIGHT, "m", "1.72", 172.0, "cm"),
        (HEIGHT, "[in_i]", "70", 177.8, "cm"),  # 70 × 2.54
        (HEIGHT, "in", "65", 165.1, "cm"),
        (SBP, "mm[Hg]", "128", 128.0, "mmHg"),
        (SBP, "mmHg", "140", 140.0, "mmHg"),
        (DBP, "kPa", "12", 90.00744, "mmHg"),  # 12 × 7.50062
        (HR, "/min", "72", 72.0, "/min"),
        (HR, "{beats}/min", "60", 60.0, "/min"),
        (HR, "bpm", "88", 88.0, "/min"),
        (QT, "ms", "400", 400.0, "ms"),
        (QT, "s", "0.42", 420.0, "ms"),
        (QTC, "msec", "450", 450.0, "ms"),
        (LVEF, "%", "55", 55.0, "%"),
        (BMI, "kg/m2", "24.2", 24.2, "kg/m2"),
    ],
)
def test_measurements_convert_to_their_canonical_unit(loinc, unit, raw, expected, canonical):
    row = one(loinc, raw, unit)
    assert row["value"] == pytest.approx(expected, rel=1e-9)
    assert row["canonical_unit"] == canonical
    assert not row["unknown_unit"]


@pytest.mark.parametrize(
    ("loinc", "unit"),
    [
        (WEIGHT, "mg/dL"),  # another analyte's unit
        (HEIGHT, "ft"),  # not listed: feet and inches are never guessed
        (LVEF, "1"),  # a fraction (0.55) is not a percentage
        (QT, "/min"),
        (SBP, None),
    ],
)
def test_a_unit_not_listed_for_the_measurement_is_set_aside(loinc, unit):
    row = one(loinc, "55", unit)
    assert row["unknown_unit"]
    assert math.isnan(row["value"])


def test_qualified_weight_is_an_interval_in_kilograms():
    row = one(WEIGHT, ">300", "lb")
    assert row["lower"] == pytest.approx(136.077711)
    assert row["upper"] == math.inf


def test_every_measurement_has_its_category():
    catalogue = load_catalogue()
    expected = {
        "body_weight": "vital_sign",
        "body_height": "vital_sign",
        "bmi": "vital_sign",
        "systolic_bp": "vital_sign",
        "diastolic_bp": "vital_sign",
        "heart_rate": "vital_sign",
        "qt_interval": "ecg",
        "qtc_interval": "ecg",
        "lvef": "cardiac_function",
    }
    assert {name: catalogue[name].category for name in expected} == expected
    assert catalogue["creatinine"].category == "lab"  # the default
    assert {a.category for a in catalogue.values()} <= set(CATEGORIES)


def test_no_loinc_code_means_two_measurements():
    codes = [code for analyte in load_catalogue().values() for code in analyte.loinc]
    assert len(codes) == len(set(codes)) == len(analyte_by_loinc())


def test_an_unknown_category_is_refused():
    spec = {"loinc": ["1-1"], "unit": "x", "factors": {"x": 1}, "plausible": [0, 1]}
    with pytest.raises(ValueError, match="category 'vitals' not in"):
        _analyte("thing", {**spec, "category": "vitals"})
