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


def test_named_list_says_in_words_what_remains_to_confirm_and_what_is_unknown(report, tmp_path):
    from pipeline.trial import find_trial, load_trial

    trial = load_trial(find_trial("lutathera-retreatment"))
    texts = {c.id: c.text for c in trial.criteria}
    remains = {c.id: c.to_confirm or c.text for c in trial.criteria}
    out = tmp_path / "named.csv"
    reidentify(report, out, tmp_path / "audit.log")
    named = pd.read_csv(out, dtype=str, keep_default_na=False).set_index("pseudonym")
    candidates = pd.read_parquet(report / "candidates.parquet").set_index("pseudonym")
    assert named["unknown_to_check"].ne("").any() and named["remains_to_confirm"].ne("").all()
    for pseudonym, row in named.iterrows():
        patient = candidates.loc[pseudonym]
        expected = "; ".join(remains[i] for i in patient["to_confirm_criteria"])
        assert row["remains_to_confirm"] == expected
        assert row["unknown_to_check"] == "; ".join(texts[i] for i in patient["unknown_criteria"])
        assert row["to_confirm_criteria"] == "; ".join(patient["to_confirm_criteria"])
    assert not any(text.startswith(("=", "+", "-", "@")) for text in named["remains_to_confirm"])


def test_named_list_falls_back_to_the_report_texts_when_the_trial_file_changed(report):
    from pipeline.reidentify import criterion_wording

    texts, remains = criterion_wording(report, "lutathera-retreatment", "0" * 64)
    assert remains == texts  # not the visit wording of a file the report was not screened with
    assert len(texts) == 19 and texts["alive"]
