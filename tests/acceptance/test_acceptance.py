"""The acceptance suite: every hand-built case, screened through the files and the SQL dialect.

One test id per case and dialect (`test_case[files-hb_exactly_8]`). Each checks the patient's
verdict on every criterion (the case's changes, the baseline's everywhere else), the overall
status, the reasons that must name a data-quality rule, and exactly which of the patient's
rows were set aside. Cases and their rationale: tests/acceptance/cases.py.
"""

from __future__ import annotations

import pytest

from tests.acceptance.cases import CASES, CRITERIA, Case

DIALECTS = ("files", "sql")


def _screened(request: pytest.FixtureRequest, dialect: str):
    return request.getfixturevalue(f"screened_{dialect}")


@pytest.mark.parametrize("dialect", DIALECTS)
def test_criteria_are_the_trial_s_in_protocol_order(request, dialect):
    """`alive` is the implicit first criterion, then the trial's 18 in protocol order."""
    criteria = _screened(request, dialect).criteria
    order = criteria.drop_duplicates("criterion_id").sort_values("criterion_order")
    assert order["criterion_id"].tolist() == list(CRITERIA)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_no_patient_is_lost(request, dialect):
    """Every patient of the patients file is in the candidates table, once, with every criterion."""
    screened = _screened(request, dialect)
    written = {case.patient_id for case in CASES}
    assert set(screened.candidates.index) == written
    assert screened.candidates.index.is_unique
    per_patient = screened.criteria.groupby("patient_id")["criterion_id"].nunique()
    assert (per_patient == per_patient.max()).all()


@pytest.mark.parametrize(
    ("dialect", "case"),
    [(d, c) for d in DIALECTS for c in CASES],
    ids=[f"{d}-{c.id}" for d in DIALECTS for c in CASES],
)
def test_case(request, dialect: str, case: Case):
    screened = _screened(request, dialect)
    expected, overall = case.expected(dialect)
    pid = case.patient_id
    assert pid in screened.candidates.index, f"{pid} missing from candidates.parquet"
    rows = screened.criteria[screened.criteria["patient_id"] == pid].set_index("criterion_id")
    reported_criteria = set(screened.criteria["criterion_id"].unique())
    # A criterion the report does not evaluate at all is caught once by
    # test_criteria_are_the_trial_s_in_protocol_order, not in every case.
    wanted = {c: s for c, s in expected.items() if c in reported_criteria}
    got = {c: rows["status"].get(c) for c in wanted}
    differences = {
        c: f"expected {wanted[c]}, got {got[c]} ({rows['reason'].get(c)})"
        for c in wanted
        if got[c] != wanted[c]
    }
    assert not differences, f"{case.rationale}: {differences}"
    assert screened.candidates.loc[pid, "overall_status"] == overall, case.rationale
    for criterion, text in case.reason_texts(dialect).items():
        reason = rows["reason"].get(criterion)
        assert reason is not None and text in reason, f"{criterion}: {text!r} not in {reason!r}"
    set_aside = {
        (extract, rule)
        for extract, frame in screened.quarantine.items()
        for rule in frame.loc[frame["patient_id"] == pid, "rule_id"]
    }
    assert set_aside == set(case.quarantine(dialect))


def test_the_folder_is_in_the_hospital_s_file_dialect(acceptance_exports):
    """The builder writes what CHU Synthétique sends: its names, codes, encodings and formats."""
    patients = (acceptance_exports / "patients.csv").read_bytes()
    assert patients.startswith(b"IPP;NOM;PRENOM;DATE_NAISSANCE;SEXE;")
    assert "Hélène".encode("cp1252") in patients  # cp1252, not UTF-8
    assert b";15/05/1985;F;;O;O" in patients  # dd/mm/yyyy, O/N booleans
    assert b";02/07/1958;H;" in patients  # sex M is 'H' in this dialect
    studies = (acceptance_exports / "imagerie_examens.csv").read_bytes()
    assert studies.startswith(b"\xef\xbb\xbfID_EXAMEN;")  # UTF-8 with byte order mark
    assert b";TEP;68GA-DOTATATE;95;SUP;4;" in studies and b";89,9;" in studies  # decimal comma
    labs = (acceptance_exports / "biologie.csv").read_text(encoding="utf-8")
    assert ";718-7;12,5;g/dL;17/11/2026 08:00" in labs
