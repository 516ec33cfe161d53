"""Writing extracts the way a French hospital exports them: `;`, comma decimals, dd/mm/yyyy."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

DATE = "%d/%m/%Y"
DATETIME = "%d/%m/%Y %H:%M"


def _as_text(series: pd.Series, kind: str) -> pa.Array:
    """Column as the hospital's text: dates formatted, decimals with a comma, missing empty."""
    if kind in ("date", "datetime"):
        values = pa.array(pd.to_datetime(series).to_numpy().astype("datetime64[s]"))
        text = pc.strftime(values, format=DATE if kind == "date" else DATETIME)
    elif kind == "decimal":
        rounded = pc.round(pa.array(series.to_numpy(dtype="float64"), from_pandas=True), 2)
        text = pc.replace_substring(pc.cast(rounded, pa.string()), ".", ",")
    elif pd.api.types.is_string_dtype(series) and series.dtype != object:
        text = pa.array(series.array, from_pandas=True).cast(pa.string())  # already text
    else:
        text = pa.array(
            series.astype("str").to_numpy(dtype=object), type=pa.string(), from_pandas=True
        )
    return pc.fill_null(text, "")


def to_text_table(frame: pd.DataFrame, kinds: dict[str, str]) -> pa.Table:
    return pa.table({name: _as_text(frame[name], kinds.get(name, "text")) for name in frame})


def write_csv(table: pa.Table, path: Path, encoding: str) -> None:
    """Write `;`-separated CSV in utf-8, utf-8-sig or cp1252."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if encoding == "cp1252":
        table.to_pandas().to_csv(path, sep=";", index=False, encoding="cp1252", na_rep="")
        return
    options = pacsv.WriteOptions(delimiter=";", quoting_style="needed")
    with path.open("wb") as handle:
        if encoding == "utf-8-sig":
            handle.write("\ufeff".encode())
        pacsv.write_csv(table, handle, write_options=options)


def shuffled_with_ids(
    frame: pd.DataFrame, id_column: str, prefix: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Rows in random order (as exports come), with sequential record ids."""
    order = rng.permutation(len(frame))
    out = frame.iloc[order].reset_index(names="_origin")
    width = max(len(str(len(out))), 6)
    numbers = pc.cast(pa.array(np.arange(1, len(out) + 1)), pa.string())
    ids = pc.binary_join_element_wise(prefix, pc.utf8_lpad(numbers, width, "0"), "")
    out.insert(0, id_column, pd.Series(pd.arrays.ArrowStringArray(ids), dtype="str"))
    return out
