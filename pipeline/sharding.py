"""Patient sharding: screen disjoint groups of patients independently, then merge exactly.

A patient's shard is the first 8 hex digits of their keyed pseudonym modulo N: stable from
night to night for a given key, spread evenly, and computable from the report alone. Every
extract's rows follow their patient (imaging lesions follow their study). The engine judges
each patient from that patient's records only, so screening the shards one by one and merging
gives the report of the unsharded run: the candidates, criteria and re-identification tables
are concatenated and sorted by pseudonym (criteria by pseudonym and protocol order, as
`build_reports` sorts them), and attrition is recomputed on the merged criteria.

`screen_shard` writes one shard's partial Parquet tables into its own folder and
`merge_shards` combines the folders, so a DAG can map screening over shard numbers; the
screening DAG does not do so yet (it screens all patients in one task).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.engine import screen
from pipeline.prepare import PreparedExtracts
from pipeline.pseudonym import PREFIX, pseudonymise
from pipeline.reports import (
    ATTRITION_SCHEMA,
    CANDIDATES_SCHEMA,
    CRITERIA_SCHEMA,
    REIDENTIFICATION_SCHEMA,
    _table,
    attrition,
    build_reports,
)
from pipeline.rules.context import ScreeningData
from pipeline.status import STATUS_NAMES
from pipeline.trial import Trial

PARTIAL_TABLES = ("candidates", "criteria", "reidentification")
REPORT_TABLES = ("candidates", "criteria", "attrition", "reidentification")
SCHEMAS = {
    "candidates": CANDIDATES_SCHEMA,
    "criteria": CRITERIA_SCHEMA,
    "reidentification": REIDENTIFICATION_SCHEMA,
}
_HEX = np.full(256, 255, dtype=np.uint8)
for _i, _c in enumerate(b"0123456789abcdef"):
    _HEX[_c] = _i
for _i, _c in enumerate(b"ABCDEF"):
    _HEX[_c] = 10 + _i


def shard_of(pseudonyms: pd.Series | Iterable[str], n_shards: int) -> np.ndarray:
    """Shard number per pseudonym: its first 8 hex digits (after `P-`) modulo `n_shards`."""
    if n_shards < 1:
        raise ValueError("n_shards must be at least 1")
    values = pd.Series(pseudonyms, dtype="str")
    if values.isna().any() or not values.str.startswith(PREFIX).all():
        raise ValueError(f"pseudonyms start with {PREFIX!r}")
    heads = values.str.slice(len(PREFIX), len(PREFIX) + 8).to_numpy(dtype="S8")
    digits = _HEX[np.frombuffer(heads.tobytes(), dtype=np.uint8).reshape(-1, 8)]
    if (digits == 255).any():
        raise ValueError("a pseudonym does not start with 8 hex digits")
    weights = 16 ** np.arange(7, -1, -1, dtype=np.uint64)
    number = digits.astype(np.uint64) @ weights
    return (number % np.uint64(n_shards)).astype(np.int64)


def shard_data(data: ScreeningData, members: pd.Index) -> ScreeningData:
    """The screening data of the patients in `members`: their rows of every extract.

    Set-aside rows are kept whole: rules only look at those of screened patients (and
    lesions by study), so they need no cut to give the same answer.
    """
    extracts = {}
    for name, frame in data.extracts.items():
        if name == "imaging_lesions":
            continue
        extracts[name] = frame[frame["patient_id"].isin(members)].reset_index(drop=True)
    if "imaging_lesions" in data.extracts:
        lesions = data.extracts["imaging_lesions"]
        studies = extracts.get("imaging_studies")
        keep = lesions["study_id"].isin(studies["study_id"]) if studies is not None else None
        extracts["imaging_lesions"] = (
            lesions[keep].reset_index(drop=True) if keep is not None else lesions
        )
    patients = data.patients[data.index.isin(members)]
    return replace(data, patients=patients, extracts=extracts)


def _empty(name: str) -> pa.Table:
    return SCHEMAS[name].empty_table()


def shard_tables(
    trial: Trial, prepared: PreparedExtracts, shard: int, n_shards: int, key: bytes
) -> dict[str, pa.Table]:
    """Candidates, criteria and re-identification tables of one shard's patients."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} is not in 0..{n_shards - 1}")
    data = prepared.data
    ids = pd.Series(data.index, index=data.index)
    pseudonyms = pseudonymise(ids, key)
    members = data.index[shard_of(pseudonyms, n_shards) == shard]
    if len(members) == 0:
        return {name: _empty(name) for name in PARTIAL_TABLES}
    part = shard_data(data, members)
    criteria, overall = screen(trial, part)
    tables = build_reports(trial, criteria, overall, pseudonyms.loc[members], data.as_of)
    return {name: tables[name] for name in PARTIAL_TABLES}


def shard_folder(root: Path, shard: int, n_shards: int) -> Path:
    return Path(root) / f"shard-{shard:04d}-of-{n_shards:04d}"


def screen_shard(
    prepared: PreparedExtracts,
    shard: int,
    n_shards: int,
    *,
    trial: Trial,
    key: bytes,
    out_root: Path,
) -> dict[str, object]:
    """Screen one shard and write its partial tables; a small dict for XCom."""
    folder = shard_folder(out_root, shard, n_shards)
    folder.mkdir(parents=True, exist_ok=True)
    tables = shard_tables(trial, prepared, shard, n_shards, key)
    for name, table in tables.items():
        pq.write_table(table, folder / f"{name}.parquet")
    return {
        "shard": shard,
        "n_shards": n_shards,
        "folder": str(folder),
        "patients": tables["candidates"].num_rows,
    }


def merge_tables(trial: Trial, parts: Iterable[dict[str, pa.Table]]) -> dict[str, pa.Table]:
    """The report tables of the whole run from the shards' partial tables."""
    parts = list(parts)
    merged = {
        name: pa.concat_tables([p[name] for p in parts] or [_empty(name)]).cast(SCHEMAS[name])
        for name in PARTIAL_TABLES
    }
    candidates = merged["candidates"]
    merged["candidates"] = candidates.take(pc.sort_indices(candidates["pseudonym"]))
    reid = merged["reidentification"]
    merged["reidentification"] = reid.take(pc.sort_indices(reid["pseudonym"]))
    criteria = merged["criteria"]
    order = pc.sort_indices(
        criteria, sort_keys=[("pseudonym", "ascending"), ("criterion_order", "ascending")]
    )
    merged["criteria"] = criteria.take(order)
    codes = {name: code for code, name in enumerate(STATUS_NAMES)}
    long = pd.DataFrame(
        {
            "patient_id": merged["criteria"]["pseudonym"].to_numpy(),
            "criterion_order": merged["criteria"]["criterion_order"].to_numpy(),
            "status": pd.Series(merged["criteria"]["status"].to_numpy()).map(codes).to_numpy(),
        }
    )
    merged["attrition"] = _table(attrition(trial, long), ATTRITION_SCHEMA)
    return {name: merged[name] for name in REPORT_TABLES}


def merge_shards(trial: Trial, folders: Iterable[Path]) -> dict[str, pa.Table]:
    """Read the partial tables written by `screen_shard` and merge them."""
    parts = [
        {name: pq.read_table(Path(folder) / f"{name}.parquet") for name in PARTIAL_TABLES}
        for folder in folders
    ]
    return merge_tables(trial, parts)


def screen_sharded(
    trial: Trial, prepared: PreparedExtracts, n_shards: int, key: bytes
) -> dict[str, pa.Table]:
    """All shards in this process, merged (what the DAG's mapped tasks do, in one place)."""
    return merge_tables(
        trial,
        (shard_tables(trial, prepared, shard, n_shards, key) for shard in range(n_shards)),
    )
