"""An optional extract (`conditions`, contract 1.5.0; `biomarkers`, 1.6.0; `procedures`, 1.7.0;
`medications`, 1.8.0; `observation_periods`, 1.9.0; `tumour_stage`, 1.10.0): a source config
written before it existed keeps working, the extract then unavailable; declared, it is read as
any other."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from pipeline import run, steps
from pipeline.contract import CONTRACT_VERSION, EXTRACTS
from pipeline.errors import ConfigError, InputFileError
from pipeline.rules.reads import UNAVAILABLE_REASON
from pipeline.sources import canonical_source, load_source_config, parse_source_config
from pipeline.trial import load_trial
from tests.conftest import AS_OF, repo_root

REQUIRED = [name for name, extract in EXTRACTS.items() if not extract.optional]


def test_the_optional_extracts_so_far():
    optional = [n for n, e in EXTRACTS.items() if e.optional]
    expected = [
        "conditions",
        "biomarkers",
        "procedures",
        "medications",
        "observation_periods",
        "tumour_stage",
    ]
    assert optional == expected
    assert CONTRACT_VERSION == "1.10.0"


def test_a_config_without_the_optional_extract_has_it_unavailable():
    source = parse_source_config({"extracts": {n: {} for n in REQUIRED}}, "old.yaml")
    assert source.extract_unavailable("conditions")
    assert source.extract_unavailable("biomarkers")
    summary = source.unavailable_summary()
    assert summary == {
        "biomarkers": "all",
        "conditions": "all",
        "medications": "all",
        "observation_periods": "all",
        "procedures": "all",
        "tumour_stage": "all",
    }


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


TRIAL = repo_root() / "tests" / "fixtures" / "trials" / "conditions-example.yaml"
CHU = repo_root() / "sources" / "synthetic-chu.yaml"


@pytest.fixture(scope="module")
def older_folder(small_hospital, tmp_path_factory):
    """The small hospital's folder as delivered before it exported diagnoses."""
    folder = tmp_path_factory.mktemp("older") / AS_OF
    shutil.copytree(small_hospital.exports, folder)
    (folder / "diagnostics.csv").unlink()
    return folder


def test_a_folder_without_the_optional_file_is_screened_the_extract_unavailable(
    older_folder, tmp_path
):
    source = load_source_config(CHU)
    result = run.run_screening(
        load_trial(TRIAL), older_folder, source, pd.Timestamp(AS_OF), tmp_path
    )
    manifest = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unavailable"] == {
        "conditions": "all",
        "observation_periods": "all",
        "tumour_stage": "all",
    }
    account = manifest["extracts"]["conditions"]
    assert account["unavailable"] is True and account["rows_read"] == 0
    assert "diagnostics.csv not delivered" in account["file"]
    criteria = pd.read_parquet(result.report_dir / "criteria.parquet")
    read = criteria[criteria["criterion_id"] != "alive"]
    assert (read["status"] == "unknown").all()
    assert (read["reason"] == f"{UNAVAILABLE_REASON}: conditions").all()


def test_a_required_file_missing_still_stops_the_run(older_folder, tmp_path):
    broken = tmp_path / AS_OF
    shutil.copytree(older_folder, broken)
    (broken / "rcp.csv").unlink()
    with pytest.raises(InputFileError, match=r"rcp.csv: file not found"):
        run.run_screening(
            load_trial(TRIAL), broken, load_source_config(CHU), pd.Timestamp(AS_OF), tmp_path
        )


def test_the_dag_steps_stage_the_missing_optional_extract_as_unavailable(older_folder, tmp_path):
    build = tmp_path / "build"
    common = {"source_path": str(CHU), "as_of": AS_OF, "folder": str(build)}
    staged = steps.extract("conditions", landing_root=str(older_folder.parent), **common)
    assert staged["rows_read"] == 0 and staged["sha256"] == ""
    assert "not delivered" in staged["input"]
    steps.extract("patients", landing_root=str(older_folder.parent), **common)
    steps.validate("patients", previous={}, **common)
    steps.validate("conditions", previous={}, **common)
    dq = json.loads((build / "dq" / "conditions.json").read_text())
    assert dq["account"]["unavailable"] is True
    assert "not delivered" in dq["account"]["path"]


def test_a_folder_without_biomarkers_leaves_receptor_criteria_unknown(small_hospital, tmp_path):
    """A landing folder delivered before the site exported biomarkers: MONALEESA-2's receptor
    criteria are unknown, "not available from this source", never not met."""
    folder = tmp_path / "older" / AS_OF
    shutil.copytree(small_hospital.exports, folder)
    (folder / "biomarqueurs.csv").unlink()
    result = run.run_screening(
        load_trial(repo_root() / "trials" / "monaleesa-2.yaml"),
        folder,
        load_source_config(CHU),
        pd.Timestamp(AS_OF),
        tmp_path / "reports",
    )
    manifest = json.loads((result.report_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["unavailable"] == {
        "biomarkers": "all",
        "observation_periods": "all",
        "tumour_stage": "all",
    }
    assert "biomarqueurs.csv not delivered" in manifest["extracts"]["biomarkers"]["file"]
    criteria = pd.read_parquet(result.report_dir / "criteria.parquet")
    alive = set(
        criteria.loc[
            (criteria["criterion_id"] == "alive") & (criteria["status"] == "met"), "pseudonym"
        ]
    )
    for criterion in ("hormone_receptor_positive", "her2_negative"):
        rows = criteria[(criteria["criterion_id"] == criterion) & criteria["pseudonym"].isin(alive)]
        assert len(rows) and (rows["status"] == "unknown").all(), criterion
        assert rows["reason"].str.contains(f"{UNAVAILABLE_REASON}: biomarkers").all()
