"""`screening check-source` and `check-trial`: the loaders' checks on one file, before any
export exists; OK and status 0, or the one-line error and status 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from tests.conftest import repo_root

SOURCES = sorted((repo_root() / "sources").glob("*.yaml"))
TRIALS = [
    *sorted((repo_root() / "trials").glob("*.yaml")),
    repo_root() / "tests" / "fixtures" / "trials" / "net-maintenance-example.yaml",
]


def check(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def one_error(capsys, *argv: str) -> str:
    status, out, err = check(capsys, *argv)
    assert status == 2 and out == ""
    [line] = err.splitlines()
    assert line.startswith("screening: error: ") and "Traceback" not in err
    return line


def synthetic_source() -> dict:
    return yaml.safe_load((repo_root() / "sources" / "synthetic-chu.yaml").read_text())


def write_source(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "hospital.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_the_shipped_source_configs_are_ok(capsys, path):
    status, out, err = check(capsys, "check-source", str(path))
    hospital = yaml.safe_load(path.read_text(encoding="utf-8"))["hospital"]
    assert status == 0 and err == ""
    assert out.startswith(f"{path}: OK (source config of {hospital}, ")


@pytest.mark.parametrize("path", TRIALS, ids=lambda p: p.name)
def test_the_shipped_trials_are_ok(capsys, path):
    status, out, err = check(capsys, "check-trial", str(path))
    trial_id = yaml.safe_load(path.read_text(encoding="utf-8"))["id"]
    assert status == 0 and err == ""
    assert out.startswith(f"{path}: OK (trial {trial_id} version ")


def test_a_trial_id_is_checked_too(capsys):
    status, out, _ = check(capsys, "check-trial", "lutathera-retreatment")
    assert status == 0 and "OK (trial lutathera-retreatment" in out


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["defaults"].update(separator=";;"), "'separator' must be exactly one"),
        (lambda d: d["defaults"].update(encoding="klingon-8"), "not a known encoding"),
        (lambda d: d["extracts"]["labs"].update(decimal=";"), "must differ from the separator"),
        (lambda d: d["extracts"].pop("labs"), "extracts not declared: ['labs']"),
        (lambda d: d["extracts"]["patients"].update(colour="red"), "unknown keys"),
    ],
    ids=["separator", "encoding", "decimal", "missing extract", "unknown key"],
)
def test_a_wrong_source_config_is_one_line_naming_the_file(tmp_path, capsys, change, expected):
    data = synthetic_source()
    change(data)
    path = write_source(tmp_path, data)
    line = one_error(capsys, "check-source", str(path))
    assert line.startswith(f"screening: error: {path}") and expected in line


def test_a_column_mapped_to_no_contract_column_is_refused(tmp_path, capsys):
    data = synthetic_source()
    data["extracts"]["patients"]["columns"]["TAILLE"] = "height_cm"
    path = write_source(tmp_path, data)
    line = one_error(capsys, "check-source", str(path))
    assert str(path) in line and "height_cm" in line


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p.mkdir(), "it is a folder"),
        (lambda p: None, "No such file or directory"),
        (lambda p: p.write_bytes(b"\xff\xfe\x00 not text"), "not UTF-8 text"),
    ],
    ids=["folder", "missing", "binary"],
)
def test_an_unreadable_source_config_is_one_line(tmp_path, capsys, make, expected):
    path = tmp_path / "hospital.yaml"
    make(path)
    line = one_error(capsys, "check-source", str(path))
    assert line.startswith(f"screening: error: {path}: ") and expected in line


def test_a_wrong_trial_is_one_line_naming_the_file_and_key(tmp_path, capsys):
    source = repo_root() / "trials" / "lutathera-retreatment.yaml"
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    data["criteria"][0]["colour"] = "red"
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    line = one_error(capsys, "check-trial", str(path))
    assert line.startswith(f"screening: error: {path}") and "colour" in line


def test_an_unknown_trial_id_lists_the_trials(capsys):
    line = one_error(capsys, "check-trial", "no-such-trial")
    assert "available: lutathera-retreatment" in line


def test_a_trial_that_loads_but_names_a_class_code_gets_a_note(tmp_path, capsys):
    path = tmp_path / "trial.yaml"
    path.write_text(
        "id: t\ntitle: T\ncode_sets:\n  cdk: {system: atc, include: [L01EF]}\ncriteria:\n"
        "  - id: prior\n    rule: {primitive: treatment_courses, atc_codes: cdk, count: 1}\n",
        encoding="utf-8",
    )
    status, out, err = check(capsys, "check-trial", str(path))
    assert status == 0
    assert out == f"{path}: OK (trial t version 1, 2 criteria, 1 code set)\n"
    assert err.startswith(f"screening: note: {path}: code set 'cdk': 'L01EF' is a class code")


ANCHORED = {
    "id": "anchored",
    "title": "Windows around an event",
    "criteria": [
        {
            "id": "no_chemo_after_surgery",
            "kind": "exclusion",
            "rule": {
                "primitive": "around_event",
                "anchor": {
                    "extract": "procedures",
                    "where": [{"column": "category", "op": "eq", "value": "SURGERY"}],
                    "record": "last",
                },
                "extract": "treatments",
                "where": [{"column": "atc_code", "op": "in", "value": ["L01*"]}],
                "event_window": {"start": {"days": 0}, "end": {"weeks": 4, "side": "after"}},
                "at_least": 1,
            },
        }
    ],
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({}, None),
        ({"record": "earliest"}, "'anchor.record' is first or last, not 'earliest'"),
        ({"where": [{"column": "categry", "op": "eq", "value": "SURGERY"}]}, "'categry'"),
        ({"where": [{"column": "category", "op": "eq", "value": "SURGERIES"}]}, "SURGERIES"),
    ],
)
def test_check_trial_names_the_file_and_criterion_of_a_bad_anchor(
    capsys, tmp_path, change, message
):
    spec = yaml.safe_load(yaml.safe_dump(ANCHORED))
    spec["criteria"][0]["rule"]["anchor"].update(change)
    path = tmp_path / "anchored.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    if message is None:
        status, out, _ = check(capsys, "check-trial", str(path))
        assert status == 0 and out.startswith(f"{path}: OK (trial anchored version ")
        return
    line = one_error(capsys, "check-trial", str(path))
    assert f"{path}: criterion 'no_chemo_after_surgery'" in line and message in line
