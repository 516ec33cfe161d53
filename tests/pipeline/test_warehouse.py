"""`screening load-warehouse`: a typed, hospital-shaped PostgreSQL schema from an export folder."""

from __future__ import annotations

import psycopg
import pytest

from pipeline.cli import main
from pipeline.contract import EXTRACTS
from pipeline.errors import ConfigError, ScreeningError
from pipeline.sources import load_source_config
from pipeline.warehouse import (
    TABLES,
    check_identifier,
    drop_schema,
    libpq_url,
    load_warehouse,
    table_ddl,
)
from tests.conftest import repo_root
from tests.pg_service import scratch_database

FILES = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
WAREHOUSE = load_source_config(repo_root() / "sources" / "synthetic-chu-warehouse.yaml")


@pytest.mark.parametrize("name", ["dwh", "screening_test_1", "_x"])
def test_plain_schema_names_are_accepted(name):
    assert check_identifier(name) == name


@pytest.mark.parametrize("name", ["", "DWH", "dwh; drop table x", "a-b", "1abc", "x" * 64])
def test_other_schema_names_are_refused(name):
    with pytest.raises(ConfigError):
        check_identifier(name)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql+psycopg://u@h:5432/d", "postgresql://u@h:5432/d"),
        ("postgres://u:p%40w@h/d?sslmode=require", "postgresql://u:p%40w@h/d?sslmode=require"),
        ("postgresql://u@h/d", "postgresql://u@h/d"),
    ],
)
def test_libpq_url(url, expected):
    assert libpq_url(url) == expected


def test_every_non_identifying_contract_column_has_a_warehouse_column():
    # the synthetic warehouse has no table for the optional extracts its hospital lacks
    assert set(EXTRACTS) - set(TABLES) == {"observation_periods", "tumour_stage"}
    for name in TABLES:
        extract = EXTRACTS[name]
        mapped = {ours for ours, _theirs in TABLES[name][1]}
        wanted = {c.name for c in extract.columns if not c.identifying}
        assert mapped == wanted, name


def test_warehouse_source_config_maps_the_warehouse_columns_back():
    for name, (_table, columns) in TABLES.items():
        assert WAREHOUSE.extracts[name].columns == dict(
            (theirs, ours) for ours, theirs in columns
        ), name


def test_ddl_is_typed():
    ddl = table_ddl("dwh", "labs")
    assert "CREATE TABLE dwh.lab_result" in ddl
    assert "lab_result_sk bigint PRIMARY KEY" in ddl
    assert "collected_at timestamp without time zone" in ddl
    assert "result_text text" in ddl
    assert "birth_date date" in table_ddl("dwh", "patients")
    assert "ss_affiliated boolean" in table_ddl("dwh", "patients")
    assert "ki67_pct double precision" in table_ddl("dwh", "pathology")


def test_a_sql_source_is_not_loadable(tmp_path):
    with pytest.raises(ConfigError, match="kind: files"):
        load_warehouse(tmp_path, "postgresql://nobody@127.0.0.1:1/x", WAREHOUSE)


def test_an_unreachable_server_is_a_clear_error(small_hospital):
    with pytest.raises(ScreeningError, match="cannot connect to the warehouse"):
        load_warehouse(small_hospital.exports, "postgresql://nobody@127.0.0.1:1/x", FILES)


def _columns(url: str, schema: str) -> dict[tuple[str, str], str]:
    with psycopg.connect(libpq_url(url)) as conn:
        rows = conn.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s",
            (schema,),
        ).fetchall()
    return {(t, c): d for t, c, d in rows}


def _counts(url: str, schema: str) -> dict[str, int]:
    with psycopg.connect(libpq_url(url)) as conn:
        return {
            table: conn.execute(f"SELECT count(*) FROM {schema}.{table}").fetchone()[0]
            for table, _columns in TABLES.values()
        }


def test_load_is_typed_complete_and_idempotent(small_hospital, capsys):
    with scratch_database() as url:
        first = load_warehouse(small_hospital.exports, url, FILES, "dwh_a")
        assert first.rows == {TABLES[n][0]: r for n, r in small_hospital.rows.items()}
        assert first.untyped == {}
        # Through the CLI, into the same schema: drop + create, same content, no duplicates.
        code = main(
            [
                "load-warehouse",
                "--exports",
                str(small_hospital.exports),
                "--url",
                url,
                "--schema",
                "dwh_a",
            ]
        )
        assert code == 0
        assert "warehouse schema: dwh_a" in capsys.readouterr().out
        assert _counts(url, "dwh_a") == first.rows
        types = _columns(url, "dwh_a")
        assert types[("patient", "birth_date")] == "date"
        assert types[("patient", "ss_affiliated")] == "boolean"
        assert types[("lab_result", "collected_at")] == "timestamp without time zone"
        assert types[("imaging_lesion", "longest_diameter_mm")] == "double precision"
        assert types[("lab_result", "result_text")] == "text"
        assert not any(c in ("nom", "prenom", "family_name") for _t, c in types)  # no names
        with psycopg.connect(libpq_url(url)) as conn:
            sk = conn.execute("SELECT min(patient_sk), max(patient_sk) FROM dwh_a.patient")
            assert sk.fetchone() == (1, small_hospital.rows["patients"])
        drop_schema(url, "dwh_a")
        assert _columns(url, "dwh_a") == {}
