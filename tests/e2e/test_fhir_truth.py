"""The oracle on the FHIR path: the synthetic hospital's night as a Bulk export, screened
through `kind: fhir`, agrees with the generator's truth on every criterion whose data FHIR
carries here; the others are unknown "not available from this source", or (when only their
gate reads unavailable data) asked of everyone. Each lab result carries the reference range
its laboratory printed in the files (BORNE_INF / BORNE_SUP) as its referenceRange, read back
as the same limits in the same unit."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.generator.compare import mismatches
from pipeline.generator.fhir_bulk import write_fhir_bulk
from pipeline.generator.hospital import generate_hospital
from pipeline.io.fhir import read_extract_fhir
from pipeline.rules.reads import unavailable_reads
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF
from tests.e2e.printed_ranges import printed_ranges

PATIENTS = 3000


@pytest.fixture(scope="module")
def fhir_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fhir-truth")
    hospital = generate_hospital(folder / "hospital", PATIENTS, 11, AS_OF, background_labs=6)
    export = folder / "fhir" / AS_OF
    written = write_fhir_bulk(hospital.exports, export)
    source = parse_source_config({"kind": "fhir"}, "generated-fhir.yaml")
    trial = load_trial(find_trial("lutathera-retreatment"))
    report = run_screening(trial, export, source, pd.Timestamp(AS_OF), folder / "r").report_dir
    return hospital, source, trial, report, written


def _unavailable(source) -> dict[str, frozenset[str] | None]:
    return {n: None if c is None else frozenset(c) for n, c in source.unavailable.items()}


def test_every_patient_is_written_and_reported(fhir_run):
    _, _, _, report, written = fhir_run
    assert written["Patient"] == PATIENTS
    candidates = pd.read_parquet(report / "candidates.parquet")
    assert len(candidates) == PATIENTS


def test_agrees_with_truth_where_fhir_carries_the_data(fhir_run):
    hospital, source, trial, report, _ = fhir_run
    missing = _unavailable(source)
    unreadable = {c.id for c in trial.criteria if unavailable_reads(c.rule, missing)}
    gated = {
        c.id for c in trial.criteria if any(unavailable_reads(g, missing) for g in c.applies_when)
    }
    compared = {c.id for c in trial.criteria} - unreadable - gated
    assert {"alive", "age", "haemoglobin_above_8", "neutrophils_1500", "ecog_0_2"} <= compared
    differences = mismatches(report, hospital.truth)
    differences = differences[differences["criterion_id"].isin(compared)]
    assert differences.empty, differences.head(20).to_string()
    criteria = pd.read_parquet(report / "criteria.parquet")
    told = criteria[criteria["criterion_id"].isin(unreadable)]
    assert (told["status"] == "unknown").all()
    assert told["reason"].str.startswith("not available from this source").all()


def test_each_result_carries_the_range_its_laboratory_printed(fhir_run):
    hospital, *_ = fhir_run
    export = hospital.exports.parent.parent.parent / "fhir" / AS_OF
    labs = read_extract_fhir(export, "labs").frame.set_index("record_id")
    expected = printed_ranges(hospital.exports, labs.index)
    got = labs[["reference_low", "reference_high"]].apply(pd.to_numeric).astype("float64")
    assert expected.notna().any().all() and expected.isna().any().all()  # with and without
    pd.testing.assert_frame_equal(got, expected, check_names=False, check_dtype=False)
