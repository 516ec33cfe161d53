"""Per-hospital source configuration: how one hospital's exports map onto the contract.

A hospital's column names, code values, encoding, separator, decimal mark and date formats are
declared here, never guessed. Anything the config does not map is reported, not inferred.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.config_yaml import load_config_yaml
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
    """One hospital's source. `unavailable` names what this source cannot provide at all:
    an extract (None: the whole extract) or some of its optional columns. Those are delivered
    empty, and the criteria reading them are `unknown`, never `not_met`: a site without a
    tumour-board extract is not a site whose patients had no tumour-board decision."""

    hospital: str
    kind: str
    extracts: dict[str, ExtractSource]
    path: str = ""
    unavailable: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    # Settings of source kinds other than files and sql (`omop:`, `fhir:`).
    options: dict[str, Any] = field(default_factory=dict)

    def extract_unavailable(self, name: str) -> bool:
        """Whether the whole extract is declared unavailable from this source."""
        return name in self.unavailable and self.unavailable[name] is None

    def unavailable_columns(self, name: str) -> tuple[str, ...]:
        """The extract's columns declared unavailable (all of them for a whole extract)."""
        if name not in self.unavailable:
            return ()
        columns = self.unavailable[name]
        return tuple(EXTRACTS[name].column_names) if columns is None else columns

    def unavailable_summary(self) -> dict[str, list[str] | str]:
        """What the manifest lists: `all` for a whole extract, else the columns."""
        return {
            name: "all" if columns is None else list(columns)
            for name, columns in sorted(self.unavailable.items())
        }


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


_EXTRACT_KEYS = _DEFAULT_KEYS | {"file", "columns", "values", "codes", "query"}
_TOP_KEYS = {"hospital", "kind", "defaults", "extracts", "unavailable", "omop", "fhir"}
KINDS = ("files", "sql", "omop", "fhir")
FORMATS = ("csv", "parquet")
# Characters a CSV dialect cannot use as its separator or decimal mark: the quote, line ends.
_RESERVED = {'"', "\n", "\r"}


class _Where:
    """Names where a key was set: the extract's own block, or `defaults` (shared by all)."""

    def __init__(self, path: str, name: str, spec: dict[str, Any]) -> None:
        self.path, self.name, self.spec = path, name, spec

    def block(self, key: str) -> str:
        """`path: extract 'name'` or `path: defaults`, wherever `key` was set."""
        block = f"extract '{self.name}'" if key in self.spec else "defaults"
        return f"{self.path}: {block}"

    def __call__(self, key: str) -> str:
        return f"{self.block(key)}: '{key}'"


def _mapping(value: Any, where: str) -> dict[Any, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a mapping, not {type(value).__name__}")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be a non-empty text, not {_kind(value)}")
    return value


def _texts(value: Any, where: str) -> tuple[str, ...]:
    """A non-empty list of texts; whole numbers are taken as texts (`[1, 0]`), booleans are not
    (YAML reads an unquoted `yes` as true: quote it)."""
    if not isinstance(value, list) or not value:
        raise ConfigError(f"{where} must be a non-empty list of texts, not {_kind(value)}")
    result = []
    for item in value:
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        result.append(_text(item, where))
    return tuple(result)


def _kind(value: Any) -> str:
    if isinstance(value, str):
        return "an empty text" if not value else "a text"
    if isinstance(value, bool):
        return "a boolean (quote it)"
    return "empty" if value is None else type(value).__name__


def _character(value: Any, where: str) -> str:
    """One character that a CSV dialect can use (not the quote character or a line end)."""
    if not isinstance(value, str) or len(value) != 1:
        shown = f"{len(value)} characters" if isinstance(value, str) else _kind(value)
        raise ConfigError(f"{where} must be exactly one character, not {shown}")
    if value in _RESERVED:
        raise ConfigError(f"{where} cannot be the quote character or a line end")
    return value


def _encoding(value: Any, where: str) -> str:
    """The codec's canonical name (`UTF8` is utf-8, `windows-1252` is cp1252), if supported."""
    if not isinstance(value, str):
        raise ConfigError(f"{where} must be a text, not {_kind(value)}")
    try:
        name = codecs.lookup(value).name
    except LookupError:
        raise ConfigError(f"{where}: '{value}' is not a known encoding") from None
    if name not in SUPPORTED_ENCODINGS:
        raise ConfigError(
            f"{where}: encoding '{value}' is not supported "
            f"(use one of {', '.join(SUPPORTED_ENCODINGS)})"
        )
    return name


def _extract_source(
    name: str, defaults: dict[str, Any], spec: dict[str, Any], path: str, kind: str
) -> ExtractSource:
    """One extract's dialect, every key typed where it is set: a two-character separator or
    an unknown encoding is the config's error, reported when the config is loaded, not an
    error in the export found while reading it."""
    where = _Where(path, name, spec)
    merged: dict[str, Any] = {**defaults, **spec}
    unknown = sorted(str(k) for k in set(merged) - _EXTRACT_KEYS)
    if unknown:
        raise ConfigError(f"{where.block(unknown[0])}: unknown keys {unknown}")
    encoding = _encoding(merged.get("encoding", "utf-8"), where("encoding"))
    columns = {str(k): str(v) for k, v in _mapping(merged.get("columns"), where("columns")).items()}
    contract_names = set(EXTRACTS[name].column_names)
    wrong = sorted(set(columns.values()) - contract_names)
    if wrong:
        raise ConfigError(
            f"{path}: extract '{name}': columns mapped to unknown contract columns {wrong}"
        )
    values = {
        str(col): {
            str(k): str(v) for k, v in _mapping(mapping, f"{where('values')}['{col}']").items()
        }
        for col, mapping in _mapping(merged.get("values"), where("values")).items()
    }
    try:
        codes = _extra_codes(name, merged.get("codes") or {})
    except ConfigError as exc:  # its messages name the extract: add the config file
        raise ConfigError(f"{path}: {exc}") from None
    fmt = merged.get("format", "csv")
    if fmt not in FORMATS:
        raise ConfigError(f"{where('format')} must be one of {', '.join(FORMATS)}")
    separator = _character(merged.get("separator", ","), where("separator"))
    decimal = _character(merged.get("decimal", "."), where("decimal"))
    if kind == "files" and fmt == "csv" and decimal == separator:
        raise ConfigError(f"{where('decimal')} must differ from the separator '{separator}'")
    true_values = _texts(
        merged.get("true_values", list(ExtractSource.true_values)), where("true_values")
    )
    false_values = _texts(
        merged.get("false_values", list(ExtractSource.false_values)), where("false_values")
    )
    both = sorted({v.lower() for v in true_values} & {v.lower() for v in false_values})
    if both:
        raise ConfigError(f"{where('false_values')}: {both} also in true_values")
    query = merged.get("query")
    if query is not None:
        query = _text(query, where("query"))
    final_newline = merged.get("require_final_newline", True)
    if not isinstance(final_newline, bool):
        raise ConfigError(f"{where('require_final_newline')} must be true or false")
    return ExtractSource(
        name=name,
        file=_text(merged.get("file", f"{name}.{fmt}"), where("file")),
        format=fmt,
        encoding=encoding,
        separator=separator,
        decimal=decimal,
        date_format=_text(merged.get("date_format", "%Y-%m-%d"), where("date_format")),
        datetime_formats=_texts(
            merged.get("datetime_formats", list(ExtractSource.datetime_formats)),
            where("datetime_formats"),
        ),
        true_values=true_values,
        false_values=false_values,
        columns=columns,
        values=values,
        codes=codes,
        query=query,
        require_final_newline=final_newline,
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


def parse_source_config(data: Any, path: str = "") -> SourceConfig:
    """Validate a source config mapping; every contract extract must be declared.

    Everything is checked here, before any export is read, and every error is one line naming
    the config file, the extract (or `defaults`) and the key.
    """
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a source config is a mapping")
    unknown_top = sorted(str(k) for k in set(data) - _TOP_KEYS)
    if unknown_top:
        raise ConfigError(f"{path}: unknown keys {unknown_top} (known: {sorted(_TOP_KEYS)})")
    kind = data.get("kind", "files")
    if kind not in KINDS:
        raise ConfigError(f"{path}: kind must be one of {', '.join(KINDS)}, not '{kind}'")
    hospital = data.get("hospital", "unnamed")
    if not isinstance(hospital, str) or not hospital.strip():
        raise ConfigError(f"{path}: 'hospital' must be a non-empty text")
    defaults = _mapping(data.get("defaults"), f"{path}: 'defaults'")
    specs = _mapping(data.get("extracts"), f"{path}: 'extracts'")
    unavailable = parse_unavailable(data.get("unavailable"), path)
    options: dict[str, Any] = {}
    if kind == "omop":
        from pipeline.io.omop import omop_defaults  # the project's queries, OMOP's gaps

        specs, unavailable, options = omop_defaults(specs, unavailable, data.get("omop"), path)
    elif kind == "fhir":
        from pipeline.io.fhir import fhir_defaults  # the project's mapping, FHIR's gaps

        specs, unavailable, options = fhir_defaults(specs, unavailable, data.get("fhir"), path)
    if "omop" in data and kind != "omop":
        raise ConfigError(f"{path}: 'omop' settings need kind: omop")
    if "fhir" in data and kind != "fhir":
        raise ConfigError(f"{path}: 'fhir' settings need kind: fhir")
    unavailable = optional_left_out(specs, unavailable)
    missing = sorted(set(EXTRACTS) - set(specs) - {n for n, c in unavailable.items() if c is None})
    if missing:
        raise ConfigError(f"{path}: extracts not declared: {missing}")
    unknown = sorted(str(k) for k in set(specs) - set(EXTRACTS))
    if unknown:
        raise ConfigError(f"{path}: unknown extracts: {unknown}")
    extracts = {
        name: _extract_source(
            name, defaults, _mapping(specs.get(name), f"{path}: extract '{name}'"), path, kind
        )
        for name in EXTRACTS
    }
    return SourceConfig(
        hospital=hospital,
        kind=kind,
        extracts=extracts,
        path=path,
        unavailable=unavailable,
        options=options,
    )


def optional_left_out(
    specs: dict[str, Any], unavailable: dict[str, tuple[str, ...] | None]
) -> dict[str, tuple[str, ...] | None]:
    """An optional extract (`Extract.optional`, added in a minor contract version) that the
    config neither declares nor names unavailable is unavailable: a site's config written
    before the extract existed keeps working, and the criteria reading it are `unknown`, "not
    available from this source", never `not_met`."""
    left_out = [
        name
        for name, extract in EXTRACTS.items()
        if extract.optional and name not in specs and unavailable.get(name, ()) is not None
    ]
    return {**unavailable, **dict.fromkeys(left_out)}


def parse_unavailable(spec: Any, path: str) -> dict[str, tuple[str, ...] | None]:
    """`unavailable:` as a list of whole extracts (`[imaging_lesions, tumour_board]`) or a
    mapping of an extract to `all` or to a list of its optional columns
    (`patients: [childbearing_potential]`). The patients extract anchors every report, and a
    required column is the export's structure: neither can be declared unavailable."""
    where = f"{path}: 'unavailable'"
    if spec is None:
        return {}
    if isinstance(spec, list):
        spec = dict.fromkeys(spec, "all")
    if not isinstance(spec, dict):
        raise ConfigError(f"{where} must be a list of extracts or a mapping, not {_kind(spec)}")
    result: dict[str, tuple[str, ...] | None] = {}
    for name, columns in spec.items():
        if not isinstance(name, str) or name not in EXTRACTS:
            raise ConfigError(f"{where}: unknown extract {name!r}")
        if columns == "all" or columns is True:
            if name == "patients":
                raise ConfigError(f"{where}: the patients extract cannot be unavailable")
            result[name] = None
            continue
        names = _texts(columns, f"{where}['{name}']")
        for column in names:
            try:
                contract = EXTRACTS[name].column(column)
            except KeyError:
                raise ConfigError(f"{where}['{name}']: unknown column '{column}'") from None
            if contract.required or contract.identifying:
                raise ConfigError(
                    f"{where}['{name}']: '{column}' is a required column; declare the whole "
                    "extract unavailable instead"
                )
        result[name] = tuple(dict.fromkeys(names))
    return result


def load_source_config(path: str | Path) -> SourceConfig:
    """Read and validate a per-hospital source config YAML file (under the limits of
    `pipeline.config_yaml`: size, nesting, no aliases)."""
    path = Path(path)
    data, _ = load_config_yaml(path, "source config")
    return parse_source_config(data, str(path))


def canonical_source() -> SourceConfig:
    """The contract's own dialect: UTF-8 CSV, comma separator, ISO dates, contract names."""
    return parse_source_config({"extracts": {name: {} for name in EXTRACTS}}, "<canonical>")
