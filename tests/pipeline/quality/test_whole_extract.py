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
    check_hashed_keys,
    hashed_unique_rules,
    key_hashes,
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


def _unique_suite() -> dict:
    def expectation(kind: str, rule: str, **kwargs) -> dict:
        meta = {"rule_id": rule, "handling": "quarantine"}
        return {"type": kind, "kwargs": kwargs, "meta": meta}

    return {
        "name": "t",
        "meta": {},
        "expectations": [
            expectation("expect_column_values_to_be_unique", "unique_id", column="record_id"),
            expectation("expect_column_values_to_be_unique", "unique_p", column="patient_id"),
            expectation(
                "expect_compound_columns_to_be_unique",
                "same_day",
                column_list=["patient_id", "day"],
            ),
            expectation("expect_table_row_count_to_be_between", "volume", min_value=1),
        ],
    }


def test_only_keys_no_other_rule_reads_are_judged_on_hashes():
    assert hashed_unique_rules(_unique_suite()) == {"unique_id": "record_id"}


def test_uniqueness_on_key_hashes_equals_uniqueness_on_the_text():
    ids = pd.Series(["R1", "R2", None, "R2", "R3", None, "R4", "R1", "R1"], dtype="str")
    suite = {
        **_unique_suite(),
        "expectations": _unique_suite()["expectations"][:1],
    }
    index = pd.Index(np.arange(1, len(ids) + 1))
    on_text = validate_frame(
        make_context(), pd.DataFrame({"record_id": ids.to_numpy()}, index), suite
    )
    hashed = pd.DataFrame({"record_id": key_hashes(ids).to_numpy()}, index)
    on_hashes = validate_frame(make_context(), hashed, suite)
    assert on_hashes.summary == on_text.summary
    assert on_hashes.result_json["results"] == on_text.result_json["results"]
    assert on_hashes.failing_rows["unique_id"].tolist() == [1, 2, 4, 8, 9]


def _hashed_keys(failing: list[int]) -> ExtractKeys:
    outcome = SuiteOutcome({"unique_id": np.asarray(failing)}, [], {"results": []})
    return ExtractKeys(np.empty(0), np.empty(0), outcome, {"unique_id": "record_id"})


def test_rows_set_aside_on_hashes_that_share_their_text_pass_the_check():
    keys = _hashed_keys([2, 7])
    batches = [
        pd.DataFrame({"record_id": ["R1", "R2"]}, index=[1, 2]),
        pd.DataFrame({"record_id": ["R2", "R3"]}, index=[7, 8]),
    ]
    check_hashed_keys("labs", [keys.hashed_key_rows(b) for b in batches])


def test_a_key_hash_collision_stops_the_run_without_naming_the_keys():
    keys = _hashed_keys([2, 7])  # as if R2 and R-OTHER had the same hash
    batches = [
        pd.DataFrame({"record_id": ["R1", "R2"]}, index=[1, 2]),
        pd.DataFrame({"record_id": ["R-OTHER"]}, index=[7]),
    ]
    with pytest.raises(ScreeningError, match="share a hash") as caught:
        check_hashed_keys("labs", [keys.hashed_key_rows(b) for b in batches])
    assert "R-OTHER" not in str(caught.value) and "R2" not in str(caught.value)
