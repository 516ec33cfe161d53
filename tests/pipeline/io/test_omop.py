"""The OMOP source on real data no one here wrote: OHDSI Eunomia Synthea27Nj (OMOP CDM 5.4),
loaded into a throwaway PostgreSQL database and screened as of 2022-07-01."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import yaml

from pipeline.errors import ConfigError
from pipeline.io.omop import DEFAULT_UNAVAILABLE, read_extracts_omop
from pipeline.omop_load import ddl_type
from pipeline.rules.reads import UNAVAILABLE_REASON
from pipeline.run import run_screening
from pipeline.sources import load_source_config, parse_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import repo_root
from tests.pipeline.io.omop_rows import EUNOMIA, eunomia_csv, loaded_eunomia

BUNDLE = EUNOMIA
SOURCE = repo_root() / "sources" / "eunomia-omop.yaml"
AS_OF = "2022-07-01"
HAEMOGLOBIN, PLATELETS = "3000963", "3024929"  # LOINC 718-7 and 777-3 in this vocabulary

pytestmark = pytest.mark.skipif(not BUNDLE.is_file(), reason="Eunomia sample not present")


@pytest.fixture(scope="module")
def cdm():
    """The bundle loaded into a scratch database (schema cdm), dropped after the module."""
    with loaded_eunomia() as url:
        yield url


@pytest.fixture(scope="module")
def report(cdm, tmp_path_factory):
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = load_source_config(SOURCE)
    result = run_screening(
        trial, None, source, pd.Timestamp(AS_OF), tmp_path_factory.mktemp("omop"), url=cdm
    )
    folder = result.report_dir
    ids = pd.read_parquet(folder / "reidentification.parquet")
    criteria = pd.read_parquet(folder / "criteria.parquet").merge(ids, on="pseudonym")
    candidates = pd.read_parquet(folder / "candidates.parquet").merge(ids, on="pseudonym")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    return criteria, candidates, manifest


def test_every_person_is_reported(report):
    _, candidates, manifest = report
    persons = set(eunomia_csv("PERSON")["person_id"])
    assert len(persons) == 28
    assert set(candidates["patient_id"]) == persons
    assert manifest["patients"]["exported"] == manifest["patients"]["reported"] == 28


def test_the_deceased_are_not_eligible(report):
    criteria, candidates, _ = report
    deaths = eunomia_csv("DEATH").set_index("person_id")["death_date"]
    assert len(deaths) == 3
    alive = criteria[criteria["criterion_id"] == "alive"].set_index("patient_id")
    for person, day in deaths.items():
        assert alive.loc[person, "status"] == "not_met"
        assert alive.loc[person, "reason"] == f"deceased on {day}"
    dead = candidates.set_index("patient_id").loc[list(deaths.index), "overall_status"]
    assert (dead == "not_eligible").all()
    assert (alive.drop(index=list(deaths.index))["status"] == "met").all()


def _latest_by_hand(concept: str) -> pd.DataFrame:
    """The latest measurement of a concept per person in the trial's 28-day window."""
    rows = eunomia_csv("MEASUREMENT")
    rows = rows[rows["measurement_concept_id"] == concept]
    day = pd.to_datetime(rows["measurement_date"])
    as_of = pd.Timestamp(AS_OF)
    rows = rows[(day <= as_of) & (day >= as_of - pd.Timedelta(days=28))]
    rows = rows.sort_values(["person_id", "measurement_date", "measurement_id"])
    return rows.drop_duplicates("person_id", keep="last").set_index("person_id")


@pytest.mark.parametrize(
    ("criterion", "concept", "factor", "threshold", "unit", "checked"),
    [
        # checked by hand in MEASUREMENT.csv: persons 3 (2022-06-24) and 12 (2022-06-27)
        ("haemoglobin_above_8", HAEMOGLOBIN, 1.0, 8.0, "g/dL", {"3": 12.9, "12": 16.6}),
        ("platelets_80000", PLATELETS, 1000.0, 80000.0, "/mm3", {"3": 257600.0, "12": 374500.0}),
    ],
)
def test_haemoglobin_and_platelets_match_theeunomia_csv(
    report, criterion, concept, factor, threshold, unit, checked
):
    criteria, _, _ = report
    rows = criteria[criteria["criterion_id"] == criterion].set_index("patient_id")
    latest = _latest_by_hand(concept)
    expected = latest["value_as_number"].astype(float) * factor
    assert expected.round(6).to_dict() == checked
    decided = rows[rows["status"] != "unknown"]
    assert set(decided.index) == set(expected.index)
    for person, value in expected.items():
        assert decided.loc[person, "value"] == pytest.approx(value)
        assert decided.loc[person, "unit"] == unit
        assert decided.loc[person, "status"] == ("met" if value > threshold else "not_met")
    undecided = rows.drop(index=list(expected.index))
    assert (undecided["reason"] == "no result 28 days before the as-of date").all()


def test_unavailable_extracts_give_the_reason(report):
    criteria, _, manifest = report
    for criterion, what in (
        ("measurable_disease_recist", "imaging_lesions, imaging_studies"),
        ("retreatment_decision", "tumour_board"),
        ("ecog_0_2", "assessments"),
        ("histology_intestinal_net_g1_g2", "pathology"),
        ("social_security_affiliation", "patients.social_security_affiliated"),
    ):
        rows = criteria[criteria["criterion_id"] == criterion]
        assert (rows["status"] == "unknown").all(), criterion
        assert (rows["reason"] == f"{UNAVAILABLE_REASON}: {what}").all(), criterion
    assert manifest["unavailable"]["tumour_board"] == "all"
    assert manifest["unavailable"]["pathology"] == "all"  # declared by this site's config
    assert manifest["unavailable"]["patients"] == [
        "social_security_affiliated",
        "childbearing_potential",
    ]


def test_every_row_read_is_accounted_for(report):
    _, _, manifest = report
    measurements = eunomia_csv("MEASUREMENT")
    pulled = (pd.to_datetime(measurements["measurement_date"]) <= pd.Timestamp(AS_OF)).sum()
    labs = manifest["extracts"]["labs"]
    assert labs["rows_read"] == pulled
    for name, account in manifest["extracts"].items():
        accounted = (
            account["rows_accepted"] + account["rows_quarantined"] + account["duplicates_removed"]
        )
        assert accounted == account["rows_read"], name
    # measurements whose concept is not LOINC are set aside, counted, not dropped
    assert labs["quarantine_rules"] == {"completeness.labs.loinc_code.not_null": 876}
    assert manifest["extracts"]["patients"]["rows_read"] == 28


def test_a_site_override_gives_a_drug_its_atc_code(cdm, tmp_path):
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    data["omop"]["drug_atc"] = {19073183: "j01ca04"}
    source = parse_source_config(data, str(tmp_path / "s.yaml"))
    raw = read_extracts_omop(cdm, source, AS_OF, ["medications"])["medications"]
    drugs = eunomia_csv("DRUG_EXPOSURE").set_index("drug_exposure_id")
    frame = raw.whole().set_index("record_id")
    concept = drugs.loc[frame.index, "drug_concept_id"]
    assert (frame.loc[concept == "19073183", "atc_code"] == "J01CA04").all()
    assert (concept == "19073183").sum() > 0
    others = frame.loc[concept != "19073183", "atc_code"].fillna("")
    assert (others == "").all()  # no ATC concept in this vocabulary
    assert "drug_concept_id" not in frame.columns and raw.ignored_columns == []


def test_omop_settings_are_checked():
    base = {"kind": "omop", "omop": {"cdm_schema": "cdm"}}
    source = parse_source_config(base, "o.yaml")
    assert source.unavailable == DEFAULT_UNAVAILABLE
    assert source.options["vocabulary_schema"] == "cdm"
    for data, message in (
        ({**base, "extracts": {"labs": {}}}, "remove 'extracts'"),
        ({**base, "omop": {"cdm_schema": "cdm; drop"}}, "cdm_schema"),
        ({**base, "omop": {"drug_atc": {"abc": "J01CA04"}}}, "not a concept id"),
        ({**base, "omop": {"drug_atc": {1: "not atc"}}}, "not a WHO ATC code"),
        ({**base, "omop": {"schema": "x"}}, "unknown keys"),
        ({"kind": "files", "omop": {}}, "need kind: omop"),
    ):
        with pytest.raises(ConfigError, match=message):
            parse_source_config(data, "o.yaml")


def test_the_loader_types_columns_as_the_omop_ddl_does():
    assert ddl_type("person_id")[0] == "bigint"
    assert ddl_type("measurement_date")[0] == "date"
    assert ddl_type("birth_datetime")[0].startswith("timestamp")
    assert ddl_type("value_as_number")[0] == "numeric"
    assert ddl_type("concept_code") is None


def test_screening_run_reads_an_omop_source(cdm, tmp_path, capsys):
    from pipeline.cli import main

    args = ["run", "--trial", "lutathera-retreatment", "--source", str(SOURCE)]
    args += ["--as-of", AS_OF, "--out", str(tmp_path)]
    assert main([*args, "--url", cdm]) == 0
    assert (
        "screened 28 patients for lutathera-retreatment as of 2022-07-01" in capsys.readouterr().out
    )
    assert main(args) == 2  # no database named
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "needs a database URL" in error


def test_concepts_with_no_loinc_or_atc_code_are_counted_per_concept(cdm):
    source = load_source_config(SOURCE)
    raws = read_extracts_omop(cdm, source, AS_OF, ["labs", "medications"])
    measurements = eunomia_csv("MEASUREMENT")
    measurements = measurements[
        pd.to_datetime(measurements["measurement_date"]) <= pd.Timestamp(AS_OF)
    ]
    concepts = eunomia_csv("CONCEPT")
    loinc = set(concepts.loc[concepts["vocabulary_id"] == "LOINC", "concept_id"])
    by_hand = measurements.loc[
        ~measurements["measurement_concept_id"].isin(loinc), "measurement_concept_id"
    ].value_counts()
    got = {i["code"]: i["rows"] for i in raws["labs"].code_issues}
    assert got == {str(k): int(v) for k, v in by_hand.items()}
    assert sum(got.values()) == 876
    assert {(i["system"], i["column"], i["check"]) for i in raws["labs"].code_issues} == {
        ("OMOP measurement_concept_id", "loinc_code", "mapping")
    }
    drugs = eunomia_csv("DRUG_EXPOSURE")
    drugs = drugs[pd.to_datetime(drugs["drug_exposure_start_date"]) <= pd.Timestamp(AS_OF)]
    medications = {i["code"]: i["rows"] for i in raws["medications"].code_issues}
    expected = drugs["drug_concept_id"].value_counts()  # no ATC concept in this vocabulary
    assert medications == {str(k): int(v) for k, v in expected.items()}


def test_the_manifest_counts_rows_with_unusable_codes(report):
    _, _, manifest = report
    labs = manifest["extracts"]["labs"]
    # 876 measurements without a LOINC concept, plus LOINC codes the catalogue does not know
    unknown = sum(labs["codes_unknown_to_catalogue"].values())
    assert labs["rows_with_unusable_codes"] >= 876 + unknown
    medications = manifest["extracts"]["medications"]
    assert medications["rows_with_unusable_codes"] == medications["rows_read"]


def test_reference_ranges_are_pulled_as_the_sample_has_them(cdm):
    """range_low / range_high become reference_low / reference_high; this sample fills
    neither (checked in MEASUREMENT.csv), so every pulled row has no range, and a criterion
    relative to the ULN is unknown here, never compared with a fixed number."""
    source = load_source_config(SOURCE)
    frame = read_extracts_omop(cdm, source, AS_OF, ["labs"])["labs"].whole()
    measurements = eunomia_csv("MEASUREMENT")
    pulled = measurements[pd.to_datetime(measurements["measurement_date"]) <= pd.Timestamp(AS_OF)]
    for ours, theirs in (("reference_low", "range_low"), ("reference_high", "range_high")):
        assert (frame[ours].fillna("") != "").sum() == (pulled[theirs] != "").sum() == 0
    assert len(frame) == len(pulled)


def test_the_pharmacy_claims_are_dispensings_and_no_administration(cdm, report):
    """Every drug exposure of this sample is a pharmacy claim (32869, checked in
    DRUG_EXPOSURE.csv): a dispensing in medications, with its RxNorm source code and end
    date; none is an administration, so its config declares treatments unavailable."""
    _, _, manifest = report
    assert manifest["unavailable"]["treatments"] == "all"
    drugs = eunomia_csv("DRUG_EXPOSURE")
    assert set(drugs["drug_type_concept_id"]) == {"32869"}
    drugs = drugs[pd.to_datetime(drugs["drug_exposure_start_date"]) <= pd.Timestamp(AS_OF)]
    frame = read_extracts_omop(cdm, load_source_config(SOURCE), AS_OF, ["medications"])
    frame = frame["medications"].whole().set_index("record_id")
    assert sorted(frame.index) == sorted(drugs["drug_exposure_id"])
    assert set(frame["kind"]) == {"DISPENSING"}
    drugs = drugs.set_index("drug_exposure_id").loc[frame.index]
    assert (frame["start_date"] == drugs["drug_exposure_start_date"]).all()
    assert (frame["end_date"].fillna("") == drugs["drug_exposure_end_date"]).all()
    assert (frame["source_code"].notna()).all() and set(frame["source_system"]) == {"RXNORM"}
    assert (frame["route"].fillna("") == "").all()  # route_concept_id 0 throughout
