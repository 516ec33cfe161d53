"""The reference ranges the synthetic hospital's laboratory printed, to compare each source's
lab rows with."""

from __future__ import annotations

import pandas as pd


def printed_ranges(exports, ids) -> pd.DataFrame:
    """The range each laboratory printed in the files, per result id, as numbers."""
    printed = pd.read_csv(
        exports / "biologie.csv", sep=";", dtype=str, keep_default_na=False
    ).set_index("ID_RESULTAT")
    return pd.DataFrame(
        {
            column: pd.to_numeric(printed[theirs].str.replace(",", ".", regex=False))
            for column, theirs in (("reference_low", "BORNE_INF"), ("reference_high", "BORNE_SUP"))
        }
    ).reindex(ids)
