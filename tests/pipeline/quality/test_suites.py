"""The committed suites are what the code generates, and cover every quality dimension."""

from pipeline.contract import EXTRACTS
from pipeline.quality.suites import build_suites, load_suites, render_suite, resolve, suites_folder


def test_committed_suites_are_up_to_date():
    for name, suite in build_suites().items():
        committed = (suites_folder() / f"{name}.json").read_text(encoding="utf-8")
        assert committed == render_suite(suite), f"run: screening suites ({name})"


def test_every_suite_covers_the_dimensions_and_has_unique_rule_ids():
    for name, suite in load_suites().items():
        rules = [e["meta"]["rule_id"] for e in suite["expectations"]]
        assert len(rules) == len(set(rules)), name
        dimensions = {e["meta"]["dimension"] for e in suite["expectations"]}
        expected = {"conformance", "completeness", "plausibility", "uniqueness", "volume"}
        if name != "patients":
            expected.add("relational")
        assert expected <= dimensions, (name, expected - dimensions)
        assert {e["meta"]["handling"] for e in suite["expectations"]} <= {
            "quarantine",
            "stop",
            "report",
        }


def test_every_required_column_has_a_not_null_rule():
    suites = load_suites()
    for name, extract in EXTRACTS.items():
        rules = {e["meta"]["rule_id"] for e in suites[name]["expectations"]}
        for column in extract.required_columns:
            assert f"completeness.{name}.{column}.not_null" in rules


def test_placeholders_are_resolved():
    suite = resolve(
        load_suites()["labs"],
        {
            "max_date": "2026-12-25T23:59:59",
            "min_rows_warn": 8,
            "min_rows_fatal": 5,
            "warn_drop": "20%",
            "fatal_drop": "50%",
        },
    )
    assert "${" not in str(suite)
    volume = [e for e in suite["expectations"] if e["meta"]["rule_id"] == "volume.labs.drop_fatal"]
    assert volume[0]["kwargs"]["min_value"] == 5


def test_a_planned_end_may_lie_in_the_future_or_after_death_never_before_its_start():
    rules = {e["meta"]["rule_id"] for e in load_suites()["medications"]["expectations"]}
    assert "plausibility.medications.start_date.not_future" in rules
    assert "plausibility.medications.start_date.before_death" in rules
    assert "plausibility.medications.end_date.not_before_start_date" in rules
    assert not {r for r in rules if r.startswith("plausibility.medications.end_date.not_fu")}
    assert "plausibility.medications.end_date.before_death" not in rules
