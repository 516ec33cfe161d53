"""Running Great Expectations on in-memory frames, quietly, and reading results without values.

One ephemeral context per process (nothing is written but the Data Docs we ask for). The frame's
index is the row number in the export, so GX's unexpected index list names rows, not values;
results use COMPLETE with `exclude_unexpected_values`, and the index lists are stripped before
anything is stored or rendered.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import OutputError, ScreeningError, failure_in_text, writing
from pipeline.quality.docs_offline import localise

ROW_RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
}
_STRIPPED = (
    "unexpected_index_list",
    "partial_unexpected_index_list",
    "unexpected_list",
    "partial_unexpected_list",
    "partial_unexpected_counts",
    "unexpected_index_query",
)


def _quiet() -> None:
    logging.getLogger("great_expectations").setLevel(logging.ERROR)


def make_context() -> Any:
    """An ephemeral GX context: no progress bars, no analytics, no files."""
    _quiet()
    _skip_fingerprint()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    return gx.get_context(
        mode="ephemeral",
        project_config=DataContextConfig(
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
            progress_bars=ProgressBarsConfig(globally=False),
            analytics_enabled=False,
        ),
    )


@dataclass
class SuiteOutcome:
    """What one suite said about one extract: failing rows per rule, and a value-free result."""

    failing_rows: dict[str, np.ndarray]
    summary: list[dict[str, Any]]
    result_json: dict[str, Any]


def validate_frame(context: Any, frame: pd.DataFrame, suite: dict[str, Any]) -> SuiteOutcome:
    """Validate `frame` (indexed by row number) against a resolved suite dict."""
    import great_expectations as gx

    name = suite["name"]
    gx_suite = gx.ExpectationSuite(**suite)
    source = context.data_sources.add_or_update_pandas(f"screening-{name}")
    asset = source.add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(
        batch_parameters={"dataframe": frame}
    )
    result = batch.validate(gx_suite, result_format=ROW_RESULT_FORMAT)
    failing: dict[str, np.ndarray] = {}
    for item in result.results:
        config = item.expectation_config
        meta = config.meta or {}
        rule_id = meta.get("rule_id", config.type)
        raised = (item.exception_info or {}).get("raised_exception", False) or any(
            isinstance(v, dict) and v.get("raised_exception")
            for v in (item.exception_info or {}).values()
        )
        if raised:
            # The message may quote data: name the rule only.
            raise ScreeningError(f"{name}: expectation {rule_id} could not be evaluated")
        rows = item.result.get("unexpected_index_list") or []
        if rows and isinstance(rows[0], dict):  # named index form: [{"row_number": [...]}]
            rows = next(iter(rows[0].values()))
        if not item.success and meta.get("handling") == "quarantine":
            failing[rule_id] = np.asarray(rows, dtype="int64")
        for key in _STRIPPED:
            item.result.pop(key, None)
    result_json = result.to_json_dict()
    result_json.get("meta", {}).pop("batch_markers", None)  # load time: varies run to run
    return SuiteOutcome(failing, summarise(name, result_json), result_json)


def _skip_fingerprint() -> None:
    """GX fingerprints (hashes) every in-memory batch under 1 GB for its batch markers, which
    we drop; at our batch sizes that hashing cost as much as the expectations themselves."""
    from great_expectations.execution_engine import pandas_execution_engine

    pandas_execution_engine.HASH_THRESHOLD = 0


def summarise(name: str, result_json: dict[str, Any]) -> list[dict[str, Any]]:
    """One value-free summary row per expectation of a (stripped) result."""
    summary = []
    for item in result_json["results"]:
        config = item["expectation_config"]
        meta, kwargs, result = config.get("meta") or {}, config.get("kwargs") or {}, item["result"]
        summary.append(
            {
                "extract": name,
                "rule_id": meta.get("rule_id", config["type"]),
                "expectation_type": config["type"],
                "column": str(kwargs.get("column") or kwargs.get("column_A") or ""),
                "dimension": meta.get("dimension", ""),
                "handling": meta.get("handling", ""),
                "success": bool(item["success"]),
                "element_count": int(result.get("element_count") or 0),
                "unexpected_count": int(result.get("unexpected_count") or 0),
                "unexpected_percent": float(result.get("unexpected_percent") or 0.0),
                "observed_value": _observed(result.get("observed_value")),
            }
        )
    return summary


def merge_outcomes(suite: dict[str, Any], outcomes: list[SuiteOutcome]) -> SuiteOutcome:
    """One outcome for a suite validated in parts: row-level expectations over batches of rows
    (counts add up) and whole-extract ones once (each expectation is in exactly one part).

    Results are put in suite order; success is decided again from the summed counts, with
    `mostly` as Great Expectations applies it (share of non-missing values that pass).
    """
    if not outcomes:
        raise ValueError(f"{suite['name']}: nothing was validated")
    by_rule: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        for item in outcome.result_json["results"]:
            rule = (item["expectation_config"].get("meta") or {}).get("rule_id")
            if rule in by_rule:
                _add_counts(by_rule[rule], item)
            else:
                by_rule[rule] = copy.deepcopy(item)
    ordered = [
        by_rule[e["meta"]["rule_id"]]
        for e in suite["expectations"]
        if e["meta"]["rule_id"] in by_rule
    ]
    for item in ordered:
        _decide(item)
    merged = copy.deepcopy(outcomes[0].result_json)
    merged["results"] = ordered
    passed = sum(1 for item in ordered if item["success"])
    merged["success"] = passed == len(ordered)
    merged["statistics"] = {
        "evaluated_expectations": len(ordered),
        "successful_expectations": passed,
        "unsuccessful_expectations": len(ordered) - passed,
        "success_percent": 100.0 * passed / len(ordered) if ordered else None,
    }
    failing: dict[str, list[np.ndarray]] = {}
    for outcome in outcomes:
        for rule, rows in outcome.failing_rows.items():
            failing.setdefault(rule, []).append(rows)
    rows_by_rule = {rule: np.concatenate(parts) for rule, parts in failing.items()}
    return SuiteOutcome(rows_by_rule, summarise(suite["name"], merged), merged)


_COUNTS = ("element_count", "unexpected_count", "missing_count")


def _add_counts(into: dict[str, Any], item: dict[str, Any]) -> None:
    for key in _COUNTS:
        if key in into["result"]:
            into["result"][key] += item["result"].get(key) or 0


def _decide(item: dict[str, Any]) -> None:
    """Percentages and success of a column-map result from its counts (no-op for tables)."""
    result = item["result"]
    if "element_count" not in result:
        return
    elements, unexpected = result["element_count"], result["unexpected_count"]
    present = elements - result.get("missing_count", 0)
    if "missing_count" in result:
        result["missing_percent"] = result["missing_count"] / elements * 100 if elements else None
        result["unexpected_percent_total"] = unexpected / elements * 100 if elements else None
        share = unexpected / present * 100 if present else None  # GX operand order
        result["unexpected_percent_nonmissing"] = share
        result["unexpected_percent"] = share
    else:
        result["unexpected_percent"] = unexpected / elements * 100 if elements else None
    mostly = (item["expectation_config"].get("kwargs") or {}).get("mostly")
    if mostly is None:
        item["success"] = unexpected == 0
    else:
        item["success"] = present == 0 or (present - unexpected) / present >= mostly


def _observed(value: Any) -> float | None:
    """Only table-level observed values (row counts) are kept: never a column value."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def build_data_docs(
    suites: dict[str, dict[str, Any]],
    results: dict[str, dict[str, Any]],
    target: Path,
    as_of: pd.Timestamp,
) -> Path:
    """Render every suite and this run's results as a static Data Docs site under `target`."""
    import great_expectations as gx
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResultSchema,
    )
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    context = make_context()
    context.add_data_docs_site(
        site_name="dq",
        site_config={
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                # GX refuses a relative base directory (a run given relative paths).
                "base_directory": str(Path(target).resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    for suite in suites.values():
        context.suites.add(gx.ExpectationSuite(**suite))
    run_time = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
    schema = ExpectationSuiteValidationResultSchema()
    for name, result_json in results.items():
        run_id = RunIdentifier(run_name=run_name(as_of, name), run_time=run_time)
        context.validation_results_store.store_validation_results(
            suite_validation_result=schema.load(_named(result_json, run_id, name)),
            suite_validation_result_identifier=ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=name),
                run_id=run_id,
                batch_identifier=name,
            ),
        )
    with writing(target), _site_errors_raised(target):
        context.build_data_docs(site_names=["dq"])
        _make_reproducible(target)
        localise(target)
    return target / "index.html"


class _ErrorRecords(logging.Handler):
    """Keeps the messages of Great Expectations' ERROR records (never printed)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _site_errors_raised(target: Path) -> Iterator[None]:
    """Great Expectations' site builder logs a failed page write (a full disk) with its
    traceback and carries on, leaving a partial site: here the log is kept off the console
    and the failure becomes a one-line `OutputError` naming the site folder."""
    logger = logging.getLogger("great_expectations")
    handler, propagate = _ErrorRecords(), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
    if handler.messages:
        reason = failure_in_text(" ".join(handler.messages)) or "a page could not be written"
        raise OutputError(f"{target}: cannot write the data-quality pages: {reason}")


def run_name(as_of: pd.Timestamp, extract: str) -> str:
    """The name of one night's validation of one extract, as Data Docs list it."""
    return f"screening-{as_of.date().isoformat()}-{extract}"


def _named(result_json: dict[str, Any], run_id: Any, extract: str) -> dict[str, Any]:
    """A result whose pages name their run and data asset: a batch validated outside a
    checkpoint carries no run id, and GX's validation page reads the asset name from the
    batch spec, which a dataframe batch leaves without it."""
    named = copy.deepcopy(result_json)
    meta = named.setdefault("meta", {})
    meta["run_id"] = run_id.to_json_dict()
    asset = (meta.get("active_batch_definition") or {}).get("data_asset_name") or extract
    meta["batch_spec"] = {**(meta.get("batch_spec") or {}), "data_asset_name": asset}
    return named


_RENDER_TIME = re.compile(r"\?d=\d{8}T\d{6}\.\d+Z")
_RANDOM_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def _make_reproducible(target: Path) -> None:
    """A rerun renders the same bytes: drop GX's render-time cache buster on asset URLs and
    renumber the random (version 4) element ids of its collapsible blocks in page order."""
    for page in target.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        cleaned = _RENDER_TIME.sub("", text)
        numbering: dict[str, str] = {}

        def stable(match: re.Match[str], numbering: dict[str, str] = numbering) -> str:
            return numbering.setdefault(
                match.group(0), f"00000000-0000-4000-8000-{len(numbering):012d}"
            )

        cleaned = _RANDOM_ID.sub(stable, cleaned)
        if cleaned != text:
            page.write_text(cleaned, encoding="utf-8")
