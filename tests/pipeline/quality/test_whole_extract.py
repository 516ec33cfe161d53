"""The first pass: row hashes, duplicate witnesses, and merging results of validated parts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline.errors import ScreeningError
from pipeline.quality.gx_runner import SuiteOutcome, make_context, merge_outcomes, validate_frame
from pipeline.quality.whole_extract import (
    DuplicateWitnesses,
    ExtractKeys,
    row_hashes,
    split_suite,
)


def _batch(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    numbers, ids, values = zip(*rows, strict=True)
    return pd.DataFrame(
        {"row_number": list(numbers), "record_id": list(ids), "value": list(values)}
    ).astype({"record_id": "str", "value": "str"})


def _keys(duplicates: list[int], firsts: list[int]) -> ExtractKeys:
    empty = SuiteOutcome({}, [], {"results": []})
    return ExtractKeys(np.asarray(duplicates), np.asarray(firsts), empty)


def test_row_hashes_ignore_the_row_number_and_see_every_column():
    hashes = row_hashes(_batch([(1, "A", "x"), (2, "A", "x"), (3, "A", "y"), (4, "B", "x")]))
    assert hashes[0] == hashes[1]
    assert hashes[0] != hashes[2]
    assert hashes[0] != hashes[3]


def test_a_removed_row_equal_to_its_first_occurrence_passes_the_check():
    witnesses = DuplicateWitnesses(_keys([5], [1]))
    witnesses.collect(_batch([(1, "A", "x"), (2, "B", "y")]))
    witnesses.collect(_batch([(5, "A", "x")]))
    witnesses.check("labs")


def test_a_hash_collision_stops_the_run_instead_of_losing_a_row():
    witnesses = DuplicateWitnesses(_keys([5], [1]))  # as if the two rows had the same hash
    witnesses.collect(_batch([(1, "A", "x")]))
    witnesses.collect(_batch([(5, "A", "DIFFERENT")]))
    with pytest.raises(ScreeningError, match="share a row hash") as caught:
        witnesses.check("labs")
    assert "DIFFERENT" not in str(caught.value)


def _suite() -> dict:
    def expectation(kind: str, rule: str, **kwargs) -> dict:
        return {"type": kind, "kwargs": kwargs, "meta": {"rule_id": rule, "handling": "report"}}

    return {
        "name": "t",
        "meta": {},
        "expectations": [
            expectation("expect_column_values_to_not_be_null", "share", column="a", mostly=0.6),
            expectation("expect_column_values_to_be_between", "range", column="v", max_value=10),
            expectation("expect_column_values_to_be_unique", "unique", column="a"),
            expectation("expect_table_row_count_to_be_between", "volume", min_value=6),
        ],
    }


def test_split_suite_puts_whole_extract_rules_apart():
    whole, rows = split_suite(_suite())
    assert [e["meta"]["rule_id"] for e in whole["expectations"]] == ["unique", "volume"]
    assert [e["meta"]["rule_id"] for e in rows["expectations"]] == ["share", "range"]


def test_merged_parts_equal_one_validation_of_the_whole_frame():
    frame = pd.DataFrame(
        {
            "a": pd.array(["x", None, "y", None, "z", "w"], dtype="str"),
            "v": [1.0, 20.0, None, 3.0, 50.0, 2.0],
        },
        index=pd.Index([1, 2, 3, 4, 5, 6]),
    )
    context = make_context()
    suite = _suite()
    whole = validate_frame(context, frame, suite)
    whole_rules, row_rules = split_suite(suite)
    parts = [
        validate_frame(context, frame, whole_rules),
        validate_frame(context, frame.iloc[:3], row_rules),
        validate_frame(context, frame.iloc[3:], row_rules),
    ]
    merged = merge_outcomes(suite, parts)
    order = [e["meta"]["rule_id"] for e in suite["expectations"]]
    assert [row["rule_id"] for row in merged.summary] == order
    by_rule = {row["rule_id"]: row for row in whole.summary}
    assert merged.summary == [by_rule[rule] for rule in order]
    assert merged.result_json["statistics"] == whole.result_json["statistics"]
    # 'share': 2 of 6 missing is 67% present, above `mostly` 0.6, though each half alone
    # (1 of 3 missing) decides the same: the merged success comes from the summed counts.
    assert by_rule["share"]["success"] is True
