# ruff: noqa: E501  (one case per line: the table reads better than wrapped code)
"""Acceptance cases for criteria on medication records (`medications`), hand-built, one
change each.

The trial is tests/fixtures/trials/medications-example.yaml: an oral anticancer drug (ATC
`L01*`, route ORAL) prescribed or dispensed within 28 days (`oral_anticancer_4_weeks`,
2026-10-27 .. 2026-11-24, both ends included; a statement does not count), an anticoagulant
of any kind of record within 6 months (`anticoagulant_6_months`, 2026-05-24 .. 2026-11-24;
four ATC prefixes, antiplatelet agents B01AC outside them), a strong CYP3A4 inhibitor within
14 days (`strong_cyp3a4_inhibitor_14_days`, 2026-11-10 .. 2026-11-24, exact ATC codes) and
prior everolimus (`prior_everolimus`, the exact code L01EG02, any date). Windows count a
record's start date. Each patient is the Lutathera acceptance baseline (no medication
record) with ONE change to its medication records. The same folder screened with a source
config that leaves the extract out gives `unknown`, "not available from this source", for
everybody.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.rules.reads import UNAVAILABLE_REASON
from pipeline.trial import load_trial
from tests.acceptance.builder import Raw, as_date, write_exports
from tests.acceptance.cases import AS_OF, baseline_f
from tests.acceptance.conftest import FILES, Screened, screen_files, screen_sql, screen_without
from tests.conftest import repo_root

TRIAL = repo_root() / "tests" / "fixtures" / "trials" / "medications-example.yaml"
ORAL, ANTICOAG, CYP3A4, EVEROLIMUS = (
    "oral_anticancer_4_weeks",
    "anticoagulant_6_months",
    "strong_cyp3a4_inhibitor_14_days",
    "prior_everolimus",
)
CRITERIA = (ORAL, ANTICOAG, CYP3A4, EVEROLIMUS)
M, N, U = "met", "not_met", "unknown"
C, NE, NR = "candidate", "not_eligible", "needs_review"
RX, DISP, STMT = "PRESCRIPTION", "DISPENSING", "STATEMENT"
CAPECITABINE, EVEROLIMUS_ATC, TEMSIROLIMUS = "L01BC06", "L01EG02", "L01EG01"
APIXABAN, ASPIRIN, CLARITHROMYCIN, AZITHROMYCIN = "B01AF02", "B01AC06", "J01FA09", "J01FA10"
NO_DATE = "completeness.medications.start_date.not_null"
BAD_ATC = "conformance.medications.atc_code.code"
BAD_KIND = "conformance.medications.kind.code"
END_BEFORE_START = "plausibility.medications.end_date.not_before_start_date"
ORPHAN_RULE = "relational.medications.patient_id.exists"
# record_id;patient_id;kind;atc;source code;source system;start;end;route (the hospital's words)
ORPHAN = "ORPHAN-med1;NOBODY;PRESCRIPTION;L01BC06;;;01/11/2026;;PO\n"


def _drug(atc: Any, start: Any, kind: Any = RX, route: Any = "ORAL", end: Any = None) -> dict:
    return {
        "kind": kind,
        "atc_code": atc,
        "start_date": None if start is None else as_date(start),
        "end_date": None if end is None else as_date(end),
        "route": route,
        "source_code": "3400930000050",
        "source_system": "CIP13",
    }


@dataclass(frozen=True)
class Case:
    id: str
    rationale: str
    add: tuple[dict, ...] = ()
    expect: tuple[str, str, str, str] = (M, M, M, M)  # an exclusion met is not_met
    overall: str = C
    quarantined: tuple[str, ...] = ()
    died_on: str | None = None

    @property
    def patient_id(self) -> str:
        return "MED_" + self.id.upper()

    def records(self) -> dict[str, list[dict]]:
        records = baseline_f()
        records["patients"][0]["patient_id"] = self.patient_id
        if self.died_on:
            records["patients"][0]["death_date"] = as_date(self.died_on)
        records["medications"] = [{**r, "_key": f"m{i}"} for i, r in enumerate(self.add)]
        return records


# fmt: off
CASES = [
    Case("baseline", "No medication record: eligible"),
    Case("capecitabine_day_28", "Capecitabine prescribed 28 days before inclusion (2026-10-27): inside the window (both ends included)", (_drug(CAPECITABINE, "2026-10-27"),), (N, M, M, M), NE),
    Case("capecitabine_day_29", "Capecitabine prescribed 29 days before inclusion (2026-10-26): outside the window", (_drug(CAPECITABINE, "2026-10-26"),)),
    Case("capecitabine_on_the_as_of_day", "Capecitabine prescribed on the as-of day: inside the window", (_drug(CAPECITABINE, AS_OF),), (N, M, M, M), NE),
    Case("capecitabine_after_the_as_of_day", "Capecitabine prescribed the day after the as-of date: not known on that date, kept out (backfill)", (_drug(CAPECITABINE, "2026-11-25"),)),
    Case("capecitabine_dispensed", "Capecitabine dispensed by the pharmacy on 2026-11-01: a dispensing is one of the kinds asked for", (_drug(CAPECITABINE, "2026-11-01", DISP),), (N, M, M, M), NE),
    Case("capecitabine_statement", "Capecitabine the patient says she takes, stated 2026-11-01: a statement is not a kind the criterion asks for", (_drug(CAPECITABINE, "2026-11-01", STMT),)),
    Case("temsirolimus_intravenous", "Temsirolimus (L01EG01) intravenous on 2026-11-10: an anticancer drug, not oral; not everolimus (exact code)", (_drug(TEMSIROLIMUS, "2026-11-10", route="INTRAVENOUS"),)),
    Case("capecitabine_route_missing", "Capecitabine prescribed 2026-11-01 with no route recorded: whether it is oral cannot be told", (_drug(CAPECITABINE, "2026-11-01", route=None),), (U, M, M, M), NR),
    Case("everolimus_2023", "Everolimus (L01EG02) prescribed in 2023: prior everolimus, whatever its age; long before the 28 days", (_drug(EVEROLIMUS_ATC, "2023-03-01", end="2023-09-01"),), (M, M, M, N), NE),
    Case("apixaban_statement_in_window", "Apixaban (B01AF02) stated 2026-05-24, exactly 6 months before: an anticoagulant, any kind of record", (_drug(APIXABAN, "2026-05-24", STMT),), (M, N, M, M), NE),
    Case("apixaban_a_day_before_the_window", "Apixaban stated 2026-05-23, 6 months and a day before: outside the window", (_drug(APIXABAN, "2026-05-23", STMT),)),
    Case("apixaban_planned_end_after_the_as_of_day", "Apixaban prescribed 2026-10-01 for four months (end 2027-01-31, after the as-of date): a planned end is kept, the record counts", (_drug(APIXABAN, "2026-10-01", end="2027-01-31"),), (M, N, M, M), NE),
    Case("died_during_a_prescription", "Apixaban prescribed 2026-10-01 to 2027-01-31; the patient died on 2026-11-01: a planned end after death is kept, not set aside", (_drug(APIXABAN, "2026-10-01", end="2027-01-31"),), (M, N, M, M), NE, died_on="2026-11-01"),
    Case("aspirin_antiplatelet", "Aspirin (B01AC06, an antiplatelet agent) on 2026-11-01: not an anticoagulant", (_drug(ASPIRIN, "2026-11-01"),)),
    Case("clarithromycin_day_14", "Clarithromycin (J01FA09) prescribed 2026-11-10, 14 days before: a strong CYP3A4 inhibitor inside the window", (_drug(CLARITHROMYCIN, "2026-11-10"),), (M, M, N, M), NE),
    Case("clarithromycin_lower_case", "Clarithromycin written j01fa09 on 2026-11-20: codes are read whatever their case", (_drug(Raw("j01fa09"), "2026-11-20"),), (M, M, N, M), NE),
    Case("clarithromycin_day_15", "Clarithromycin prescribed 2026-11-09, 15 days before: outside the window", (_drug(CLARITHROMYCIN, "2026-11-09"),)),
    Case("azithromycin", "Azithromycin (J01FA10, a macrolide beside clarithromycin) on 2026-11-20: not in the exact list", (_drug(AZITHROMYCIN, "2026-11-20"),)),
    Case("prescription_and_dispensing", "Capecitabine prescribed and dispensed on 2026-11-01: two records, both kept (not duplicates)", (_drug(CAPECITABINE, "2026-11-01"), _drug(CAPECITABINE, "2026-11-01", DISP)), (N, M, M, M), NE),
    Case("undated_capecitabine", "Capecitabine prescribed without a start date: set aside, so a recent oral anticancer drug cannot be ruled out; it is none of the other drugs", (_drug(CAPECITABINE, None),), (U, M, M, M), NR, (NO_DATE,)),
    Case("atc_code_malformed", "A prescription of 2026-11-01 coded L1BC06 (not an ATC code): set aside, so any criterion whose window holds its date cannot rule it out", (_drug(Raw("L1BC06"), "2026-11-01"),), (U, U, M, U), NR, (BAD_ATC,)),
    Case("kind_outside_the_vocabulary", "Capecitabine of 2026-11-01 recorded as ADMINISTRATION (not a kind of this extract): set aside, so the oral anticancer drug cannot be ruled out", (_drug(CAPECITABINE, "2026-11-01", Raw("ADMINISTRATION")),), (U, M, M, M), NR, (BAD_KIND,)),
    Case("end_before_start", "Apixaban prescribed 2026-10-01 ending 2026-09-01: set aside, so the anticoagulant cannot be ruled out", (_drug(APIXABAN, "2026-10-01", end="2026-09-01"),), (M, U, M, M), NR, (END_BEFORE_START,)),
]
# fmt: on


@pytest.fixture(scope="module")
def medications_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("medications") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    with (folder / "medicaments.csv").open("a", encoding="utf-8") as handle:
        handle.write(ORPHAN)  # a medication record of a patient the export does not have
    return folder


@pytest.fixture(scope="module")
def screened(medications_exports, tmp_path_factory) -> Screened:
    return screen_files(
        load_trial(TRIAL), medications_exports, tmp_path_factory.mktemp("medications")
    )


@pytest.fixture(scope="module")
def screened_sql(medications_exports, tmp_path_factory) -> Screened:
    """The same folder loaded into a warehouse and pulled with the SQL source."""
    return screen_sql(
        load_trial(TRIAL), medications_exports, tmp_path_factory.mktemp("medications-sql")
    )


@pytest.fixture(scope="module")
def screened_without_medications(medications_exports, tmp_path_factory) -> Screened:
    """The same folder from a source config written before the extract existed."""
    folder = tmp_path_factory.mktemp("no-medications")
    return screen_without("medications", load_trial(TRIAL), medications_exports, folder)


def _rows(screened: Screened, pid: str) -> pd.DataFrame:
    return screened.criteria[screened.criteria["patient_id"] == pid].set_index("criterion_id")


@pytest.mark.parametrize(
    ("dialect", "case"),
    [(d, c) for d in ("files", "sql") for c in CASES],
    ids=[f"{d}-{c.id}" for d in ("files", "sql") for c in CASES],
)
def test_case(request, dialect: str, case: Case):
    screened = request.getfixturevalue("screened" if dialect == "files" else "screened_sql")
    rows = _rows(screened, case.patient_id)
    got = tuple(rows.loc[c, "status"] for c in CRITERIA)
    assert got == case.expect, f"{case.rationale}: {rows[['status', 'reason']].to_dict()}"
    assert screened.candidates.loc[case.patient_id, "overall_status"] == case.overall, (
        case.rationale
    )
    frame = screened.quarantine.get("medications")
    set_aside = (
        set()
        if frame is None
        else set(frame.loc[frame["patient_id"] == case.patient_id, "rule_id"])
    )
    assert set_aside == set(case.quarantined)


def test_every_medication_row_is_accounted_for(screened):
    manifest = pd.read_json(screened.report_dir / "manifest.json", typ="series")
    account = manifest["extracts"]["medications"]
    written = sum(len(case.records()["medications"]) for case in CASES) + 1  # and the orphan
    assert account["rows_read"] == written
    assert account["rows_accepted"] + account["rows_quarantined"] == written
    assert account["rows_after_as_of"] == 1  # prescribed the day after the as-of date
    assert account["quarantine_rules"] == {
        ORPHAN_RULE: 1,
        NO_DATE: 1,
        BAD_ATC: 1,
        BAD_KIND: 1,
        END_BEFORE_START: 1,
    }


def test_a_set_aside_record_is_named_in_the_reason(screened):
    rows = _rows(screened, "MED_END_BEFORE_START")
    assert "medication record of 2026-10-01 set aside" in rows.loc[ANTICOAG, "reason"]
    assert END_BEFORE_START in rows.loc[ANTICOAG, "reason"]


def test_a_source_without_medications_makes_them_unknown(screened_without_medications):
    criteria = screened_without_medications.criteria
    for criterion in CRITERIA:
        rows = criteria[criteria["criterion_id"] == criterion]
        assert len(rows) == len(CASES)
        assert (rows["status"] == "unknown").all(), criterion
        assert (rows["reason"] == f"{UNAVAILABLE_REASON}: medications").all(), criterion
    manifest = pd.read_json(screened_without_medications.report_dir / "manifest.json", typ="series")
    # and biomarkers, procedures: no case has one, so the folder has no such file
    unavailable = {
        n: "all"
        for n in ("biomarkers", "medications", "procedures", "observation_periods", "tumour_stage")
    }
    assert manifest["unavailable"] == unavailable
