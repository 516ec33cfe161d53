"""A large FHIR export is read block by block and, past `IN_MEMORY_ROWS`, parsed again in
batches whenever its rows are wanted: the rows, their numbers, the counts and the report are
those of the in-memory read (forced here with tiny blocks and limits)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.generator.fhir_bulk import write_fhir_bulk
from pipeline.io import fhir
from pipeline.run import run_screening
from pipeline.sources import parse_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF

EXTRACTS = ("patients", "labs", "pathology", "treatments", "conditions", "assessments")


@pytest.fixture(scope="module")
def export(small_hospital, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fhir-stream") / AS_OF
    write_fhir_bulk(small_hospital.exports, folder)
    return folder


def _whole(raw) -> pd.DataFrame:
    return pd.concat(list(raw.batches()), ignore_index=True)


def _streamed(monkeypatch) -> None:
    monkeypatch.setattr(fhir, "BLOCK_BYTES", 1 << 14)  # many parsed blocks per file
    monkeypatch.setattr(fhir, "IN_MEMORY_ROWS", 50)
    monkeypatch.setattr(fhir, "BATCH_ROWS", 300)


def test_streamed_rows_are_the_rows_read_in_memory(export, monkeypatch):
    in_memory = {name: fhir.read_extract_fhir(export, name) for name in EXTRACTS}
    _streamed(monkeypatch)
    for name in EXTRACTS:
        raw = fhir.read_extract_fhir(export, name)
        expected = in_memory[name]
        assert expected.frame is not None and raw.frame is None, name
        assert raw.rows_read == expected.rows_read > 50, name
        batches = list(raw.batches())
        assert len(batches) > 1 and all(len(b) <= 300 + (1 << 14) for b in batches), name
        got = pd.concat(batches, ignore_index=True)
        assert got["row_number"].tolist() == list(range(1, raw.rows_read + 1)), name
        pd.testing.assert_frame_equal(got, expected.frame, check_dtype=False, obj=name)
        assert raw.code_issues == expected.code_issues, name
        assert raw.not_used == expected.not_used, name
        assert _whole(raw).equals(got), name  # read again: the same rows


def test_a_streamed_export_gives_the_same_report(export, monkeypatch, tmp_path):
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = parse_source_config({"kind": "fhir"}, "generated-fhir.yaml")
    as_of = pd.Timestamp(AS_OF)
    first = run_screening(trial, export, source, as_of, tmp_path / "memory").report_dir
    _streamed(monkeypatch)
    second = run_screening(trial, export, source, as_of, tmp_path / "streamed").report_dir
    for table in ("candidates", "criteria"):
        pd.testing.assert_frame_equal(
            pd.read_parquet(first / f"{table}.parquet"),
            pd.read_parquet(second / f"{table}.parquet"),
        )
