"""The trial files' JSON Schema: current in trials/, valid, accepting every shipped trial and
refusing what the loader refuses for its keys and types."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from pipeline.cli import main
from pipeline.errors import ConfigError
from pipeline.trial import parse_trial
from pipeline.trial_schema import schema_text, trial_schema
from tests.conftest import repo_root

TRIALS = [
    *sorted((repo_root() / "trials").glob("*.yaml")),
    *sorted((repo_root() / "tests" / "fixtures" / "trials").glob("*.yaml")),
]


@pytest.fixture(scope="module")
def validator() -> Draft202012Validator:
    schema = trial_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def read(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_the_committed_schema_is_the_generated_one():
    committed = (repo_root() / "trials" / "trial.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(), "run: screening trial-schema > trials/trial.schema.json"


def test_trial_schema_prints_it(capsys):
    assert main(["trial-schema"]) == 0
    assert json.loads(capsys.readouterr().out) == trial_schema()


@pytest.mark.parametrize("path", TRIALS, ids=lambda p: p.name)
def test_every_shipped_trial_validates(validator, path):
    errors = [e.message for e in validator.iter_errors(read(path))]
    assert errors == []


def lutathera() -> dict:
    return read(repo_root() / "trials" / "lutathera-retreatment.yaml")


def criterion(data: dict, cid: str) -> dict:
    return next(c for c in data["criteria"] if c["id"] == cid)


BROKEN = {
    "unknown top-level key": lambda d: d.update(sponsor="x"),
    "code_set instead of code_sets": lambda d: d.update(code_set={}),
    "no criteria": lambda d: d.update(criteria=[]),
    "criteria not a list": lambda d: d.update(criteria={"a": 1}),
    "missing title": lambda d: d.pop("title"),
    "exclude_deceased not a boolean": lambda d: d.update(exclude_deceased="no"),
    "unknown criterion key": lambda d: criterion(d, "age").update(note="x"),
    "criterion without rule": lambda d: criterion(d, "age").pop("rule"),
    "unknown kind": lambda d: criterion(d, "age").update(kind="inclusive"),
    "unknown primitive": lambda d: criterion(d, "age")["rule"].update(primitive="horoscope"),
    "unknown parameter": lambda d: criterion(d, "age")["rule"].update(min_year=18),
    "age out of bounds": lambda d: criterion(d, "age")["rule"].update(min_years=200),
    "unknown window key": lambda d: criterion(d, "haemoglobin_above_8")["rule"].update(
        window={"hours": 4}
    ),
    "unknown analyte": lambda d: criterion(d, "haemoglobin_above_8")["rule"].update(
        analyte="haemoglobine"
    ),
    "lab threshold not a number": lambda d: criterion(d, "haemoglobin_above_8")["rule"].update(
        threshold="8"
    ),
    "unknown condition key": lambda d: criterion(d, "ecog_0_2")["rule"]["where"][0].update(
        values="ECOG"
    ),
    "unknown condition operator": lambda d: criterion(d, "ecog_0_2")["rule"]["conditions"][
        0
    ].update(op="lte"),
    "condition without value": lambda d: criterion(d, "ecog_0_2")["rule"]["conditions"][0].pop(
        "value"
    ),
    "unknown when_absent": lambda d: criterion(d, "ecog_0_2")["rule"].update(when_absent="met"),
    "unknown course event key": lambda d: criterion(d, "disease_control_12_months")["rule"][
        "from"
    ].update(course_gap=90),
    "empty atc_codes": lambda d: criterion(d, "first_prrt_four_cycles")["rule"].update(
        atc_codes=[]
    ),
    "code set of an unknown system": lambda d: d.update(
        code_sets={"x": {"system": "read_v2", "include": ["1"]}}
    ),
    "unknown code set key": lambda d: d.update(
        code_sets={"x": {"system": "atc", "include": ["L01*"], "excludes": ["L01A*"]}}
    ),
    "code set without include": lambda d: d.update(code_sets={"x": {"system": "atc"}}),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_trials_are_refused_by_both_the_loader_and_the_schema(validator, name):
    data = copy.deepcopy(lutathera())
    BROKEN[name](data)
    with pytest.raises(ConfigError):
        parse_trial(data, "broken.yaml", "0")
    assert list(validator.iter_errors(data)), f"the schema accepts: {name}"


def test_a_trial_with_code_sets_validates_and_loads(validator):
    data = copy.deepcopy(lutathera())
    data["code_sets"] = {
        "lutetium_prrt": {"system": "atc", "include": ["V10XX04"], "description": "PRRT"},
    }
    criterion(data, "first_prrt_four_cycles")["rule"]["atc_codes"] = "lutetium_prrt"
    assert list(validator.iter_errors(data)) == []
    assert parse_trial(data, "ok.yaml", "0").code_sets["lutetium_prrt"].name == "lutetium_prrt"
