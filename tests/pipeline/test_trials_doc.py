"""docs/trials.md teaches what the loader does: its complete trial examples load, and every
primitive and code system is described."""

from __future__ import annotations

import re

import pytest
import yaml

from pipeline.rules import PRIMITIVES
from pipeline.rules.code_systems import SYSTEMS
from pipeline.trial import parse_trial
from tests.conftest import repo_root

DOC = (repo_root() / "docs" / "trials.md").read_text(encoding="utf-8")
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)
TRIALS = [block for block in BLOCKS if block.startswith("id: ")]


def test_the_page_has_complete_trial_examples():
    assert len(TRIALS) >= 2


@pytest.mark.parametrize("block", TRIALS, ids=lambda b: b.split("\n", 1)[0])
def test_each_trial_example_loads(block):
    trial = parse_trial(yaml.safe_load(block), "docs/trials.md", "0")
    assert len(trial.criteria) >= 2


def test_every_rule_example_parses():
    rules = [b for b in BLOCKS if b.startswith("rule:")]
    assert len(rules) >= 3
    for block in rules:
        spec = {"id": "t", "title": "T", "criteria": [{"id": "c", **yaml.safe_load(block)}]}
        parse_trial(spec, "docs/trials.md", "0")


def test_every_primitive_and_code_system_is_described():
    for name in [*PRIMITIVES, *SYSTEMS]:
        assert f"`{name}`" in DOC, name
