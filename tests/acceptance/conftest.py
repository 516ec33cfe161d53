"""One export folder holding every acceptance case, screened once per dialect.

(a) files: the folder read with sources/synthetic-chu.yaml by `run_screening`, as the CLI does;
(b) sql: the same folder loaded into a scratch PostgreSQL database (schema `dwh`) by
`load_warehouse`, pulled with sources/synthetic-chu-warehouse.yaml by `read_extracts_sql`, then
`prepare_extracts` and `screen_and_publish` (`run_screening` reads files only; this is how
tests/pipeline/io/test_sql.py runs the SQL path).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import yaml

from pipeline.io.sql import read_extracts_sql
from pipeline.prepare import prepare_extracts
from pipeline.pseudonym import load_key
from pipeline.run import run_screening, screen_and_publish
from pipeline.sources import load_source_config
from pipeline.trial import Trial, find_trial, load_trial
from pipeline.warehouse import load_warehouse
from tests.acceptance.builder import write_exports
from tests.acceptance.cases import AS_OF, CASES
from tests.conftest import repo_root
from tests.pg_service import scratch_database

FILES = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
WAREHOUSE = load_source_config(repo_root() / "sources" / "synthetic-chu-warehouse.yaml")


@dataclass(frozen=True)
class Screened:
    """A published report with pseudonyms mapped back to the hospital ids."""

    report_dir: Path
    candidates: pd.DataFrame  # indexed by patient id
    criteria: pd.DataFrame  # patient_id, criterion_id, status, reason, ...
    quarantine: dict[str, pd.DataFrame]  # per extract, with patient_id


def read_report(report_dir: Path) -> Screened:
    reid = pd.read_parquet(report_dir / "reidentification.parquet")
    ids = dict(zip(reid["pseudonym"], reid["patient_id"], strict=True))
    candidates = pd.read_parquet(report_dir / "candidates.parquet")
    candidates["patient_id"] = candidates["pseudonym"].map(ids)
    criteria = pd.read_parquet(report_dir / "criteria.parquet")
    criteria["patient_id"] = criteria["pseudonym"].map(ids)
    quarantine = {}
    for path in sorted((report_dir / "quarantine").glob("*.parquet")):
        frame = pd.read_parquet(path)
        frame["patient_id"] = frame["pseudonym"].map(ids)
        quarantine[path.stem] = frame
    return Screened(report_dir, candidates.set_index("patient_id"), criteria, quarantine)


def screen_files(trial: Trial, exports: Path, out: Path) -> Screened:
    """(a) The export folder screened from its files, as the CLI does."""
    result = run_screening(trial, exports, FILES, pd.Timestamp(AS_OF), out)
    return read_report(result.report_dir)


def screen_sql(trial: Trial, exports: Path, out: Path) -> Screened:
    """(b) The same folder loaded into a scratch warehouse and pulled with SQL."""
    with scratch_database() as url:  # skips (fails in CI) without a PostgreSQL server
        load_warehouse(exports, url, FILES)
        raws = read_extracts_sql(url, WAREHOUSE, AS_OF)
        prepared = prepare_extracts(raws, WAREHOUSE, pd.Timestamp(AS_OF))
        result = screen_and_publish(trial, prepared, WAREHOUSE, out, load_key())
    return read_report(result.report_dir)


def screen_without(extract: str, trial: Trial, exports: Path, folder: Path) -> Screened:
    """The folder screened from a files source config written before `extract` existed: the
    extract is unavailable, never read, whatever the folder holds."""
    data = yaml.safe_load(Path(FILES.path).read_text(encoding="utf-8"))
    data["extracts"].pop(extract)
    path = folder / "source.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    source = load_source_config(path)
    assert source.extract_unavailable(extract)
    result = run_screening(trial, exports, source, pd.Timestamp(AS_OF), folder / "out")
    return read_report(result.report_dir)


def assert_verdicts(
    screened: Screened,
    patient_id: str,
    expected: dict[str, str],
    overall: str,
    rationale: str,
    reasons: dict[str, str] | None = None,
) -> None:
    """A hand-built patient's status on every criterion, overall status and reasons, as the
    case says; and none of the patient's rows set aside."""
    rows = screened.criteria[screened.criteria["patient_id"] == patient_id]
    rows = rows.set_index("criterion_id")
    differences = {
        c: f"expected {s}, got {rows['status'].get(c)} ({rows['reason'].get(c)})"
        for c, s in expected.items()
        if rows["status"].get(c) != s
    }
    assert not differences, f"{rationale}: {differences}"
    assert screened.candidates.loc[patient_id, "overall_status"] == overall, rationale
    for criterion, text in (reasons or {}).items():
        assert text in rows.loc[criterion, "reason"], rows.loc[criterion, "reason"]
    assert not any(
        (frame["patient_id"] == patient_id).any() for frame in screened.quarantine.values()
    ), "no record of these hand-built patients is set aside"


@pytest.fixture(scope="session")
def acceptance_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("acceptance") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    return folder


@pytest.fixture(scope="session")
def trial():
    return load_trial(find_trial("lutathera-retreatment"))


@pytest.fixture(scope="session")
def screened_files(acceptance_exports, trial, tmp_path_factory) -> Screened:
    return screen_files(trial, acceptance_exports, tmp_path_factory.mktemp("acceptance-files"))


@pytest.fixture(scope="session")
def screened_sql(acceptance_exports, trial, tmp_path_factory) -> Screened:
    return screen_sql(trial, acceptance_exports, tmp_path_factory.mktemp("acceptance-sql"))


@pytest.fixture(params=["files", "sql"])
def screened(request) -> tuple[str, Screened]:
    return request.param, request.getfixturevalue(f"screened_{request.param}")
