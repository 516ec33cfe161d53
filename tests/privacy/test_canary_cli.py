"""Canary patients: their ids, names, birth dates and values appear nowhere a CLI run writes,
except the ids in the re-identification table (issue 5)."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest

from pipeline.generator.canary import canaries
from pipeline.generator.hospital import generate_hospital
from tests.conftest import AS_OF, repo_root
from tests.privacy.leaks import canary_needles, find_leaks


@pytest.fixture(scope="module")
def canary_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("canary")
    hospital = generate_hospital(
        folder / "h", 400, 21, AS_OF, background_labs=8, canary=True, defects=True
    )
    out = folder / "reports"
    log = folder / "run.log"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with log.open("w") as handle:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pipeline.cli",
                "run",
                "--trial",
                "lutathera-retreatment",
                "--exports",
                str(hospital.exports),
                "--as-of",
                AS_OF,
                "--out",
                str(out),
            ],
            cwd=repo_root(),
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=True,
        )
    return hospital, out, log


def test_canaries_are_really_planted_and_screened(canary_run):
    hospital, out, _ = canary_run
    truth = pd.read_parquet(hospital.truth)
    ids = {c.patient_id for c in canaries()}
    assert ids <= set(truth["patient_id"])
    reid = pd.read_parquet(out / "lutathera-retreatment" / AS_OF / "reidentification.parquet")
    assert ids <= set(reid["patient_id"])


def test_no_canary_data_outside_the_reidentification_table(canary_run):
    _, out, log = canary_run
    leaks = find_leaks([out, log], canary_needles(), allowed={"reidentification.parquet"})
    assert leaks == []


def test_reidentification_table_holds_ids_but_no_names_birth_dates_or_values(canary_run):
    _, out, _ = canary_run
    table = out / "lutathera-retreatment" / AS_OF / "reidentification.parquet"
    ids = {c.patient_id for c in canaries()}
    others = [n for n in canary_needles() if n not in ids]
    assert find_leaks([table], others, allowed=set()) == []


def test_the_search_finds_a_planted_leak(tmp_path):
    """The leak search itself can fail: it finds a canary inside a compressed Parquet file."""
    leaked = tmp_path / "leaked.parquet"
    pd.DataFrame({"x": [canaries()[0].family_name]}).to_parquet(leaked, compression="zstd")
    assert find_leaks([tmp_path], canary_needles(), allowed=set()) == [
        (str(leaked), canaries()[0].family_name)
    ]
