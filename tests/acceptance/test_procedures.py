# ruff: noqa: E501  (one case per line: the table reads better than wrapped code)
"""Acceptance cases for criteria on procedures (`procedures`), hand-built, one change each.

The trial is tests/fixtures/trials/procedures-example.yaml, on the model of NETTER-2's
exclusions: surgery within 12 weeks (`surgery_12_weeks`, category SURGERY performed
2026-09-01 .. 2026-11-24, both ends included), a prior liver-directed therapy
(`liver_directed_therapy`, a CCAM code set of three prefixes, any date) and a prior external
beam radiotherapy (`external_beam_radiotherapy`, category RADIOTHERAPY, any date). A
code set reads one column: an act coded in another system only leaves it unknown. Each patient is the
Lutathera acceptance baseline (no procedure) with ONE change to its procedures. The same
folder screened with a source config that leaves the procedures extract out gives
`unknown`, "not available from this source", for everybody.
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
from tests.acceptance.conftest import (
    FILES,
    Screened,
    screen_files,
    screen_sql,
    screen_without,
)
from tests.conftest import repo_root

TRIAL = repo_root() / "tests" / "fixtures" / "trials" / "procedures-example.yaml"
SURGERY, LIVER, EBRT = "surgery_12_weeks", "liver_directed_therapy", "external_beam_radiotherapy"
CRITERIA = (SURGERY, LIVER, EBRT)
M, N, U = "met", "not_met", "unknown"
C, NE, NR = "candidate", "not_eligible", "needs_review"
NO_DATE = "completeness.procedures.performed_on.not_null"
BAD_CCAM = "conformance.procedures.ccam_code.code"
BAD_CATEGORY = "conformance.procedures.category.code"
ORPHAN_RULE = "relational.procedures.patient_id.exists"
# procedure_id;patient_id;performed_on;ccam;snomed;icd10pcs;category
ORPHAN = "ORPHAN-pro1;NOBODY;01/10/2026;HHFA016;;;CHIRURGIE\n"
EBRT_SNOMED = "33195004"


def _act(on: Any, category: str | None = None, ccam: Any = None, **more: Any) -> dict:
    return {
        "performed_on": None if on is None else as_date(on),
        "category": category,
        "ccam_code": ccam,
        **more,
    }


@dataclass(frozen=True)
class Case:
    id: str
    rationale: str
    add: tuple[dict, ...] = ()
    expect: tuple[str, str, str] = (M, M, M)  # statuses (an exclusion met is not_met)
    overall: str = C
    quarantined: tuple[str, ...] = ()

    @property
    def patient_id(self) -> str:
        return "PROC_" + self.id.upper()

    def records(self) -> dict[str, list[dict]]:
        records = baseline_f()
        records["patients"][0]["patient_id"] = self.patient_id
        records["procedures"] = [{**r, "_key": f"p{i}"} for i, r in enumerate(self.add)]
        return records


# fmt: off
CASES = [
    Case("baseline", "No procedure on record: eligible"),
    Case("resection_2019", "The NET's resection in 2019: surgery long before the 12 weeks", (_act("2019-03-01", "SURGERY", "HHFA016"),)),
    Case("surgery_exactly_12_weeks", "Surgery exactly 12 weeks before inclusion (2026-09-01): inside the window (both ends included)", (_act("2026-09-01", "SURGERY", "HHFA016"),), (N, M, M), NE),
    Case("surgery_12_weeks_and_a_day", "Surgery 12 weeks and a day before inclusion (2026-08-31): outside the window", (_act("2026-08-31", "SURGERY", "HHFA016"),)),
    Case("surgery_a_day_inside", "Surgery 2026-09-02, a day inside the 12 weeks", (_act("2026-09-02", "SURGERY", "HHFA016"),), (N, M, M), NE),
    Case("surgery_on_the_as_of_day", "Surgery on the as-of day: inside the window", (_act(AS_OF, "SURGERY", "HMFC004"),), (N, M, M), NE),
    Case("surgery_after_the_as_of_day", "Surgery the day after the as-of date: not known on that date, kept out (backfill)", (_act("2026-11-25", "SURGERY", "HMFC004"),)),
    Case("surgery_category_only", "A surgery with its category and no code: 'any surgery' needs no code list (whether it was liver-directed cannot be told)", (_act("2026-11-01", "SURGERY"),), (N, U, M), NE),
    Case("recent_act_without_category", "A recent act coded in CCAM only, no category: whether it was a surgery cannot be told", (_act("2026-10-01", None, "HMFC004"),), (U, M, U), NR),
    Case("recent_radiotherapy", "A recent act of another category (radiotherapy 2026-10-01): not a surgery, a radiotherapy", (_act("2026-10-01", "RADIOTHERAPY", "ZZNL900", snomed_code=EBRT_SNOMED),), (M, M, N), NE),
    Case("radioembolisation", "A radioembolisation in 2024 (HLNF900, in the code set's HLNF* prefix): a prior liver-directed therapy, whatever its age", (_act("2024-01-10", "INTERVENTIONAL_RADIOLOGY", "HLNF900"),), (M, N, M), NE),
    Case("chemoembolisation_lower_case", "A chemoembolisation written edsf900: codes are read whatever their case", (_act("2018-05-02", "INTERVENTIONAL_RADIOLOGY", "edsf900"),), (M, N, M), NE),
    Case("other_interventional_radiology", "Another interventional radiology act (EBLF001, not in the code set): no liver-directed therapy", (_act("2024-01-10", "INTERVENTIONAL_RADIOLOGY", "EBLF001"),)),
    Case("interventional_radiology_snomed_only", "An interventional radiology act coded in SNOMED CT only: whether it was liver-directed cannot be told from CCAM", (_act("2024-01-10", "INTERVENTIONAL_RADIOLOGY", None, snomed_code="447989007"),), (M, U, M), NR),
    Case("external_beam_radiotherapy_2022", "External beam radiotherapy in 2022, coded in CCAM and SNOMED CT: prior radiotherapy", (_act("2022-06-01", "RADIOTHERAPY", "ZZNL900", snomed_code=EBRT_SNOMED),), (M, M, N), NE),
    Case("undated_surgery", "A surgery (HHFA016) without date: set aside, so a recent surgery cannot be ruled out; its code and category are neither of the others", (_act(None, "SURGERY", "HHFA016"),), (U, M, M), NR, (NO_DATE,)),
    Case("ccam_code_malformed", "An interventional radiology act coded HHFA16 (two digits): not a CCAM code, set aside, so a liver-directed therapy cannot be ruled out", (_act("2024-01-10", "INTERVENTIONAL_RADIOLOGY", Raw("HHFA16")),), (M, U, M), NR, (BAD_CCAM,)),
    Case("category_outside_the_vocabulary", "A recent act of category ENDOSCOPIE, not in the contract's list: set aside, so neither a surgery nor a radiotherapy can be ruled out", (_act("2026-10-01", Raw("ENDOSCOPIE"), "HHFA016"),), (U, M, U), NR, (BAD_CATEGORY,)),
]
# fmt: on


@pytest.fixture(scope="module")
def procedures_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("procedures") / "exports"
    write_exports(folder, [case.records() for case in CASES], FILES)
    with (folder / "actes.csv").open("a", encoding="utf-8") as handle:
        handle.write(ORPHAN)  # a procedure of a patient the export does not have
    return folder


@pytest.fixture(scope="module")
def screened(procedures_exports, tmp_path_factory) -> Screened:
    return screen_files(
        load_trial(TRIAL), procedures_exports, tmp_path_factory.mktemp("procedures")
    )


@pytest.fixture(scope="module")
def screened_sql(procedures_exports, tmp_path_factory) -> Screened:
    """The same folder loaded into a warehouse and pulled with the SQL source."""
    return screen_sql(
        load_trial(TRIAL), procedures_exports, tmp_path_factory.mktemp("procedures-sql")
    )


@pytest.fixture(scope="module")
def screened_without_procedures(procedures_exports, tmp_path_factory) -> Screened:
    """The same folder from a source config written before the extract existed."""
    folder = tmp_path_factory.mktemp("no-procedures")
    return screen_without("procedures", load_trial(TRIAL), procedures_exports, folder)


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
    frame = screened.quarantine.get("procedures")
    set_aside = (
        set()
        if frame is None
        else set(frame.loc[frame["patient_id"] == case.patient_id, "rule_id"])
    )
    assert set_aside == set(case.quarantined)


def test_every_procedure_row_is_accounted_for(screened):
    manifest = pd.read_json(screened.report_dir / "manifest.json", typ="series")
    account = manifest["extracts"]["procedures"]
    written = sum(len(case.records()["procedures"]) for case in CASES) + 1  # and the orphan
    assert account["rows_read"] == written
    assert account["rows_accepted"] + account["rows_quarantined"] == written
    assert account["rows_after_as_of"] == 1  # performed the day after the as-of date
    assert account["quarantine_rules"] == {
        ORPHAN_RULE: 1,
        NO_DATE: 1,
        BAD_CCAM: 1,
        BAD_CATEGORY: 1,
    }


def test_a_source_without_procedures_makes_them_unknown(screened_without_procedures):
    criteria = screened_without_procedures.criteria
    for criterion in CRITERIA:
        rows = criteria[criteria["criterion_id"] == criterion]
        assert len(rows) == len(CASES)
        assert (rows["status"] == "unknown").all(), criterion
        assert (rows["reason"] == f"{UNAVAILABLE_REASON}: procedures").all(), criterion
    manifest = pd.read_json(screened_without_procedures.report_dir / "manifest.json", typ="series")
    # and biomarkers, medications: no case has one, so the folder has no such file
    unavailable = {
        n: "all"
        for n in ("biomarkers", "medications", "procedures", "observation_periods", "tumour_stage")
    }
    assert manifest["unavailable"] == unavailable
