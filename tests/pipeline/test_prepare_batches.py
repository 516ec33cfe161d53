"""Validation batch by batch gives exactly what validation of the whole extract gives.

The batches are cut small, so duplicates, repeated record ids and same-day administrations
have their rows in different batches: only the first pass over the whole extract sees them.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.errors import ScreeningError
from pipeline.generator.hospital import generate_hospital
from pipeline.io import files
from pipeline.prepare import ValidationSettings, validate_all
from pipeline.quality import whole_extract
from pipeline.run import read_exports
from pipeline.sources import load_source_config
from tests.conftest import AS_OF, repo_root

SOURCE = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
SETTINGS = ValidationSettings(as_of=pd.Timestamp(AS_OF))


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    hospital = generate_hospital(
        tmp_path_factory.mktemp("batches"), 250, 17, AS_OF, background_labs=4, defects=True
    )
    return hospital.exports


@pytest.fixture(scope="module")
def whole_raws(exports):
    """Every extract in memory, with cross-batch repeats planted at the ends of two files."""
    raws = {
        name: files.RawExtract(r.name, r.whole(), r.path, r.rows_read, r.ignored_columns)
        for name, r in read_exports(exports, SOURCE).items()
    }
    labs = raws["labs"].frame
    repeat = labs.iloc[[0]].assign(value_raw="999", row_number=len(labs) + 1)  # same record id
    raws["labs"].frame = pd.concat([labs, repeat], ignore_index=True)
    raws["labs"].rows_read += 1
    treatments = raws["treatments"].frame
    same_day = treatments.iloc[[0]].assign(record_id="T-SAME-DAY", row_number=len(treatments) + 1)
    raws["treatments"].frame = pd.concat([treatments, same_day], ignore_index=True)
    raws["treatments"].rows_read += 1
    return raws


def _same(left, right) -> None:
    assert list(left) == list(right)  # contract order, however the extracts were validated
    for name in left:
        a, b = left[name], right[name]
        pd.testing.assert_frame_equal(a.accepted, b.accepted, check_index_type=False)
        pd.testing.assert_frame_equal(a.quarantine, b.quarantine, check_index_type=False)
        assert a.account == b.account
        assert a.summary == b.summary
        assert a.result_json["results"] == b.result_json["results"]
        assert a.result_json["statistics"] == b.result_json["statistics"]


def test_planted_repeats_are_caught_across_batches(whole_raws):
    validated = validate_all(whole_raws, SOURCE, SETTINGS, batch_rows=331, workers=1)
    labs, treatments = validated["labs"], validated["treatments"]
    assert labs.account.duplicates_removed == 3  # the generator's planted exact duplicates
    assert treatments.account.duplicates_removed == 3
    repeated = labs.quarantine[labs.quarantine["rule_id"] == "uniqueness.labs.record_id"]
    assert sorted(repeated.index) == [1, len(whole_raws["labs"].frame)]  # both rows, far apart
    same_day = treatments.quarantine["rule_id"] == "uniqueness.treatments.same_day"
    assert sorted(treatments.quarantine.index[same_day]) == [1, len(whole_raws["treatments"].frame)]


@pytest.mark.parametrize("batch_rows", [331, 1000])
def test_small_batches_give_the_whole_extract_result(whole_raws, batch_rows):
    whole = validate_all(whole_raws, SOURCE, SETTINGS, workers=1)
    _same(whole, validate_all(whole_raws, SOURCE, SETTINGS, batch_rows=batch_rows, workers=1))


@pytest.mark.parametrize("workers", [2, 3])
def test_batches_on_worker_processes_give_the_one_process_result(whole_raws, workers):
    """The planted repeats sit in batches that different processes validate."""
    one = validate_all(whole_raws, SOURCE, SETTINGS, batch_rows=331, workers=1)
    many = validate_all(whole_raws, SOURCE, SETTINGS, batch_rows=331, workers=workers)
    _same(one, many)
    assert many["labs"].account.duplicates_removed == 3


def test_streamed_files_in_small_blocks_give_the_whole_file_result(exports, monkeypatch):
    whole = {
        name: files.RawExtract(r.name, r.whole(), r.path, r.rows_read, r.ignored_columns)
        for name, r in read_exports(exports, SOURCE).items()
    }
    monkeypatch.setattr(files, "BLOCK_BYTES", 1 << 15)
    streamed = read_exports(exports, SOURCE)
    assert sum(1 for _ in streamed["labs"].batches()) > 5
    _same(
        validate_all(whole, SOURCE, SETTINGS, workers=1),
        validate_all(streamed, SOURCE, SETTINGS, workers=2),
    )


def test_a_record_id_hash_collision_stops_the_run(whole_raws, monkeypatch):
    """Every id given one hash: uniqueness on hashes would set every row aside; the check
    on the text refuses that."""

    def one_hash(values: pd.Series) -> pd.Series:
        return pd.Series(7, index=values.index, dtype="UInt64").mask(values.isna().to_numpy())

    monkeypatch.setattr(whole_extract, "key_hashes", one_hash)
    with pytest.raises(ScreeningError, match="share a hash"):
        validate_all(whole_raws, SOURCE, SETTINGS, batch_rows=331, workers=1)
