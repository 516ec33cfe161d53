"""A source that declares extracts unavailable: their criteria are unknown, the run goes on."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
import yaml

from pipeline import run
from pipeline.errors import ConfigError
from pipeline.rules import PRIMITIVES
from pipeline.rules.reads import UNAVAILABLE_REASON, rule_reads
from pipeline.sources import load_source_config, parse_source_config
from pipeline.status import NOT_MET, UNKNOWN
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"
MISSING = ("imaging_lesions", "tumour_board")


def _partial_source(tmp_path, unavailable):
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    for name in MISSING:
        data["extracts"].pop(name)
    data["unavailable"] = unavailable
    path = tmp_path / "partial.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_source_config(path)


@pytest.fixture(scope="module")
def screened(small_hospital, tmp_path_factory):
    """The small hospital screened twice: whole, and from a source without lesions and
    tumour-board decisions (their files are still in the folder, and must not be read)."""
    trial = load_trial(find_trial("lutathera-retreatment"))
    folder = tmp_path_factory.mktemp("unavailable")
    whole = run.run_screening(
        trial,
        small_hospital.exports,
        load_source_config(SOURCE),
        pd.Timestamp(AS_OF),
        folder / "whole",
    )
    source = _partial_source(folder, list(MISSING))
    partial = run.run_screening(
        trial, small_hospital.exports, source, pd.Timestamp(AS_OF), folder / "partial"
    )
    return whole.report_dir, partial.report_dir


def _criteria(report_dir):
    return pd.read_parquet(report_dir / "criteria.parquet").set_index(["criterion_id", "pseudonym"])


def test_criteria_reading_an_unavailable_extract_are_unknown_with_the_reason(screened):
    whole, partial = map(_criteria, screened)
    for criterion, extract in (
        ("measurable_disease_recist", "imaging_lesions"),
        ("retreatment_decision", "tumour_board"),
    ):
        rows = partial.loc[criterion]
        assert (rows["status"] == "unknown").all(), criterion
        assert (rows["reason"] == f"{UNAVAILABLE_REASON}: {extract}").all(), criterion
        # the whole source decided these criteria (some patients not met): now nobody is
        assert (whole.loc[criterion]["status"] == "not_met").any(), criterion
        assert not (rows["status"] == "not_met").any()


def test_other_criteria_are_unaffected(screened):
    whole, partial = map(_criteria, screened)
    affected = {"measurable_disease_recist", "retreatment_decision"}
    keep = ~whole.index.get_level_values("criterion_id").isin(affected)
    pd.testing.assert_frame_equal(whole[keep], partial.loc[whole[keep].index])


def test_the_patients_go_to_review_not_out(screened):
    whole, partial = (
        pd.read_parquet(d / "candidates.parquet").set_index("pseudonym") for d in screened
    )
    assert len(whole) == len(partial)
    was_candidate = whole["overall_status"] == "candidate"
    assert was_candidate.any()
    assert (partial.loc[was_candidate, "overall_status"] == "needs_review").all()
    assert (partial["overall_status"] == "candidate").sum() == 0


def test_the_manifest_and_review_page_name_what_was_unavailable(screened):
    _, partial = screened
    manifest = json.loads((partial / "manifest.json").read_text(encoding="utf-8"))
    # observation periods, stage: the synthetic source has none (optional, not declared)
    expected = {name: "all" for name in (*MISSING, "observation_periods", "tumour_stage")}
    assert manifest["unavailable"] == expected
    for name in MISSING:
        assert manifest["extracts"][name]["unavailable"] is True
        assert manifest["extracts"][name]["rows_read"] == 0
    assert manifest["extracts"]["labs"]["unavailable"] is False
    page = (partial / "review.html").read_text(encoding="utf-8")
    assert '"unavailable":true' in page.replace(" ", "")
    assert UNAVAILABLE_REASON in page


def test_an_unavailable_column_makes_only_its_criteria_unknown(small_hospital, tmp_path):
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = _partial_source(
        tmp_path, {**dict.fromkeys(MISSING, "all"), "patients": ["social_security_affiliated"]}
    )
    result = run.run_screening(
        trial, small_hospital.exports, source, pd.Timestamp(AS_OF), tmp_path / "r"
    )
    criteria = _criteria(result.report_dir)
    rows = criteria.loc["social_security_affiliation"]
    assert (rows["reason"] == f"{UNAVAILABLE_REASON}: patients.social_security_affiliated").all()
    assert (criteria.loc["age"]["reason"] != rows["reason"].iloc[0]).all()
    manifest = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unavailable"]["patients"] == ["social_security_affiliated"]


def test_an_extract_declared_available_but_missing_still_stops_the_run(small_hospital, tmp_path):
    """Only a declaration makes an extract unavailable: a missing file is a broken export."""
    from pipeline.errors import InputFileError

    exports = tmp_path / "exports"
    exports.mkdir()
    for path in small_hospital.exports.iterdir():
        if path.name != "rcp.csv":  # the tumour-board file, declared available
            shutil.copyfile(path, exports / path.name)
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    source = parse_source_config(
        {**data, "unavailable": ["imaging_lesions"]}, str(tmp_path / "s.yaml")
    )
    trial = load_trial(find_trial("lutathera-retreatment"))
    with pytest.raises(InputFileError, match="file not found"):
        run.run_screening(trial, exports, source, pd.Timestamp(AS_OF), tmp_path / "r")


@pytest.mark.parametrize(
    ("unavailable", "message"),
    [
        (["patients"], "patients extract cannot be unavailable"),
        (["nonsense"], "unknown extract"),
        ({"labs": ["value_raw"]}, "required column"),
        ({"patients": ["shoe_size"]}, "unknown column"),
        ("labs", "list of extracts or a mapping"),
    ],
)
def test_wrong_unavailable_declarations_are_refused(unavailable, message):
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    with pytest.raises(ConfigError, match=message):
        parse_source_config({**data, "unavailable": unavailable}, "s.yaml")


def test_an_undeclared_extract_must_be_declared_unavailable():
    data = yaml.safe_load(SOURCE.read_text(encoding="utf-8"))
    data["extracts"].pop("tumour_board")
    with pytest.raises(ConfigError, match="extracts not declared"):
        parse_source_config(data, "s.yaml")


def test_every_primitive_says_what_it_reads():
    trial = load_trial(find_trial("lutathera-retreatment"))
    kinds = {type(c.rule) for c in trial.criteria}
    assert kinds <= set(PRIMITIVES.values())
    for criterion in trial.criteria:
        reads = rule_reads(criterion.rule)
        assert isinstance(reads, dict)
    with pytest.raises(TypeError):
        rule_reads(object())
    assert UNKNOWN != NOT_MET


def test_the_dag_steps_publish_the_cli_report_of_a_partial_source(
    small_hospital, tmp_path, screened
):
    """extract, validate, publish_snapshot, then screen_shard, report and publish (the DAGs'
    tasks) on a source
    without lesions and tumour board give the CLI's partial report byte for byte."""
    import hashlib

    from tests.pipeline.step_runs import screen_night, validate_night

    _partial_source(tmp_path, list(MISSING))
    source_path = str(tmp_path / "partial.yaml")
    trial_path = str(find_trial("lutathera-retreatment"))
    reports = tmp_path / "reports"
    night = validate_night(source_path, small_hospital.exports.parent, AS_OF, tmp_path / "snaps")
    screen_night(night, trial_path, 2, tmp_path / "work", reports)

    def snapshot(folder):
        return {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file()
        }

    assert snapshot(reports / "lutathera-retreatment" / AS_OF) == snapshot(screened[1])
