"""Audit outputs in the report directory: `dq/summary.parquet`, the Data Docs site and the
auditor's page `dq/report.html`.

Neither holds a patient value or id: the summary has counts per extract and rule, the Data
Docs are rendered from results whose unexpected values were never collected and whose row
lists were stripped.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from pipeline.publish import write_parquet
from pipeline.quality.dq_report import rule_texts, write_report
from pipeline.quality.gx_runner import build_data_docs
from pipeline.quality.suites import load_suites, resolve

SUMMARY_SCHEMA = pa.schema(
    [
        ("extract", pa.string()),
        ("rule_id", pa.string()),
        ("expectation_type", pa.string()),
        ("column", pa.string()),
        ("dimension", pa.string()),
        ("handling", pa.string()),
        ("success", pa.bool_()),
        ("element_count", pa.int64()),
        ("unexpected_count", pa.int64()),
        ("unexpected_percent", pa.float64()),
        ("observed_value", pa.float64()),
    ]
)


def summary_table(summary: list[dict[str, Any]]) -> pa.Table:
    frame = pd.DataFrame(summary, columns=SUMMARY_SCHEMA.names)
    frame = frame.sort_values(["extract", "rule_id"], kind="stable")
    return pa.Table.from_pandas(frame, schema=SUMMARY_SCHEMA, preserve_index=False)


UNKNOWN_CODES_SCHEMA = pa.schema(
    [
        ("extract", pa.string()),
        ("column", pa.string()),
        ("system", pa.string()),
        ("code", pa.string()),
        ("check", pa.string()),
        ("reason", pa.string()),
        ("rows", pa.int64()),
    ]
)


def unknown_codes_table(issues: Mapping[str, list[dict[str, Any]]]) -> pa.Table:
    """Rows per code the run could not use (`pipeline.io.code_issues`), per extract, most
    frequent first: codes and their systems, never a patient id or value."""
    records = [
        {"extract": extract, **{k: issue[k] for k in UNKNOWN_CODES_SCHEMA.names[1:]}}
        for extract, found in sorted(issues.items())
        for issue in found
    ]
    frame = pd.DataFrame(records, columns=UNKNOWN_CODES_SCHEMA.names)
    frame = frame.sort_values(
        ["extract", "rows", "column", "system", "code"],
        ascending=[True, False, True, True, True],
        kind="stable",
    )
    return pa.Table.from_pandas(frame, schema=UNKNOWN_CODES_SCHEMA, preserve_index=False)


def write_audit(
    staging: Path,
    summary: list[dict[str, Any]],
    results: dict[str, dict[str, Any]],
    parameters: dict[str, dict[str, Any]],
    as_of: pd.Timestamp,
    unknown_codes: Mapping[str, list[dict[str, Any]]] | None = None,
    *,
    context: ReportContext | None = None,
) -> dict[str, int]:
    """Write dq/summary.parquet, dq/unknown_codes.parquet, dq/docs/ and, given the report's
    `context`, dq/report.html; return output row counts for the manifest."""
    table = summary_table(summary)
    write_parquet(table, staging / "dq" / "summary.parquet")
    codes = unknown_codes_table(unknown_codes or {})
    write_parquet(codes, staging / "dq" / "unknown_codes.parquet")
    suites = resolved_suites(parameters)
    build_data_docs(suites, _stable(results), staging / "dq" / "docs", as_of)
    outputs = {"dq/summary.parquet": table.num_rows, "dq/unknown_codes.parquet": codes.num_rows}
    if context is not None:
        outputs["dq/report.html"] = write_report(
            staging / "dq" / "report.html",
            title=context.title,
            as_of=as_of,
            summary=table.to_pandas(),
            texts=rule_texts(suites),
            extracts=context.extracts,
            previous_rows=context.previous_rows,
            unknown_codes=codes.to_pandas(),
            trial_root=context.trial_root,
        )
    return outputs


def resolved_suites(parameters: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Every suite with this run's values filled in (dates, row-count floors)."""
    return {name: resolve(suite, parameters[name]) for name, suite in load_suites().items()}


def run_rule_texts(parameters: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Rule id -> its reason as this run states it (for the review page's rule list)."""
    return rule_texts(resolved_suites(parameters))


@dataclass(frozen=True)
class ReportContext:
    """What the auditor's page needs beyond the results: the trial's title, the extracts'
    reconciliation (manifest entries), the previous export's row counts and the trial's
    reports folder (earlier nights' summaries)."""

    title: str
    extracts: Mapping[str, Mapping[str, Any]]
    previous_rows: Mapping[str, int]
    trial_root: Path


def _stable(results: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Results without run-specific noise (timings), so a rerun renders the same pages."""
    cleaned = {}
    for name, result in results.items():
        copy = json.loads(json.dumps(result))
        meta = copy.get("meta", {})
        for key in ("validation_time", "run_id", "checkpoint_id", "batch_markers"):
            meta.pop(key, None)
        cleaned[name] = copy
    return cleaned
