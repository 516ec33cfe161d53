"""Coordinator feedback over two real nights: decisions imported after the first run are shown
by the second (candidates.parquet, review.html, changes), and bad files are refused whole."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
import shutil
import stat
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook

from pipeline.cli import main
from pipeline.feedback import FEEDBACK_SCHEMA
from tests.conftest import AS_OF, screen_lutathera
from tests.pipeline.review.offline import open_offline  # noqa: F401

TRIAL = "lutathera-retreatment"
NIGHT_1 = (pd.Timestamp(AS_OF) - pd.Timedelta(days=7)).date().isoformat()


def _csv(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["pseudonym", "decision", "date", "note"])
        writer.writerows(rows)
    return path


def _import(file: Path, reports: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["feedback", "import", str(file), "--trial", TRIAL, "--reports", str(reports)])
    return code, capsys.readouterr().err


def _page_data(page: Path) -> dict:
    html = page.read_text(encoding="utf-8")
    opening = '<script type="application/json" id="review-data">'
    found = re.search(re.escape(opening) + "(.*?)</script>", html, re.S)
    assert found is not None
    return json.loads(found.group(1))


@pytest.fixture(scope="module")
def first_night(small_hospital, tmp_path_factory) -> Path:
    """The small hospital screened a week before AS_OF, in a reports root of this module."""
    out = tmp_path_factory.mktemp("feedback-reports")
    return screen_lutathera(small_hospital.exports, out, NIGHT_1)


@pytest.fixture(scope="module")
def newcomers(small_reports) -> list[str]:
    """Patients who become candidates on AS_OF and were already screened a week before
    (without any feedback): the ones a decision must keep off the 'new' list."""
    changes = pq.read_table(small_reports[1] / "changes.parquet").to_pandas()
    new = changes[(changes["change"] == "new_candidate") & changes["previous_status"].notna()]
    assert len(new) >= 2, "the small hospital plants patients who become candidates"
    return sorted(new["pseudonym"])


def test_round_trip_over_two_nights(
    small_hospital,
    first_night,
    newcomers,
    tmp_path,
    capsys,
    open_offline,  # noqa: F811
):
    reports = first_night.parent.parent
    night_1 = pq.read_table(first_night / "candidates.parquet").to_pandas()
    assert night_1["decision"].isna().all()  # no feedback yet: the columns exist, empty
    listed = night_1[night_1["overall_status"] == "needs_review"]["pseudonym"].tolist()
    enrolled, declined, contacted = newcomers[0], newcomers[1], listed[0]
    first = _csv(
        tmp_path / "monday.csv",
        [
            (enrolled, "contacted", "2026-11-18", "left a message"),
            (contacted, "contacted", "2026-11-19", "=HYPERLINK(1)"),
        ],
    )
    code, err = _import(first, reports, capsys)
    assert (code, err) == (0, "")
    second = _csv(
        tmp_path / "tuesday.csv",
        [
            (enrolled, "Enrolled", "2026-11-20", "consent signed"),
            (declined, "declined", "2026-11-21", ""),
            (enrolled, "contacted", "2026-11-19", "older, imported later: history only"),
        ],
    )
    code, err = _import(second, reports, capsys)
    assert (code, err) == (0, "")

    store = reports / TRIAL / "feedback.parquet"
    assert stat.S_IMODE(store.stat().st_mode) == 0o600
    history = pq.read_table(store)
    assert history.schema.equals(FEEDBACK_SCHEMA)
    assert history.num_rows == 5  # every decision kept, the history is never rewritten
    ids = set(pq.read_table(first_night / "reidentification.parquet")["patient_id"].to_pylist())
    kept = {v for column in history.to_pandas().astype(str).to_numpy().T for v in column}
    assert not ids & kept  # keyed by pseudonym: no hospital id in the feedback

    night_2 = screen_lutathera(small_hospital.exports, reports, AS_OF)
    candidates = pq.read_table(night_2 / "candidates.parquet").to_pandas().set_index("pseudonym")
    assert candidates.loc[enrolled, "decision"] == "enrolled"
    assert str(candidates.loc[enrolled, "decision_date"]) == "2026-11-20"
    assert candidates.loc[declined, "decision"] == "declined"
    assert candidates.loc[contacted, "decision"] == "contacted"
    assert candidates["decision"].notna().sum() == 3

    manifest = json.loads((night_2 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["feedback"]["sha256"] == hashlib.sha256(store.read_bytes()).hexdigest()
    assert manifest["feedback"]["patients_with_a_decision"] == 3
    first_manifest = json.loads((first_night / "manifest.json").read_text(encoding="utf-8"))
    assert first_manifest["feedback"]["sha256"] is None

    changes = pq.read_table(night_2 / "changes.parquet").to_pandas()
    new = set(changes.loc[changes["change"] == "new_candidate", "pseudonym"])
    assert enrolled not in new and declined not in new  # settled: not news any more
    assert set(newcomers[2:]) <= new  # the other newcomers still are

    data = _page_data(night_2 / "review.html")
    shown = dict(zip(data["patients"]["pseudonym"], data["patients"]["decision"], strict=True))
    dates = dict(zip(data["patients"]["pseudonym"], data["patients"]["decision_date"], strict=True))
    assert shown[enrolled] == "enrolled" and dates[enrolled] == "2026-11-20"
    assert shown[contacted] == "contacted"

    book = load_workbook(night_2 / "candidates.xlsx")
    rows = list(book["Candidates"].iter_rows(values_only=True))
    sheet = pd.DataFrame(rows[1:], columns=rows[0]).set_index("Pseudonym")
    assert sheet.loc[enrolled, "Latest decision"] == "Enrolled"
    assert sheet.loc[enrolled, "Latest decision date"] == "2026-11-20"
    assert sheet["Decision"].isna().all()  # the team's columns start empty every night

    page = open_offline(night_2 / "review.html", width=800)
    row = page.locator(f'tr.patient-row[data-pseudonym="{enrolled}"]')
    assert row.locator(".decision").inner_text() == "Enrolled · 2026-11-20"
    assert page.locator(".decision").count() == 3
    assert page.errors == [] and page.requests == []


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (("{p}", "called", "2026-11-18", ""), "decision", "not one of contacted"),
        (("{p}", "", "2026-11-18", ""), "decision", "no decision"),
        (("{p}", "enrolled", "18/11/2026", ""), "date", "YYYY-MM-DD"),
        (("{p}", "enrolled", "2026-02-30", ""), "date", "not a date that exists"),
        (("{p}", "enrolled", "2099-01-01", ""), "date", "in the future"),
        (("{p}", "enrolled", "2026-11-18", "x" * 201), "note", "longer than 200"),
        (("{p}", "enrolled", "2026-11-18", "bell\x07"), "note", "control character"),
        (("0" * 64, "enrolled", "2026-11-18", ""), "pseudonym", "unknown to the latest report"),
    ],
)
def test_a_bad_row_refuses_the_whole_file(first_night, tmp_path, capsys, row, column, message):
    reports = first_night.parent.parent
    known = pq.read_table(first_night / "candidates.parquet")["pseudonym"][0].as_py()
    store = reports / TRIAL / "feedback.parquet"
    before = store.read_bytes() if store.exists() else None
    good = (known, "contacted", "2026-11-18", "")
    bad = tuple(value.replace("{p}", known) for value in row)
    file = _csv(tmp_path / "bad.csv", [good, bad])
    code, err = _import(file, reports, capsys)
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{file}, line 3, column '{column}': " in err and message in err
    assert known not in err and "0" * 64 not in err  # places, never the values
    assert (store.read_bytes() if store.exists() else None) == before  # nothing kept


def test_a_file_without_a_decision_column_is_refused(first_night, tmp_path, capsys):
    file = tmp_path / "notes.csv"
    file.write_text("pseudonym,date,note\nabc,2026-11-18,\n", encoding="utf-8")
    code, err = _import(file, first_night.parent.parent, capsys)
    assert code == 2
    assert f"{file}, line 1: no column 'decision'" in err


def test_a_trial_without_reports_is_refused(tmp_path, capsys):
    file = _csv(tmp_path / "d.csv", [("abc", "enrolled", "2026-11-18", "")])
    code, err = _import(file, tmp_path / "empty", capsys)
    assert code == 2
    assert f"no report of trial '{TRIAL}'" in err


def test_the_workbook_filled_in_is_imported(small_reports, tmp_path, capsys):
    """The team fills the Decision columns of the night's candidates.xlsx in a spreadsheet
    (a date typed as a date, a decision in words) and imports the file itself."""
    reports = tmp_path / "reports"
    copy = reports / TRIAL / small_reports[0].name
    shutil.copytree(small_reports[0].resolve(), copy)
    book = load_workbook(copy / "candidates.xlsx")
    sheet = book["Needs review"]
    headers = [cell.value for cell in sheet[1]]
    at = {name: headers.index(name) + 1 for name in ("Pseudonym", "Decision", "Decision date")}
    chosen = sheet.cell(row=3, column=at["Pseudonym"]).value
    sheet.cell(row=3, column=at["Decision"]).value = "Screen failure"
    sheet.cell(row=3, column=at["Decision date"]).value = dt.datetime(2026, 11, 16)
    sheet.cell(row=3, column=headers.index("Note") + 1).value = "no consent form yet"
    filled = tmp_path / "filled.xlsx"
    book.save(filled)
    code, err = _import(filled, reports, capsys)
    assert (code, err) == (0, "")
    history = pq.read_table(reports / TRIAL / "feedback.parquet").to_pandas()
    assert history[["pseudonym", "decision", "note", "line"]].values.tolist() == [
        [chosen, "screen_failure", "no consent form yet", 3]
    ]
    assert str(history["decision_date"].iloc[0]) == "2026-11-16"

    sheet.cell(row=4, column=at["Decision"]).value = "maybe"
    book.save(filled)
    code, err = _import(filled, reports, capsys)
    assert code == 2
    assert f"{filled}[Needs review], line 4, column 'decision': not one of" in err


def test_a_csv_saved_by_a_french_spreadsheet_is_read(small_reports, tmp_path, capsys):
    """';' separators and a byte-order mark, as Excel writes 'CSV UTF-8' in a French locale."""
    reports = tmp_path / "reports"
    shutil.copytree(small_reports[0].resolve(), reports / TRIAL / small_reports[0].name)
    known = pq.read_table(small_reports[0] / "candidates.parquet")["pseudonym"][1].as_py()
    file = tmp_path / "fr.csv"
    file.write_text(
        f"\ufeffpseudonym;decision;date;note\n{known};Enrolled;2026-11-15;appel, puis RDV\n",
        encoding="utf-8",
    )
    code, err = _import(file, reports, capsys)
    assert (code, err) == (0, "")
    history = pq.read_table(reports / TRIAL / "feedback.parquet").to_pandas()
    assert history[["pseudonym", "decision", "note"]].values.tolist() == [
        [known, "enrolled", "appel, puis RDV"]
    ]
