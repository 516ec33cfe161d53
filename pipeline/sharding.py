"""Patient sharding: screen disjoint groups of patients independently, then merge exactly.

A patient's shard is the first 8 hex digits of their keyed pseudonym modulo N: stable from
night to night for a given key, spread evenly, and computable from the report alone. Every
extract's rows, accepted or set aside, follow their patient (imaging lesions also follow their
study: `shard_selection`). The engine judges each patient from that patient's records only, so
screening the shards one by one and merging gives the report of the unsharded run: the
candidates, criteria and re-identification tables are concatenated and sorted by pseudonym
(criteria by pseudonym and protocol order, as `build_reports` sorts them), and attrition is
recomputed on the merged criteria.

The screening DAG maps `pipeline.steps.screen_shard` over the shards: each task reads only its
shard's rows from the validated Parquet files (`parquet_filter`) and writes its partial tables
(`write_partials`) into its own folder; the `report` task merges the folders (`merge_shards`)
and hands the merged tables to `pipeline.run.build_report`, which writes the rest of the
report exactly as the unsharded CLI run does. `screen_shard` and `screen_sharded` below do
the same from data already in memory (tests, experiments).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.lookup import is_in
from pipeline.prepare import PreparedExtracts
from pipeline.pseudonym import PREFIX, pseudonymise
from pipeline.publish import owner_only
from pipeline.reports import (
    ATTRITION_SCHEMA,
    CANDIDATES_SCHEMA,
    CRITERIA_SCHEMA,
    REIDENTIFICATION_SCHEMA,
    _table,
    attrition,
)
from pipeline.rules.context import ScreeningData
from pipeline.run import screen_tables
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


def shard_members(patient_ids: pd.Index, key: bytes, shard: int, n_shards: int) -> pd.Index:
    """The ids of `patient_ids` whose pseudonym falls in `shard` of `n_shards`."""
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} is not in 0..{n_shards - 1}")
    pseudonyms = pseudonymise(pd.Series(patient_ids, index=patient_ids), key)
    return patient_ids[shard_of(pseudonyms, n_shards) == shard]


def shard_selection(name: str, members: pd.Index, studies: pd.Index) -> dict[str, pd.Index]:
    """The rows of extract `name` (accepted or set aside) a shard of patients needs: those
    whose value of any column given is among that column's values.

    Rows follow their patient. Imaging lesions also follow their study (`studies`: the ids of
    the shard's imaging studies), because the lesion rule looks lesions, and set-aside lesions,
    up by the study id of a patient's latest study. Every row a rule reads for a shard's
    patient is kept, so each shard is judged exactly as in the unsharded run.
    """
    if name == "imaging_lesions":
        return {"study_id": studies, "patient_id": members}
    return {"patient_id": members}


def parquet_filter(selection: dict[str, pd.Index]) -> pc.Expression:
    """`selection` as a pyarrow filter: a worker reads only its shard's rows from Parquet."""
    tests = (pc.field(c).isin(pa.array(v.tolist(), type=pa.string())) for c, v in selection.items())
    return functools.reduce(operator.or_, tests)


def follows_shard(frame: pd.DataFrame, selection: dict[str, pd.Index]) -> np.ndarray:
    """Mask of the rows of an in-memory frame that `parquet_filter(selection)` would read."""
    masks = [is_in(frame[column], values) for column, values in selection.items()]
    return np.logical_or.reduce(masks)


def shard_data(data: ScreeningData, members: pd.Index) -> ScreeningData:
    """The screening data of the patients in `members`: the rows `shard_selection` keeps of
    every extract and of the rows set aside."""
    studies = data.extracts.get("imaging_studies")
    study_ids = pd.Index(
        [] if studies is None else studies["study_id"][is_in(studies["patient_id"], members)]
    )

    def cut(frames: dict[str, pd.DataFrame], reset: bool) -> dict[str, pd.DataFrame]:
        out = {}
        for name, frame in frames.items():
            part = frame[follows_shard(frame, shard_selection(name, members, study_ids))]
            out[name] = part.reset_index(drop=True) if reset else part
        return out

    patients = data.patients[is_in(data.index, members)]
    return replace(
        data,
        patients=patients,
        extracts=cut(data.extracts, reset=True),
        quarantined=cut(data.quarantined, reset=False),
        patients_set_aside=data.patients_set_aside[is_in(data.patients_set_aside.index, members)],
    )


def _empty(name: str) -> pa.Table:
    return SCHEMAS[name].empty_table()


def partial_tables(trial: Trial, data: ScreeningData, key: bytes) -> dict[str, pa.Table]:
    """Candidates, criteria and re-identification tables of the patients in `data` (one
    shard's); empty tables for a shard without patients."""
    if len(data.index) == 0:
        return {name: _empty(name) for name in PARTIAL_TABLES}
    tables = screen_tables(trial, data, key)
    return {name: tables[name] for name in PARTIAL_TABLES}


def shard_tables(
    trial: Trial, prepared: PreparedExtracts, shard: int, n_shards: int, key: bytes
) -> dict[str, pa.Table]:
    """Candidates, criteria and re-identification tables of one shard's patients."""
    data = prepared.data
    members = shard_members(data.index, key, shard, n_shards)
    return partial_tables(trial, shard_data(data, members), key)


def shard_folder(root: Path, shard: int, n_shards: int) -> Path:
    return Path(root) / f"shard-{shard:04d}-of-{n_shards:04d}"


def write_partials(tables: dict[str, pa.Table], folder: Path) -> None:
    """One shard's partial tables, owner-only: the re-identification table maps pseudonyms
    back to patient ids."""
    with owner_only():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for name in PARTIAL_TABLES:
            pq.write_table(tables[name], folder / f"{name}.parquet")


def publish_shard(
    tables: dict[str, pa.Table], out_root: Path, shard: int, n_shards: int
) -> dict[str, object]:
    """Write one shard's partial tables into its folder; a small dict for XCom."""
    folder = shard_folder(out_root, shard, n_shards)
    write_partials(tables, folder)
    return {
        "shard": shard,
        "n_shards": n_shards,
        "folder": str(folder),
        "patients": tables["candidates"].num_rows,
    }


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
    tables = shard_tables(trial, prepared, shard, n_shards, key)
    return publish_shard(tables, out_root, shard, n_shards)


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
