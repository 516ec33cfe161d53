"""The DAG's steps, sharded, publish the CLI's report byte for byte; shards read only their rows."""

from __future__ import annotations

import hashlib
import stat
from pathlib import Path

import pandas as pd
import pytest

from pipeline import steps
from pipeline.errors import ConfigError, ScreeningError
from pipeline.prepare import prepare_extracts
from pipeline.pseudonym import load_key
from pipeline.run import read_exports, run_screening
from pipeline.sharding import shard_data, shard_members
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root
from tests.pipeline.step_runs import screen_night, validate_night

TRIAL = "lutathera-retreatment"
SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under a report folder."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def validated(small_hospital, tmp_path_factory) -> dict[str, str]:
    """The small hospital's night validated once by the hospital's steps: its snapshot."""
    root = tmp_path_factory.mktemp("steps")
    return {
        "work_root": str(root / "work"),
        "trial_path": str(find_trial(TRIAL)),
        "snapshot": validate_night(SOURCE, small_hospital.exports.parent, AS_OF, root / "snaps"),
    }


@pytest.fixture(scope="module")
def cli_report(small_hospital, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("cli")
    trial = load_trial(find_trial(TRIAL))
    source = load_source_config(SOURCE)
    return run_screening(trial, small_hospital.exports, source, pd.Timestamp(AS_OF), out).report_dir


def sharded_run(validated: dict[str, str], n_shards: int, reports_root: Path) -> list[dict]:
    """screen_shard for every shard, then report and publish, as a trial DAG's tasks do."""
    return screen_night(
        validated["snapshot"],
        validated["trial_path"],
        n_shards,
        validated["work_root"],
        reports_root,
    )[:-1]


@pytest.mark.parametrize("n_shards", [1, 2, 3, 5])
def test_sharded_steps_publish_the_cli_report_byte_for_byte(
    validated, cli_report, tmp_path, n_shards
):
    *shards, reported = sharded_run(validated, n_shards, tmp_path)
    published = tmp_path / TRIAL / AS_OF
    expected = snapshot(cli_report)
    for name in ("candidates", "criteria", "attrition", "reidentification"):
        assert f"{name}.parquet" in expected, name
    assert "manifest.json" in expected
    assert snapshot(published) == expected
    patients = pd.read_parquet(cli_report / "candidates.parquet")
    assert reported["patients"] == len(patients)
    assert reported["counts"] == patients["overall_status"].value_counts().to_dict()
    assert sorted(s["shard"] for s in shards) == list(range(n_shards))
    assert sum(s["patients"] for s in shards) == len(patients)
    if n_shards > 1:
        assert all(0 < s["patients"] < len(patients) for s in shards), "patients are spread"


def test_shard_tables_are_owner_only(validated, tmp_path):
    """A shard's re-identification table maps pseudonyms to patient ids."""
    shards = sharded_run(validated, 2, tmp_path)[:-1]
    folders = [Path(s["folder"]) for s in shards]
    root = Path(validated["work_root"]) / TRIAL / AS_OF / steps.SHARDS_FOLDER
    assert all(f.parent == root for f in folders)
    for path in [root, *root.rglob("*")]:
        assert not stat.S_IMODE(path.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO), path


def test_a_shard_reads_only_its_patients_rows(validated, small_hospital):
    """What the filtered Parquet reads return equals the in-memory cut of the whole data."""
    source = load_source_config(SOURCE)
    whole = prepare_extracts(
        read_exports(small_hospital.exports, source), source, pd.Timestamp(AS_OF)
    ).data
    members = shard_members(whole.index, load_key(), 1, 3)
    read = steps._shard_data(Path(validated["snapshot"]), members, AS_OF)
    expected = shard_data(whole, members)
    assert read.index.equals(expected.index) and 0 < len(members) < len(whole.index)
    pd.testing.assert_frame_equal(read.patients, expected.patients)
    for name, frame in expected.extracts.items():
        pd.testing.assert_frame_equal(read.extracts[name], frame, obj=name)
        if len(whole.extracts[name]):  # an extract the source lacks is empty in every shard
            assert len(frame) < len(whole.extracts[name]), name
    for name, frame in expected.quarantined.items():
        got = read.quarantined[name]
        pd.testing.assert_frame_equal(
            got.reset_index(drop=True), frame.reset_index(drop=True), obj=name
        )
        assert set(got["patient_id"].dropna()) <= set(members) or name == "imaging_lesions"


@pytest.mark.parametrize(
    "shards",
    [
        [],
        [{"shard": 0, "n_shards": 2}],  # a shard missing
        [{"shard": 0, "n_shards": 2}, {"shard": 0, "n_shards": 2}],  # one shard twice
        [{"shard": 0, "n_shards": 2}, {"shard": 1, "n_shards": 3}],  # shards of two splits
    ],
)
def test_the_report_refuses_an_incomplete_set_of_shards(validated, tmp_path, shards):
    with pytest.raises(ScreeningError, match=r"every shard 0\.\.N-1"):
        steps.report(
            shards,
            trial_path=validated["trial_path"],
            snapshot=validated["snapshot"],
            work_root=validated["work_root"],
            reports_root=str(tmp_path),
        )
    assert not list(tmp_path.rglob("*")), "nothing staged"


def test_the_report_step_takes_the_inputs_digests_from_the_extract_step(
    validated, cli_report, tmp_path, monkeypatch
):
    """Each input file is hashed once, by its extract task, as it is read: the report step
    (which writes the manifest) does not read the landing files again, and the manifest is
    still the CLI's, byte for byte."""

    def no_second_read(path):
        raise AssertionError(f"an input was hashed again: {path.name}")

    monkeypatch.setattr("pipeline.manifest.sha256_file", no_second_read)
    sharded_run(validated, 1, tmp_path)
    published = tmp_path / TRIAL / AS_OF / "manifest.json"
    assert published.read_bytes() == (cli_report / "manifest.json").read_bytes()


def test_check_config_loads_trial_and_key_and_finds_the_snapshot(validated):
    checked = steps.check_config(trial_path=str(find_trial(TRIAL)), snapshot=validated["snapshot"])
    trial = load_trial(find_trial(TRIAL))
    assert checked == {
        "trial_id": TRIAL,
        "criteria": len(trial.criteria),
        "sha256": trial.sha256,
        "source": "synthetic-chu",
        "as_of": AS_OF,
        "snapshot": validated["snapshot"],
    }


def test_check_source_loads_the_source_config(tmp_path):
    assert steps.check_source(source_path=str(SOURCE)) == {
        "source": "synthetic-chu",
        "kind": "files",
    }
    source = tmp_path / "s.yaml"
    source.write_text("defaults: {separator: ';;'}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"s\.yaml"):
        steps.check_source(source_path=str(source))


def test_check_config_refuses_a_bad_trial_or_key(validated, tmp_path, monkeypatch):
    trial = tmp_path / "t.yaml"
    trial.write_text("id: t\ntitle: T\ncriteria: 5\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"t\.yaml: 'criteria' must be a list"):
        steps.check_config(trial_path=str(trial), snapshot=validated["snapshot"])
    monkeypatch.delenv("SCREENING_PSEUDONYM_KEY")
    with pytest.raises(ConfigError, match="no pseudonymisation key"):
        steps.check_config(trial_path=str(find_trial(TRIAL)), snapshot=validated["snapshot"])


def test_two_trials_screen_one_snapshot_as_the_cli_screens_each(
    validated, small_hospital, tmp_path
):
    """Ten trials, one validation: a second trial's run reads the same snapshot (nothing is
    extracted or validated again) and publishes the report its own CLI run gives."""
    second = repo_root() / "tests" / "fixtures" / "trials" / "net-maintenance-example.yaml"
    screen_night(validated["snapshot"], str(second), 2, validated["work_root"], tmp_path / "dag")
    trial = load_trial(second)
    cli = run_screening(
        trial,
        small_hospital.exports,
        load_source_config(SOURCE),
        pd.Timestamp(AS_OF),
        tmp_path / "cli",
    ).report_dir
    assert snapshot(tmp_path / "dag" / trial.id / AS_OF) == snapshot(cli)
