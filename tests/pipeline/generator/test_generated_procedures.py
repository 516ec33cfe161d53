"""The synthetic hospital's procedures: most patients' resection, a planted few liver-directed
treatments, radiotherapies and recent operations, from their own random stream."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.generator.procedures import OTHERS, RESECTION, procedures_frame
from pipeline.sources import load_source_config
from tests.conftest import repo_root

AS_OF = "2026-11-24"


def _frame(n: int = 2000, seed: int = 4) -> pd.DataFrame:
    return procedures_frame(np.char.add("IPP", np.arange(n).astype(str)), AS_OF, seed)


def test_most_patients_have_a_resection_and_a_few_have_the_other_procedures():
    frame = _frame()
    counts = frame["CODE_CCAM"].value_counts()
    assert 2000 * 0.6 < counts[RESECTION[0]] < 2000 * 0.8
    for code, _kind, _share, _days in OTHERS:
        assert 0 < counts[code] < 2000 * 0.1, code
    assert _frame(1)["CODE_CCAM"].tolist()[:1] == [RESECTION[0]]  # never an empty file


def test_codes_and_kinds_fit_the_contract_and_dates_are_before_the_as_of_date():
    frame = _frame()
    pattern = EXTRACTS["procedures"].column("ccam_code").pattern
    assert frame["CODE_CCAM"].map(lambda c: re.fullmatch(pattern, c) is not None).all()
    kinds = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
    mapped = kinds.extracts["procedures"].values["category"]
    assert set(frame["TYPE_ACTE"]) == set(mapped)
    dates = pd.to_datetime(frame["DATE_ACTE"])
    assert (dates < pd.Timestamp(AS_OF)).all()
    assert (dates >= pd.Timestamp(AS_OF) - pd.DateOffset(years=10)).all()


def test_the_same_seed_gives_the_same_rows():
    pd.testing.assert_frame_equal(_frame(300, 9), _frame(300, 9))
    assert not _frame(300, 9).equals(_frame(300, 10))
