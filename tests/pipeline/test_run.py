"""The CLI run's order of work: what is still in memory when each stage starts."""

from __future__ import annotations

import gc
import weakref

import pandas as pd

from pipeline import run
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"


def test_the_records_are_freed_before_the_report_tables_are_built(
    small_hospital, tmp_path, monkeypatch
):
    """The report tables need the verdicts only; the accepted records (most of a run's
    memory) are gone before they are built, and the run still publishes its report."""
    records: dict[str, weakref.ref] = {}
    seen: dict[str, bool] = {}
    prepare, build = run.prepare_extracts, run.build_reports

    def prepare_and_watch(*args, **kwargs):
        prepared = prepare(*args, **kwargs)
        records.update({name: weakref.ref(f) for name, f in prepared.data.extracts.items()})
        records["patients"] = weakref.ref(prepared.data.patients)
        return prepared

    def build_and_look(*args, **kwargs):
        gc.collect()
        seen.update({name: ref() is not None for name, ref in records.items()})
        return build(*args, **kwargs)

    monkeypatch.setattr(run, "prepare_extracts", prepare_and_watch)
    monkeypatch.setattr(run, "build_reports", build_and_look)
    trial = load_trial(find_trial("lutathera-retreatment"))
    result = run.run_screening(
        trial, small_hospital.exports, load_source_config(SOURCE), pd.Timestamp(AS_OF), tmp_path
    )
    assert "labs" in seen and "patients" in seen
    assert not any(seen.values()), f"still in memory: {[n for n, kept in seen.items() if kept]}"
    assert result.patients > 0 and (result.report_dir / "criteria.parquet").is_file()
