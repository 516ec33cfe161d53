"""The data behind review.html, as one compact JSON document built with Arrow.

Only patients on the candidate and needs-review lists are embedded (with every criterion);
not-eligible patients appear in the counts only. Repeated strings are dictionary-encoded.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.review.json_columns import iso_days, json_codes, json_floats, json_integers
from pipeline.review.page import JsonText, script_json
from pipeline.status import OVERALL_NAMES, STATUS_NAMES
from pipeline.trial import Trial

LISTED = ("candidate", "needs_review")
EXTRACT_FIELDS = (
    "file",
    "rows_read",
    "rows_accepted",
    "rows_quarantined",
    "duplicates_removed",
    "quarantine_rules",
    "unavailable",
    "unavailable_columns",
)


# Values converted to Python objects at a time when a long column is encoded (`json_array`).
JSON_CHUNK = 1 << 18


def json_array(
    values: Any, to_list: Callable[[Any], list[Any]] = lambda part: part.tolist()
) -> JsonText:
    """`JsonText` of `to_list(values)`, converted a chunk of `JSON_CHUNK` values at a time.

    At a million patients the page lists 11 million criterion rows. As Python lists (a
    pointer, and often an object, per value) they took 0.46 GB at 100,000 patients, and the
    review stage held the run's peak at a million.
    `values` is anything that slices by position (numpy, Arrow, a pandas Series' `array`).
    """
    parts = [
        script_json(to_list(values[start : start + JSON_CHUNK]))[1:-1]
        for start in range(0, len(values), JSON_CHUNK)
    ]
    return JsonText("[" + ",".join(parts) + "]")


def _with_nulls(values: Any, present: Any) -> list[Any]:
    """Values as Python objects, None (JSON null) where they are not `present`."""
    return pd.Series(values).astype(object).where(present, None).tolist()


def _patients(listed: pa.Table) -> dict[str, JsonText]:
    """Listed patients in the table's order (by pseudonym), columns as JSON arrays."""
    counts = [f"n_{n}" for n in STATUS_NAMES]
    columns = ["pseudonym", "overall_status", *counts, "unknown_criteria", "to_confirm_criteria"]
    decided = {}
    if "decision" in listed.column_names:  # the team's latest decision (`pipeline.feedback`)
        decided = {
            "decision": json_array(listed["decision"], lambda part: part.to_pylist()),
            "decision_date": json_array(
                pc.cast(listed["decision_date"], pa.string()), lambda part: part.to_pylist()
            ),
        }
    return decided | {
        name: json_integers(listed[name])
        if name in counts
        else json_array(listed[name], lambda part: part.to_pylist())
        for name in columns
    }


def _positions(values: pa.ChunkedArray, names: list[str]) -> pa.ChunkedArray:
    """Each value's position in `names`, by one hash look-up (not a Python call per row)."""
    at = pc.index_in(values, value_set=pa.array(names, values.type))
    if at.null_count:
        raise ValueError("a criterion row names an unknown criterion or status")
    return at


def _evidence(criteria: pa.Table, pseudonyms: pa.Array, trial: Trial) -> dict[str, Any]:
    """Every criterion row of the listed patients, grouped by patient via offsets.

    The rows never leave Arrow: the columns are written as JSON by `json_columns`, which
    turns only distinct values into Python objects."""
    at = pc.index_in(criteria["pseudonym"], value_set=pseudonyms)
    listed = pc.is_valid(at)  # one look-up gives both the rows kept and their patient
    rows = criteria.drop_columns(["pseudonym"]).filter(listed)
    patient = at.filter(listed).to_numpy().astype("int64")
    order = np.lexsort((rows["criterion_order"].to_numpy(), patient))
    if (np.diff(order) < 0).any():  # the report tables come sorted: usually nothing to do
        rows, patient = rows.take(order), patient[order]
    counts = np.bincount(patient, minlength=len(pseudonyms))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype("int64")
    encoded: dict[str, Any] = {
        "offsets": json_integers(offsets),
        "criterion": json_integers(_positions(rows["criterion_id"], trial.criterion_ids())),
        "status": json_integers(_positions(rows["status"], list(STATUS_NAMES))),
        "value": json_floats(rows["value"]),
    }
    dictionaries = {}
    for column, values, render in (
        ("reason", rows["reason"], None),
        ("source", rows["source"], None),
        ("date", rows["record_date"], iso_days),
        ("raw", rows["raw_value"], None),
        ("unit", rows["unit"], None),
    ):
        encoded[column], dictionaries[column] = json_codes(values, render)
    encoded["dict"] = dictionaries
    return encoded


def _changes(changes: pd.DataFrame) -> dict[str, Any]:
    return {
        column: _with_nulls(changes[column], changes[column].notna())
        for column in ("pseudonym", "change", "previous_status", "current_status", "reason")
    }


def build_payload(
    trial: Trial,
    as_of: str,
    tables: Mapping[str, pa.Table],
    changes: pa.Table,
    previous_as_of: str | None,
    extracts: Mapping[str, Mapping[str, Any]],
    rule_texts: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything review.html shows, from the report tables (pseudonyms only). `rule_texts`
    (rule id -> reason) names the rules that set rows aside in the data-quality section."""
    counts = tables["candidates"]["overall_status"].to_pandas().value_counts()
    candidates = tables["candidates"]
    listed = candidates.filter(pc.is_in(candidates["overall_status"], pa.array(LISTED)))
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
        "patients": _patients(listed),
        "evidence": _evidence(tables["criteria"], listed["pseudonym"].combine_chunks(), trial),
        "changes": _changes(changes.to_pandas()),
        "extracts": {
            name: {field: extracts[name].get(field) for field in EXTRACT_FIELDS}
            for name in sorted(extracts)
        },
        "rule_texts": {
            rule: (rule_texts or {}).get(rule, "")
            for name in sorted(extracts)
            for rule in sorted(extracts[name].get("quarantine_rules") or {})
        },
    }
