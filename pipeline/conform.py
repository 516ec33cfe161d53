"""Typing raw text columns per the contract, with a reason for every row that cannot be typed.

Nothing is coerced silently: a value that does not parse under the hospital's declared format
is flagged, and the data-quality suite sets its row aside with a rule id naming the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.contract import CONTROL_CHARACTERS, Column, Extract
from pipeline.date_text import NUMERIC_FORMAT, written_as
from pipeline.io.files import ROW_NUMBER, RawExtract
from pipeline.quality.suites import CONFORMS, SAFE_TEXT, TYPED
from pipeline.sources import ExtractSource
from pipeline.text_hash import is_arrow_text


def _text(series: pd.Series) -> pd.Series:
    """Stripped text with empty strings as missing."""
    if not pd.api.types.is_string_dtype(series):
        return series
    stripped = series.str.strip()
    return stripped.mask(stripped == "")


def _parse_dates(text: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(text):
        return text.astype("datetime64[us]")
    # Every value is parsed, not each distinct text once: timestamps to the minute are
    # mostly distinct, and finding the distinct ones cost more than parsing them all.
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    for fmt in formats:
        todo = (result.isna() & text.notna()).to_numpy()
        if not todo.any():
            break
        if todo.all():
            result = _parse_with(text, fmt)
        else:
            result[todo] = _parse_with(text[todo], fmt)
    return result


_YEAR_1 = pa.scalar(-62135596800, pa.timestamp("s"))  # 0001-01-01
_YEAR_10000 = pa.scalar(253402300800, pa.timestamp("s"))  # 10000-01-01


def _parse_with(text: pd.Series, fmt: str) -> pd.Series:
    """`text` parsed with `fmt` exactly as `pd.to_datetime(format=fmt, errors="coerce")` does.

    Arrow's C++ strptime parses first; a value is taken from it only when it is the very text
    `fmt` writes for the parsed instant (`date_text.written_as`: a canonical value, which
    pandas reads as the same instant). Everything else (no zero padding, out-of-range days
    that a C strptime would roll over, fractions of seconds...) is left to pandas, so the
    result is pandas' result, at a fraction of its cost on tens of millions of timestamps.
    """
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[us]")
    canonical = np.zeros(len(text), dtype=bool)
    if not NUMERIC_FORMAT.fullmatch(fmt):  # %y, %b, %z, %f...: pandas parses every value
        return _parse_with_pandas(text, fmt, parsed, ~canonical)
    try:
        values = pa.array(text.astype("str").array)
        seconds = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
        # Python's datetime (pandas' strptime) knows years 1 to 9999 only.
        in_range = pc.and_(pc.greater_equal(seconds, _YEAR_1), pc.less(seconds, _YEAR_10000))
        canonical = written_as(values, seconds, fmt) & in_range.fill_null(False).to_numpy(
            zero_copy_only=False
        )
        instants = seconds.cast(pa.timestamp("us")).to_numpy(zero_copy_only=False)
        parsed[canonical] = instants[canonical]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        canonical[:] = False  # a format Arrow cannot handle: pandas parses every value
    return _parse_with_pandas(text, fmt, parsed, ~canonical)


def _parse_with_pandas(text: pd.Series, fmt: str, parsed: pd.Series, rest: np.ndarray) -> pd.Series:
    if rest.any():
        parsed[rest] = pd.to_datetime(text[rest], format=fmt, errors="coerce").astype(
            "datetime64[us]"
        )
    return parsed


def _parse_float(text: pd.Series, decimal: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(text):
        return text.astype("float64")
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def number_from_text(values: pd.Series) -> pd.Series:
    """Numbers in free-text columns (assessment values), where either decimal mark occurs."""
    text = values.astype("str").str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def _parse_bool(text: pd.Series, source: ExtractSource) -> pd.Series:
    lowered = text.str.lower()
    trues = {v.lower() for v in source.true_values}
    falses = {v.lower() for v in source.false_values}
    result = pd.Series(pd.NA, index=text.index, dtype="boolean")
    result[lowered.isin(trues)] = True
    result[lowered.isin(falses)] = False
    return result


def code_key(text: pd.Series) -> pd.Series:
    """Codes compared whatever their case, surrounding spaces and accents: ' Égal ' and
    'EGAL' are one code. A hospital's export and its value map are written by different
    people; a code that differs only in case must not silently fail to match."""
    stripped = text.astype("str").str.strip().str.normalize("NFKD")
    return stripped.str.replace(r"[\u0300-\u036f]", "", regex=True).str.upper()


def _code_texts(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Each row's position among the distinct code texts (-1 where missing), and their keys:
    a code column repeats a few texts over millions of rows, so the string work (and the
    vocabulary check) is done once per distinct text, then spread back by position."""
    positions, distinct = pd.factorize(text, use_na_sentinel=True)
    return positions, code_key(pd.Series(distinct, dtype="str"))


def _spread(per_distinct: pd.Series, positions: np.ndarray, index: pd.Index) -> pd.Series:
    values = per_distinct.array.take(positions, allow_fill=True)
    return pd.Series(values, index=index, dtype=per_distinct.dtype)


def _mapped(keys: pd.Series, mapping: dict[str, str]) -> pd.Series:
    if not mapping:
        return keys
    normalised = dict(
        zip(
            code_key(pd.Series(list(mapping), dtype="str")),
            code_key(pd.Series(list(mapping.values()), dtype="str")),
            strict=True,
        )
    )
    return keys.map(lambda key: normalised.get(key, key)).astype("str")


def map_codes(text: pd.Series, mapping: dict[str, str]) -> pd.Series:
    """The contract's codes for a hospital's code texts (value map keys matched by
    `code_key`); texts the map does not name keep their own normalised key."""
    positions, keys = _code_texts(text)
    return _spread(_mapped(keys, mapping), positions, text.index)


def code_conforms(codes: pd.Series, column: Column, extra: tuple[str, ...] = ()) -> pd.Series:
    """Per value: in the column's vocabulary (the contract's set plus a site's extra codes, or
    the code system's shape); missing values conform (completeness rules judge them)."""
    if column.allowed is not None:
        known = codes.isin([*column.allowed, *code_key(pd.Series(list(extra), dtype="str"))])
    elif column.pattern is not None:
        known = codes.str.fullmatch(column.pattern)
    else:
        return pd.Series(True, index=codes.index)
    return (known.fillna(False).astype(bool) | codes.isna()).astype(bool)


def _typed_codes(
    text: pd.Series, column: Column, source: ExtractSource
) -> tuple[pd.Series, pd.Series | None]:
    positions, keys = _code_texts(text)
    codes = _mapped(keys, source.values.get(column.name, {}))
    typed = _spread(codes, positions, text.index)
    if not column.has_vocabulary:
        return typed, None
    conforms = code_conforms(codes, column, source.codes.get(column.name, ()))
    flags = np.append(conforms.to_numpy(dtype=bool), True)  # position -1: missing, conforms
    invalid = ~flags[positions]
    return typed, pd.Series(invalid, index=text.index)


def _arrow_text(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text Series as Arrow strings: Arrow-backed text as it is (no copy), other text
    through one conversion."""
    if is_arrow_text(values):
        return pa.array(values.array)
    return pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)


def text_is_safe(raw: pd.Series, max_length: int) -> pd.Series:
    """Per raw value: free of control characters (`CONTROL_CHARACTERS`) and at most
    `max_length` characters long; missing values are safe (completeness rules judge them).

    Judged on the raw text, before any stripping: every writer downstream (workbook, page,
    Parquet, the set-aside reasons) can then trust the text of an accepted row. Arrow's
    RE2 and length kernels run over the buffers, with no Python object per value.
    """
    if not pd.api.types.is_string_dtype(raw) or len(raw) == 0:
        return pd.Series(True, index=raw.index)
    text = _arrow_text(raw)
    unsafe = pc.or_(
        pc.match_substring_regex(text, CONTROL_CHARACTERS),
        pc.greater(pc.utf8_length(text), max_length),
    )
    flags = pc.invert(pc.fill_null(unsafe, False)).to_numpy(zero_copy_only=False)
    return pd.Series(flags, index=raw.index, dtype=bool)


def conform_column(
    raw: pd.Series, column: Column, source: ExtractSource
) -> tuple[pd.Series, pd.Series | None]:
    """Typed column and a mask of present values that failed to type (None when not possible)."""
    text = _text(raw)
    present = text.notna()
    if column.type in ("id", "str"):
        return text.astype("str"), None
    if column.type == "code":
        return _typed_codes(text, column, source)
    if column.type == "date":
        typed = _parse_dates(text, (source.date_format,)).dt.normalize()
    elif column.type == "datetime":
        typed = _parse_dates(text, source.datetime_formats)
    elif column.type == "float":
        typed = _parse_float(text, source.decimal)
    elif column.type == "int":
        floats = _parse_float(text, source.decimal)
        integral = floats.notna() & (np.floor(floats) == floats)
        typed = floats.where(integral).astype("Int64")
    elif column.type == "bool":
        typed = _parse_bool(text, source)
    else:  # pragma: no cover - the contract only uses the types above
        raise ValueError(column.type)
    return typed, present & typed.isna()


def _raw_column(frame: pd.DataFrame, column: Column) -> pd.Series:
    """A column's raw text; an optional column a reader does not deliver is all missing
    (a contract minor version adds optional columns: older readers and queries still work,
    and a required column's absence was refused by the reader, naming it)."""
    if column.name in frame.columns or column.required:
        return frame[column.name]
    return pd.Series(pd.NA, index=frame.index, dtype="str")


def conform_extract(raw: RawExtract, extract: Extract, source: ExtractSource) -> pd.DataFrame:
    """Typed frame indexed by row number, with `<column>__conforms` flags for typed columns
    and `<column>__safe_text` flags for text columns.

    A conforms flag is False where text was present but did not parse under the declared
    format; a safe-text flag is False where the raw text holds a control character or is too
    long (`text_is_safe`). The data-quality suites turn those flags into quarantine decisions.
    """
    frame = raw.frame
    typed: dict[str, pd.Series] = {ROW_NUMBER: frame[ROW_NUMBER]}
    for column in extract.columns:
        if column.identifying:
            continue
        raw_values = _raw_column(frame, column)
        if column.is_text:
            typed[column.name + SAFE_TEXT] = text_is_safe(raw_values, column.max_length)
        values, invalid = conform_column(raw_values, column, source)
        typed[column.name] = values
        if column.type in TYPED or column.has_vocabulary:
            conforms = ~(invalid.fillna(False).astype(bool)) if invalid is not None else None
            typed[column.name + CONFORMS] = (
                conforms if conforms is not None else pd.Series(True, index=frame.index)
            )
    result = pd.DataFrame(typed, index=frame.index)
    result.index = pd.Index(frame[ROW_NUMBER].to_numpy(), name=None)
    return result
