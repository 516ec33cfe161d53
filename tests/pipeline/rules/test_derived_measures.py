"""`derived_measure` beyond the eGFR: Cockcroft-Gault creatinine clearance, BMI, QTcF and
corrected calcium, each from the latest results of its inputs. Expected values were worked
out by hand from the published formulas (shown beside each), not by the code under test; the
as-of date is 2026-06-15."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.labs.catalogue import load_catalogue
from pipeline.rules import parse_rule
from pipeline.rules.derived import MEASURES
from pipeline.rules.formulas import (
    body_mass_index,
    cockcroft_gault,
    corrected_calcium,
    qtcf,
)
from pipeline.rules.reads import rule_reads
from pipeline.trial import load_trial

LOINC = {
    "creatinine": "2160-0",
    "body_weight": "29463-7",
    "body_height": "8302-2",
    "qt_interval": "8634-8",
    "heart_rate": "8867-4",
    "calcium": "17861-6",
    "albumin": "1751-7",
}


def rule(measure: str, comparator: str, threshold: float, **extra) -> object:
    spec = {
        "primitive": "derived_measure",
        "measure": measure,
        "operator": comparator,
        "threshold": threshold,
        "window": {"days": 28},
        **extra,
    }
    return parse_rule(spec, "t.yaml: criterion 'derived'")


def result(pid: str, analyte: str, value: str, unit: str, at: str, n: int = 0) -> dict:
    return {
        "record_id": f"{pid}-{analyte}-{n}",
        "patient_id": pid,
        "loinc_code": LOINC[analyte],
        "value_raw": value,
        "unit": unit,
        "collected_at": at,
    }


# --- the formulas, against values worked by hand -------------------------------------------


def test_cockcroft_gault_by_hand():
    # (140 − 60) × 72 / (72 × 1.0 mg/dL) = 80; × 0.85 for a woman = 68
    got = cockcroft_gault(
        np.array([88.42, 88.42, 100.0]),
        np.array([72.0, 72.0, 70.0]),
        np.array([60.0, 60.0, 60.0]),
        np.array([False, True, False]),
    )
    # 100 µmol/L: 80 × 70 × 88.42 / (72 × 100) = 68.7711
    assert got == pytest.approx([80.0, 68.0, 68.7711], abs=1e-4)


def test_bmi_qtcf_and_corrected_calcium_by_hand():
    # 90.718474 kg (200 lb) / 1.778² m (70 in) = 28.6967
    assert body_mass_index(np.array([81.0, 90.718474]), np.array([180.0, 177.8])) == (
        pytest.approx([25.0, 28.6967], abs=1e-4)
    )
    # RR 1 s: QTcF = QT; RR 0.8 s (75/min): 360 / 0.8^(1/3) = 360 / 0.9283178 = 387.798
    assert qtcf(np.array([400.0, 360.0]), np.array([60.0, 75.0])) == pytest.approx(
        [400.0, 387.798], abs=1e-3
    )
    # 2.10 + 0.02 × (40 − 30) = 2.30; 2.50 + 0.02 × (40 − 45) = 2.40
    assert corrected_calcium(np.array([2.10, 2.50]), np.array([30.0, 45.0])) == pytest.approx(
        [2.30, 2.40]
    )


def test_every_measure_reads_catalogue_analytes():
    catalogue = load_catalogue()
    for measure in MEASURES.values():
        assert set(measure.inputs) <= set(catalogue), measure.name
        assert len(measure.increasing) == len(measure.inputs)


# --- Cockcroft-Gault --------------------------------------------------------------------------


@pytest.fixture
def renal(make_data, ago):
    people = [
        {"patient_id": "man_60", "sex": "M", "birth_date": "1966-06-01"},
        {"patient_id": "woman_60", "sex": "F", "birth_date": "1966-06-01"},
        {"patient_id": "man_lb", "sex": "M", "birth_date": "1966-06-01"},
        {"patient_id": "man_umol", "sex": "M", "birth_date": "1966-06-01"},
        # 60 on the as-of day itself; 59 until the day after
        {"patient_id": "birthday_today", "sex": "M", "birth_date": "1966-06-15"},
        {"patient_id": "birthday_tomorrow", "sex": "M", "birth_date": "1966-06-16"},
        {"patient_id": "heavy", "sex": "M", "birth_date": "1966-06-01"},
        {"patient_id": "no_weight", "sex": "M", "birth_date": "1966-06-01"},
        {"patient_id": "nothing", "sex": "M", "birth_date": "1966-06-01"},
        {"patient_id": "no_sex", "sex": None, "birth_date": "1966-06-01"},
        {"patient_id": "no_birth", "sex": "M", "birth_date": None},
    ]
    labs = []
    for pid in ("man_60", "woman_60", "birthday_today", "birthday_tomorrow", "no_sex", "no_birth"):
        labs += [
            result(pid, "creatinine", "1.0", "mg/dL", ago(3)),
            result(pid, "body_weight", "72", "kg", ago(10)),
        ]
    labs += [
        result("man_lb", "creatinine", "88.42", "umol/L", ago(3)),
        result("man_lb", "body_weight", "160", "lb", ago(5)),  # 72.5747792 kg
        result("man_umol", "creatinine", "100", "umol/L", ago(3)),
        result("man_umol", "body_weight", "70", "kg", ago(5)),
        result("heavy", "creatinine", "1.0", "mg/dL", ago(3)),
        result("heavy", "body_weight", ">150", "kg", ago(5)),  # clearance > 166.67
        result("no_weight", "creatinine", "1.0", "mg/dL", ago(3)),
        result("no_weight", "body_weight", "72", "kg", ago(29)),  # outside the 28-day window
    ]
    return make_data(people, labs=labs)


CG = "creatinine_clearance_cockcroft_gault"


@pytest.mark.parametrize(
    ("patient", "comparator", "threshold", "expected"),
    [
        ("man_60", ">=", 80, "met"),  # exactly 80 mL/min
        ("man_60", ">", 80, "not_met"),
        ("woman_60", ">=", 68, "met"),  # exactly 80 × 0.85
        ("woman_60", "<", 68, "not_met"),
        ("man_lb", ">=", 80.63, "met"),  # 80.6386
        ("man_lb", ">=", 80.64, "not_met"),
        ("man_umol", ">=", 68.77, "met"),  # 68.7711
        ("man_umol", ">=", 68.78, "not_met"),
        ("birthday_today", ">", 80, "not_met"),  # 60 on the day: 80
        ("birthday_tomorrow", ">=", 81, "met"),  # still 59: 81 × 72 / 72 = 81
        ("heavy", ">=", 150, "met"),  # whatever the weight over 150 kg
        ("heavy", ">=", 200, "unknown"),
        ("heavy", "<", 166, "not_met"),
        ("no_weight", ">=", 30, "unknown"),
        ("nothing", ">=", 30, "unknown"),
        ("no_sex", ">=", 30, "unknown"),
        ("no_birth", ">=", 30, "unknown"),
    ],
)
def test_cockcroft_gault_against_a_threshold(
    renal, status, patient, comparator, threshold, expected
):
    assert status(rule(CG, comparator, threshold).evaluate(renal), patient) == expected


def test_cockcroft_gault_evidence_shows_each_input_and_names_what_is_missing(renal, ago):
    evidence = rule(CG, ">=", 60).evaluate(renal)
    man = evidence.loc["man_lb"]
    assert man["value"] == pytest.approx(80.6, abs=0.05)
    assert man["unit"] == "mL/min"
    assert f"creatinine 88.42 umol/L of {ago(3)}" in man["raw_value"]
    assert f"body weight 160 lb of {ago(5)}" in man["raw_value"]
    assert "age 60; sex M" in man["raw_value"]
    assert "creatinine clearance (Cockcroft-Gault)" in man["reason"]
    assert str(man["record_date"].date()) == ago(5)  # the oldest input
    assert "age 59" in evidence.loc["birthday_tomorrow", "raw_value"]
    assert evidence.loc["no_weight", "reason"] == (
        "no body weight result 28 days before the as-of date"
    )
    assert evidence.loc["nothing", "reason"] == (
        "no creatinine result 28 days before the as-of date; "
        "no body weight result 28 days before the as-of date"
    )
    assert evidence.loc["no_sex", "reason"] == "sex needed for the formula is missing"
    assert evidence.loc["no_birth", "reason"] == "birth date needed for the formula is missing"


def test_when_absent_decides_a_missing_input(renal, status):
    evidence = rule(CG, ">=", 60, when_absent="not_met").evaluate(renal)
    assert status(evidence, "no_weight") == "not_met"
    assert status(evidence, "man_60") == "met"


def test_a_later_weight_set_aside_makes_the_clearance_unknown(make_data, status, ago):
    data = make_data(
        [{"patient_id": "p", "sex": "M", "birth_date": "1966-06-01"}],
        labs=[
            result("p", "creatinine", "1.0", "mg/dL", ago(3)),
            result("p", "body_weight", "72", "kg", ago(10)),
        ],
        quarantined={"labs": [result("p", "body_weight", "72", "kg", ago(2), n=1)]},
    )
    evidence = rule(CG, ">=", 60).evaluate(data)
    assert status(evidence, "p") == "unknown"
    assert "body_weight result of" in evidence.loc["p", "reason"]
    assert "set aside by data quality" in evidence.loc["p", "reason"]


# --- BMI ----------------------------------------------------------------------------------------


@pytest.fixture
def bodies(make_data, ago):
    labs = [
        result("exact_25", "body_weight", "81", "kg", ago(2)),
        result("exact_25", "body_height", "180", "cm", ago(2)),
        result("imperial", "body_weight", "200", "[lb_av]", ago(2)),
        result("imperial", "body_height", "70", "[in_i]", ago(2)),
        result("metres", "body_weight", "81", "kg", ago(2)),
        result("metres", "body_height", "1.8", "m", ago(2)),
        result("old_height", "body_weight", "81", "kg", ago(2)),
        result("old_height", "body_height", "180", "cm", "2023-06-15"),  # three years before
        result("short_of", "body_weight", "<50", "kg", ago(2)),
        result("short_of", "body_height", "180", "cm", ago(2)),  # BMI < 15.43
    ]
    people = [
        {"patient_id": p} for p in ("exact_25", "imperial", "metres", "old_height", "short_of")
    ]
    return make_data(people, labs=labs)


@pytest.mark.parametrize(
    ("patient", "comparator", "threshold", "expected"),
    [
        ("exact_25", ">=", 25, "met"),  # 81 / 1.8² = 25 exactly in decimal arithmetic
        ("exact_25", "<=", 25, "met"),
        ("exact_25", ">", 25, "not_met"),
        ("exact_25", "<", 25, "not_met"),
        ("metres", ">=", 25, "met"),
        ("imperial", ">=", 28.69, "met"),  # 28.6967
        ("imperial", ">=", 28.70, "not_met"),
        ("old_height", ">=", 18.5, "unknown"),  # no height in 28 days
        ("short_of", "<", 18.5, "met"),
        ("short_of", "<", 15, "unknown"),
        ("short_of", ">=", 15.44, "not_met"),
    ],
)
def test_bmi_against_a_threshold(bodies, status, patient, comparator, threshold, expected):
    assert status(rule("bmi", comparator, threshold).evaluate(bodies), patient) == expected


def test_bmi_takes_height_from_its_own_window(bodies, status):
    evidence = rule("bmi", ">=", 25, input_windows={"body_height": {"years": 3}}).evaluate(bodies)
    assert status(evidence, "old_height") == "met"  # the window's first day is included
    assert evidence.loc["old_height", "value"] == 25.0
    assert str(evidence.loc["old_height", "record_date"].date()) == "2023-06-15"
    shorter = rule("bmi", ">=", 25, input_windows={"body_height": {"years": 2}})
    assert status(shorter.evaluate(bodies), "old_height") == "unknown"
    assert "no body height result" in shorter.evaluate(bodies).loc["old_height", "reason"]


def test_bmi_reads_no_patient_column_and_shows_both_inputs(bodies):
    r = rule("bmi", ">=", 18.5)
    assert rule_reads(r) == {"labs": frozenset({"loinc_code", "value_raw", "unit", "collected_at"})}
    imperial = r.evaluate(bodies).loc["imperial"]
    assert imperial["value"] == pytest.approx(28.7)
    assert imperial["unit"] == "kg/m2"
    assert "body weight 200 [lb_av]" in imperial["raw_value"]
    assert "body height 70 [in_i]" in imperial["raw_value"]
    assert "age" not in imperial["raw_value"]


# --- QTcF ---------------------------------------------------------------------------------------


@pytest.fixture
def ecgs(make_data, ago):
    day = ago(5)
    labs = [
        result("rr_1s", "qt_interval", "400", "ms", f"{day} 09:30"),
        result("rr_1s", "heart_rate", "60", "/min", f"{day} 09:30"),
        result("rate_75", "qt_interval", "0.36", "s", f"{day} 09:30"),
        result("rate_75", "heart_rate", "75", "/min", f"{day} 09:30"),
        # a pulse taken an hour after the ECG is no RR of that ECG
        result("pulse_later", "qt_interval", "400", "ms", f"{day} 09:30"),
        result("pulse_later", "heart_rate", "60", "/min", f"{day} 10:30"),
        # the older ECG had a rate; the latest QT has none
        result("latest_lacks_rate", "qt_interval", "400", "ms", f"{ago(9)} 09:30"),
        result("latest_lacks_rate", "heart_rate", "60", "/min", f"{ago(9)} 09:30"),
        result("latest_lacks_rate", "qt_interval", "400", "ms", f"{day} 09:30", n=1),
        result("long_qt", "qt_interval", ">480", "ms", f"{day} 09:30"),
        result("long_qt", "heart_rate", "60", "/min", f"{day} 09:30"),
    ]
    people = [
        {"patient_id": p}
        for p in ("rr_1s", "rate_75", "pulse_later", "latest_lacks_rate", "long_qt")
    ]
    return make_data(people, labs=labs)


@pytest.mark.parametrize(
    ("patient", "comparator", "threshold", "expected"),
    [
        ("rr_1s", "<=", 400, "met"),  # RR 1 s: QTcF = QT
        ("rr_1s", "<", 400, "not_met"),
        ("rate_75", "<", 387.8, "met"),  # 360 / 0.8^(1/3) = 387.798
        ("rate_75", "<", 387.79, "not_met"),
        ("pulse_later", "<", 470, "unknown"),
        ("latest_lacks_rate", "<", 470, "unknown"),
        ("long_qt", "<", 470, "not_met"),  # above 480 at 60/min
        ("long_qt", ">", 480, "met"),
        ("long_qt", ">", 500, "unknown"),
    ],
)
def test_qtcf_against_a_threshold(ecgs, status, patient, comparator, threshold, expected):
    assert status(rule("qtcf", comparator, threshold).evaluate(ecgs), patient) == expected


def test_qtcf_evidence_says_the_rate_must_come_with_the_qt(ecgs):
    evidence = rule("qtcf", "<", 470).evaluate(ecgs)
    assert (
        evidence.loc["pulse_later", "reason"]
        == "no heart rate recorded with the latest qt interval"
    )
    rate_75 = evidence.loc["rate_75"]
    assert rate_75["value"] == pytest.approx(387.8)
    assert rate_75["unit"] == "ms"
    assert (
        "qt interval 0.36 s" in rate_75["raw_value"]
        and "heart rate 75 /min" in rate_75["raw_value"]
    )


def test_heart_rates_without_any_qt_leave_the_qtcf_unknown(make_data, status, ago):
    """A pulse is no ECG: with no QT at all, every patient is unknown, naming the QT."""
    data = make_data(
        [{"patient_id": "p"}],
        labs=[result("p", "heart_rate", "60", "/min", f"{ago(5)} 09:30")],
    )
    evidence = rule("qtcf", "<", 470).evaluate(data)
    assert status(evidence, "p") == "unknown"
    assert evidence.loc["p", "reason"] == "no qt interval result 28 days before the as-of date"


def test_only_a_heart_rate_set_aside_at_the_qt_time_casts_doubt(make_data, status, ago):
    at, later = f"{ago(5)} 09:30", f"{ago(5)} 11:00"
    qt = result("p", "qt_interval", "400", "ms", at)
    rate = result("p", "heart_rate", "60", "/min", at)
    pulse_later = result("p", "heart_rate", "90", "/min", later, n=1)
    same_time = result("p", "heart_rate", "90", "/min", at, n=2)
    no_date = {**result("p", "heart_rate", "90", "/min", at, n=3), "collected_at": None}
    for labs, quarantined, expected, said in (
        # a pulse of another time is no RR of this ECG: neither evidence nor doubt
        ([qt, rate], [pulse_later], "met", "QTcF"),
        ([qt], [pulse_later], "unknown", "no heart rate recorded with the latest qt interval"),
        # the ECG's own rate, set aside: the QTcF cannot be told
        ([qt], [same_time], "unknown", "heart_rate result of"),
        ([qt], [no_date], "unknown", "heart_rate result with an unreadable date"),
    ):
        data = make_data([{"patient_id": "p"}], labs=labs, quarantined={"labs": quarantined})
        evidence = rule("qtcf", "<=", 400).evaluate(data)
        assert status(evidence, "p") == expected, (labs, quarantined)
        assert said in evidence.loc["p", "reason"], evidence.loc["p", "reason"]


def test_a_paired_input_has_no_window_of_its_own():
    with pytest.raises(ConfigError, match="heart_rate is taken with the qt_interval"):
        rule("qtcf", "<", 470, input_windows={"heart_rate": {"days": 1}})


# --- corrected calcium ----------------------------------------------------------------------------


@pytest.fixture
def calcium(make_data, ago):
    labs = [
        result("exact", "calcium", "2.10", "mmol/L", ago(2)),
        result("exact", "albumin", "30", "g/L", ago(2)),
        result("mg_dl", "calcium", "8.4", "mg/dL", ago(2)),  # 2.0958 mmol/L
        result("mg_dl", "albumin", "3.0", "g/dL", ago(2)),  # 30 g/L: 2.2958
        result("high_albumin", "calcium", "2.50", "mmol/L", ago(2)),
        result("high_albumin", "albumin", "45", "g/L", ago(2)),  # 2.40
        result("no_albumin", "calcium", "2.50", "mmol/L", ago(2)),
    ]
    people = [{"patient_id": p} for p in ("exact", "mg_dl", "high_albumin", "no_albumin")]
    return make_data(people, labs=labs)


@pytest.mark.parametrize(
    ("patient", "comparator", "threshold", "expected"),
    [
        ("exact", "<=", 2.3, "met"),  # 2.10 + 0.02 × 10 = 2.30 exactly
        ("exact", "<", 2.3, "not_met"),
        ("mg_dl", "<", 2.3, "met"),
        ("mg_dl", "<", 2.295, "not_met"),
        ("high_albumin", "<=", 2.4, "met"),
        ("high_albumin", "<", 2.4, "not_met"),
        ("no_albumin", "<=", 2.6, "unknown"),
    ],
)
def test_corrected_calcium_against_a_threshold(
    calcium, status, patient, comparator, threshold, expected
):
    assert (
        status(rule("corrected_calcium", comparator, threshold).evaluate(calcium), patient)
        == expected
    )


def test_corrected_calcium_evidence(calcium):
    evidence = rule("corrected_calcium", "<=", 2.6).evaluate(calcium)
    assert evidence.loc["mg_dl", "value"] == pytest.approx(2.30)
    assert evidence.loc["mg_dl", "unit"] == "mmol/L"
    assert "calcium 8.4 mg/dL" in evidence.loc["mg_dl", "raw_value"]
    assert "albumin 3.0 g/dL" in evidence.loc["mg_dl", "raw_value"]
    assert evidence.loc["no_albumin", "reason"] == "no albumin result 28 days before the as-of date"


# --- loading -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"unit": "kg/m²"}, "bmi is in kg/m2"),
        ({"input_windows": {"creatinine": {"days": 7}}}, "'creatinine' is not an input of bmi"),
        ({"input_windows": [1]}, "input_windows must be a mapping"),
        ({"input_windows": {"body_height": {"decades": 1}}}, "input_windows: body_height"),
    ],
)
def test_a_wrong_derived_measure_is_refused_at_load(extra, message):
    with pytest.raises(ConfigError, match=message):
        rule("bmi", ">=", 18.5, **extra)


def test_a_trial_reading_the_clearance_keeps_its_two_inputs_among_the_labs(tmp_path):
    path = tmp_path / "renal.yaml"
    path.write_text(
        "id: renal\ntitle: renal\ncriteria:\n"
        "  - id: crcl\n    rule: {primitive: derived_measure, "
        "measure: creatinine_clearance_cockcroft_gault,\n"
        "                 operator: '>=', threshold: 60, window: {days: 28}}\n",
        encoding="utf-8",
    )
    assert load_trial(path).lab_analytes_read() == frozenset({"creatinine", "body_weight"})
