"""Configuration YAML under limits: size, nesting, no aliases, no repeated keys, one-line errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from pipeline.config_yaml import (
    MAX_CONFIG_BYTES,
    MAX_DEPTH,
    load_config_yaml,
    parse_config_yaml,
    yaml_problem,
)
from pipeline.errors import ConfigError


def problem(text: str) -> str:
    with pytest.raises(yaml.YAMLError) as caught:
        parse_config_yaml(text)
    return yaml_problem(caught.value)


def test_plain_yaml_parses_as_safe_load_does():
    text = "a: 1\nb: [x, {c: 2.5, d: true}]\nwhen: 2026-11-24\n"
    assert parse_config_yaml(text) == yaml.safe_load(text)


def test_aliases_and_anchors_are_refused_before_any_expansion():
    assert "anchors (&a)" in problem("a: &a [1, 2]\nb: [*a, *a]\n")
    assert "aliases (*a)" in problem("b: *a\n")


def test_a_recursive_anchor_is_refused():
    assert "anchors (&r)" in problem("x: &r [*r]\n")


def test_nesting_beyond_the_limit_is_refused_and_within_it_accepted():
    deep_ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_config_yaml(deep_ok) is not None
    assert "nested deeper" in problem("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    # Far past Python's recursion limit: refused while composing, not a RecursionError.
    assert "nested deeper" in problem("[" * 100_000)


def test_a_key_given_twice_is_refused():
    assert problem("min_years: 18\nmin_years: 80\n") == "line 2: key 'min_years' is given twice"


def test_a_syntax_error_is_one_line_with_its_place():
    message = problem("criteria: [\n  {id: a\n")
    assert "\n" not in message
    assert message.startswith("line ")


def test_oversize_file_is_refused_without_parsing(tmp_path: Path):
    path = tmp_path / "big.yaml"
    path.write_bytes(b"# " + b"x" * MAX_CONFIG_BYTES + b"\n")
    with pytest.raises(ConfigError, match="larger than") as caught:
        load_config_yaml(path, "trial file")
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda p: p.mkdir(), "it is a folder"),
        (lambda p: p.write_bytes(b"id: \xff\xfe\n"), "not UTF-8 text (byte 5)"),
        (lambda p: None, "No such file"),
        (lambda p: os.mkfifo(p, 0o600), "not a regular file"),
    ],
)
def test_unreadable_files_are_one_line_errors_naming_the_file(tmp_path: Path, make, fragment):
    path = tmp_path / "trial.yaml"
    make(path)
    with pytest.raises(ConfigError) as caught:
        load_config_yaml(path, "trial file")
    message = str(caught.value)
    assert message.startswith(f"{path}: cannot read trial file: ")
    assert fragment in message
    assert "\n" not in message


def test_load_returns_the_bytes_read(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("hospital: X\n", encoding="utf-8")
    assert load_config_yaml(path, "source config") == ({"hospital": "X"}, b"hospital: X\n")
