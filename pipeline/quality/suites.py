"""The expectation suites, one per extract, generated from the contract and the lab catalogue.

`screening suites` writes them to `expectations/<extract>.json`, where reviewers read and diff
them; a test fails when the committed files differ from what this module generates. Values that
depend on the run (the as-of date, the previous export's row count) are placeholders such as
`${max_date}`, filled in by `resolve` before validation.

Each expectation carries `meta`: `rule_id` (stable, used in quarantine files), `dimension`
(Kahn et al.: conformance, completeness, plausibility, uniqueness, relational, volume),
`handling` (`quarantine` the failing rows, `stop` the run, or `report` only) and `reason`.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from pipeline.contract import EXTRACTS, Extract
from pipeline.labs.catalogue import load_catalogue

SUITE_VERSION = "1.0.0"
_NAMESPACE = uuid.UUID("6d2b1a52-8f0e-4c3a-9a59-3c1f0f1c2b7e")
CONFORMS = "__conforms"  # suffix of the derived flag: the raw text parsed as declared
TYPED = ("date", "datetime", "float", "int", "bool")
SAFE_TEXT = "__safe_text"  # suffix of the derived flag: no control character, not too long
DERIVED_FLAGS = (CONFORMS, SAFE_TEXT)
# The numeric assessments' scales: a value outside is set aside, never screened.
ASSESSMENT_RANGES = {
    "ECOG": (0, 5),
    "KARNOFSKY": (0, 100),
    "NYHA": (1, 4),
    "LIFE_EXPECTANCY": (0, 600),
}


def flagged_column(name: str) -> str:
    """The column a derived flag (`x__conforms`, `x__safe_text`) is about."""
    for suffix in DERIVED_FLAGS:
        name = name.removesuffix(suffix)
    return name


def _expectation(
    kind: str, rule_id: str, dimension: str, handling: str, reason: str, **kwargs: Any
) -> dict[str, Any]:
    return {
        "type": kind,
        "id": str(uuid.uuid5(_NAMESPACE, rule_id)),
        "kwargs": kwargs,
        "meta": {
            "rule_id": rule_id,
            "dimension": dimension,
            "handling": handling,
            "reason": reason,
        },
        "severity": "warning" if handling == "report" else "critical",
    }


def _date_columns(extract: Extract) -> list[str]:
    return [c.name for c in extract.columns if c.type in ("date", "datetime")]


def _conformance(extract: Extract) -> list[dict[str, Any]]:
    out = []
    for col in extract.columns:
        if col.identifying:
            continue
        if col.is_text:
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"conformance.{extract.name}.{col.name}.text",
                    "conformance",
                    "quarantine",
                    f"{col.name} holds a control character or more than {col.max_length} "
                    "characters",
                    column=col.name + SAFE_TEXT,
                    value_set=[True],
                )
            )
        if col.type in TYPED:
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"conformance.{extract.name}.{col.name}.{col.type}",
                    "conformance",
                    "quarantine",
                    f"{col.name} does not parse as the declared {col.type} format",
                    column=col.name + CONFORMS,
                    value_set=[True],
                )
            )
        elif col.has_vocabulary:
            known = (
                f"one of the contract's codes ({', '.join(col.allowed)}) or the source's own"
                if col.allowed is not None
                else col.pattern_name
            )
            out.append(
                _expectation(
                    "expect_column_values_to_be_in_set",
                    f"conformance.{extract.name}.{col.name}.code",
                    "conformance",
                    "quarantine",
                    f"{col.name} is not {known}",
                    column=col.name + CONFORMS,
                    value_set=[True],
                )
            )
    if extract.name == "labs":
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                "conformance.labs.value_raw.numeric",
                "conformance",
                "quarantine",
                "result is not a number (with an optional <, >, <=, >= qualifier)",
                column="value_raw" + CONFORMS,
                value_set=[True],
            )
        )
        out.append(
            _expectation(
                "expect_column_values_to_be_in_set",
                "conformance.labs.unit.known",
                "conformance",
                "quarantine",
                "unit is not known for this test: not converted, never guessed",
                column="unit__known",
                value_set=[True],
            )
        )
    return out


def _completeness(extract: Extract) -> list[dict[str, Any]]:
    out = [
        _expectation(
            "expect_column_values_to_not_be_null",
            f"completeness.{extract.name}.{col.name}.not_null",
            "completeness",
            "quarantine",
            f"required value missing in {col.name}",
            column=col.name,
        )
        for col in extract.columns
        if col.required
    ]
    if extract.name == "labs":
        out.append(
            _expectation(
                "expect_column_values_to_not_be_null",
                "completeness.labs.unit.share",
                "completeness",
                "report",
                "more than 5% of results without a unit",
                column="unit",
                mostly=0.95,
            )
        )
    return out


def _uniqueness(extract: Extract) -> list[dict[str, Any]]:
    out = []
    if extract.record_id:
        out.append(
            _expectation(
                "expect_column_values_to_be_unique",
                f"uniqueness.{extract.name}.{extract.record_id}",
                "uniqueness",
                "quarantine",
                f"{extract.record_id} repeated with different content: which row is right?",
                column=extract.record_id,
            )
        )
    if extract.name == "treatments":
        out.append(
            _expectation(
                "expect_compound_columns_to_be_unique",
                "uniqueness.treatments.same_day",
                "uniqueness",
                "quarantine",
                "two administrations of the same drug to the same patient on the same day",
                column_list=["patient_id", "atc_code", "administered_on"],
            )
        )
    return out


def _relational(extract: Extract) -> list[dict[str, Any]]:
    if extract.name == "patients":
        return []
    return [
        _expectation(
            "expect_column_values_to_be_in_set",
            f"relational.{extract.name}.patient_id.exists",
            "relational",
            "quarantine",
            "patient is not in the patients extract",
            column="patient_id__known",
            value_set=[True],
        )
    ]


_RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "pathology": {"ki67_percent": (0, 100)},
    "imaging_studies": {"sstr_positive_percent": (0, 100), "krenning_score": (0, 4)},
    "imaging_lesions": {"longest_diameter_mm": (1, 400), "short_axis_mm": (0, 400)},
    "treatments": {"activity_mbq": (0, 15000)},
    "biomarkers": {"percent_positive": (0, 100)},
}


def _plausibility(extract: Extract) -> list[dict[str, Any]]:
    name = extract.name
    out = []
    planned = {c.name for c in extract.columns if c.planned}
    for column in _date_columns(extract):
        if column in planned:
            continue  # a planned date (a prescription's last day): see below
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                f"plausibility.{name}.{column}.not_future",
                "plausibility",
                "quarantine",
                f"{column} is in the future (after ${{max_date}})",
                column=column,
                max_value="${max_date}",
            )
        )
        if name == "patients":
            continue
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"plausibility.{name}.{column}.after_birth",
                "plausibility",
                "quarantine",
                f"{column} is before the patient's birth",
                column_A=column,
                column_B="patient_birth_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"plausibility.{name}.{column}.before_death",
                "plausibility",
                "quarantine",
                f"{column} is after the patient's death",
                column_A="patient_death_day_end",
                column_B=column,
                or_equal=False,
                ignore_row_if="either_value_is_missing",
            )
        )
    if name == "patients":
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                "plausibility.patients.birth_date.range",
                "plausibility",
                "quarantine",
                "birth date before 1900",
                column="birth_date",
                min_value="1900-01-01T00:00:00",
            )
        )
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "plausibility.patients.death_date.after_birth",
                "plausibility",
                "quarantine",
                "death date before birth date",
                column_A="death_date",
                column_B="birth_date",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    if extract.known_column and extract.date_column:
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"plausibility.{name}.{extract.date_column}.not_after_{extract.known_column}",
                "plausibility",
                "quarantine",
                f"{extract.date_column} is after {extract.known_column}",
                column_A=extract.known_column,
                column_B=extract.date_column,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    for column in sorted(planned):
        # planned when written: it may lie after the export or the patient's death (a
        # prescription for three months, a patient who died during it), never before the start
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                f"plausibility.{name}.{column}.not_before_{extract.date_column}",
                "plausibility",
                "quarantine",
                f"{column} is before {extract.date_column}",
                column_A=column,
                column_B=extract.date_column,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    for column, (low, high) in _RANGES.get(name, {}).items():
        out.append(
            _expectation(
                "expect_column_values_to_be_between",
                f"plausibility.{name}.{column}.range",
                "plausibility",
                "quarantine",
                f"{column} outside {low:g} to {high:g}",
                column=column,
                min_value=low,
                max_value=high,
            )
        )
    if name == "imaging_lesions":
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "plausibility.imaging_lesions.short_axis_not_longer",
                "plausibility",
                "quarantine",
                "short axis longer than the longest diameter",
                column_A="longest_diameter_mm",
                column_B="short_axis_mm",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
    if name == "labs":
        out.append(
            _expectation(
                "expect_column_pair_values_a_to_be_greater_than_b",
                "plausibility.labs.reference_range_order",
                "plausibility",
                "quarantine",
                "reference range upper limit below its lower limit",
                column_A="reference_high",
                column_B="reference_low",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            )
        )
        for analyte in load_catalogue().values():
            low, high = analyte.plausible
            out.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"plausibility.labs.value.range.{analyte.name}",
                    "plausibility",
                    "quarantine",
                    f"{analyte.name} outside {low:g} to {high:g} {analyte.unit}",
                    column="value",
                    min_value=low,
                    max_value=high,
                    row_condition=f'analyte=="{analyte.name}"',
                    condition_parser="pandas",
                )
            )
    if name == "assessments":
        for kind, (low, high) in ASSESSMENT_RANGES.items():
            out.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    f"plausibility.assessments.value.{kind.lower()}",
                    "plausibility",
                    "quarantine",
                    f"{kind} value outside {low:g} to {high:g}",
                    column="value_number",
                    min_value=low,
                    max_value=high,
                    row_condition=f'assessment_type=="{kind}"',
                    condition_parser="pandas",
                )
            )
    return out


def _volume(extract: Extract) -> list[dict[str, Any]]:
    return [
        _expectation(
            "expect_table_row_count_to_be_between",
            f"volume.{extract.name}.drop_warning",
            "volume",
            "report",
            "row count fell by more than ${warn_drop} against the previous export",
            min_value="${min_rows_warn}",
        ),
        _expectation(
            "expect_table_row_count_to_be_between",
            f"volume.{extract.name}.drop_fatal",
            "volume",
            "stop",
            "row count fell by more than ${fatal_drop} against the previous "
            "export: the export is probably incomplete",
            min_value="${min_rows_fatal}",
        ),
    ]


def build_suite(extract: Extract) -> dict[str, Any]:
    """One extract's suite, in the order rules are applied (the first failing rule is kept)."""
    expectations = (
        _conformance(extract)
        + _completeness(extract)
        + _uniqueness(extract)
        + _relational(extract)
        + _plausibility(extract)
        + _volume(extract)
    )
    return {
        "name": extract.name,
        "meta": {"suite_version": SUITE_VERSION, "generated_by": "pipeline/quality/suites.py"},
        "expectations": expectations,
    }


def build_suites() -> dict[str, dict[str, Any]]:
    return {name: build_suite(extract) for name, extract in EXTRACTS.items()}


def suites_folder() -> Path:
    return Path(__file__).resolve().parent.parent.parent / "expectations"


def render_suite(suite: dict[str, Any]) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False) + "\n"


def write_suites(folder: Path | None = None) -> list[Path]:
    """Write every suite as readable JSON (the committed, reviewed form)."""
    folder = folder or suites_folder()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, suite in build_suites().items():
        path = folder / f"{name}.json"
        path.write_text(render_suite(suite), encoding="utf-8")
        paths.append(path)
    return paths


def load_suites(folder: Path | None = None) -> dict[str, dict[str, Any]]:
    """The committed suites (what a run validates against)."""
    folder = folder or suites_folder()
    return {
        name: json.loads((folder / f"{name}.json").read_text(encoding="utf-8")) for name in EXTRACTS
    }


_COLUMN_KEYS = ("column", "column_A", "column_B")


def columns_named(suite: dict[str, Any]) -> list[str]:
    """The columns the suite's expectations name (row conditions aside), in suite order."""
    named: list[str] = []
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        for name in [*(kwargs.get(k) for k in _COLUMN_KEYS), *kwargs.get("column_list", [])]:
            if name and str(name) not in named:
                named.append(str(name))
    return named


def resolve(suite: dict[str, Any], parameters: dict[str, Any]) -> dict[str, Any]:
    """Fill `${name}` placeholders with this run's values (dates, row-count floors)."""
    text = json.dumps(suite)
    for key, value in parameters.items():
        text = text.replace(f'"${{{key}}}"', json.dumps(value))
        text = text.replace(f"${{{key}}}", str(value))
    return json.loads(text)
