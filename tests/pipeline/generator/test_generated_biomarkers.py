"""The synthetic hospital's receptor panels: a planted few patients, each with ER, PR and a HER2
IHC (an ISH for some 2+), coded in the hospital's words that its config maps to the contract's,
from their own random stream."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.contract import EXTRACTS
from pipeline.generator.biomarkers import biomarkers_frame
from pipeline.sources import load_source_config
from tests.conftest import repo_root

AS_OF = "2026-11-24"


def _frame(n: int = 3000, seed: int = 4) -> pd.DataFrame:
    return biomarkers_frame(np.char.add("IPP", np.arange(n).astype(str)), AS_OF, seed)


def test_a_few_patients_have_a_whole_panel():
    frame = _frame()
    panels = frame.groupby("IPP")["MARQUEUR"].agg(lambda m: sorted(set(m)))
    assert 0 < len(panels) < 3000 * 0.1
    assert all(markers == ["HER2", "RE", "RP"] for markers in panels)
    ish = frame[frame["TECHNIQUE"] == "HIS"]
    ihc_2 = frame[(frame["MARQUEUR"] == "HER2") & (frame["SCORE_IHC"] == "2+")]
    assert len(ish) == len(ihc_2) > 0  # an ISH for every IHC 2+, nothing else
    assert set(ish["IPP"]) == set(ihc_2["IPP"])


def test_codes_map_to_the_contract_and_values_are_plausible():
    frame = _frame()
    spec = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml").extracts["biomarkers"]
    contract = EXTRACTS["biomarkers"]
    for theirs, ours in (("MARQUEUR", "marker"), ("TECHNIQUE", "method"), ("RESULTAT", "result")):
        codes = spec.values.get(ours, {})
        mapped = frame[theirs].map(lambda v, m=codes: m.get(v, v))
        assert mapped.isin(contract.column(ours).allowed).all(), theirs
    scores = frame.loc[frame["SCORE_IHC"] != "", "SCORE_IHC"]
    assert scores.isin(contract.column("ihc_score").allowed).all()
    receptors = frame[frame["MARQUEUR"].isin(["RE", "RP"])]
    assert receptors["POURCENTAGE"].between(0, 100).all()
    assert ((receptors["POURCENTAGE"] >= 1) == (receptors["RESULTAT"] == "POSITIF")).all()
    dates = pd.to_datetime(frame["DATE_COMPTE_RENDU"])
    assert (dates <= pd.Timestamp(AS_OF)).all()
    assert (dates >= pd.Timestamp(AS_OF) - pd.DateOffset(years=10)).all()


def test_a_tiny_hospital_still_delivers_a_panel():
    """An empty file would stop the run: at least one patient has a panel."""
    assert len(_frame(3, 1)) >= 3


def test_the_same_seed_gives_the_same_rows():
    pd.testing.assert_frame_equal(_frame(500, 9), _frame(500, 9))
    assert not _frame(500, 9).equals(_frame(500, 10))
