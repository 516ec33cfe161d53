"""The portfolio DAG with `dag.test()`: it gathers the trials' reports beside them."""

from __future__ import annotations

import sqlite3

import pyarrow.parquet as pq
import pytest

from pipeline.airflow_support.config import PORTFOLIO_DAG_ID
from tests.dags.airflow_env import DAGS
from tests.pipeline.test_portfolio import NIGHT, write_candidates


@pytest.fixture(scope="module")
def portfolio_dag(airflow_db):
    from airflow.models import DagBag

    bag = DagBag(dag_folder=str(DAGS))
    assert bag.import_errors == {}
    return bag.dags[PORTFOLIO_DAG_ID]


def test_a_run_writes_the_newest_nights_portfolio_and_only_counts_to_xcom(
    portfolio_dag, airflow_db, tmp_path, monkeypatch
):
    reports = tmp_path / "reports"
    write_candidates(
        reports, "t1", NIGHT, [("P-a", "candidate", None), ("P-b", "not_eligible", None)]
    )
    write_candidates(reports, "t2", NIGHT, [("P-a", "needs_review", None)])
    monkeypatch.setenv("SCREENING_REPORTS_DIR", str(reports))
    run = portfolio_dag.test()
    assert str(run.state) == "success"
    table = pq.read_table(reports / f"portfolio-{NIGHT.isoformat()}.parquet")
    assert table.column("pseudonym").to_pylist() == ["P-a", "P-a"]
    assert table.column("open_trials").to_pylist() == [2, 2]
    with sqlite3.connect(airflow_db) as db:
        (value,) = db.execute(
            "SELECT value FROM xcom WHERE dag_id = ? AND run_id = ?", (PORTFOLIO_DAG_ID, run.run_id)
        ).fetchone()
    text = value.decode() if isinstance(value, bytes) else str(value)
    assert '"patients": 1' in text and "t1" in text and "t2" in text
    assert "P-a" not in text, "no pseudonym in XCom"


def test_a_run_with_no_report_yet_fails_saying_so(portfolio_dag, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SCREENING_REPORTS_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    run = portfolio_dag.test()
    assert str(run.state) == "failed"
    assert "no published trial report" in caplog.text
