"""SQL pulls: bound as-of parameter, streamed, same all-text frames and same reports as files."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import time

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError, InputFileError
from pipeline.io.sql import (
    DEFAULT_SQL_DIR,
    as_text,
    query_path,
    read_extract_sql,
    read_extracts_sql,
    sqlalchemy_url,
    text_column,
    text_table_sha256,
)
from pipeline.prepare import prepare_extracts
from pipeline.pseudonym import load_key
from pipeline.run import run_screening, screen_and_publish
from pipeline.sources import load_source_config, parse_source_config
from pipeline.trial import find_trial, load_trial
from pipeline.warehouse import load_warehouse
from tests.conftest import AS_OF, repo_root
from tests.pg_service import scratch_database

FILES = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
WAREHOUSE = load_source_config(repo_root() / "sources" / "synthetic-chu-warehouse.yaml")
REPORT_TABLES = ("candidates", "criteria", "attrition")
# What the warehouse config pulls: every extract but the optional ones it does not declare
# (the synthetic hospital keeps no observation periods nor stagings).
PULLED = [name for name in EXTRACTS if not WAREHOUSE.extract_unavailable(name)]


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        (
            "postgres://u:p%40ss@h:5433/db?sslmode=require",
            "postgresql+psycopg://u:p%40ss@h:5433/db?sslmode=require",
        ),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg2://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_airflow_uris_become_psycopg_urls(uri, expected):
    assert sqlalchemy_url(uri) == expected


def test_a_text_column_is_built_by_arrow_and_any_other_value_by_value():
    import decimal

    built = text_column(["<0,5", None, ""])
    assert built.type == pa.string() and built.to_pylist() == ["<0,5", "", ""]
    mixed = ["a", None, dt.date(2026, 1, 2), True, decimal.Decimal("1.50"), 7]
    expected = ["a", "", "2026-01-02", "true", "1.50", "7"]
    assert text_column(mixed).to_pylist() == expected == [as_text(v) for v in mixed]
    assert text_column(()).to_pylist() == []


def test_values_render_in_the_warehouse_dialect():
    import decimal

    assert as_text(None) == ""
    assert as_text("<0,5") == "<0,5"
    assert as_text(dt.date(2026, 1, 2)) == "2026-01-02"
    assert as_text(dt.datetime(2026, 1, 2, 3, 4, 5)) == "2026-01-02 03:04:05"
    assert as_text(True) == "true"
    assert as_text(decimal.Decimal("1.50")) == "1.50"
    assert as_text(12.5) == "12.5"


def test_the_warehouse_source_names_a_query_file_per_extract():
    assert WAREHOUSE.kind == "sql"
    assert set(EXTRACTS) - set(PULLED) == {"observation_periods", "tumour_stage"}
    for name in PULLED:
        path = query_path(WAREHOUSE.extracts[name])
        assert path == DEFAULT_SQL_DIR / f"{name}.sql"


@pytest.mark.parametrize("name", PULLED)
def test_queries_bind_the_as_of_date_and_never_format_it(name):
    text = (DEFAULT_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    code = "\n".join(line.split("--")[0] for line in text.splitlines())
    assert not re.search(r"\{|%\(|%s", code), "no Python formatting in queries"
    # Patients are not cut at the as-of date (see patients.sql); every other extract is.
    assert (":as_of" in code) == (name != "patients")
    assert "ORDER BY" in code, "a deterministic order gives stable row numbers"


def test_query_files_outside_the_sql_folder_are_refused(tmp_path):
    spec = {name: {"query": f"{name}.sql"} for name in EXTRACTS}
    spec["labs"] = {"query": "../pipeline/cli.py"}
    source = parse_source_config({"kind": "sql", "extracts": spec}, "x.yaml")
    with pytest.raises(ConfigError, match="outside"):
        query_path(source.extracts["labs"])
    spec["labs"] = {"query": "nope.sql"}
    source = parse_source_config({"kind": "sql", "extracts": spec}, "x.yaml")
    with pytest.raises(ConfigError, match="not found"):
        query_path(source.extracts["labs"])


def test_a_files_source_is_not_pulled():
    with pytest.raises(ConfigError, match="not a sql source"):
        read_extracts_sql("postgresql://x@127.0.0.1:1/x", FILES, AS_OF)


def test_a_pulls_digest_is_that_of_its_rows_as_csv_whatever_the_chunks():
    rows = {"a": ["x", None, "", 'q"t'], "b": ["1", "2", "3", "4"]}
    table = pa.table({k: pa.array(v, pa.string()) for k, v in rows.items()})
    written = pa.BufferOutputStream()
    pacsv.write_csv(table, written)
    assert written.getvalue().to_pybytes().startswith(b'"a","b"\n"x","1"\n,"2"\n"","3"\n')
    assert text_table_sha256(table) == hashlib.sha256(written.getvalue()).hexdigest()
    chunked = pa.Table.from_batches(table.to_batches(max_chunksize=1))
    assert chunked.column(0).num_chunks == 4
    assert text_table_sha256(chunked) == text_table_sha256(table)
    # A missing value is not an empty text, and one changed value changes the digest.
    for changed in ({**rows, "a": ["x", "", "", 'q"t']}, {**rows, "b": ["1", "2", "3", "5"]}):
        other = pa.table({k: pa.array(v, pa.string()) for k, v in changed.items()})
        assert text_table_sha256(other) != text_table_sha256(table)


def test_an_unreachable_warehouse_stops_the_pull_quickly():
    started = time.monotonic()
    with pytest.raises(InputFileError, match="connecting to the warehouse failed") as info:
        read_extract_sql("postgres://u:secretpw@127.0.0.1:1/db", WAREHOUSE, "labs", AS_OF)
    assert "secretpw" not in str(info.value)
    assert time.monotonic() - started < 30


@pytest.fixture(scope="module")
def warehouse(small_hospital):
    """The small hospital loaded into a scratch database (schema dwh, as the queries expect)."""
    with scratch_database() as url:
        load_warehouse(small_hospital.exports, url, FILES)
        yield url


def test_pulls_are_all_text_in_contract_columns_with_independent_counts(warehouse):
    raws = read_extracts_sql(warehouse, WAREHOUSE, AS_OF)
    assert set(raws) == set(EXTRACTS)
    for name in set(EXTRACTS) - set(PULLED):  # not declared: delivered empty, unavailable
        assert raws[name].rows_read == 0 and raws[name].path.startswith("unavailable:"), name
    for name in PULLED:
        raw = raws[name]
        wanted = ["row_number", *(c.name for c in EXTRACTS[name].columns if not c.identifying)]
        assert list(raw.frame.columns) == wanted, name
        assert raw.ignored_columns == [], name
        assert raw.rows_read == len(raw.frame) > 0, name
        assert raw.path == f"sql:{name}.sql"
        for column in wanted[1:]:
            assert pd.api.types.is_string_dtype(raw.frame[column]), (name, column)


def test_chunked_streaming_gives_the_same_frame_and_digest(warehouse):
    whole = read_extract_sql(warehouse, WAREHOUSE, "labs", AS_OF)
    chunked = read_extract_sql(warehouse, WAREHOUSE, "labs", AS_OF, chunk_rows=97)
    pd.testing.assert_frame_equal(whole.frame, chunked.frame)
    assert re.fullmatch(r"[0-9a-f]{64}", whole.sha256)
    assert chunked.sha256 == whole.sha256
    earlier = read_extract_sql(warehouse, WAREHOUSE, "labs", dt.date(2026, 1, 1))
    assert earlier.sha256 != whole.sha256  # fewer rows pulled


def test_the_as_of_date_is_a_bound_parameter_that_cuts_at_source(warehouse):
    now = read_extract_sql(warehouse, WAREHOUSE, "labs", AS_OF)
    earlier = read_extract_sql(warehouse, WAREHOUSE, "labs", dt.date(2026, 1, 1))
    assert 0 < earlier.rows_read < now.rows_read
    with pytest.raises(ValueError):
        read_extract_sql(warehouse, WAREHOUSE, "labs", "2026-01-01' OR '1'='1")


def test_a_failing_query_reports_its_type_never_the_value(warehouse, tmp_path):
    for name in PULLED:
        (tmp_path / f"{name}.sql").write_text((DEFAULT_SQL_DIR / f"{name}.sql").read_text())
    (tmp_path / "patients.sql").write_text("SELECT CAST(ipp AS integer) AS ipp FROM dwh.patient")
    with pytest.raises(InputFileError, match=r"query failed \(InvalidTextRepresentation") as info:
        read_extract_sql(warehouse, WAREHOUSE, "patients", AS_OF, folder=tmp_path)
    assert "IPP" not in str(info.value)


@pytest.mark.parametrize(
    ("query", "named", "line"),
    [
        ("SELECT ipp\nFROM dwh.no_such_table", "no table dwh.no_such_table", 2),
        ("SELECT ipp,\n  p.no_such_column\nFROM dwh.patient AS p", "no column p.no_such_column", 2),
        ("SELECT ipp\nFROM nowhere.patient", "no table nowhere.patient", 2),
    ],
)
def test_a_missing_table_or_column_is_named_with_its_line(warehouse, tmp_path, query, named, line):
    """What a site gets wrong in its query (a table or column its warehouse does not have)
    is named, with the query file's line: an identifier of the query, never a value."""
    for name in PULLED:
        (tmp_path / f"{name}.sql").write_text((DEFAULT_SQL_DIR / f"{name}.sql").read_text())
    (tmp_path / "patients.sql").write_text(query)
    with pytest.raises(InputFileError) as info:
        read_extract_sql(warehouse, WAREHOUSE, "patients", AS_OF, folder=tmp_path)
    assert named in info.value.reason
    assert info.value.line == line
    assert f", line {line}: query failed (Undefined" in str(info.value)


def test_sql_and_files_give_identical_reports(warehouse, small_hospital, tmp_path):
    trial = load_trial(find_trial("lutathera-retreatment"))
    as_of = pd.Timestamp(AS_OF)
    from_files = run_screening(trial, small_hospital.exports, FILES, as_of, tmp_path / "files")
    raws = read_extracts_sql(warehouse, WAREHOUSE, AS_OF)
    prepared = prepare_extracts(raws, WAREHOUSE, as_of)
    from_sql = screen_and_publish(trial, prepared, WAREHOUSE, tmp_path / "sql", load_key())

    assert from_sql.counts == from_files.counts
    for name in REPORT_TABLES:
        a = from_files.report_dir / f"{name}.parquet"
        b = from_sql.report_dir / f"{name}.parquet"
        pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b))
        assert a.read_bytes() == b.read_bytes(), name
    manifests = [
        json.loads((r.report_dir / "manifest.json").read_text()) for r in (from_files, from_sql)
    ]
    for key in ("as_of", "trial", "contract_version", "source", "outputs"):
        assert manifests[0][key] == manifests[1][key], key
    # Inputs differ legitimately: files vs queries, and the SQL pull is cut at the as-of date.
    assert manifests[1]["inputs"]["labs"]["file"] == "sql:labs.sql"
    # Every pull is fingerprinted in the manifest by the digest of its rows.
    assert {n: i["sha256"] for n, i in manifests[1]["inputs"].items()} == {
        n: raw.sha256 for n, raw in raws.items()
    }
    assert len({raws[name].sha256 for name in PULLED}) == len(PULLED)


HOSPITAL_COLUMN = r" \(hospital column '[^']*'\)"


def test_the_same_rows_are_set_aside(warehouse, small_hospital, tmp_path):
    """Quarantine and re-identification agree too, except for row numbers.

    A row number is the row's position in what was read: the SQL pull is cut at the as-of date,
    so positions after a cut row shift. (Data-quality summaries count rows read: they differ.)
    A reason may name the hospital's own column, which differs between dialects.
    """
    trial = load_trial(find_trial("lutathera-retreatment"))
    as_of = pd.Timestamp(AS_OF)
    a = run_screening(trial, small_hospital.exports, FILES, as_of, tmp_path / "f").report_dir
    prepared = prepare_extracts(read_extracts_sql(warehouse, WAREHOUSE, AS_OF), WAREHOUSE, as_of)
    b = screen_and_publish(trial, prepared, WAREHOUSE, tmp_path / "s", load_key()).report_dir
    assert (a / "reidentification.parquet").read_bytes() == (
        b / "reidentification.parquet"
    ).read_bytes()
    names = sorted(p.name for p in (a / "quarantine").glob("*.parquet"))
    assert names == sorted(p.name for p in (b / "quarantine").glob("*.parquet"))
    for name in names:
        left, right = (
            pd.read_parquet(d / "quarantine" / name)
            .drop(columns="row_number")
            .sort_values(["pseudonym", "rule_id"])
            .reset_index(drop=True)
            .assign(reason=lambda q: q["reason"].str.replace(HOSPITAL_COLUMN, "", regex=True))
            for d in (a, b)
        )
        pd.testing.assert_frame_equal(left, right, obj=name)


def test_an_optional_extract_with_no_rows_is_unavailable_for_that_date(warehouse):
    """Biomarkers reported only after 2010: pulled as of 2010-01-01 the optional extract has no
    row, and is unavailable for that date (as a landing folder without its file), while a
    required extract with no row still stops the pull."""
    early = dt.date(2010, 1, 1)
    raw = read_extract_sql(warehouse, WAREHOUSE, "biomarkers", early)
    assert raw.rows_read == 0 and raw.frame.empty
    assert raw.path == "unavailable:biomarkers (no rows from sql:biomarkers.sql)"
    assert read_extract_sql(warehouse, WAREHOUSE, "biomarkers", AS_OF).rows_read > 0
    with pytest.raises(InputFileError, match="no data rows"):
        read_extract_sql(warehouse, WAREHOUSE, "labs", dt.date(1900, 1, 1))
