"""The laboratory's reference range from OMOP: measurement.range_low / range_high (in the
measurement's own unit, as the CDM records them) become the labs rows' reference_low /
reference_high, converted to the canonical unit with the value's factor, and a criterion
relative to the ULN is decided through an omop source on hand-built rows in PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.io.omop import read_extracts_omop
from pipeline.labs.values import normalise_labs
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from tests.pipeline.io.omop_rows import MEASUREMENT_COLUMNS, loaded_cdm, persons, table
from tests.pipeline.io.ranges_trial import TRIAL

AS_OF = "2026-06-30"
HB, ALT, CREAT = 3000963, 3006923, 3016723
G_DL, G_L, U_L, MG_DL, UMOL_L = 8713, 8636, 8645, 8840, 8749


def _m(i: int, person: int, concept: int, value: float, unit: int, low=None, high=None) -> dict:
    return {
        "measurement_id": i,
        "person_id": person,
        "measurement_concept_id": concept,
        "measurement_date": "2026-06-20",
        "measurement_datetime": "2026-06-20 08:00:00",
        "measurement_type_concept_id": 32817,
        "value_as_number": value,
        "unit_concept_id": unit,
        "range_low": low,
        "range_high": high,
    }


ROWS = [
    _m(1, 1, ALT, 100, U_L, 5, 40),  # 2.5 x 40: on the limit
    _m(2, 1, HB, 125, G_L, 120, 160),  # 12.5 g/dL within 12-16 g/dL
    _m(3, 2, ALT, 101, U_L, 5, 40),
    _m(4, 2, CREAT, 1.3, MG_DL, None, 1.2),  # only the upper limit, in mg/dL
    _m(5, 3, ALT, 30, U_L),  # no range at all
    _m(6, 4, ALT, 30, U_L, 5, None),  # only the lower limit
    _m(7, 4, HB, 11.5, G_DL, 12, 16),
    _m(8, 5, CREAT, 100, UMOL_L, 45, 106),
]


@pytest.fixture(scope="module")
def cdm(tmp_path_factory):
    tables = {"person": persons(5), "measurement": table(MEASUREMENT_COLUMNS, ROWS)}
    with loaded_cdm(tmp_path_factory.mktemp("omop-ranges"), tables) as url:
        yield url


def _source(tmp_path):
    data = {
        "kind": "omop",
        "unavailable": ["pathology", "treatments", "medications", "conditions"],
    }
    return parse_source_config(data, str(tmp_path / "omop.yaml"))


def test_range_low_and_high_are_the_reference_range_in_the_results_unit(cdm, tmp_path):
    raw = read_extracts_omop(cdm, _source(tmp_path), AS_OF, ["labs"])["labs"]
    frame = raw.whole().set_index("record_id")
    low = pd.to_numeric(frame["reference_low"].replace("", None))
    high = pd.to_numeric(frame["reference_high"].replace("", None))
    assert low.to_dict() == pytest.approx(
        {"1": 5, "2": 120, "3": 5, "4": float("nan"), "5": float("nan"), "6": 5, "7": 12, "8": 45},
        nan_ok=True,
    )
    assert high.isna().to_dict() == {
        "1": False,
        "2": False,
        "3": False,
        "4": False,
        "5": True,
        "6": True,
        "7": False,
        "8": False,
    }
    labs = normalise_labs(frame["loinc_code"], frame["value_raw"], frame["unit"], ".", low, high)
    # converted with the result's own factor: g/L -> g/dL x 0.1, mg/dL -> umol/L x 88.42
    assert labs.loc["2", ["value", "normal_low", "normal_high"]].tolist() == [12.5, 12.0, 16.0]
    assert labs.loc["4", "normal_high"] == pytest.approx(1.2 * 88.42)
    assert pd.isna(labs.loc["4", "normal_low"])
    assert labs.loc["4", "value"] == pytest.approx(1.3 * 88.42)


def test_a_criterion_relative_to_the_uln_through_an_omop_source(cdm, tmp_path):
    result = run_screening(TRIAL, None, _source(tmp_path), pd.Timestamp(AS_OF), tmp_path, url=cdm)
    folder = result.report_dir
    ids = pd.read_parquet(folder / "reidentification.parquet")
    criteria = pd.read_parquet(folder / "criteria.parquet").merge(ids, on="pseudonym")
    status = criteria.set_index(["criterion_id", "patient_id"])["status"].to_dict()
    assert {p: status["alt_2_5_uln", p] for p in "12345"} == {
        "1": "met",  # 100 <= 2.5 x 40
        "2": "not_met",  # 101 > 100
        "3": "unknown",  # no range
        "4": "unknown",  # a lower limit only: no ULN
        "5": "unknown",  # no ALT
    }
    assert status["creatinine_uln", "2"] == "not_met"  # 1.3 mg/dL > 1.2 mg/dL
    assert status["creatinine_uln", "5"] == "met"  # 100 <= 106 umol/L
    assert status["haemoglobin_normal", "1"] == "met"  # 125 g/L in 120-160 g/L
    assert status["haemoglobin_normal", "4"] == "not_met"  # 11.5 < 12 g/dL
    reasons = criteria.set_index(["criterion_id", "patient_id"])["reason"]
    assert reasons["alt_2_5_uln", "3"].startswith("ULN missing")
