"""Source configs: every dialect key is checked when the config is loaded, before any export is
read, and a wrong one is a one-line error naming the config file, the extract and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError
from pipeline.sources import load_source_config, parse_source_config
from tests.conftest import repo_root


def config(defaults: dict | None = None, **labs) -> dict:
    extracts: dict = {name: {} for name in EXTRACTS}
    extracts["labs"] = labs
    return {"hospital": "H", "defaults": defaults or {}, "extracts": extracts}


def error(data: dict, path: str = "src.yaml") -> str:
    with pytest.raises(ConfigError) as caught:
        parse_source_config(data, path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


@pytest.mark.parametrize("name", ["synthetic-chu.yaml", "synthetic-chu-warehouse.yaml"])
def test_repository_source_configs_load(name):
    source = load_source_config(repo_root() / "sources" / name)
    assert set(source.extracts) == set(EXTRACTS)


@pytest.mark.parametrize(
    ("labs", "fragment"),
    [
        ({"separator": ";;"}, "'separator' must be exactly one character, not 2 characters"),
        ({"separator": ""}, "'separator' must be exactly one character, not 0 characters"),
        ({"separator": 5}, "'separator' must be exactly one character, not int"),
        ({"separator": '"'}, "'separator' cannot be the quote character or a line end"),
        ({"separator": "\n"}, "'separator' cannot be the quote character or a line end"),
        ({"decimal": ".."}, "'decimal' must be exactly one character"),
        ({"decimal": ","}, "'decimal' must differ from the separator ','"),
        ({"encoding": "klingon-8"}, "'encoding': 'klingon-8' is not a known encoding"),
        ({"encoding": "utf-16"}, "encoding 'utf-16' is not supported"),
        ({"encoding": ["utf-8"]}, "'encoding' must be a text"),
        ({"date_format": ""}, "'date_format' must be a non-empty text, not an empty text"),
        ({"date_format": None}, "'date_format' must be a non-empty text, not empty"),
        ({"datetime_formats": "%Y-%m-%d"}, "'datetime_formats' must be a non-empty list"),
        ({"datetime_formats": []}, "'datetime_formats' must be a non-empty list"),
        ({"datetime_formats": ["%Y", ""]}, "'datetime_formats' must be a non-empty text"),
        ({"true_values": [True]}, "'true_values' must be a non-empty text, not a boolean"),
        ({"true_values": ["O", "n"], "false_values": ["N"]}, "['n'] also in true_values"),
        ({"format": "xlsx"}, "'format' must be one of csv, parquet"),
        ({"require_final_newline": "no"}, "'require_final_newline' must be true or false"),
        ({"columns": ["IPP"]}, "'columns' must be a mapping, not list"),
        ({"values": {"unit": ["x"]}}, "'values'['unit'] must be a mapping"),
        ({"query": ""}, "'query' must be a non-empty text"),
        ({"file": 3}, "'file' must be a non-empty text"),
        ({"separater": ";"}, "unknown keys ['separater']"),
    ],
)
def test_each_dialect_key_is_checked_and_named_with_its_extract(labs, fragment):
    message = error(config(**labs))
    assert message.startswith("src.yaml: extract 'labs': ")
    assert fragment in message


def test_a_key_set_in_defaults_is_blamed_on_defaults():
    message = error(config({"separator": "||"}))
    assert message.startswith("src.yaml: defaults: 'separator' must be exactly one character")


def test_encoding_aliases_resolve_to_the_supported_codec():
    source = parse_source_config(config(encoding="Windows-1252"), "src.yaml")
    assert source.extracts["labs"].encoding == "cp1252"
    assert parse_source_config(config(encoding="UTF8"), "s").extracts["labs"].encoding == "utf-8"


def test_a_decimal_comma_with_a_comma_separator_is_fine_for_a_sql_source():
    # The warehouse pull has no separator: only a file source's dialect can clash.
    data = {**config(decimal=",", query="labs.sql"), "kind": "sql"}
    assert parse_source_config(data, "src.yaml").extracts["labs"].decimal == ","


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([1, 2], "a source config is a mapping"),
        ({**config(), "extracts": [1]}, "'extracts' must be a mapping"),
        ({**config(), "defaults": "x"}, "'defaults' must be a mapping"),
        ({**config(), "kind": "ftp"}, "kind must be one of files, sql"),
        ({**config(), "hospital": ""}, "'hospital' must be a non-empty text"),
        ({**config(), "hospitl": "H"}, "unknown keys ['hospitl']"),
        ({"extracts": {**config()["extracts"], "labs": "x"}}, "extract 'labs' must be a mapping"),
    ],
)
def test_config_structure_is_checked(data, fragment):
    assert fragment in error(data)


def test_screening_run_blames_the_config_for_a_two_character_separator(tmp_path: Path):
    """Before, the export was blamed (a field count) for the config's mistake; now the run
    stops on the config, before the exports (here absent) are looked at: status 2, one line."""
    path = tmp_path / "hospital.yaml"
    path.write_text(yaml.safe_dump(config({"separator": ";;"})), encoding="utf-8")
    command = [
        *(sys.executable, "-m", "pipeline.cli", "run", "--trial", "lutathera-retreatment"),
        *("--exports", str(tmp_path / "no-such-exports"), "--as-of", "2026-11-24"),
        *("--out", str(tmp_path / "reports"), "--source", str(path)),
    ]
    done = subprocess.run(
        command, cwd=repo_root(), capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"screening: error: {path}: defaults: 'separator' must be exactly one character, "
        "not 2 characters"
    ]


def test_source_config_files_are_read_under_the_yaml_limits(tmp_path: Path):
    path = tmp_path / "hospital.yaml"
    path.write_text("hospital: &h X\nkind: files\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"hospital\.yaml: cannot read source config: .*anchors"):
        load_source_config(path)
