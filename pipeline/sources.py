"""Per-hospital source configuration: how one hospital's exports map onto the contract.

A hospital's column names, code values, encoding, separator, decimal mark and date formats are
declared here, never guessed. Anything the config does not map is reported, not inferred.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError

SUPPORTED_ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")


@dataclass(frozen=True)
class ExtractSource:
    """How one extract is delivered by one hospital."""

    name: str
    file: str
    format: str = "csv"
    encoding: str = "utf-8"
    separator: str = ","
    decimal: str = "."
    date_format: str = "%Y-%m-%d"
    datetime_formats: tuple[str, ...] = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
    true_values: tuple[str, ...] = ("true", "1", "yes")
    false_values: tuple[str, ...] = ("false", "0", "no")
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # Codes this site uses beyond the contract's set, per code column (`codes:` in the config).
    codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    query: str | None = None
    require_final_newline: bool = True

    def hospital_column(self, contract_column: str) -> str:
        """The hospital's name for a contract column (itself when not renamed)."""
        for theirs, ours in self.columns.items():
            if ours == contract_column:
                return theirs
        return contract_column


@dataclass(frozen=True)
class SourceConfig:
    hospital: str
    kind: str
    extracts: dict[str, ExtractSource]
    path: str = ""


_DEFAULT_KEYS = {
    "format",
    "encoding",
    "separator",
    "decimal",
    "date_format",
    "datetime_formats",
    "true_values",
    "false_values",
    "require_final_newline",
}


def _extract_source(name: str, defaults: dict[str, Any], spec: dict[str, Any]) -> ExtractSource:
    merged: dict[str, Any] = {**defaults, **spec}
    unknown = set(merged) - _DEFAULT_KEYS - {"file", "columns", "values", "codes", "query"}
    if unknown:
        raise ConfigError(f"extract '{name}': unknown keys {sorted(unknown)}")
    encoding = str(merged.get("encoding", "utf-8")).lower()
    if encoding not in SUPPORTED_ENCODINGS:
        raise ConfigError(
            f"extract '{name}': encoding '{encoding}' is not supported "
            f"(use one of {', '.join(SUPPORTED_ENCODINGS)})"
        )
    columns = {str(k): str(v) for k, v in (merged.get("columns") or {}).items()}
    contract_names = set(EXTRACTS[name].column_names)
    wrong = sorted(set(columns.values()) - contract_names)
    if wrong:
        raise ConfigError(f"extract '{name}': columns mapped to unknown contract columns {wrong}")
    values = {
        str(col): {str(k): str(v) for k, v in mapping.items()}
        for col, mapping in (merged.get("values") or {}).items()
    }
    codes = _extra_codes(name, merged.get("codes") or {})
    fmt = str(merged.get("format", "csv"))
    return ExtractSource(
        name=name,
        file=str(merged.get("file", f"{name}.{fmt}")),
        format=fmt,
        encoding=encoding,
        separator=str(merged.get("separator", ",")),
        decimal=str(merged.get("decimal", ".")),
        date_format=str(merged.get("date_format", "%Y-%m-%d")),
        datetime_formats=tuple(
            merged.get("datetime_formats", ExtractSource.datetime_formats)  # type: ignore[arg-type]
        ),
        true_values=tuple(str(v) for v in merged.get("true_values", ExtractSource.true_values)),
        false_values=tuple(str(v) for v in merged.get("false_values", ExtractSource.false_values)),
        columns=columns,
        values=values,
        codes=codes,
        query=merged.get("query"),
        require_final_newline=bool(merged.get("require_final_newline", True)),
    )


def _extra_codes(name: str, spec: Any) -> dict[str, tuple[str, ...]]:
    """A site's extra codes: only for contract code columns with a closed set of codes."""
    if not isinstance(spec, dict):
        raise ConfigError(f"extract '{name}': codes maps a code column to a list of codes")
    codes = {}
    for column, values in spec.items():
        try:
            contract_column = EXTRACTS[name].column(str(column))
        except KeyError:
            raise ConfigError(f"extract '{name}': codes for unknown column '{column}'") from None
        if contract_column.type != "code" or contract_column.allowed is None:
            raise ConfigError(
                f"extract '{name}': codes can only extend a column with a closed set of codes, "
                f"not '{column}'"
            )
        if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
            raise ConfigError(f"extract '{name}': codes of '{column}' must be a list of texts")
        codes[str(column)] = tuple(values)
    return codes


def parse_source_config(data: dict[str, Any], path: str = "") -> SourceConfig:
    """Validate a source config mapping; every contract extract must be declared."""
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a source config is a mapping")
    defaults = data.get("defaults") or {}
    specs = data.get("extracts") or {}
    missing = sorted(set(EXTRACTS) - set(specs))
    if missing:
        raise ConfigError(f"{path}: extracts not declared: {missing}")
    unknown = sorted(set(specs) - set(EXTRACTS))
    if unknown:
        raise ConfigError(f"{path}: unknown extracts: {unknown}")
    extracts = {name: _extract_source(name, defaults, specs[name] or {}) for name in EXTRACTS}
    kind = str(data.get("kind", "files"))
    if kind not in ("files", "sql"):
        raise ConfigError(f"{path}: kind must be 'files' or 'sql', not '{kind}'")
    return SourceConfig(
        hospital=str(data.get("hospital", "unnamed")), kind=kind, extracts=extracts, path=path
    )


def load_source_config(path: str | Path) -> SourceConfig:
    """Read and validate a per-hospital source config YAML file."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read source config: {exc}") from None
    return parse_source_config(data, str(path))


def canonical_source() -> SourceConfig:
    """The contract's own dialect: UTF-8 CSV, comma separator, ISO dates, contract names."""
    return parse_source_config({"extracts": {name: {} for name in EXTRACTS}}, "<canonical>")
