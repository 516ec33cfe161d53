"""The laboratory's reference range from FHIR: `Observation.referenceRange[0].low / high`
(and a component's own range) become reference_low / reference_high in the value's unit, so
staging converts them with the value's factor; a limit whose unit cannot be related to the
value's is no limit (criteria relative to it are unknown, never decided on a guess)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.io import fhir
from pipeline.labs.values import normalise_labs
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from tests.pipeline.io.ranges_trial import TRIAL
from tests.pipeline.io.test_fhir import component, observation, quantity, write

LOINC = "http://loinc.org"
HB, ALT, CREAT = "718-7", "1742-6", "2160-0"


def lab(id_: str, code: str, value: float, unit: str, low=None, high=None, **extra) -> dict:
    ranges = {}
    if low is not None or high is not None:
        bounds = {k: v for k, v in (("low", low), ("high", high)) if v is not None}
        ranges = {"referenceRange": [bounds, {"low": quantity(0, unit)}]}  # the first is read
    return observation(
        id_,
        code={"coding": [{"system": LOINC, "code": code}]},
        valueQuantity=quantity(value, unit),
        effectiveDateTime="2026-06-20T08:00:00+02:00",
        **ranges,
        **extra,
    )


def _labs(folder) -> pd.DataFrame:
    frame = fhir.read_extract_fhir(folder, "labs").frame.set_index("record_id")
    return frame.assign(
        low=pd.to_numeric(frame["reference_low"]), high=pd.to_numeric(frame["reference_high"])
    )


def test_limits_in_the_values_unit_or_converted_to_it(tmp_path):
    write(
        tmp_path,
        "Observation.000.ndjson",
        [
            lab("same", HB, 12.5, "g/dL", quantity(12, "g/dL"), quantity(16, "g/dL")),
            lab("g_l", HB, 125, "g/L", quantity(12, "g/dL"), quantity(16, "g/dL")),
            lab("mmol", HB, 7.0, "mmol/L", quantity(12, "g/dL")),  # a lower limit only
            lab("creat", CREAT, 1.3, "mg/dL", None, quantity(106, "umol/L")),
            lab("none", ALT, 30, "U/L"),
            lab("unitless", ALT, 30, "U/L", {"value": 5}, {"value": 40}),
            lab("foreign", ALT, 30, "U/L", None, quantity(40, "mg")),  # not an ALT unit
            lab("text", ALT, 30, "U/L", referenceRange=[{"text": "<40"}]),
            lab("spelling", ALT, 30, "U/L", None, {"value": 40, "unit": "UI/L"}),
        ],
    )
    labs = _labs(tmp_path)
    assert labs.loc["same", ["low", "high"]].tolist() == [12, 16]
    assert labs.loc["g_l", ["low", "high"]].tolist() == [120, 160]
    assert labs.loc["mmol", "low"] == pytest.approx(12 / 1.6114)
    assert pd.isna(labs.loc["mmol", "high"])
    assert labs.loc["creat", "high"] == pytest.approx(106 / 88.42)
    assert pd.isna(labs.loc["creat", "low"])
    assert labs.loc["spelling", "high"] == 40  # UI/L is IU/L, an ALT unit, factor 1
    for id_ in ("none", "unitless", "foreign", "text"):
        assert labs.loc[id_, ["reference_low", "reference_high"]].isna().all(), id_
    # staging converts limit and value alike: 125 g/L in 120-160 g/L is 12.5 in 12-16 g/dL
    normal = normalise_labs(
        labs["loinc_code"], labs["value_raw"], labs["unit"], ".", labs["low"], labs["high"]
    )
    assert normal.loc["g_l", ["value", "normal_low", "normal_high"]].tolist() == [12.5, 12, 16]
    assert normal.loc["creat", "normal_high"] == pytest.approx(106)
    assert normal.loc["mmol", "normal_low"] == pytest.approx(12)


def test_a_component_reads_its_own_range_not_its_panels(tmp_path):
    own = component(HB, 12.5, "g/dL") | {
        "referenceRange": [{"low": quantity(120, "g/L"), "high": quantity(160, "g/L")}]
    }
    panel = observation(
        "cbc",
        code={"coding": [{"system": LOINC, "code": "58410-2"}]},
        component=[own, component("777-3", 250, "10*3/uL")],
        referenceRange=[{"low": quantity(1, "g/dL")}],
        effectiveDateTime="2026-06-20T08:00:00Z",
    )
    write(tmp_path, "Observation.000.ndjson", [panel])
    labs = _labs(tmp_path)
    assert labs.loc["cbc/component/0", ["low", "high"]].tolist() == [12, 16]
    assert labs.loc["cbc/component/1", ["reference_low", "reference_high"]].isna().all()


def _patient(id_: str) -> dict:
    return {"resourceType": "Patient", "id": id_, "gender": "female", "birthDate": "1960-05-01"}


def test_a_criterion_relative_to_the_uln_through_a_fhir_source(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    write(folder, "Patient.000.ndjson", [_patient(p) for p in "12345"])
    rows = [
        lab("a1", ALT, 100, "U/L", quantity(5, "U/L"), quantity(40, "U/L")),  # on 2.5 x ULN
        lab("a2", ALT, 101, "U/L", quantity(5, "U/L"), quantity(40, "U/L")),
        lab("a3", ALT, 30, "U/L"),
        lab("a4", ALT, 30, "U/L", quantity(5, "U/L")),
        lab("c2", CREAT, 1.3, "mg/dL", None, quantity(106, "umol/L")),  # 114.9 > 106 umol/L
        lab("c5", CREAT, 100, "umol/L", None, quantity(1.2, "mg/dL")),  # <= 106.1 umol/L
        lab("h1", HB, 125, "g/L", quantity(12, "g/dL"), quantity(16, "g/dL")),
        lab("h4", HB, 11.5, "g/dL", quantity(120, "g/L"), quantity(160, "g/L")),
    ]
    for row, person in zip(rows, "12342514", strict=True):
        row["subject"] = {"reference": f"Patient/{person}"}
    write(folder, "Observation.000.ndjson", rows)
    source = parse_source_config(
        {"kind": "fhir", "unavailable": ["pathology", "treatments"]}, "fhir.yaml"
    )
    report = run_screening(
        TRIAL, folder, source, pd.Timestamp("2026-06-30"), tmp_path / "out"
    ).report_dir
    ids = pd.read_parquet(report / "reidentification.parquet")
    criteria = pd.read_parquet(report / "criteria.parquet").merge(ids, on="pseudonym")
    status = criteria.set_index(["criterion_id", "patient_id"])["status"].to_dict()
    assert {p: status["alt_2_5_uln", p] for p in "12345"} == {
        "1": "met",
        "2": "not_met",
        "3": "unknown",
        "4": "unknown",
        "5": "unknown",
    }
    assert status["creatinine_uln", "2"] == "not_met"
    assert status["creatinine_uln", "5"] == "met"
    assert status["haemoglobin_normal", "1"] == "met"
    assert status["haemoglobin_normal", "4"] == "not_met"
