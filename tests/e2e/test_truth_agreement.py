"""The acceptance test of the screening core: reports agree 100% with the generator's truth."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.generator.compare import mismatches
from pipeline.generator.variants import GROUPS
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"


def screen(hospital, out: Path):
    trial = load_trial(find_trial("lutathera-retreatment"))
    return run_screening(
        trial, hospital.exports, load_source_config(SOURCE), pd.Timestamp(AS_OF), out
    )


@pytest.fixture(scope="module")
def report_10k(hospital_10k, tmp_path_factory):
    return screen(hospital_10k, tmp_path_factory.mktemp("reports")).report_dir


def test_every_patient_and_criterion_agrees_with_truth(hospital_10k, report_10k):
    differences = mismatches(report_10k, hospital_10k.truth)
    truth = pd.read_parquet(hospital_10k.truth)
    assert truth["patient_id"].nunique() == 10_000
    assert len(truth) == 10_000 * 20  # 19 criteria + overall
    assert differences.empty, differences.head(20).to_string()


def test_truth_exercises_every_status_of_every_computable_criterion(hospital_10k):
    truth = pd.read_parquet(hospital_10k.truth)
    seen = truth.groupby("criterion_id")["status"].agg(set)
    for group, variants in GROUPS.items():
        for criterion in next(iter(variants.values())):
            planted = {statuses[criterion] for statuses in variants.values()}
            assert planted <= seen[criterion], (group, criterion)
    assert seen["overall"] == {"candidate", "needs_review", "not_eligible"}
    assert {"met", "not_met", "to_confirm", "not_applicable"} <= seen["negative_pregnancy_test"]


def test_all_report_files_present_with_counts_in_manifest(hospital_10k, report_10k):
    import json

    from pipeline.publish import sha256_file

    manifest = json.loads((report_10k / "manifest.json").read_text())
    for name in ("candidates", "criteria", "attrition", "reidentification"):
        table = pd.read_parquet(report_10k / f"{name}.parquet")
        assert manifest["outputs"][f"{name}.parquet"] == len(table)
    assert manifest["outputs"]["candidates.parquet"] == 10_000
    assert manifest["outputs"]["criteria.parquet"] == 10_000 * 19
    for name, extract in manifest["extracts"].items():
        assert extract["rows_read"] == (
            extract["rows_accepted"] + extract["rows_quarantined"] + extract["duplicates_removed"]
        ), name
        entry = manifest["inputs"][name]
        if extract.get("unavailable"):  # no file to hash: an optional extract not declared
            assert (entry["sha256"], extract["rows_read"]) == ("", 0), name
            continue
        assert entry["sha256"] == sha256_file(hospital_10k.exports / entry["file"]), name
    # the synthetic hospital's config declares every extract but these optional ones
    assert set(manifest["unavailable"]) == {"observation_periods", "tumour_stage"}


def test_attrition_follows_protocol_order_and_counts(report_10k):
    attrition = pd.read_parquet(report_10k / "attrition.parquet")
    candidates = pd.read_parquet(report_10k / "candidates.parquet")
    criteria = pd.read_parquet(report_10k / "criteria.parquet")
    assert attrition["criterion_order"].tolist() == list(range(1, 20))
    assert attrition["remaining"].is_monotonic_decreasing
    final_remaining = attrition["remaining"].iloc[-1]
    assert final_remaining == (candidates["overall_status"] != "not_eligible").sum()
    not_met = criteria[criteria["status"] == "not_met"]
    single = not_met.groupby("pseudonym").size()
    only = not_met[not_met["pseudonym"].isin(single[single == 1].index)]
    expected_only = only.groupby("criterion_id").size()
    got = attrition.set_index("criterion_id")["failing_only_this"]
    assert (got[got > 0] == expected_only.reindex(got[got > 0].index)).all()
    assert got.sum() == len(only)


def test_reports_hold_pseudonyms_never_raw_ids(hospital_10k, report_10k):
    raw_ids = set(pd.read_parquet(hospital_10k.truth)["patient_id"])
    for name in ("candidates", "criteria", "attrition"):
        table = pd.read_parquet(report_10k / f"{name}.parquet")
        for column in table.columns:
            values = set(table[column].astype("str"))
            assert not values & raw_ids, (name, column)
    candidates = pd.read_parquet(report_10k / "candidates.parquet")
    assert candidates["pseudonym"].str.fullmatch(r"P-[0-9a-f]{20}").all()
    assert candidates["pseudonym"].is_unique
