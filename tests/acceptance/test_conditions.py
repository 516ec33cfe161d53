# ruff: noqa: E501  (one case per line: the table reads better than wrapped code)
"""Acceptance cases for criteria on diagnoses (`conditions`), hand-built, one change each.

The trial is tests/fixtures/trials/conditions-example.yaml: an intestinal NET diagnosed at
least 6 months before inclusion (`net_diagnosed_6_months_ago`, a window ending 6 months
before the as-of date: 2026-05-24 and earlier), and the exclusion "another malignancy within
3 years, except a skin carcinoma and carcinomas in situ" (`other_malignancy_3_years`, ICD-10
C00-C97 except C44 and the NET's own sites, onset 2023-11-24 .. 2026-11-24, both ends
included). Each patient is the Lutathera acceptance baseline (a NET diagnosed 2019-02-20,
recorded 2019-03-10) with ONE change to its diagnoses. A diagnosis without an onset date is
dated no later than its recorded date (pipeline/rules/undated.py). The same folder screened
with a source config that leaves the conditions extract out gives `unknown`, "not available
from this source", for everybody.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pipeline.rules.reads import UNAVAILABLE_REASON
from pipeline.trial import load_trial
from tests.acceptance.builder import Raw, as_date, write_exports
from tests.acceptance.cases import baseline_f
from tests.acceptance.conftest import (
    FILES,
    Screened,
    screen_files,
    screen_sql,
    screen_without,
)
from tests.conftest import repo_root

TRIAL = repo_root() / "tests" / "fixtures" / "trials" / "conditions-example.yaml"
NET, OTHER = "net_diagnosed_6_months_ago", "other_malignancy_3_years"
M, N, U = "met", "not_met", "unknown"
ONSET_AFTER_RECORDED = "plausibility.conditions.onset_date.not_after_recorded_date"
BAD_ICD10 = "conformance.conditions.icd10_code.code"


def _diagnosis(icd10: Any, onset: str | None, recorded: str, **more: Any) -> dict:
    return {
        "icd10_code": icd10,
        "onset_date": None if onset is None else as_date(onset),
        "recorded_date": as_date(recorded),
        **more,
    }


@dataclass(frozen=True)
class Case:
    id: str
    rationale: str
    add: tuple[dict, ...] = ()
    net: dict[str, Any] | None = None  # changes to the NET diagnosis
    expect: tuple[str, str] = (M, M)  # criterion statuses (an exclusion met is not_met)
    overall: str = "candidate"
    quarantined: tuple[str, ...] = ()
    reason: str = ""  # text the other-malignancy reason must contain

    @property
    def patient_id(self) -> str:
        return "COND_" + self.id.upper()

    def records(self) -> dict[str, list[dict]]:
        records = baseline_f()
        records["patients"][0]["patient_id"] = self.patient_id
        if self.net is not None:
            records["conditions"][0].update(self.net)
        records["conditions"] += [
            {**copy.deepcopy(r), "_key": f"d{i}"} for i, r in enumerate(self.add)
        ]
        return records


NE, NR = "not_eligible", "needs_review"
# record_id;patient_id;icd10;topography;morphology;snomed;onset;recorded;status
ORPHAN = "ORPHAN-dia1;NOBODY;C50.9;;;;01/06/2025;10/06/2025;ACTIF\n"
ORPHAN_RULE = "relational.conditions.patient_id.exists"
BREAST = "C50.9"
# fmt: off
CASES = [
    Case("baseline", "A NET diagnosed in 2019 and nothing else: eligible"),
    Case("breast_cancer_last_year", "A breast cancer diagnosed 18 months ago: another malignancy within 3 years", (_diagnosis(BREAST, "2025-06-01", "2025-06-10"),), expect=(M, N), overall=NE),
    Case("breast_cancer_exactly_3_years", "Onset exactly 3 years before inclusion (2023-11-24): inside the window (both ends included)", (_diagnosis(BREAST, "2023-11-24", "2023-12-01"),), expect=(M, N), overall=NE),
    Case("breast_cancer_3_years_and_a_day", "Onset 3 years and a day before inclusion (2023-11-23): outside the window", (_diagnosis(BREAST, "2023-11-23", "2023-12-01"),)),
    Case("skin_carcinoma", "A skin carcinoma (C44.3) last year: the protocol's exception, does not count", (_diagnosis("C44.3", "2025-06-01", "2025-06-10"),)),
    Case("breast_in_situ", "A breast carcinoma in situ (D05.1) last year: not an invasive malignancy", (_diagnosis("D05.1", "2025-06-01", "2025-06-10"),)),
    Case("diabetes", "Type 2 diabetes (E11.9) last year: a comorbidity, not a malignancy", (_diagnosis("E11.9", "2025-06-01", "2025-06-10"),)),
    Case("breast_cancer_lower_case", "A breast cancer written c50.9: codes are read whatever their case", (_diagnosis("c50.9", "2025-06-01", "2025-06-10"),), expect=(M, N), overall=NE),
    Case("breast_cancer_no_onset_recorded_last_year", "A breast cancer without onset date, recorded last year: its onset may be inside the 3 years or long before", (_diagnosis(BREAST, None, "2025-06-10"),), expect=(M, U), overall=NR, reason="1 more possible"),
    Case("breast_cancer_no_onset_recorded_4_years_ago", "A breast cancer without onset date, recorded 4 years ago: its onset is no later, so outside the 3 years", (_diagnosis(BREAST, None, "2022-11-01"),)),
    Case("breast_cancer_recorded_after_as_of", "A breast cancer recorded the day after the as-of date (onset last year): not known on that date, kept out (backfill)", (_diagnosis(BREAST, "2025-06-01", "2026-11-25"),)),
    Case("breast_cancer_onset_after_recorded", "Onset after its recorded date: the row is set aside, so another malignancy cannot be ruled out", (_diagnosis(BREAST, "2025-06-01", "2025-01-01"),), expect=(M, U), overall=NR, quarantined=(ONSET_AFTER_RECORDED,), reason=ONSET_AFTER_RECORDED),
    Case("icd10_code_malformed", "ICD-10 code C5O.9 (a letter O): not an ICD-10 code, set aside, another malignancy cannot be ruled out", (_diagnosis(Raw("C5O.9"), "2025-06-01", "2025-06-10"),), expect=(M, U), overall=NR, quarantined=(BAD_ICD10,), reason=BAD_ICD10),
    Case("diagnosis_without_icd10", "A diagnosis coded only in SNOMED CT last year: whether it is another malignancy cannot be told", (_diagnosis(None, "2025-06-01", "2025-06-10", snomed_code="254837009"),), expect=(M, U), overall=NR),
    Case("net_diagnosed_exactly_6_months_ago", "NET onset exactly 6 months before inclusion (2026-05-24): long enough", net={"onset_date": as_date("2026-05-24"), "recorded_date": as_date("2026-06-01")}),
    Case("net_diagnosed_6_months_less_a_day", "NET onset 2026-05-25: less than 6 months before inclusion", net={"onset_date": as_date("2026-05-25"), "recorded_date": as_date("2026-06-01")}, expect=(N, M), overall=NE),
    Case("net_no_onset_recorded_2019", "NET without onset date, recorded in 2019: diagnosed in 2019 at the latest", net={"onset_date": None}),
    Case("net_no_onset_recorded_recently", "NET without onset date, recorded 2 months ago: may have been diagnosed 6 months ago or not", net={"onset_date": None, "recorded_date": as_date("2026-09-20")}, expect=(U, M), overall=NR),
]
# fmt: on


@pytest.fixture(scope="module")
def conditions_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("conditions") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    with (folder / "diagnostics.csv").open("a", encoding="utf-8") as handle:
        handle.write(ORPHAN)  # a diagnosis of a patient the export does not have
    return folder


@pytest.fixture(scope="module")
def screened(conditions_exports, tmp_path_factory) -> Screened:
    return screen_files(
        load_trial(TRIAL), conditions_exports, tmp_path_factory.mktemp("conditions")
    )


@pytest.fixture(scope="module")
def screened_sql(conditions_exports, tmp_path_factory) -> Screened:
    """The same folder loaded into a warehouse and pulled with the SQL source."""
    return screen_sql(
        load_trial(TRIAL), conditions_exports, tmp_path_factory.mktemp("conditions-sql")
    )


@pytest.fixture(scope="module")
def screened_without_conditions(conditions_exports, tmp_path_factory) -> Screened:
    """The same folder from a source config written before the extract existed."""
    folder = tmp_path_factory.mktemp("no-conditions")
    return screen_without("conditions", load_trial(TRIAL), conditions_exports, folder)


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
    got = (rows.loc[NET, "status"], rows.loc[OTHER, "status"])
    assert got == case.expect, f"{case.rationale}: {rows[['status', 'reason']].to_dict()}"
    assert screened.candidates.loc[case.patient_id, "overall_status"] == case.overall, (
        case.rationale
    )
    if case.reason:
        assert case.reason in rows.loc[OTHER, "reason"], rows.loc[OTHER, "reason"]
    frame = screened.quarantine.get("conditions")
    set_aside = (
        set()
        if frame is None
        else set(frame.loc[frame["patient_id"] == case.patient_id, "rule_id"])
    )
    assert set_aside == set(case.quarantined)


def test_every_diagnosis_row_is_accounted_for(screened):
    manifest = pd.read_json(screened.report_dir / "manifest.json", typ="series")
    account = manifest["extracts"]["conditions"]
    written = sum(len(case.records()["conditions"]) for case in CASES) + 1  # and the orphan
    assert account["rows_read"] == written
    assert account["rows_accepted"] + account["rows_quarantined"] == written
    assert account["rows_after_as_of"] == 1  # recorded the day after the as-of date
    assert account["quarantine_rules"] == {
        ORPHAN_RULE: 1,
        ONSET_AFTER_RECORDED: 1,
        BAD_ICD10: 1,
    }


def test_a_source_without_conditions_makes_them_unknown(screened_without_conditions):
    criteria = screened_without_conditions.criteria
    for criterion in (NET, OTHER):
        rows = criteria[criteria["criterion_id"] == criterion]
        assert len(rows) == len(CASES)
        assert (rows["status"] == "unknown").all(), criterion
        assert (rows["reason"] == f"{UNAVAILABLE_REASON}: conditions").all(), criterion
    manifest = pd.read_json(screened_without_conditions.report_dir / "manifest.json", typ="series")
    # and biomarkers, procedures: no case has one, so the folder has no such file (not delivered)
    unavailable = {
        "biomarkers": "all",
        "conditions": "all",
        "medications": "all",
        "observation_periods": "all",
        "tumour_stage": "all",
        "procedures": "all",
    }
    assert manifest["unavailable"] == unavailable
