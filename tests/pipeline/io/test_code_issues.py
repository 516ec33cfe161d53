"""Per-code counts of unusable codes, and the site's code tables to ATC."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.contract import ATC
from pipeline.errors import ConfigError
from pipeline.io.code_issues import NO_CODE, NOT_SHOWN, atc_table, count_codes, merge_issues


def test_codes_are_counted_per_system_and_code_and_odd_text_is_never_written():
    codes = pd.Series(["A1", "A1", None, "x\x00y", "9" * 300, "B2", "µmol/L"])
    systems = pd.Series(["s", "s", "s", "s", "s", "t", "t"])
    issues = count_codes(codes, column="atc_code", reason="why", system=systems)
    got = {(i["system"], i["code"]): i["rows"] for i in issues}
    assert got == {
        ("s", "A1"): 2,
        ("s", NO_CODE): 1,
        ("s", NOT_SHOWN): 2,
        ("t", "B2"): 1,
        ("t", "µmol/L"): 1,
    }
    assert {i["check"] for i in issues} == {"mapping"}
    assert count_codes(pd.Series([], dtype="string"), column="c", reason="r") == []


def test_issues_of_several_batches_are_summed_most_rows_first():
    first = count_codes(pd.Series(["A", "B"]), column="c", reason="r", system="s")
    second = count_codes(pd.Series(["B", "B"]), column="c", reason="r", system="s")
    merged = merge_issues(first, second)
    assert [(i["code"], i["rows"]) for i in merged] == [("B", 3), ("A", 1)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ([1], "must map RxNorm codes to ATC codes"),
        ({"abc": "V10XX04"}, "'abc' is not an RxNorm code"),
        ({True: "V10XX04"}, "is not an RxNorm code"),
        ({"123": "not-atc"}, "the code for RxNorm 123 is not a WHO ATC code"),
    ],
)
def test_a_wrong_code_table_is_refused(value, message):
    with pytest.raises(ConfigError, match=message):
        atc_table(value, "site.yaml", ("an RxNorm code", "RxNorm"), ATC)


def test_a_code_table_upper_cases_its_atc_codes():
    assert atc_table({19073183: " j01ca04 "}, "w", ("a concept id", "concept"), ATC) == {
        "19073183": "J01CA04"
    }
    assert atc_table(None, "w", ("a concept id", "concept"), ATC) == {}
