"""An optional extract (`conditions`, contract 1.4.0): a source config written before it
existed keeps working, the extract then unavailable; declared, it is read as any other."""

from __future__ import annotations

import pytest

from pipeline.contract import CONTRACT_VERSION, EXTRACTS
from pipeline.errors import ConfigError
from pipeline.sources import canonical_source, load_source_config, parse_source_config
from tests.conftest import repo_root

REQUIRED = [name for name, extract in EXTRACTS.items() if not extract.optional]


def test_conditions_is_the_only_optional_extract_so_far():
    assert [n for n, e in EXTRACTS.items() if e.optional] == ["conditions"]
    assert CONTRACT_VERSION == "1.4.0"


def test_a_config_without_the_optional_extract_has_it_unavailable():
    source = parse_source_config({"extracts": {n: {} for n in REQUIRED}}, "old.yaml")
    assert source.extract_unavailable("conditions")
    assert source.unavailable_summary() == {"conditions": "all"}


def test_a_config_that_declares_it_reads_it():
    source = canonical_source()
    assert not source.extract_unavailable("conditions")
    assert source.extracts["conditions"].file == "conditions.csv"
    chu = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
    assert chu.extracts["conditions"].file == "diagnostics.csv"
    assert chu.extracts["conditions"].hospital_column("onset_date") == "DATE_DEBUT"


def test_its_columns_can_be_declared_unavailable():
    source = parse_source_config(
        {"extracts": {n: {} for n in EXTRACTS}, "unavailable": {"conditions": ["snomed_code"]}},
        "s.yaml",
    )
    assert not source.extract_unavailable("conditions")
    assert source.unavailable_columns("conditions") == ("snomed_code",)


def test_a_required_extract_left_out_is_still_an_error():
    with pytest.raises(ConfigError, match=r"old.yaml: extracts not declared: \['labs'\]"):
        parse_source_config({"extracts": {n: {} for n in REQUIRED if n != "labs"}}, "old.yaml")
