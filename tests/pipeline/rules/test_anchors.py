"""Anchor events: the first or latest matching record's date, and when it cannot be told."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.rules import parse_rule
from pipeline.rules.anchors import Anchor
from pipeline.rules.conditions import parse_conditions
from pipeline.rules.reads import rule_reads, unavailable_reads
from tests.pipeline.conftest import AS_OF

NET = ({"column": "icd10_code", "op": "prefix", "value": ["C7A"]},)


def diagnosis(pid: str, number: int, onset: str | None, recorded: str | None = None) -> dict:
    return {
        "record_id": f"D-{pid}-{number}",
        "patient_id": pid,
        "onset_date": onset,
        "recorded_date": recorded,
        "icd10_code": "C7A.0",
    }


def anchor(record: str) -> Anchor:
    return Anchor("conditions", parse_conditions(list(NET), "t.yaml", "conditions"), record)


@pytest.fixture
def data(make_data):
    rows = [
        diagnosis("three", 1, "2024-05-01"),
        diagnosis("three", 2, "2023-01-01"),
        diagnosis("three", 3, "2025-02-01"),
        diagnosis("same_day", 1, "2025-02-01"),
        diagnosis("same_day", 2, "2025-02-01"),
        # Undated, recorded before the latest dated one: its onset is earlier still.
        diagnosis("undated_recorded_early", 1, "2025-02-01"),
        diagnosis("undated_recorded_early", 2, None, "2024-12-01"),
        # Undated, recorded after the latest dated one: its onset may be later.
        diagnosis("undated_recorded_late", 1, "2025-02-01"),
        diagnosis("undated_recorded_late", 2, None, "2025-03-01"),
    ]
    ids = sorted({r["patient_id"] for r in rows} | {"none"})
    return make_data([{"patient_id": pid} for pid in ids], conditions=rows)


def dates(found: pd.DataFrame) -> dict[str, str]:
    return found["onset_date"].dt.strftime("%Y-%m-%d").to_dict()


def test_first_and_last_of_several_candidates(data):
    first, doubtful_first = anchor("first").resolve(data)
    last, doubtful_last = anchor("last").resolve(data)
    assert "same_day" not in doubtful_last.index
    assert dates(first)["three"] == "2023-01-01"
    assert dates(last)["three"] == "2025-02-01"
    assert dates(first)["same_day"] == dates(last)["same_day"] == "2025-02-01"
    assert "none" not in first.index and "none" not in doubtful_first.index


def test_an_undated_record_makes_the_anchor_doubtful_only_when_it_could_be_it(data):
    _, doubtful_first = anchor("first").resolve(data)
    _, doubtful_last = anchor("last").resolve(data)
    # Any undated record may be older than the first dated one.
    assert {"undated_recorded_early", "undated_recorded_late"} <= set(doubtful_first.index)
    # Only one recorded after the latest dated record may be later than it.
    assert "undated_recorded_late" in doubtful_last.index
    assert "undated_recorded_early" not in doubtful_last.index
    assert "three" not in doubtful_first.index and "three" not in doubtful_last.index


def test_an_anchor_on_the_as_of_day_counts_that_day(make_data, status):
    day = AS_OF.strftime("%Y-%m-%d")
    data = make_data(
        [{"patient_id": "p"}],
        procedures=[
            {"procedure_id": "P1", "patient_id": "p", "performed_on": day, "category": "SURGERY"}
        ],
        treatments=[
            {"record_id": "T1", "patient_id": "p", "atc_code": "L01XA01", "administered_on": day}
        ],
    )
    rule = parse_rule(
        {
            "primitive": "around_event",
            "anchor": {"extract": "procedures", "record": "last"},
            "extract": "treatments",
            "event_window": {"start": {"days": 0}, "end": {"weeks": 4, "side": "after"}},
            "at_least": 1,
        },
        "t.yaml: criterion 'c'",
    )
    assert status(rule.evaluate(data), "p") == "met"


def test_reads_name_both_extracts_so_an_unavailable_one_is_unknown():
    rule = parse_rule(
        {
            "primitive": "around_event",
            "anchor": {"extract": "procedures", "record": "last", "where": []},
            "extract": "treatments",
            "event_window": {"start": {"days": 0}, "end": {"days": 7, "side": "after"}},
            "at_most": 0,
        },
        "t.yaml: criterion 'c'",
    )
    assert set(rule_reads(rule)) == {"procedures", "treatments"}
    assert unavailable_reads(rule, {"procedures": None}) == ["procedures"]
