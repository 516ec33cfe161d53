"""The README's command lines work as written: `./screening` runs the environment's command,
and every `./screening ...` line of the README parses (options, values and files it names)."""

from __future__ import annotations

import re
import shlex
import subprocess

import pytest

from pipeline.cli import build_parser, main
from pipeline.manifest import code_version
from tests.conftest import repo_root


def readme_commands() -> list[str]:
    """`./screening` lines of the README's shell blocks, continuations joined, optional
    `[...]` parts kept as given, comments and redirections dropped."""
    text = (repo_root() / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    joined = "\n".join(blocks).replace("\\\n", " ")
    lines = [line.strip() for line in joined.splitlines()]
    commands = []
    for line in lines:
        if line.startswith("./screening "):
            line = line.split(" #", 1)[0].split(" > ", 1)[0]
            commands.append(line.replace("[", "").replace("]", ""))
    return commands


def test_the_readme_has_its_command_lines():
    assert len(readme_commands()) >= 10


@pytest.mark.parametrize("line", readme_commands())
def test_each_readme_command_parses(line, monkeypatch, capsys):
    monkeypatch.chdir(repo_root())  # as written: from the repository root
    words = shlex.split(line)[1:]
    if words[0].startswith("-"):  # --help, --version: print and exit 0
        assert main(words) == 0 and capsys.readouterr().out
    else:
        assert build_parser().parse_args(words).command == words[0]


def test_the_wrapper_runs_the_installed_command(tmp_path):
    """From another folder too: the wrapper finds the repository by its own path."""
    done = subprocess.run(
        [str(repo_root() / "screening"), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"screening {code_version()}\n"
