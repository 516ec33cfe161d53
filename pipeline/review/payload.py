"""The data behind review.html, as one compact JSON document built with vectorised pandas.

Only patients on the candidate and needs-review lists are embedded (with every criterion);
not-eligible patients appear in the counts only. Repeated strings are dictionary-encoded.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.status import OVERALL_NAMES, STATUS_NAMES
from pipeline.trial import Trial

LISTED = ("candidate", "needs_review")
EXTRACT_FIELDS = ("file", "rows_read", "rows_accepted", "rows_quarantined", "duplicates_removed")


def _codes(values: pd.Series) -> tuple[list[int | None], list[str]]:
    """Dictionary-encode a text column: codes (None for missing) and the sorted dictionary."""
    codes, uniques = pd.factorize(values, sort=True)
    as_list = pd.Series(codes).astype(object).where(codes >= 0, None)
    return as_list.tolist(), [str(u) for u in uniques]


def _numbers(values: pd.Series) -> list[float | None]:
    """Floats for JSON: missing (and non-finite) become null."""
    array = values.to_numpy(dtype="float64", na_value=np.nan)
    out = pd.Series(array).astype(object)
    return out.where(np.isfinite(array), None).tolist()


def _patients(candidates: pa.Table) -> dict[str, list[Any]]:
    """Listed patients in the table's order (by pseudonym), columns as JSON lists."""
    listed = candidates.filter(pc.is_in(candidates["overall_status"], pa.array(LISTED)))
    columns = ["pseudonym", "overall_status", *(f"n_{n}" for n in STATUS_NAMES)]
    columns += ["unknown_criteria", "to_confirm_criteria"]
    return {name: listed[name].to_pylist() for name in columns}


def _positions(values: pd.Series, names: list[str]) -> np.ndarray:
    """Each value's position in `names`, by one hash look-up (not a Python call per row)."""
    at = pd.Index(names).get_indexer(values)
    if (at < 0).any():
        raise ValueError("a criterion row names an unknown criterion or status")
    return at.astype("int64")


def _evidence(criteria: pa.Table, pseudonyms: list[str], trial: Trial) -> dict[str, Any]:
    """Every criterion row of the listed patients, grouped by patient via offsets.

    Only the listed patients' rows leave Arrow: not-eligible patients' criteria (most of the
    long table at hospital scale) would be converted to pandas only to be dropped."""
    at = pc.index_in(criteria["pseudonym"], value_set=pa.array(pseudonyms, pa.string()))
    listed = pc.is_valid(at)  # one look-up gives both the rows kept and their patient
    rows = criteria.filter(listed).to_pandas()
    rows["_p"] = at.filter(listed).to_numpy().astype("int64")
    rows = rows.sort_values(["_p", "criterion_order"], kind="stable")
    counts = np.bincount(rows["_p"].to_numpy(), minlength=len(pseudonyms))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype("int64")
    dates = pd.to_datetime(rows["record_date"]).dt.strftime("%Y-%m-%d")
    encoded: dict[str, Any] = {
        "offsets": offsets.tolist(),
        "criterion": _positions(rows["criterion_id"], trial.criterion_ids()).tolist(),
        "status": _positions(rows["status"], list(STATUS_NAMES)).tolist(),
        "value": _numbers(rows["value"]),
    }
    dictionaries = {}
    for column, values in (
        ("reason", rows["reason"]),
        ("source", rows["source"]),
        ("date", dates),
        ("raw", rows["raw_value"]),
        ("unit", rows["unit"]),
    ):
        encoded[column], dictionaries[column] = _codes(values)
    encoded["dict"] = dictionaries
    return encoded


def _changes(changes: pd.DataFrame) -> dict[str, Any]:
    return {
        column: changes[column].astype(object).where(changes[column].notna(), None).tolist()
        for column in ("pseudonym", "change", "previous_status", "current_status", "reason")
    }


def build_payload(
    trial: Trial,
    as_of: str,
    tables: Mapping[str, pa.Table],
    changes: pa.Table,
    previous_as_of: str | None,
    extracts: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """Everything review.html shows, from the report tables (pseudonyms only)."""
    counts = tables["candidates"]["overall_status"].to_pandas().value_counts()
    patients = _patients(tables["candidates"])
    return {
        "trial": {"id": trial.id, "title": trial.title, "version": trial.version},
        "as_of": as_of,
        "previous_as_of": previous_as_of,
        "counts": {name: int(counts.get(name, 0)) for name in OVERALL_NAMES},
        "total": tables["candidates"].num_rows,
        "statuses": list(STATUS_NAMES),
        "criteria": [
            {
                "id": c.id,
                "order": c.order,
                "item": c.protocol_item,
                "kind": c.kind,
                "text": c.text,
                "to_confirm": c.to_confirm,
            }
            for c in trial.criteria
        ],
        "patients": patients,
        "evidence": _evidence(tables["criteria"], patients["pseudonym"], trial),
        "changes": _changes(changes.to_pandas()),
        "extracts": {
            name: {field: extracts[name].get(field) for field in EXTRACT_FIELDS}
            for name in sorted(extracts)
        },
    }
