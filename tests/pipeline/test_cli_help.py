"""`screening --help`: every option says what it takes with an example, every command ends
with examples that parse, and `--version` names the code version manifests record."""

from __future__ import annotations

import argparse
import shlex

import pytest

from pipeline.cli import build_parser, main
from pipeline.manifest import code_version
from tests.conftest import repo_root


def commands() -> dict[str, argparse.ArgumentParser]:
    [sub] = [a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


def options(parser: argparse.ArgumentParser) -> list[argparse.Action]:
    return [a for a in parser._actions if a.option_strings and a.dest != "help"]


@pytest.mark.parametrize("name", list(commands()))
def test_every_option_has_help_and_an_example_of_its_value(name):
    found = options(commands()[name])
    for action in found:
        assert action.help, f"{name} {action.option_strings[0]} has no help"
        takes_value = action.nargs != 0
        if takes_value:
            assert "e.g. " in action.help, f"{name} {action.option_strings[0]}: no example"


@pytest.mark.parametrize("name", list(commands()))
def test_every_command_ends_its_help_with_examples_that_parse(name, monkeypatch):
    monkeypatch.chdir(repo_root())  # examples name the repository's trial and source files
    parser = commands()[name]
    lines = parser.epilog.splitlines()
    assert lines[0] == "examples:" and len(lines) > 1
    for line in lines[1:]:
        words = shlex.split(line)
        words = words[: words.index(">")] if ">" in words else words
        assert words[:2] == ["screening", name]
        args = build_parser().parse_args(words[1:])
        assert args.command == name


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in commands():
        assert name in out


def test_version_is_the_code_version_of_manifests(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"screening {code_version()}\n"
