"""Sharded screening merges to exactly the unsharded report tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.engine import screen
from pipeline.prepare import prepare_extracts
from pipeline.pseudonym import load_key, pseudonymise
from pipeline.reports import build_reports
from pipeline.run import read_exports
from pipeline.sharding import (
    REPORT_TABLES,
    merge_shards,
    screen_shard,
    screen_sharded,
    shard_of,
)
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"


@pytest.fixture(scope="module")
def setup(small_hospital):
    source = load_source_config(SOURCE)
    prepared = prepare_extracts(
        read_exports(small_hospital.exports, source), source, pd.Timestamp(AS_OF)
    )
    trial = load_trial(find_trial("lutathera-retreatment"))
    key = load_key()
    data = prepared.data
    criteria, overall = screen(trial, data)
    pseudonyms = pseudonymise(pd.Series(data.index, index=data.index), key)
    expected = build_reports(trial, criteria, overall, pseudonyms, data.as_of)
    return trial, prepared, key, expected, pseudonyms


@pytest.mark.parametrize("n_shards", [1, 2, 3, 7])
def test_merged_shards_equal_the_unsharded_report(setup, n_shards):
    trial, prepared, key, expected, _ = setup
    merged = screen_sharded(trial, prepared, n_shards, key)
    assert list(merged) == list(REPORT_TABLES)
    for name in REPORT_TABLES:
        assert merged[name].schema.equals(expected[name].schema), name
        assert merged[name].equals(expected[name]), name


def test_shards_partition_the_patients(setup):
    pseudonyms = setup[4]
    shards = shard_of(pseudonyms, 7)
    assert shards.min() >= 0 and shards.max() < 7
    assert len(np.unique(shards)) == 7  # 400 patients spread over every shard
    again = shard_of(pseudonyms.iloc[::-1], 7)[::-1]
    assert (shards == again).all()  # a patient's shard depends on its pseudonym only
    head = pseudonyms.str.slice(2, 10).map(lambda h: int(h, 16) % 7).to_numpy()
    assert (shards == head).all()


def test_shard_tasks_write_partials_that_merge(setup, tmp_path):
    trial, prepared, key, expected, _ = setup
    answers = [
        screen_shard(prepared, shard, 3, trial=trial, key=key, out_root=tmp_path)
        for shard in range(3)
    ]
    assert sum(a["patients"] for a in answers) == expected["candidates"].num_rows
    merged = merge_shards(trial, [a["folder"] for a in answers])
    for name in REPORT_TABLES:
        assert merged[name].equals(expected[name]), name


def test_shard_numbers_are_checked(setup):
    trial, prepared, key, _, _ = setup
    with pytest.raises(ValueError):
        screen_shard(prepared, 3, 3, trial=trial, key=key, out_root=".")
    with pytest.raises(ValueError):
        shard_of(pd.Series(["P-0123456789"]), 0)


def test_report_tables_cut_in_small_arrow_chunks_hold_the_same_rows(setup, monkeypatch, tmp_path):
    """The long tables are built in chunks (a 2 GB string chunk limit at scale): chunks of a
    few rows give the same tables and the same Parquet bytes."""
    import pyarrow.parquet as pq

    from pipeline import reports
    from pipeline.publish import write_parquet

    trial, prepared, _key, expected, pseudonyms = setup
    data = prepared.data
    criteria, overall = screen(trial, data)
    monkeypatch.setattr(reports, "CHUNK_ROWS", 97)
    chunked = build_reports(trial, criteria, overall, pseudonyms, data.as_of)
    assert chunked["criteria"]["reason"].num_chunks > 1
    for name in REPORT_TABLES:
        assert chunked[name].equals(expected[name]), name
        write_parquet(chunked[name], tmp_path / f"chunked-{name}.parquet")
        write_parquet(expected[name], tmp_path / f"whole-{name}.parquet")
        chunked_bytes = (tmp_path / f"chunked-{name}.parquet").read_bytes()
        assert chunked_bytes == (tmp_path / f"whole-{name}.parquet").read_bytes(), name
    assert pq.read_table(tmp_path / "chunked-criteria.parquet").num_rows == len(criteria)
