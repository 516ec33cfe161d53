"""Report tables with explicit Arrow schemas, built from the engine's frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.status import (
    NOT_MET,
    STATUS_NAMES,
    TO_CONFIRM,
    UNKNOWN,
)
from pipeline.trial import Trial

CANDIDATES_SCHEMA = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("trial_id", pa.string()),
        ("as_of", pa.date32()),
        ("overall_status", pa.string()),
        *[(f"n_{name}", pa.int16()) for name in STATUS_NAMES],
        ("not_met_criteria", pa.list_(pa.string())),
        ("unknown_criteria", pa.list_(pa.string())),
        ("to_confirm_criteria", pa.list_(pa.string())),
    ]
)

CRITERIA_SCHEMA = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("criterion_order", pa.int16()),
        ("criterion_id", pa.string()),
        ("status", pa.string()),
        ("reason", pa.string()),
        ("source", pa.string()),
        ("record_date", pa.date32()),
        ("raw_value", pa.string()),
        ("value", pa.float64()),
        ("unit", pa.string()),
    ]
)

ATTRITION_SCHEMA = pa.schema(
    [
        ("criterion_order", pa.int16()),
        ("criterion_id", pa.string()),
        ("protocol_item", pa.string()),
        ("text", pa.string()),
        ("patients_screened", pa.int64()),
        *[(name, pa.int64()) for name in STATUS_NAMES],
        ("remaining", pa.int64()),
        ("failing_only_this", pa.int64()),
    ]
)

REIDENTIFICATION_SCHEMA = pa.schema([("pseudonym", pa.string()), ("patient_id", pa.string())])

QUARANTINE_SCHEMA = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("row_number", pa.int64()),
        ("rule_id", pa.string()),
        ("reason", pa.string()),
    ]
)


def _table(frame: pd.DataFrame, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(frame[schema.names], schema=schema, preserve_index=False)


def _criteria_lists(
    statuses: np.ndarray, ids: pa.ChunkedArray, where: np.ndarray, n_patients: int, status: int
) -> pa.Array:
    """Per patient, the ids of criteria with `status`, in protocol order (the rows come
    sorted by patient position `where`, then protocol order)."""
    hit = statuses == status
    counts = np.bincount(where[hit], minlength=n_patients)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype("int32")
    values = ids.filter(pa.array(hit)).combine_chunks()
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def _positions(patient_ids: pd.Series, order: pd.Index) -> np.ndarray:
    """Position in `order` of each row's patient: ids are hashed once per distinct patient."""
    codes, uniques = pd.factorize(patient_ids, use_na_sentinel=True)
    at = order.get_indexer(uniques)
    where = at[codes]
    if (codes < 0).any() or (where < 0).any():
        raise ValueError("criteria rows for a patient without an overall status")
    return where


# Rows per Arrow chunk of the long tables: a 32-bit-offset string column holds at most 2 GB
# per chunk, which a single chunk of tens of millions of evidence texts could exceed.
CHUNK_ROWS = 1 << 20


def _take(
    values: pa.Array | pa.ChunkedArray, order: np.ndarray, kind: pa.DataType
) -> pa.ChunkedArray:
    """`values` in `order`, as `kind`, in chunks of `CHUNK_ROWS` rows."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if pa.types.is_string(values.type):
        values = values.cast(pa.large_string())  # 64-bit offsets until cut into chunks
    chunks = [
        values.take(pa.array(order[start : start + CHUNK_ROWS])).cast(kind)
        for start in range(0, len(order), CHUNK_ROWS)
    ]
    return pa.chunked_array(chunks, type=kind)


def _criteria_table(
    criteria: pd.DataFrame, sort: np.ndarray, pseudonyms: pa.ChunkedArray, statuses: np.ndarray
) -> pa.Table:
    """The long criteria table in report order, built column by column: each column of the
    engine's frame is taken once into Arrow, never copied as a whole frame (18 million rows
    at a million patients)."""
    columns = {
        "pseudonym": pseudonyms,
        "status": _take(pa.array(STATUS_NAMES, pa.string()), statuses.astype("int64"), pa.string()),
    }
    for field in CRITERIA_SCHEMA:
        if field.name not in columns:
            values = pa.array(criteria[field.name], from_pandas=True)
            columns[field.name] = _take(values, sort, field.type)
    return pa.Table.from_arrays([columns[f.name] for f in CRITERIA_SCHEMA], schema=CRITERIA_SCHEMA)


def build_reports(
    trial: Trial,
    criteria: pd.DataFrame,
    overall: pd.DataFrame,
    pseudonyms: pd.Series,
    as_of: pd.Timestamp,
) -> dict[str, pa.Table]:
    """candidates, criteria, attrition and reidentification tables, sorted by pseudonym.

    Sorting and counting work on integer positions: patients are sorted by pseudonym once,
    and each criteria row carries its patient's position (no string sort of the long table).
    """
    overall = overall.assign(pseudonym=pseudonyms.reindex(overall.index).to_numpy())
    overall = overall.sort_values("pseudonym", kind="stable")
    order = pd.Index(overall["pseudonym"])
    where = _positions(criteria["patient_id"], overall.index)
    table_of_attrition = _table(attrition(trial, criteria, where), ATTRITION_SCHEMA)
    sort = np.lexsort((criteria["criterion_order"].to_numpy(), where))
    where = where[sort]
    statuses = criteria["status"].to_numpy()[sort]
    pseudonym_of_row = _take(pa.array(order.to_numpy(), pa.large_string()), where, pa.string())

    codes = statuses.astype("int64")
    counts = np.bincount(
        where * len(STATUS_NAMES) + codes, minlength=len(order) * len(STATUS_NAMES)
    ).reshape(len(order), len(STATUS_NAMES))
    candidates = pd.DataFrame(
        {
            "pseudonym": order,
            "trial_id": trial.id,
            "as_of": as_of.date(),
            "overall_status": overall["overall_status"].to_numpy(),
            **{f"n_{name}": counts[:, code] for code, name in enumerate(STATUS_NAMES)},
        }
    )
    candidates_table = _table(
        candidates, pa.schema([f for f in CANDIDATES_SCHEMA if f.type != pa.list_(pa.string())])
    )
    criteria_table = _criteria_table(criteria, sort, pseudonym_of_row, statuses)
    for column, status in (
        ("not_met_criteria", NOT_MET),
        ("unknown_criteria", UNKNOWN),
        ("to_confirm_criteria", TO_CONFIRM),
    ):
        lists = _criteria_lists(statuses, criteria_table["criterion_id"], where, len(order), status)
        candidates_table = candidates_table.append_column(CANDIDATES_SCHEMA.field(column), lists)

    reid = pd.DataFrame({"pseudonym": order, "patient_id": overall.index.astype("str")})
    return {
        "candidates": candidates_table,
        "criteria": criteria_table,
        "attrition": table_of_attrition,
        "reidentification": _table(reid, REIDENTIFICATION_SCHEMA),
    }


def attrition(
    trial: Trial, criteria: pd.DataFrame, patient: np.ndarray | None = None
) -> pd.DataFrame:
    """Per criterion in protocol order: status counts, patients still in, failing only this.

    `patient` numbers each criteria row's patient (0..n-1) when the caller already has it;
    otherwise the patient ids are factorised here.
    """
    n_criteria = len(trial.criteria)
    if patient is None:
        patient, _ = pd.factorize(criteria["patient_id"], use_na_sentinel=True)
    column = criteria["criterion_order"].to_numpy().astype("int64") - 1
    if len(patient) and (patient < 0).any():
        raise ValueError("criteria row without a patient")
    # Patient x criterion status, -1 where a patient has no row for a criterion.
    n_patients = int(patient.max()) + 1 if len(patient) else 0
    inside = (column >= 0) & (column < n_criteria)
    cells = patient[inside] * n_criteria + column[inside]
    if len(cells) and np.bincount(cells).max() > 1:
        raise ValueError("Index contains duplicate entries, cannot reshape")
    wide = np.full((n_patients, n_criteria), -1, dtype="int64")
    wide[patient[inside], column[inside]] = criteria["status"].to_numpy()[inside]
    failed = wide == NOT_MET
    failed_so_far = np.logical_or.accumulate(failed, axis=1)
    only_this = failed & (failed.sum(axis=1) == 1)[:, None]
    rows = []
    for i, criterion in enumerate(trial.criteria):
        column = wide[:, i]
        rows.append(
            {
                "criterion_order": criterion.order,
                "criterion_id": criterion.id,
                "protocol_item": criterion.protocol_item,
                "text": criterion.text,
                "patients_screened": len(column),
                **{name: int((column == code).sum()) for code, name in enumerate(STATUS_NAMES)},
                "remaining": int((~failed_so_far[:, i]).sum()),
                "failing_only_this": int(only_this[:, i].sum()),
            }
        )
    return pd.DataFrame(rows)


def quarantine_table(frame: pd.DataFrame, pseudonyms: pd.Series) -> pa.Table:
    """Set-aside rows by pseudonym and row number only: never the raw values."""
    out = pd.DataFrame(
        {
            "pseudonym": pseudonyms.to_numpy(),
            "row_number": frame["row_number"].to_numpy(),
            "rule_id": frame["rule_id"].to_numpy(),
            "reason": frame["reason"].to_numpy(),
        }
    ).sort_values("row_number", kind="stable")
    return _table(out, QUARANTINE_SCHEMA)
