"""The synthetic hospital's diagnoses: a NET per patient, a planted few others, plausible dates,
from their own random stream (the other extracts do not change with them)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.generator.conditions import NET_SITES, conditions_frame

AS_OF = "2026-11-24"


def _frame(n: int = 2000, seed: int = 4) -> pd.DataFrame:
    pid = np.char.add("IPP", np.arange(n).astype(str))
    died = np.zeros(n, dtype=bool)
    return conditions_frame(pid, AS_OF, died, seed)


def test_every_patient_has_one_net_and_a_few_have_other_diagnoses():
    frame = _frame()
    net = frame[frame["CODE_CIM10"].isin(NET_SITES)]
    assert net["IPP"].is_unique and len(net) == 2000
    assert net["MORPHOLOGIE"].isin(["8240/3", "8249/3"]).all()
    assert (net["STATUT"] == "ACTIF").all()
    others = frame["CODE_CIM10"].value_counts()
    for code in ("C50.9", "C44.3", "D05.1", "C61", "E11.9", "I10"):
        assert 0 < others[code] < 2000 * 0.3, code


def test_codes_fit_the_contract_and_dates_are_plausible():
    frame = _frame()
    contract = EXTRACTS["conditions"]
    for ours, column in (
        ("CODE_CIM10", "icd10_code"),
        ("TOPOGRAPHIE", "topography_code"),
        ("MORPHOLOGIE", "morphology_code"),
    ):
        pattern = contract.column(column).pattern
        codes = frame.loc[frame[ours] != "", ours]
        assert codes.map(lambda c, p=pattern: re.fullmatch(p, c) is not None).all(), ours
    onset, recorded = frame["DATE_DEBUT"], pd.to_datetime(frame["DATE_SAISIE"])
    assert 0 < onset.isna().sum() < len(frame) * 0.1  # a few without onset
    assert (onset.dropna() <= recorded[onset.notna()]).all()
    assert (recorded <= pd.Timestamp(AS_OF)).all()
    assert (onset.dropna() >= pd.Timestamp(AS_OF) - pd.DateOffset(years=10)).all()


def test_the_same_seed_gives_the_same_rows():
    pd.testing.assert_frame_equal(_frame(300, 9), _frame(300, 9))
    assert not _frame(300, 9).equals(_frame(300, 10))
