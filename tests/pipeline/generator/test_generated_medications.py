"""The synthetic hospital's medication records: most patients' somatostatin analogue
prescribed and dispensed, a planted few oral anticancer drugs, anticoagulants, strong CYP3A4
inhibitors and declared comorbidity drugs, from their own random stream."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.generator.medications import DISPENSING, DRUGS, STATEMENT, medications_frame
from pipeline.sources import load_source_config
from tests.conftest import repo_root

AS_OF = "2026-11-24"


def _frame(n: int = 2000, seed: int = 4) -> pd.DataFrame:
    return medications_frame(np.char.add("IPP", np.arange(n).astype(str)), AS_OF, seed)


def test_every_drug_is_recorded_for_a_share_of_the_patients():
    frame = _frame()
    patients = frame.drop_duplicates(["IPP", "CODE_ATC"])["CODE_ATC"].value_counts()
    for code, _pack, _route, share, _kinds, _days in DRUGS:
        assert 2000 * share * 0.5 < patients[code] < 2000 * share * 1.5, code
    assert _frame(1)["CODE_ATC"].tolist()[:1] == [DRUGS[0][0]]  # never an empty file


def test_codes_kinds_and_routes_fit_the_contract_and_the_source_config():
    frame = _frame()
    pattern = EXTRACTS["medications"].column("atc_code").pattern
    assert frame["CODE_ATC"].map(lambda c: re.fullmatch(pattern, c) is not None).all()
    chu = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml").extracts
    spec = chu["medications"]
    kinds = {spec.values["kind"].get(k, k) for k in frame["TYPE_ENREGISTREMENT"]}
    assert kinds == set(EXTRACTS["medications"].column("kind").allowed)
    assert set(frame["VOIE"]) <= set(spec.values["route"])


def test_starts_are_before_the_as_of_date_and_ends_after_their_start():
    frame = _frame()
    starts, ends = pd.to_datetime(frame["DATE_DEBUT"]), pd.to_datetime(frame["DATE_FIN"])
    assert (starts <= pd.Timestamp(AS_OF)).all()
    assert (starts >= pd.Timestamp(AS_OF) - pd.DateOffset(years=5)).all()
    dated = ends.notna()
    assert (ends[dated] >= starts[dated]).all()
    assert (ends > pd.Timestamp(AS_OF)).any()  # some prescriptions run past the as-of date
    statement = frame["TYPE_ENREGISTREMENT"] == STATEMENT
    assert ends[statement].isna().all() and dated[~statement].all()
    dispensing = frame["TYPE_ENREGISTREMENT"] == DISPENSING
    assert ((ends - starts)[dispensing] == pd.Timedelta(days=28)).all()


def test_the_same_seed_gives_the_same_rows():
    pd.testing.assert_frame_equal(_frame(300, 9), _frame(300, 9))
    assert not _frame(300, 9).equals(_frame(300, 10))
