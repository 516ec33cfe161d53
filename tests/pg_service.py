"""The real PostgreSQL server for tests: reachable, else skipped (or failed in CI).

Each test gets a scratch database of its own (the shipped queries read the `dwh` schema, so a
unique database keeps concurrent runs apart); it is dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.conftest import require_services

PG_URL = os.environ.get(
    "SCREENING_TEST_PG_URL", "postgresql+psycopg://postgres@localhost:5432/test"
)


def _libpq(url: str) -> str:
    from pipeline.warehouse import libpq_url

    return libpq_url(url)


def require_postgres(url: str = PG_URL) -> None:
    """Skip (or fail under SCREENING_REQUIRE_SERVICES=1) when the server is not reachable."""
    import psycopg

    try:
        with psycopg.connect(_libpq(url), connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        reason = f"PostgreSQL not reachable at {url} (set SCREENING_TEST_PG_URL): {exc}"
        if require_services():
            pytest.fail(reason)
        pytest.skip(reason)


def with_database(url: str, database: str) -> str:
    """The same server URL with another database name."""
    base, _, _query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + database


@contextmanager
def scratch_database(url: str = PG_URL) -> Iterator[str]:
    """A fresh, uniquely named database on the test server; dropped on exit."""
    import psycopg

    require_postgres(url)
    name = f"screening_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_libpq(url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield with_database(url, name)
    finally:
        with psycopg.connect(_libpq(url), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
