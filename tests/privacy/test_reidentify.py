"""`screening reidentify`: key-checked, owner-only, formula-safe, audited."""

from __future__ import annotations

import json
import os
import stat

import pandas as pd
import pytest

from pipeline.errors import ScreeningError
from pipeline.reidentify import reidentify
from tests.conftest import AS_OF, screen_lutathera


@pytest.fixture(scope="module")
def report(small_hospital, tmp_path_factory):
    return screen_lutathera(small_hospital.exports, tmp_path_factory.mktemp("reports"))


def test_named_list_matches_the_report_and_is_owner_only(report, tmp_path):
    out = tmp_path / "named.csv"
    result = reidentify(report, out, tmp_path / "audit.log")
    named = pd.read_csv(out, dtype=str)
    candidates = pd.read_parquet(report / "candidates.parquet")
    wanted = candidates[candidates["overall_status"].isin(["candidate", "needs_review"])]
    assert result.patients == len(wanted) == len(named)
    reid = pd.read_parquet(report / "reidentification.parquet")
    assert set(named["patient_id"]) == set(
        reid.loc[reid["pseudonym"].isin(wanted["pseudonym"]), "patient_id"]
    )
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_every_use_is_appended_to_the_audit_log(report, tmp_path):
    log = tmp_path / "audit" / "reidentification.log"
    reidentify(report, tmp_path / "a.csv", log)
    reidentify(report, tmp_path / "b.csv", log)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [e["output"].rsplit("/", 1)[-1] for e in entries] == ["a.csv", "b.csv"]
    assert {e["as_of"] for e in entries} == {AS_OF}
    assert all(e["user"] and e["at"] and e["manifest_sha256"] for e in entries)
    assert stat.S_IMODE(os.stat(log).st_mode) == 0o600
    text = log.read_text()
    reid = pd.read_parquet(report / "reidentification.parquet")
    assert not any(pid in text for pid in reid["patient_id"])


def test_wrong_key_is_refused(report, tmp_path, monkeypatch):
    monkeypatch.setenv("SCREENING_PSEUDONYM_KEY", "another-site-secret-entirely")
    with pytest.raises(ScreeningError, match="key does not match"):
        reidentify(report, tmp_path / "x.csv", tmp_path / "audit.log")
    assert not (tmp_path / "x.csv").exists()
    [entry] = [json.loads(line) for line in (tmp_path / "audit.log").read_text().splitlines()]
    assert entry["event"] == "reidentify-refused" and "key does not match" in entry["reason"]
    assert entry["user"] and entry["at"] and "patients" not in entry
    assert not list(tmp_path.glob(".x.csv.tmp-*")), "no temporary list left"
