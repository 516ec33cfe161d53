"""Failure mail through Airflow's SMTP notifier, to a real SMTP server started by the test."""

from __future__ import annotations

import json
import shutil
import socket
from collections.abc import Iterator
from email import message_from_bytes

import pendulum
import pytest

from tests.conftest import AS_OF
from tests.dags.airflow_env import DAGS, HOSPITAL_DAG_ID


class Mailbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], bytes]] = []

    # The hook's name is aiosmtpd's.
    async def handle_DATA(self, server, session, envelope) -> str:
        self.received.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(monkeypatch) -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    connection = {
        "conn_type": "smtp",
        "host": "127.0.0.1",
        "port": port,
        "extra": {"disable_ssl": True, "disable_tls": True},
    }
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps(connection))
    try:
        yield box
    finally:
        controller.stop()


def test_a_failed_run_mails_the_team_without_patient_data(
    mailbox, airflow_db, run_env, monkeypatch
):
    from airflow.models import DagBag

    monkeypatch.setenv("SCREENING_NOTIFY_EMAIL", "recruitment-data@chu.example, oncall@chu.example")
    dag = DagBag(dag_folder=str(DAGS)).dags[HOSPITAL_DAG_ID]  # parsed with the recipients set
    shutil.rmtree(run_env["landing"] / AS_OF)  # fails fast, at the landing sensor
    run = dag.test(logical_date=pendulum.datetime(2026, 11, 24, 2, 0, tz="Europe/Paris"))

    assert str(run.state) == "failed"
    assert len(mailbox.received) == 1, "one mail: the failed task's (nothing ran after it)"
    (recipients, content) = mailbox.received[0]
    assert recipients == ["recruitment-data@chu.example", "oncall@chu.example"]
    mail = message_from_bytes(content)
    assert (
        mail["Subject"] == f"[screening] {HOSPITAL_DAG_ID} failed at wait_for_landing: {run.run_id}"
    )
    body = mail.get_payload(0).get_payload(decode=True).decode()
    assert run.run_id in body and "No patient data" in body
    assert "IPP" not in content.decode(errors="replace")
