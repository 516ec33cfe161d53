"""A hostile or careless trial file: refused quickly, in bounded memory, with one line naming the
file and the criterion, before any export is read; never a traceback, never a hang.

Each case is loaded directly (`load_trial`) and through `screening run` with an exports folder
that does not exist: the trial's error must be the one reported, so the trial was read first.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

from pipeline.cli import main
from pipeline.config_yaml import MAX_CONFIG_BYTES
from pipeline.errors import ConfigError
from pipeline.trial import load_trial
from tests.conftest import AS_OF, repo_root

HEAD = "id: abused\ntitle: Abused\ncriteria:\n"
AGE = "  - id: age\n    rule: {primitive: age, min_years: 18}\n"
HB = (
    "  - id: hb\n"
    "    rule: {primitive: latest_lab, analyte: haemoglobin, operator: '>', threshold: THRESHOLD,\n"
    "           unit: g/dL, window: WINDOW}\n"
)


def lab(threshold: str = "8", window: str = "{days: 28}") -> str:
    return HEAD + AGE + HB.replace("THRESHOLD", threshold).replace("WINDOW", window)


def _bomb() -> str:
    """ "Billion laughs": nine levels of ten aliases, 10^9 strings once anything walks it."""
    lines = ['  - &l0 ["lol"]\n']
    for level in range(1, 10):
        aliases = ", ".join([f"*l{level - 1}"] * 10)
        lines.append(f"  - &l{level} [{aliases}]\n")
    return HEAD + "".join(lines)


BOMB = _bomb()

# name -> (file text, fragments the one-line error must hold)
ABUSE: dict[str, tuple[str, tuple[str, ...]]] = {
    "alias bomb": (BOMB, ("line 4", "anchors (&l0) are not allowed")),
    "alias without anchor": (HEAD + "  - *nothing\n", ("aliases (*nothing)",)),
    "deep nesting": (HEAD + "  - " + "[" * 20_000 + "\n", ("nested deeper than 32",)),
    "criteria is a number": (HEAD.replace("criteria:\n", "criteria: 5\n"), ("'criteria'",)),
    "criteria is a mapping": (HEAD + "  id: age\n", ("'criteria' must be a list",)),
    "string criterion": (HEAD + "  - age at least 18\n", ("criterion 1", "is a mapping")),
    "rule is a string": (HEAD + "  - {id: a, rule: age}\n", ("criterion 'a'", "a rule is")),
    "threshold nan": (lab(threshold=".nan"), ("criterion 'hb'", "'threshold'", "finite")),
    "threshold inf": (lab(threshold=".inf"), ("criterion 'hb'", "'threshold'", "finite")),
    "threshold text": (lab(threshold="high"), ("criterion 'hb'", "'threshold'", "a number")),
    "negative window": (
        lab(window="{days: -28}"),
        ("criterion 'hb'", "'window.days'", "from 0 to"),
    ),
    "huge window": (
        lab(window="{months: 100000}"),
        ("criterion 'hb'", "'window.months'", "from 0 to 1200"),
    ),
    "fractional window": (lab(window="{months: 0.5}"), ("'window.months'", "whole number")),
    "unknown criterion key": (
        HEAD + AGE.replace("    rule:", "    rul: x\n    rule:"),
        ("criterion 'age'", "unknown keys ['rul']"),
    ),
    "unknown rule key": (AGE.join([HEAD, ""]).replace("min_years", "min_yrs"), ("min_yrs",)),
    "unknown top-level key": ("extra: 1\n" + HEAD + AGE, ("unknown keys ['extra']",)),
    "repeated key": (
        HEAD + "  - id: age\n    rule: {primitive: age, min_years: 18, min_years: 1}\n",
        ("line 5", "'min_years' is given twice"),
    ),
    "boolean as count": (
        HEAD + "  - id: prrt\n    rule: {primitive: treatment_courses, atc_codes: [V10XX04],"
        " count: true}\n",
        ("criterion 'prrt'", "'count'", "not a boolean"),
    ),
    "boolean as text": (HEAD + AGE + "    text: no\n", ("criterion 'age'", "'text'")),
    "python tag": (
        HEAD + "  - !!python/object/apply:os.system ['true']\n",
        ("could not determine a constructor",),
    ),
    "id is a path": (HEAD.replace("id: abused", "id: ../../outside") + AGE, ("'id' must be",)),
}


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "abused.yaml"
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


@pytest.mark.parametrize("case", list(ABUSE))
def test_abusive_trial_is_a_one_line_config_error_naming_the_file(tmp_path, case):
    text, fragments = ABUSE[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_trial(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_the_alias_bomb_is_refused_quickly_in_bounded_memory(tmp_path):
    path = write(tmp_path, BOMB)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ConfigError):
            load_trial(path)
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 5_000_000  # a walk of the expansion would need tens of gigabytes


def test_deep_nesting_is_refused_without_recursion(tmp_path):
    # Far deeper than Python's recursion limit: refused while composing, not a RecursionError.
    path = write(tmp_path, HEAD + "  - " + "{a: " * 200_000 + "\n")
    started = time.perf_counter()
    with pytest.raises(ConfigError, match="nested deeper than 32"):
        load_trial(path)
    assert time.perf_counter() - started < 10.0


def test_an_oversize_trial_file_is_refused_unparsed(tmp_path):
    # Valid YAML (one long comment), so only the size can refuse it.
    path = write(tmp_path, HEAD + AGE + "# " + "x" * MAX_CONFIG_BYTES + "\n")
    with pytest.raises(ConfigError, match=r"larger than 1,000,000 bytes"):
        load_trial(path)


def test_a_trial_file_that_is_not_text_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not UTF-8 text"):
        load_trial(write(tmp_path, b"id: t\x00\xff\xfe\n"))


def run_args(trial: Path, tmp_path: Path) -> list[str]:
    """`screening run` on an exports folder that does not exist: reading it would fail."""
    return [
        *("run", "--trial", str(trial), "--as-of", AS_OF),
        *("--exports", str(tmp_path / "no-such-exports"), "--out", str(tmp_path / "reports")),
    ]


@pytest.mark.parametrize("case", list(ABUSE))
def test_screening_run_reports_the_trial_error_before_reading_exports(tmp_path, capsys, case):
    text, fragments = ABUSE[case]
    path = write(tmp_path, text)
    assert main(run_args(path, tmp_path)) == 2
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"screening: error: {path}: ")
    assert "no-such-exports" not in err
    for fragment in fragments:
        assert fragment in lines[0]
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize("case", ["alias bomb", "huge window", "string criterion"])
def test_the_screening_process_exits_2_with_one_line_and_no_traceback(tmp_path, case):
    text, fragments = ABUSE[case]
    path = write(tmp_path, text)
    done = subprocess.run(
        [sys.executable, "-m", "pipeline.cli", *run_args(path, tmp_path)],
        cwd=repo_root(),
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"screening: error: {path}: ")
    for fragment in fragments:
        assert fragment in lines[0]
    assert done.stdout == ""
