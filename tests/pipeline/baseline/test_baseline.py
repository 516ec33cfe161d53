"""The bench's plain DuckDB baseline computes what the pipeline computes, or its time means
nothing: checked against both oracles, the generator's truth and the hand-built cases."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.baseline import long_statuses, run_baseline
from pipeline.baseline.stage import _unit_key
from pipeline.trial import find_trial, load_trial
from tests.acceptance.builder import write_exports
from tests.acceptance.cases import CASES
from tests.acceptance.conftest import FILES
from tests.conftest import AS_OF


@pytest.fixture(scope="module")
def on_10k(hospital_10k):
    return run_baseline(hospital_10k.exports, FILES, AS_OF, threads=2)


def test_agrees_with_the_generator_s_truth(on_10k, hospital_10k):
    got = long_statuses(on_10k.statuses).astype("str")
    want = pd.read_parquet(hospital_10k.truth).astype("str")
    both = want.merge(got, on=["patient_id", "criterion_id"], how="outer", indicator=True)
    assert (both["_merge"] == "both").all()
    differ = both[both["status_x"] != both["status_y"]]
    assert differ.empty, differ.groupby(["criterion_id", "status_x", "status_y"]).size()
    # every criterion of the trial file, and the overall status, for every patient
    criteria = [c.id for c in load_trial(find_trial("lutathera-retreatment")).criteria]
    assert sorted(got["criterion_id"].unique()) == sorted([*criteria, "overall"])
    assert len(want) == 10_000 * (len(criteria) + 1)


def test_sets_aside_the_rows_the_generator_planted(on_10k, hospital_10k):
    defects = pd.read_parquet(hospital_10k.truth.parent / "defects.parquet")
    planted = defects[defects["handling"] == "quarantined"].groupby("extract").size()
    set_aside = {name: n for name, n in on_10k.staged.set_aside.items() if n}
    assert set_aside == planted.to_dict()
    assert on_10k.staged.read == hospital_10k.rows


@pytest.fixture(scope="module")
def on_cases(tmp_path_factory):
    folder = tmp_path_factory.mktemp("baseline-cases") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    return run_baseline(folder, FILES, AS_OF, threads=2).statuses.set_index("patient_id")


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_agrees_with_the_hand_built_case(on_cases, case):
    expected, overall = case.expected("files")
    row = on_cases.loc[case.patient_id]
    got = {criterion: row[criterion] for criterion in expected if criterion in row}
    assert got == {c: s for c, s in expected.items() if c in row}, case.rationale
    assert row["overall"] == overall, case.rationale


@pytest.mark.parametrize(
    ("spelled", "key"),
    [
        ("G/L", "10^9/l"),
        ("g/L", "g/l"),
        ("x10*9/L", "10^9/l"),
        ("µmol/L", "umol/l"),
        ("UI/L", "iu/l"),
        ("mUI/mL", "miu/ml"),
        ("/mm³", "/mm3"),
        (" g / dL ", "g/dl"),
    ],
)
def test_unit_spellings_meet_the_catalogue_s(spelled, key):
    import duckdb

    with duckdb.connect() as con:
        assert con.execute(f"SELECT {_unit_key('?')}", [spelled]).fetchall() == [(key,)]
