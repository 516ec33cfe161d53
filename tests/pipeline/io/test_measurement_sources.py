"""Vital signs and ECG intervals through the standard sources, as measurements of the labs
extract: OMOP `measurement` rows (the OHDSI Eunomia Synthea27Nj sample: weight, height, BMI,
blood pressure as Synthea records them) and FHIR vital-signs Observations (hand-built in the
shapes of the FHIR R4 vital-signs examples: pounds, inches, a blood-pressure panel, an ECG).
Expected values are computed here from the files, independently of the pipeline."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pipeline.omop_load import load_omop_zip
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import parse_trial
from tests.conftest import repo_root, shared_data
from tests.pg_service import scratch_database

BUNDLE = shared_data("omop", "Synthea27Nj_5.4.zip")
OMOP_SOURCE = repo_root() / "sources" / "eunomia-omop.yaml"
OMOP_AS_OF = "2022-07-01"
WEIGHT, HEIGHT, BMI, SYSTOLIC = "3025315", "3036277", "3038553", "3004249"  # Eunomia concepts


def criterion(cid: str, **rule) -> dict:
    return {"id": cid, "rule": rule}


TRIAL = {
    "id": "vitals",
    "title": "Vital signs and ECG through the sources",
    "criteria": [
        criterion(
            "weight_70",
            primitive="latest_lab",
            analyte="body_weight",
            operator=">=",
            threshold=70,
            window={"years": 1},
        ),
        criterion(
            "bmi_25",
            primitive="derived_measure",
            measure="bmi",
            operator=">=",
            threshold=25,
            window={"years": 1},
        ),
        criterion(
            "systolic_140",
            primitive="latest_lab",
            analyte="systolic_bp",
            operator="<",
            threshold=140,
            window={"years": 1},
        ),
        criterion(
            "qtcf_470",
            primitive="derived_measure",
            measure="qtcf",
            operator="<=",
            threshold=470,
            window={"days": 28},
        ),
    ],
}


def screened(report: Path) -> pd.DataFrame:
    ids = pd.read_parquet(report / "reidentification.parquet")
    return pd.read_parquet(report / "criteria.parquet").merge(ids, on="pseudonym")


def by_patient(criteria: pd.DataFrame, cid: str) -> pd.DataFrame:
    return criteria[criteria["criterion_id"] == cid].set_index("patient_id")


# --- OMOP: the Eunomia sample ------------------------------------------------------------------


def _measurements() -> pd.DataFrame:
    with zipfile.ZipFile(BUNDLE) as archive:
        data = archive.read("MEASUREMENT.csv")
    return pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)


def _latest_in_a_year(rows: pd.DataFrame, concept: str) -> pd.DataFrame:
    """The latest measurement of a concept per person in the year up to the as-of date."""
    rows = rows[rows["measurement_concept_id"] == concept]
    day = pd.to_datetime(rows["measurement_date"])
    as_of = pd.Timestamp(OMOP_AS_OF)
    rows = rows[(day <= as_of) & (day >= as_of - pd.DateOffset(years=1))]
    rows = rows.sort_values(["person_id", "measurement_date", "measurement_id"])
    return rows.drop_duplicates("person_id", keep="last").set_index("person_id")


@pytest.fixture(scope="module")
def omop_criteria(tmp_path_factory):
    if not BUNDLE.is_file():
        pytest.skip("Eunomia sample not present")
    trial = parse_trial(TRIAL, "vitals.yaml", "0")
    with scratch_database() as url:
        load_omop_zip(BUNDLE, url, "cdm", create=False)
        out = tmp_path_factory.mktemp("omop-vitals")
        report = run_screening(
            trial, None, load_source_config(OMOP_SOURCE), pd.Timestamp(OMOP_AS_OF), out, url=url
        ).report_dir
    return screened(report)


def test_omop_body_weights_come_through_in_kilograms(omop_criteria):
    rows = _measurements()
    latest = _latest_in_a_year(rows, WEIGHT)
    assert set(latest["unit_source_value"]) == {"kg"}
    assert len(latest) >= 15  # most of the 28 persons were weighed in the year
    got = by_patient(omop_criteria, "weight_70")
    for person, row in latest.iterrows():
        kg = float(row["value_as_number"])
        assert got.loc[person, "value"] == pytest.approx(kg), person
        assert got.loc[person, "unit"] == "kg"
        assert got.loc[person, "status"] == ("met" if kg >= 70 else "not_met")
    undecided = got.drop(index=list(latest.index))
    assert (undecided["status"] == "unknown").all()


def test_omop_bmi_from_weight_and_height_matches_the_bmi_synthea_recorded(omop_criteria):
    rows = _measurements()
    weight = _latest_in_a_year(rows, WEIGHT)
    height = _latest_in_a_year(rows, HEIGHT)
    recorded = _latest_in_a_year(rows, BMI)
    both = weight.index.intersection(height.index)
    kg = weight.loc[both, "value_as_number"].astype(float)
    metres = height.loc[both, "value_as_number"].astype(float) / 100
    expected = kg / metres**2
    got = by_patient(omop_criteria, "bmi_25")
    compared = 0
    for person, bmi in expected.items():
        assert got.loc[person, "value"] == pytest.approx(round(bmi, 1)), person
        assert got.loc[person, "unit"] == "kg/m2"
        if abs(bmi - 25) > 1e-6:
            assert got.loc[person, "status"] == ("met" if bmi >= 25 else "not_met"), person
        same_day = (
            person in recorded.index
            and recorded.loc[person, "measurement_date"]
            == weight.loc[person, "measurement_date"]
            == height.loc[person, "measurement_date"]
        )
        if same_day:
            # Synthea's own BMI of that visit: from the unrounded weight and height, then all
            # three rounded to 0.1 (±0.05 kg, ±0.05 cm, ±0.05 kg/m²: at most 0.1 apart)
            assert bmi == pytest.approx(float(recorded.loc[person, "value_as_number"]), abs=0.1)
            compared += 1
    assert compared >= 10
    assert (got.drop(index=list(both))["status"] == "unknown").all()


def test_omop_blood_pressure_is_read_from_its_ucum_unit(omop_criteria):
    latest = _latest_in_a_year(_measurements(), SYSTOLIC)
    got = by_patient(omop_criteria, "systolic_140")
    for person, row in latest.iterrows():
        assert got.loc[person, "value"] == pytest.approx(float(row["value_as_number"]))
        assert got.loc[person, "unit"] == "mmHg"


def test_omop_without_an_ecg_the_qtcf_is_unknown_naming_the_qt(omop_criteria):
    got = by_patient(omop_criteria, "qtcf_470")
    assert (got["status"] == "unknown").all()
    alive = got[~got["reason"].str.contains("set aside", na=False)]
    assert (alive["reason"] == "no qt interval result 28 days before the as-of date").all()


# --- FHIR: vital-signs Observations --------------------------------------------------------------

FHIR_AS_OF = "2024-08-01"
UCUM = "http://unitsofmeasure.org"


def observation(id_: str, patient: str, loinc: str, when: str, **fields) -> dict:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "vital-signs",
                    }
                ]
            }
        ],
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": when,
        **fields,
    }


def quantity(value: float, unit: str, code: str) -> dict:
    return {"value": value, "unit": unit, "system": UCUM, "code": code}


def component(loinc: str, value: float, unit: str, code: str) -> dict:
    return {
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "valueQuantity": quantity(value, unit, code),
    }


def fhir_export(folder: Path) -> None:
    folder.mkdir(parents=True)
    patients = [
        {"resourceType": "Patient", "id": p, "gender": "male", "birthDate": "1960-01-01"}
        for p in ("imperial", "metric", "ecg_only")
    ]
    visit = "2024-07-20T09:30:00+02:00"
    observations = [
        # as the FHIR R4 body-weight and body-height examples: pounds and inches, UCUM coded
        observation(
            "w1", "imperial", "29463-7", visit, valueQuantity=quantity(185, "lbs", "[lb_av]")
        ),
        observation("h1", "imperial", "8302-2", visit, valueQuantity=quantity(70, "in", "[in_i]")),
        observation("w2", "metric", "29463-7", visit, valueQuantity=quantity(81, "kg", "kg")),
        observation("h2", "metric", "8302-2", visit, valueQuantity=quantity(1.8, "m", "m")),
        # a blood-pressure panel: no value of its own, systolic and diastolic components
        observation(
            "bp",
            "metric",
            "85354-9",
            visit,
            component=[
                component("8480-6", 142, "mmHg", "mm[Hg]"),
                component("8462-4", 88, "mmHg", "mm[Hg]"),
            ],
        ),
        # an ECG whose QT and heart rate are components of one Observation (one time)
        observation(
            "ecg",
            "ecg_only",
            "11524-6",
            visit,
            component=[
                component("8634-8", 0.36, "s", "s"),
                component("8867-4", 75, "beats/minute", "/min"),
            ],
        ),
    ]
    (folder / "Patient.000.ndjson").write_text(
        "".join(json.dumps(p) + "\n" for p in patients), encoding="utf-8"
    )
    (folder / "Observation.000.ndjson").write_text(
        "".join(json.dumps(o) + "\n" for o in observations), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def fhir_criteria(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fhir-vitals")
    fhir_export(folder / "export")
    source = folder / "fhir.yaml"
    source.write_text("kind: fhir\nunavailable: [pathology, treatments]\n", encoding="utf-8")
    trial = parse_trial(TRIAL, "vitals.yaml", "0")
    report = run_screening(
        trial,
        folder / "export",
        load_source_config(source),
        pd.Timestamp(FHIR_AS_OF),
        folder / "out",
    ).report_dir
    return screened(report)


def test_fhir_weights_in_pounds_come_through_in_kilograms(fhir_criteria):
    got = by_patient(fhir_criteria, "weight_70")
    assert got.loc["imperial", "value"] == pytest.approx(83.9145884)  # 185 × 0.45359237
    assert got.loc["imperial", "unit"] == "kg"
    assert got.loc["imperial", "raw_value"] == "185 [lb_av]"
    assert got.loc["metric", "value"] == pytest.approx(81.0)
    assert (got.loc[["imperial", "metric"], "status"] == "met").all()
    assert got.loc["ecg_only", "status"] == "unknown"


def test_fhir_bmi_from_pounds_and_inches(fhir_criteria):
    got = by_patient(fhir_criteria, "bmi_25")
    # 83.9145884 kg / (70 × 2.54 / 100 m)² = 83.9145884 / 3.161284 = 26.544
    assert got.loc["imperial", "value"] == pytest.approx(26.5)
    assert got.loc["imperial", "status"] == "met"
    assert got.loc["metric", "value"] == pytest.approx(25.0)  # 81 / 1.8²
    assert got.loc["metric", "status"] == "met"  # exactly on the threshold


def test_fhir_blood_pressure_panel_components_are_read(fhir_criteria):
    got = by_patient(fhir_criteria, "systolic_140")
    assert got.loc["metric", "value"] == pytest.approx(142.0)
    assert got.loc["metric", "status"] == "not_met"


def test_fhir_ecg_components_give_the_qtcf(fhir_criteria):
    got = by_patient(fhir_criteria, "qtcf_470")
    # 360 ms / (60 / 75 s)^(1/3) = 387.798 ms
    assert got.loc["ecg_only", "value"] == pytest.approx(387.8)
    assert got.loc["ecg_only", "status"] == "met"
    assert "qt interval 0.36 s" in got.loc["ecg_only", "raw_value"]
    assert got.loc["metric", "status"] == "unknown"
