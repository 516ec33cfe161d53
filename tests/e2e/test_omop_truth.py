"""The oracle on the OMOP path: the synthetic hospital's night as OMOP CDM 5.4 tables, loaded
into a scratch PostgreSQL database and screened through `kind: omop`, agrees with the
generator's truth on every criterion whose data the CDM carries here; the others are unknown
"not available from this source", or (when only their gate reads unavailable data) asked of
everyone, and are not compared.

Compared (trial lutathera-retreatment): alive, age, first_prrt_four_cycles (drug_exposure, ATC
by both vocabulary routes), haemoglobin_above_8, neutrophils_1500, platelets_80000 (measurement,
UCUM units, operator concepts), ecog_0_2 and life_expectancy_6_months (observation, through the
site's concept sets: LOINC answers, a number), histology_intestinal_net_g1_g2 (condition
occurrence, with the grade a measurement linked to it), informed_consent and
willingness_to_comply. Not compared, read from what OMOP has no home for (imaging, tumour
board, social security): disease_control_12_months, measurable_disease_recist,
progression_after_first_prrt, retreatment_decision, social_security_affiliation,
sstr_imaging_positive (asserted unknown with the reason); gated on childbearing potential:
negative_pregnancy_test and effective_contraception (which also reads CONTRACEPTION, an
assessment type the generated site has no concept set for); and the overall status, which
depends on all of them. The rows those
would read are still checked: every row read is accepted or set aside for a designed reason.

Nothing else is excluded: every patient is compared, including those whose patients row the
files path sets aside for a sex outside the contract ("I"). The CDM holds that row as gender
concept 0 with its source value, the OMOP source reads no sex from it, and a patients row
without a sex is set aside just the same, so the truth holds for them too.

Each lab result carries the reference range its laboratory printed in the files (BORNE_INF /
BORNE_SUP) as range_low / range_high, pulled back as the same limits in the same unit.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from pipeline.generator.compare import mismatches
from pipeline.generator.hospital import generate_hospital
from pipeline.generator.omop_tables import SOURCE_FILE, write_omop_csv
from pipeline.io.omop import read_extracts_omop
from pipeline.omop_load import load_omop_folder
from pipeline.rules.reads import unavailable_reads
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF
from tests.e2e.printed_ranges import printed_ranges
from tests.pg_service import scratch_database

PATIENTS = 2500


@pytest.fixture(scope="module")
def omop_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("omop-truth")
    hospital = generate_hospital(folder / "hospital", PATIENTS, 11, AS_OF, background_labs=6)
    written = write_omop_csv(hospital.exports, folder / "omop")
    source = load_source_config(folder / "omop" / SOURCE_FILE)  # with the site's concept sets
    trial = load_trial(find_trial("lutathera-retreatment"))
    with scratch_database() as url:
        loaded = load_omop_folder(folder / "omop", url, "cdm", create=False)
        result = run_screening(trial, None, source, pd.Timestamp(AS_OF), folder / "r", url=url)
        raws = read_extracts_omop(url, source, AS_OF, ["labs", "pathology", "procedures"])
        labs = raws["labs"].whole()
        pathology = raws["pathology"].whole()
        procedures = raws["procedures"].whole()
    person = pd.read_csv(folder / "omop" / "person.csv", dtype=str)
    ipp = dict(zip(person["person_id"], person["person_source_value"], strict=True))
    report = result.report_dir
    return hospital, source, trial, report, written, loaded, ipp, labs, pathology, procedures


def _unavailable(source) -> dict[str, frozenset[str] | None]:
    return {n: None if c is None else frozenset(c) for n, c in source.unavailable.items()}


def test_every_patient_is_loaded_and_reported(omop_run):
    _, _, _, report, written, loaded, ipp, _, _, _ = omop_run
    assert written["person"] == loaded.rows["person"] == PATIENTS
    assert loaded.rows == written
    candidates = pd.read_parquet(report / "candidates.parquet")
    assert len(candidates) == PATIENTS
    reid = pd.read_parquet(report / "reidentification.parquet")
    assert set(reid["patient_id"]) == set(ipp)


def test_agrees_with_truth_where_omop_carries_the_data(omop_run, tmp_path):
    hospital, source, trial, report, _, _, ipp, _, _, _ = omop_run
    missing = _unavailable(source)
    unreadable = {c.id for c in trial.criteria if unavailable_reads(c.rule, missing)}
    gated = {
        c.id for c in trial.criteria if any(unavailable_reads(g, missing) for g in c.applies_when)
    }
    compared = {c.id for c in trial.criteria} - unreadable - gated
    assert {"alive", "age", "haemoglobin_above_8", "neutrophils_1500"} <= compared
    assert {"ecog_0_2", "life_expectancy_6_months", "histology_intestinal_net_g1_g2"} <= compared
    # the report names persons by person_id; the truth names them by IPP
    reid = pd.read_parquet(report / "reidentification.parquet")
    reid["patient_id"] = reid["patient_id"].map(ipp)
    reid.to_parquet(tmp_path / "reidentification.parquet")
    for name in ("criteria.parquet", "candidates.parquet"):
        (tmp_path / name).write_bytes((report / name).read_bytes())
    differences = mismatches(tmp_path, hospital.truth)
    differences = differences[differences["criterion_id"].isin(compared)]
    assert differences.empty, differences.head(20).to_string()
    criteria = pd.read_parquet(report / "criteria.parquet")
    told = criteria[criteria["criterion_id"].isin(unreadable)]
    assert len(told) and (told["status"] == "unknown").all()
    assert told["reason"].str.startswith("not available from this source").all()


def test_every_row_is_read_and_only_the_designed_ones_set_aside(omop_run):
    """Each table's rows up to the as-of day are read; the only rows set aside are those the
    generator meant to be: labs in `g%` (no UCUM concept: the unit as recorded is unknown)
    and persons without a sex. A unit or code the mapping loses would show up here even
    where no compared criterion reads it (hCG, ALT, AST). The measurements of the site's
    concept sets (grade, Ki-67) are not lab results; every observation is an assessment."""
    hospital, source, _, report, _, _, _, _, _, _ = omop_run
    folder = hospital.exports.parent.parent.parent / "omop"
    extracts = json.loads((report / "manifest.json").read_text(encoding="utf-8"))["extracts"]

    def upto(table: str, column: str) -> pd.DataFrame:
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        return frame[frame[column] <= AS_OF]

    sets = source.options["concept_sets"].values()
    tumour = {str(c) for s in sets for c in s.concepts}
    labs = upto("measurement", "measurement_date")
    assert labs["measurement_concept_id"].isin(tumour).sum() > 0
    labs = labs[~labs["measurement_concept_id"].isin(tumour)]
    person = pd.read_csv(folder / "person.csv", dtype=str)
    expected = {
        "labs": (
            len(labs),
            {"conformance.labs.unit.known": int((labs["unit_concept_id"] == "0").sum())},
        ),
        "patients": (
            len(person),
            {"completeness.patients.sex.not_null": int((person["gender_concept_id"] == "0").sum())},
        ),
        "treatments": (len(upto("drug_exposure", "drug_exposure_start_date")), {}),
        "pathology": (len(upto("condition_occurrence", "condition_start_date")), {}),
        "assessments": (len(upto("observation", "observation_date")), {}),
    }
    assert (labs["unit_source_value"][labs["unit_concept_id"] == "0"] == "g%").all()
    for name, (rows, set_aside) in expected.items():
        got = extracts[name]
        assert (got["rows_read"], got["quarantine_rules"]) == (rows, set_aside), name
        assert got["rows_accepted"] + got["rows_quarantined"] == rows, name


def test_each_result_carries_the_range_its_laboratory_printed(omop_run):
    hospital, *_, labs, _, _ = omop_run
    printed = pd.read_csv(hospital.exports / "biologie.csv", sep=";", dtype=str)
    ids = printed["ID_RESULTAT"].to_numpy()  # measurement_id n is the file's row n
    labs = labs.set_index(pd.Index(ids[labs["record_id"].astype(int) - 1]))
    expected = printed_ranges(hospital.exports, labs.index)
    got = labs[["reference_low", "reference_high"]].replace("", None).apply(pd.to_numeric)
    got = got.astype("float64")
    assert expected.notna().any().all() and expected.isna().any().all()  # with and without
    pd.testing.assert_frame_equal(got, expected, check_names=False, check_dtype=False)


def test_each_diagnosis_carries_its_reports_grade_and_ki67(omop_run):
    hospital, *_, pathology, _ = omop_run
    printed = pd.read_csv(
        hospital.exports / "anapath.csv", sep=";", dtype=str, keep_default_na=False
    )
    # condition_occurrence_id n is the file's row n
    row = printed.iloc[pathology["record_id"].astype(int).to_numpy() - 1]
    grade = row["GRADE"].str.strip().str.upper().replace("", None)
    assert (pathology["grade"].replace("", None).fillna("-").to_numpy() == grade.fillna("-")).all()
    ki67 = pd.to_numeric(row["KI67"].str.replace(",", ".", regex=False))
    got = pd.to_numeric(pathology["ki67_percent"].replace("", None)).astype("float64")
    assert grade.isna().any() and ki67.isna().any() and ki67.notna().any()
    pd.testing.assert_series_equal(
        got.reset_index(drop=True), ki67.reset_index(drop=True), check_names=False
    )


def test_each_procedure_carries_its_ccam_code_and_no_guessed_category(omop_run):
    hospital, *_, procedures = omop_run
    acts = pd.read_csv(hospital.exports / "actes.csv", sep=";", dtype=str, keep_default_na=False)
    done = pd.to_datetime(acts["DATE_ACTE"], format="%d/%m/%Y") <= pd.Timestamp(AS_OF)
    # procedure_occurrence_id n is the file's row n; the generator dates none after the as-of
    assert done.all() and len(procedures) == len(acts) > 0
    row = acts.iloc[procedures["procedure_id"].astype(int).to_numpy() - 1]
    assert (procedures["ccam_code"].to_numpy() == row["CODE_CCAM"].to_numpy()).all()
    assert (procedures["category"].fillna("") == "").all()  # CCAM source only: not told
