"""Hostile values in every text column that reaches a report, through a real `screening run`:
the run succeeds, unsafe text (control characters, NUL, 40,000 characters) is set aside with
its column's text rule, odd but safe text (formulas, `#N/A`, RTL override, emoji, markup) is
judged by the usual rules and written as text, every patient is still reported, and the
workbook and the review page open."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from pipeline.contract import EXTRACTS
from pipeline.review.safe_cells import FORMULA_STARTS
from pipeline.run import run_screening
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial
from tests.conftest import AS_OF, repo_root
from tests.reliability.cli_run import TRIAL, screening_run

SOURCE = load_source_config(repo_root() / "sources" / "synthetic-chu.yaml")
# The extracts the source provides (not the optional ones it does not declare).
PROVIDED = [name for name in EXTRACTS if not SOURCE.extract_unavailable(name)]
UNSAFE = {
    "control": "x\x01y",
    "nul": "a\x00b",
    "escape": "\x1b[31mred",
    "40k": "A" * 40_000,
}
ODD = {
    "#N/A": "#N/A",
    "formula": '=HYPERLINK("http://evil.example";"click")',
    "plus": "+1",
    "minus": "-1",
    "at": "@SUM(A1)",
    "rtl": "\u202eevil",
    "emoji": "🧪",
    "markup": '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">',
}
# Characters no cell of the workbook may hold (what `safe_cell_text` replaces).
UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_columns(name: str) -> list[str]:
    """The extract's text columns other than ids (which name rows and patients) and names
    (dropped on read)."""
    columns = EXTRACTS[name].columns
    return [c.name for c in columns if c.type in ("str", "code") and not c.identifying]


def read_export(path: Path, name: str) -> pd.DataFrame:
    spec = SOURCE.extracts[name]
    return pd.read_csv(
        path, sep=spec.separator, dtype=str, keep_default_na=False, encoding=spec.encoding
    )


def encodable(value: str, encoding: str) -> bool:
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def plant(exports: Path, clean: dict[str, set[int]]) -> dict[tuple[str, str, str], int]:
    """Every hostile value in every text column, each on its own clean row (one accepted by
    a run of the unchanged exports), rewritten in the file's own dialect; returns
    (extract, column, value name) -> row number."""
    planted = {}
    for name in PROVIDED:
        columns = text_columns(name)
        if not columns:
            continue
        spec = SOURCE.extracts[name]
        path = exports / spec.file
        frame = read_export(path, name)
        rows = iter(sorted(clean[name]))
        for column in columns:
            for label, value in {**UNSAFE, **ODD}.items():
                if not encodable(value, spec.encoding):
                    continue  # an emoji cannot be in a cp1252 export
                row = next(rows)
                frame.loc[row - 1, spec.hospital_column(column)] = value
                planted[(name, column, label)] = row
        frame.to_csv(path, sep=spec.separator, index=False, encoding=spec.encoding)
    return planted


@pytest.fixture(scope="module")
def hostile_run(small_hospital, tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    baseline = run_screening(
        load_trial(find_trial(TRIAL)),
        small_hospital.exports,
        SOURCE,
        pd.Timestamp(AS_OF),
        root / "baseline",
    )
    clean = {}
    for name in PROVIDED:
        rows = len(read_export(small_hospital.exports / SOURCE.extracts[name].file, name))
        set_aside = pd.read_parquet(baseline.report_dir / "quarantine" / f"{name}.parquet")
        clean[name] = set(range(1, rows + 1)) - set(set_aside["row_number"])
    exports = root / "exports"
    shutil.copytree(small_hospital.exports, exports)
    planted = plant(exports, clean)
    done = screening_run(exports, root / "reports")
    return done, root / "reports" / TRIAL / AS_OF, planted, exports


def quarantined(report: Path, name: str) -> dict[int, str]:
    frame = pd.read_parquet(report / "quarantine" / f"{name}.parquet")
    return dict(zip(frame["row_number"], frame["rule_id"], strict=True))


def test_the_run_succeeds(hostile_run):
    done, report, planted, _ = hostile_run
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert (report / "candidates.xlsx").is_file() and (report / "review.html").is_file()
    assert len(planted) > 100


def test_unsafe_text_is_set_aside_by_its_columns_text_rule(hostile_run):
    _, report, planted, _ = hostile_run
    for (name, column, label), row in planted.items():
        if label in UNSAFE:
            rule = quarantined(report, name).get(row)
            assert rule == f"conformance.{name}.{column}.text", (name, column, label, rule)


def test_odd_but_safe_text_is_never_taken_for_unsafe_text(hostile_run):
    _, report, planted, _ = hostile_run
    judged = 0
    for (name, column, label), row in planted.items():
        if label in ODD:
            rule = quarantined(report, name).get(row)
            assert rule != f"conformance.{name}.{column}.text", (name, column, label)
            judged += rule is not None
    assert judged > 0  # codes outside their vocabulary, unknown units...


def test_every_patient_is_still_reported_and_nothing_hostile_in_reasons(hostile_run):
    _, report, _, exports = hostile_run
    patients = read_export(exports / SOURCE.extracts["patients"].file, "patients")
    candidates = pd.read_parquet(report / "candidates.parquet")
    assert (
        len(candidates)
        == patients[SOURCE.extracts["patients"].hospital_column("patient_id")].nunique()
    )
    for name in PROVIDED:
        reasons = pd.read_parquet(report / "quarantine" / f"{name}.parquet")["reason"]
        assert not reasons.str.contains("evil|pwned|\x00|\x01|AAAAAAAA", regex=True).any(), name


def test_the_workbook_opens_with_text_cells_only_and_nothing_unwritable(hostile_run):
    """No formula, no error cell; planted values that reach the criteria detail (a recorded
    value) are there as text: `#N/A` as it is, a formula start behind its apostrophe."""
    _, report, _, _ = hostile_run
    workbook = load_workbook(report / "candidates.xlsx")
    texts = []
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type in ("s", "n", "d", "inlineStr"), cell.coordinate
                if isinstance(cell.value, str):
                    assert cell.data_type == "s"
                    assert not cell.value.startswith(FORMULA_STARTS), cell.coordinate
                    assert not UNWRITABLE.search(cell.value), cell.coordinate
                    assert len(cell.value) <= 32_767
                    texts.append(cell.value)
    assert len(texts) > 100
    planted = {ODD["#N/A"], *("'" + ODD[k] for k in ("formula", "plus", "minus", "at"))}
    assert planted & set(texts), "some planted values reach the workbook, as text"


def test_the_review_page_opens_and_runs_no_payload(hostile_run, browser):
    _, report, _, _ = hostile_run
    candidates = pd.read_parquet(report / "candidates.parquet")
    listed = int((candidates["overall_status"] != "not_eligible").sum())
    context = browser.new_context(locale="en-GB")
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("dialog", lambda d: (errors.append("dialog"), d.dismiss()))
        page.route(
            "**/*",
            lambda r: r.continue_() if r.request.url.startswith(("file:", "data:")) else r.abort(),
        )
        page.goto(report.joinpath("review.html").resolve().as_uri())
        page.wait_for_selector("body[data-ready='true']")
        assert page.locator("tr.patient-row").count() == listed
        assert page.evaluate("window.__pwned") is None
        assert errors == []
    finally:
        context.close()
