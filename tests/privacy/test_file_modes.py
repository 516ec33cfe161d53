"""Report folders and files are created without group-write or world access; the
re-identification table and work folders are owner-only (umask set by the pipeline)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pandas as pd

from pipeline import steps
from pipeline.contract import EXTRACTS
from pipeline.run import run_screening
from pipeline.snapshot import build_dir
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root
from tests.pipeline.step_runs import validate_night

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_report_modes_even_under_a_permissive_umask(small_hospital, tmp_path):
    old = os.umask(0o000)  # a careless operator's shell
    try:
        result = run_screening(
            load_trial(find_trial("lutathera-retreatment")),
            small_hospital.exports,
            load_source_config(SOURCE),
            pd.Timestamp(AS_OF),
            tmp_path / "reports",
        )
    finally:
        os.umask(old)
    report = result.report_dir
    assert os.umask(old) == old  # the pipeline restored the caller's umask
    for path in [report, *report.rglob("*")]:
        m = mode(path)
        assert not m & (stat.S_IWGRP | stat.S_IRWXO), (path, oct(m))
    assert mode(report / "reidentification.parquet") == 0o600
    assert mode(report / "candidates.parquet") == 0o640
    assert mode(report) == 0o750


def test_the_snapshot_and_its_build_folder_are_owner_only(small_hospital, tmp_path):
    """The hospital's night: raw extracts while it builds, validated rows once published."""
    root = tmp_path / "snapshots"
    folder = build_dir(root, "synthetic-chu", AS_OF)
    result = steps.extract(
        "patients",
        source_path=str(SOURCE),
        as_of=AS_OF,
        folder=str(folder),
        landing_root=str(small_hospital.exports.parent),
    )
    assert result["rows_read"] > 0
    for path in [root, *root.rglob("*")]:
        assert not mode(path) & (stat.S_IRWXG | stat.S_IRWXO), path
    night = validate_night(SOURCE, small_hospital.exports.parent, AS_OF, root)
    published = list(Path(night).resolve().rglob("*"))
    assert any(p.name == "patients.parquet" for p in published)
    for path in [Path(night).resolve(), *published]:
        assert not mode(path) & (stat.S_IRWXG | stat.S_IRWXO), path
    assert set(EXTRACTS) >= {"patients"}
