"""The accepted rows and columns kept for the screening, cut where they are validated."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.contract import EXTRACTS
from pipeline.engine import screen
from pipeline.prepare import ScreenedRows, prepare_extracts, screened_rows
from pipeline.rules.latest_lab import LATEST_LAB_COLUMNS
from pipeline.run import read_exports
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root
from tests.pipeline.conftest import typed_frame

SOURCE = repo_root() / "sources" / "synthetic-chu.yaml"
DAY = pd.Timestamp("2026-06-15")


def _labs(*rows: tuple[str, str | None]) -> pd.DataFrame:
    return typed_frame(
        "labs",
        [
            {
                "record_id": f"L{i}",
                "loinc_code": loinc,
                "value_raw": "1",
                "unit": "g/L",
                "collected_at": when,
            }
            for i, (loinc, when) in enumerate(rows)
        ],
    )


def test_rows_after_the_as_of_day_are_cut_and_undated_rows_kept():
    labs = _labs(
        ("718-7", "2026-06-15 23:59"),  # the as-of day itself, to its last minute
        ("718-7", "2026-06-16 00:00"),  # the next day
        ("718-7", None),
        ("718-7", "2025-01-01 08:00"),
    )
    kept = ScreenedRows("labs", DAY)(labs)
    assert kept["record_id"].tolist() == ["L0", "L2", "L3"]
    assert list(kept.columns) == list(labs.columns)  # without analytes: every column


def test_an_extract_without_a_date_keeps_every_row():
    patients = typed_frame("patients", [{"sex": "F"}, {"sex": "M"}])
    assert EXTRACTS["patients"].date_column is None
    assert ScreenedRows("patients", DAY)(patients) is patients


def test_labs_keep_the_analytes_read_and_the_columns_latest_lab_reads():
    labs = _labs(("718-7", "2026-06-01 10:00"), ("2160-0", "2026-06-01 10:00"))
    assert labs["analyte"].tolist() == ["haemoglobin", "creatinine"]
    kept = ScreenedRows("labs", DAY, frozenset({"haemoglobin"}))(labs)
    assert kept["record_id"].tolist() == ["L0"]
    assert list(kept.columns) == list(LATEST_LAB_COLUMNS)
    pd.testing.assert_frame_equal(kept, labs.loc[[0], list(LATEST_LAB_COLUMNS)])


def test_other_extracts_keep_their_columns_whatever_the_analytes():
    filters = screened_rows(DAY, frozenset({"haemoglobin"}))
    assert set(filters) == set(EXTRACTS)
    studies = typed_frame("imaging_studies", [{"study_date": "2026-06-01"}])
    assert list(filters["imaging_studies"](studies).columns) == list(studies.columns)


@pytest.fixture(scope="module")
def both_ways(small_hospital):
    source = load_source_config(SOURCE)
    trial = load_trial(find_trial("lutathera-retreatment"))
    as_of = pd.Timestamp(AS_OF)

    def prepared(analytes):
        raws = read_exports(small_hospital.exports, source)
        return prepare_extracts(raws, source, as_of, lab_analytes=analytes)

    return trial, prepared(None), prepared(trial.lab_analytes_read())


def test_pruned_screening_data_screens_exactly_as_the_whole(both_ways):
    trial, whole, pruned = both_ways
    assert list(pruned.data.extracts["labs"].columns) == list(LATEST_LAB_COLUMNS)
    assert len(pruned.data.extracts["labs"]) < len(whole.data.extracts["labs"])
    for expected, got in zip(screen(trial, whole.data), screen(trial, pruned.data), strict=True):
        pd.testing.assert_frame_equal(got, expected)
    for name in ("labs", "imaging_studies"):  # the whole extract's counts are kept
        assert pruned.accounts[name] == whole.accounts[name]


def test_every_dated_extract_stops_at_the_as_of_day(both_ways):
    _, whole, _ = both_ways
    cut = pd.Timestamp(AS_OF) + pd.Timedelta(days=1)
    for name, frame in whole.data.extracts.items():
        date = EXTRACTS[name].date_column
        if date is not None:
            assert not (frame[date] >= cut).any(), name
    assert sum(a.rows_after_as_of for a in whole.accounts.values()) > 0
