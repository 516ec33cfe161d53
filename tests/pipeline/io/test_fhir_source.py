"""kind: fhir end to end: a Bulk export folder screened like any other source.

The shared SMART sample (no one here wrote it): every Patient reported, the deceased not
eligible, ages checked against birthDate read independently of the reader, every row
accounted for. A hand-built export checks lab verdicts through Observation resources.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import ConfigError, InputFileError
from pipeline.run import run_screening
from pipeline.sources import load_source_config, parse_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import repo_root, shared_data

SAMPLE = shared_data("fhir", "smart-10-patients")
SAMPLE_SOURCE = repo_root() / "sources" / "smart-fhir-sample.yaml"
AS_OF = "2024-08-01"


def screened(report: Path) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    ids = pd.read_parquet(report / "reidentification.parquet")
    criteria = pd.read_parquet(report / "criteria.parquet").merge(ids, on="pseudonym")
    candidates = pd.read_parquet(report / "candidates.parquet").merge(ids, on="pseudonym")
    return criteria, candidates, json.loads((report / "manifest.json").read_text())


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory) -> Path:
    if not SAMPLE.is_dir():
        pytest.skip(f"shared FHIR sample not found at {SAMPLE}")
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = load_source_config(SAMPLE_SOURCE)
    out = tmp_path_factory.mktemp("fhir")
    return run_screening(trial, SAMPLE, source, pd.Timestamp(AS_OF), out).report_dir


def sample_patients() -> list[dict]:
    text = (SAMPLE / "Patient.000.ndjson").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_every_patient_of_the_sample_is_reported(sample_report):
    _, candidates, manifest = screened(sample_report)
    assert sorted(candidates["patient_id"]) == sorted(p["id"] for p in sample_patients())
    assert manifest["patients"]["exported"] == manifest["patients"]["reported"] == 13


def test_the_deceased_are_not_eligible_with_their_date(sample_report):
    criteria, candidates, _ = screened(sample_report)
    dead = {
        p["id"]: p["deceasedDateTime"][:10] for p in sample_patients() if "deceasedDateTime" in p
    }
    assert len(dead) == 3
    alive = criteria[criteria["criterion_id"] == "alive"].set_index("patient_id")
    for patient, day in dead.items():
        assert alive.loc[patient, "status"] == "not_met"
        assert alive.loc[patient, "reason"] == f"deceased on {day}"
    status = candidates.set_index("patient_id")["overall_status"]
    assert (status[list(dead)] == "not_eligible").all()
    assert (alive.drop(index=list(dead))["status"] == "met").all()


def test_ages_follow_birth_dates(sample_report):
    criteria, _, _ = screened(sample_report)
    age = criteria[criteria["criterion_id"] == "age"].set_index("patient_id")["status"]
    as_of = pd.Timestamp(AS_OF)
    for patient in sample_patients():
        years = (as_of - pd.Timestamp(patient["birthDate"])).days / 365.25
        if abs(years - 18) > 0.1:  # far from the birthday boundary: the day count is enough
            assert age[patient["id"]] == ("met" if years >= 18 else "not_met"), patient["id"]


def test_what_fhir_cannot_give_is_unknown_not_available(sample_report):
    criteria, _, manifest = screened(sample_report)
    assert manifest["unavailable"]["tumour_board"] == "all"
    assert manifest["unavailable"]["labs"] == "all"
    hb = criteria[criteria["criterion_id"] == "haemoglobin_above_8"]
    assert (hb["status"] == "unknown").all()
    assert hb["reason"].str.contains("not available from this source").all()


def test_every_row_read_is_accepted_or_set_aside(sample_report):
    _, _, manifest = screened(sample_report)
    medications = manifest["extracts"]["medications"]
    requests = (SAMPLE / "MedicationRequest.000.ndjson").read_text().count("\n")
    assert medications["rows_read"] == requests  # prescriptions: no administration here
    assert manifest["unavailable"]["treatments"] == "all"
    for name, extract in manifest["extracts"].items():
        assert extract["rows_read"] == (
            extract["rows_accepted"] + extract["rows_quarantined"] + extract["duplicates_removed"]
        ), name
    quarantine = pd.read_parquet(sample_report / "quarantine" / "medications.parquet")
    assert len(quarantine) == requests, "RxNorm only, no mapping: every row set aside, counted"
    assert set(quarantine["rule_id"]) == {"completeness.medications.atc_code.not_null"}


def write(folder: Path, name: str, resources: list[dict]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r) + "\n" for r in resources)
    (folder / name).write_text(text, encoding="utf-8")


def hb(id_: str, patient: str, value: float, day: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": id_,
        "status": "final",
        "subject": {"reference": f"Patient/{patient}"},
        "code": {"coding": [{"system": "http://loinc.org", "code": "718-7"}]},
        "valueQuantity": {
            "value": value,
            "unit": "g/dL",
            "system": "http://unitsofmeasure.org",
            "code": "g/dL",
        },
        "effectiveDateTime": f"{day}T08:00:00+02:00",
    }


def hand_built(folder: Path) -> None:
    patients = [
        {"resourceType": "Patient", "id": p, "gender": "female", "birthDate": "1960-01-01"}
        for p in ("high", "low", "old_result", "none")
    ]
    write(folder, "Patient.000.ndjson", patients)
    write(
        folder,
        "Observation.000.ndjson",
        [
            hb("o1", "high", 8.1, "2024-07-20"),
            hb("o2", "low", 7.2, "2024-07-20"),
            hb("o3", "old_result", 12.0, "2024-06-01"),  # outside the 28-day window
        ],
    )
    write(
        folder,
        "MedicationAdministration.000.ndjson",
        [
            {
                "resourceType": "MedicationAdministration",
                "id": "m1",
                "status": "completed",
                "subject": {"reference": "Patient/high"},
                "medicationCodeableConcept": {
                    "coding": [{"system": "http://www.whocc.no/atc", "code": "V10XX04"}]
                },
                "effectiveDateTime": "2022-01-01T10:00:00+01:00",
            },
        ],
    )


def fhir_source(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "fhir.yaml"
    path.write_text(f"kind: fhir\nunavailable: [pathology]\n{extra}", encoding="utf-8")
    return path


def test_lab_verdicts_through_observations(tmp_path):
    export = tmp_path / "export"
    hand_built(export)
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = load_source_config(fhir_source(tmp_path))
    report = run_screening(trial, export, source, pd.Timestamp(AS_OF), tmp_path / "r").report_dir
    criteria, _, _ = screened(report)
    got = criteria[criteria["criterion_id"] == "haemoglobin_above_8"].set_index("patient_id")
    assert got.loc["high", "status"] == "met"
    assert got.loc["low", "status"] == "not_met"
    assert got.loc["old_result", "status"] == "unknown"
    assert got.loc["none", "status"] == "unknown"


def test_an_available_extract_with_no_rows_stops_the_run(tmp_path):
    export = tmp_path / "export"
    hand_built(export)
    (export / "Observation.000.ndjson").unlink()
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = load_source_config(fhir_source(tmp_path))
    with pytest.raises(InputFileError, match=r"no labs rows: no Observation\*\.ndjson"):
        run_screening(trial, export, source, pd.Timestamp(AS_OF), tmp_path / "r")
    assert not (tmp_path / "r" / "lutathera-retreatment" / AS_OF).exists()


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"kind": "fhir", "extracts": {"labs": {}}}, "kind fhir maps resources itself"),
        ({"kind": "fhir", "fhir": {"rxnorm_to_atc": {"abc": "V10XX04"}}}, "not an RxNorm code"),
        ({"kind": "fhir", "fhir": {"rxnorm_to_atc": {"314076": "lisinopril"}}}, "not a WHO ATC"),
        ({"kind": "fhir", "fhir": {"mapping": {}}}, "'fhir': unknown keys"),
        ({"kind": "files", "fhir": {}}, "'fhir' settings need kind: fhir"),
    ],
)
def test_a_wrong_fhir_config_is_refused_when_loaded(config, message):
    with pytest.raises(ConfigError, match=message):
        parse_source_config(config, "site.yaml")


def test_the_dags_extract_step_reads_a_fhir_landing_folder(tmp_path):
    """The Airflow path: one task per extract, the dated folder under the landing root."""
    from pipeline import steps

    hand_built(tmp_path / "landing" / AS_OF)
    source = fhir_source(tmp_path)
    common = {
        "source_path": str(source),
        "as_of": AS_OF,
        "folder": str(tmp_path / "build"),
        "landing_root": str(tmp_path / "landing"),
    }
    labs = steps.extract("labs", **common)
    assert labs["rows_read"] == 3 and len(labs["sha256"]) == 64
    assert steps.extract("pathology", **common)["rows_read"] == 0, "declared unavailable"
    (tmp_path / "landing" / AS_OF / "Patient.000.ndjson").unlink()
    with pytest.raises(InputFileError, match="no patients rows"):
        steps.extract("patients", **common)


RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"


def test_rxnorm_codes_without_atc_are_counted_per_code_in_the_dq_outputs(sample_report):
    by_hand: dict[str, int] = {}
    text = (SAMPLE / "MedicationRequest.000.ndjson").read_text(encoding="utf-8")
    for line in text.splitlines():
        codings = json.loads(line).get("medicationCodeableConcept", {}).get("coding", [])
        code = next(c["code"] for c in codings if c["system"] == RXNORM)
        by_hand[code] = by_hand.get(code, 0) + 1
    codes = pd.read_parquet(sample_report / "dq" / "unknown_codes.parquet")
    drugs = codes[codes["extract"] == "medications"]
    assert dict(zip(drugs["code"], drugs["rows"], strict=True)) == by_hand
    assert set(drugs["system"]) == {RXNORM} and set(drugs["check"]) == {"mapping"}
    assert drugs["reason"].str.contains("rxnorm_to_atc").all()
    summary = pd.read_parquet(sample_report / "dq" / "summary.parquet").set_index("rule_id")
    mapping = summary.loc["coverage.medications.atc_code.mapping"]
    assert (mapping["unexpected_count"], mapping["observed_value"]) == (
        sum(by_hand.values()),
        len(by_hand),
    )
    page = (sample_report / "dq" / "report.html").read_text(encoding="utf-8")
    top = drugs.iloc[0]
    assert "Codes this run could not use" in page and f"<code>{top['code']}</code>" in page
    ids = pd.read_parquet(sample_report / "reidentification.parquet")
    for patient in ids["patient_id"]:
        assert patient not in page and patient not in set(codes["code"])


def test_lab_codes_and_units_a_site_gets_wrong_are_counted_per_code(tmp_path):
    export = tmp_path / "export"
    hand_built(export)
    local = hb("o4", "high", 9.0, "2024-07-21")
    local["code"] = {"coding": [{"system": "urn:site:labs", "code": "HB-01"}]}
    wrong_unit = hb("o5", "high", 9.0, "2024-07-22")
    wrong_unit["valueQuantity"] = {
        "value": 9.0,
        "system": "http://unitsofmeasure.org",
        "code": "g%",
    }
    unknown = hb("o6", "low", 5.5, "2024-07-22")
    unknown["code"] = {"coding": [{"system": "http://loinc.org", "code": "2093-3"}]}
    text = (export / "Observation.000.ndjson").read_text(encoding="utf-8")
    extra = "".join(json.dumps(r) + "\n" for r in (local, wrong_unit, unknown))
    (export / "Observation.000.ndjson").write_text(text + extra, encoding="utf-8")
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = load_source_config(fhir_source(tmp_path))
    report = run_screening(trial, export, source, pd.Timestamp(AS_OF), tmp_path / "r").report_dir
    codes = pd.read_parquet(report / "dq" / "unknown_codes.parquet")
    got = {
        (r.column, r.system, r.code, r.check): r.rows
        for r in codes[codes["extract"] == "labs"].itertuples()
    }
    assert got == {
        ("loinc_code", "urn:site:labs", "HB-01", "mapping"): 1,
        ("unit", "UCUM", "g%", "catalogue"): 1,
        ("loinc_code", "LOINC", "2093-3", "catalogue"): 1,
    }
    assert "718-7" in codes.loc[codes["column"] == "unit", "reason"].item()


def test_resources_this_contract_does_not_use_are_counted_in_the_manifest(sample_report):
    _, _, manifest = screened(sample_report)
    by_hand = {
        kind: (SAMPLE / f"{kind}.000.ndjson").read_text(encoding="utf-8").count("\n")
        for kind in ("AllergyIntolerance", "Encounter")
    }
    assert manifest["extracts"]["patients"]["resources_read_not_used"] == by_hand
    # the Conditions are diagnoses now (contract 1.5.0): read by the conditions extract
    conditions = (SAMPLE / "Condition.000.ndjson").read_text().count("\n")
    assert manifest["extracts"]["conditions"]["rows_read"] == conditions == 555
    # and the Procedures are procedures (contract 1.7.0)
    procedures = (SAMPLE / "Procedure.000.ndjson").read_text().count("\n")
    assert manifest["extracts"]["procedures"]["rows_read"] == procedures == 2056
