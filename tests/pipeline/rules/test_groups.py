"""`all_of`, `any_of`, `none_of`: Kleene three-valued logic over branches, written from the
truth tables, not from the code; the deciding branch's evidence is shown."""

from __future__ import annotations

import dataclasses
import textwrap

import pytest
import yaml

from pipeline.engine import evaluate_criterion
from pipeline.errors import ConfigError
from pipeline.rules import parse_rule
from pipeline.trial import load_trial

HB = "718-7"
# Branch statuses per patient, from their data:
#   haemoglobin > 8 g/dL (28 days): P_MET 9.5 -> met, P_NOT 7 -> not met, P_UNK none -> unknown
#   ECOG <= 1 (3 months):            P_MET 0 -> met, P_NOT 3 -> not met, P_UNK none -> unknown
HAEMOGLOBIN = {
    "primitive": "latest_lab",
    "analyte": "haemoglobin",
    "operator": ">",
    "threshold": 8,
    "unit": "g/dL",
    "window": {"days": 28},
}
ECOG = {
    "primitive": "latest_record",
    "extract": "assessments",
    "where": [{"column": "assessment_type", "op": "eq", "value": "ECOG"}],
    "window": {"months": 3},
    "conditions": [{"column": "value", "op": "le", "value": 1, "numeric": True}],
}
HB_VALUE = {"met": "9.5", "not_met": "7", "unknown": None}
ECOG_VALUE = {"met": "0", "not_met": "3", "unknown": None}
STATUSES = ("met", "not_met", "unknown")


@pytest.fixture
def pairs(make_data, ago):
    """One patient per combination of the two branches' statuses, named `<hb>+<ecog>`."""
    patients, labs, assessments = [], [], []
    for hb in STATUSES:
        for ecog in STATUSES:
            pid = f"{hb}+{ecog}"
            patients.append({"patient_id": pid})
            if HB_VALUE[hb] is not None:
                labs.append(
                    {
                        "record_id": f"L-{pid}",
                        "patient_id": pid,
                        "loinc_code": HB,
                        "value_raw": HB_VALUE[hb],
                        "unit": "g/dL",
                        "collected_at": ago(3),
                    }
                )
            if ECOG_VALUE[ecog] is not None:
                assessments.append(
                    {
                        "record_id": f"A-{pid}",
                        "patient_id": pid,
                        "assessed_on": ago(10),
                        "assessment_type": "ECOG",
                        "value": ECOG_VALUE[ecog],
                    }
                )
    return make_data(patients, labs=labs, assessments=assessments)


# Kleene truth tables (met = true, not_met = false, unknown = unknown).
AND = {
    ("met", "met"): "met",
    ("met", "not_met"): "not_met",
    ("met", "unknown"): "unknown",
    ("not_met", "met"): "not_met",
    ("not_met", "not_met"): "not_met",
    ("not_met", "unknown"): "not_met",
    ("unknown", "met"): "unknown",
    ("unknown", "not_met"): "not_met",
    ("unknown", "unknown"): "unknown",
}
OR = {
    ("met", "met"): "met",
    ("met", "not_met"): "met",
    ("met", "unknown"): "met",
    ("not_met", "met"): "met",
    ("not_met", "not_met"): "not_met",
    ("not_met", "unknown"): "unknown",
    ("unknown", "met"): "met",
    ("unknown", "not_met"): "unknown",
    ("unknown", "unknown"): "unknown",
}
NOR = {pair: {"met": "not_met", "not_met": "met"}.get(s, s) for pair, s in OR.items()}


@pytest.mark.parametrize(("kind", "table"), [("all_of", AND), ("any_of", OR), ("none_of", NOR)])
def test_groups_follow_the_kleene_truth_tables(pairs, status, kind, table):
    rule = parse_rule({"primitive": kind, "rules": [HAEMOGLOBIN, ECOG]}, "t.yaml: criterion 'g'")
    evidence = rule.evaluate(pairs)
    got = {(hb, ecog): status(evidence, f"{hb}+{ecog}") for hb, ecog in table}
    assert got == table


def test_the_deciding_branch_gives_the_evidence(pairs):
    rule = parse_rule({"primitive": "any_of", "rules": [HAEMOGLOBIN, ECOG]}, "t.yaml")
    evidence = rule.evaluate(pairs)
    second = evidence.loc["not_met+met"]  # haemoglobin too low, ECOG 0 decides
    assert second["reason"].startswith("any of, branch 2 of 2: ")
    assert second["source"] == "assessments" and second["raw_value"] == "0"
    first = evidence.loc["met+met"]  # both met: the first branch is shown
    assert first["reason"].startswith("any of, branch 1 of 2: ")
    assert first["source"] == "labs" and first["value"] == pytest.approx(9.5)


def test_groups_nest(pairs, status):
    """any_of(all_of(hb, ecog), none_of(hb)): met with both, or with haemoglobin not > 8."""
    rule = parse_rule(
        {
            "primitive": "any_of",
            "rules": [
                {"primitive": "all_of", "rules": [HAEMOGLOBIN, ECOG]},
                {"primitive": "none_of", "rules": [HAEMOGLOBIN]},
            ],
        },
        "t.yaml",
    )
    evidence = rule.evaluate(pairs)
    assert status(evidence, "met+met") == "met"
    assert status(evidence, "not_met+unknown") == "met"  # second branch
    assert status(evidence, "met+not_met") == "not_met"
    assert status(evidence, "met+unknown") == "unknown"
    assert status(evidence, "unknown+met") == "unknown"


def test_to_confirm_is_weaker_than_met_and_stronger_than_unknown(make_data, status):
    data = make_data([{"patient_id": "P"}])
    confirm = {"primitive": "confirm_at_visit", "note": "asked at the visit"}
    missing_ecog = ECOG  # no assessment: unknown
    any_rule = parse_rule({"primitive": "any_of", "rules": [missing_ecog, confirm]}, "t.yaml")
    all_rule = parse_rule({"primitive": "all_of", "rules": [missing_ecog, confirm]}, "t.yaml")
    assert status(any_rule.evaluate(data), "P") == "to_confirm"
    assert status(all_rule.evaluate(data), "P") == "unknown"


def test_a_branch_that_cannot_tell_is_named_when_the_visit_decides(make_data, status):
    """to_confirm outranks unknown among alternatives: the visit asks, and the reason also
    says which branch could not tell and why, so the visit knows what to look for."""
    data = make_data([{"patient_id": "P"}])
    confirm = {"primitive": "confirm_at_visit", "note": "asked at the visit"}
    for kind in ("any_of", "none_of"):
        evidence = parse_rule({"primitive": kind, "rules": [confirm, ECOG]}, "t.yaml").evaluate(
            data
        )
        assert status(evidence, "P") == "to_confirm"
        reason = evidence.loc["P", "reason"]
        words = kind.replace("_", " ")
        assert reason.startswith(f"{words}, branch 1 of 2: ") and "asked at the visit" in reason
        assert f"; {words}, branch 2 of 2: " in reason  # the ECOG branch, which cannot tell
    decided = make_data([{"patient_id": "P"}])
    both_confirm = parse_rule({"primitive": "any_of", "rules": [confirm, confirm]}, "t.yaml")
    assert "; any of" not in both_confirm.evaluate(decided).loc["P", "reason"]


def test_an_unavailable_branch_is_unknown_and_the_others_still_decide(pairs, status):
    data = dataclasses.replace(pairs, unavailable={"assessments": None})
    rule = parse_rule({"primitive": "any_of", "rules": [HAEMOGLOBIN, ECOG]}, "t.yaml")
    evidence = rule.evaluate(data)
    assert status(evidence, "met+not_met") == "met"
    assert status(evidence, "not_met+met") == "unknown"
    assert "not available from this source: assessments" in evidence.loc["not_met+met", "reason"]


def test_a_group_criterion_is_not_set_aside_whole_when_one_branch_is_unavailable(
    tmp_path, pairs, status
):
    trial_file = tmp_path / "grouped.yaml"
    trial_file.write_text(
        textwrap.dedent(
            """\
            id: grouped
            title: grouped
            criteria:
              - id: fit
                text: Haemoglobin > 8 g/dL or ECOG 0-1
                rule:
            """
        )
        + textwrap.indent(
            yaml.safe_dump({"primitive": "any_of", "rules": [HAEMOGLOBIN, ECOG]}), " " * 6
        ),
        encoding="utf-8",
    )
    trial = load_trial(trial_file)
    fit = next(c for c in trial.criteria if c.id == "fit")
    data = dataclasses.replace(pairs, unavailable={"assessments": None})
    evidence = evaluate_criterion(fit, data)
    assert status(evidence, "met+unknown") == "met"
    assert trial.lab_analytes_read() == frozenset({"haemoglobin"})


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"primitive": "any_of", "rules": [HAEMOGLOBIN]}, "at least 2"),
        ({"primitive": "all_of"}, "needs 'rules'"),
        ({"primitive": "none_of", "rules": []}, "at least 1"),
        ({"primitive": "any_of", "rules": [HAEMOGLOBIN, ECOG], "combine": "all"}, "unknown any_of"),
        (
            {"primitive": "any_of", "rules": [HAEMOGLOBIN, {**ECOG, "windw": {"days": 1}}]},
            r"t.yaml: criterion 'g' > any_of rule 2: unknown latest_record parameters \['windw'\]",
        ),
    ],
)
def test_a_wrong_group_is_refused_naming_the_branch(spec, message):
    with pytest.raises(ConfigError, match=message):
        parse_rule(spec, "t.yaml: criterion 'g'")


def test_nesting_is_bounded():
    spec: dict = HAEMOGLOBIN
    for _ in range(12):
        spec = {"primitive": "none_of", "rules": [spec]}
    with pytest.raises(ConfigError, match="nested more than 8 deep"):
        parse_rule(spec, "t.yaml")
