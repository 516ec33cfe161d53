"""Validation of one extract with the real Great Expectations suites: first rule, reasons,
reconciliation, batch-level stops."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.contract import EXTRACTS
from pipeline.errors import BatchValidationError, ScreeningError
from pipeline.labs.catalogue import load_catalogue
from pipeline.prepare import (
    ExtractAccount,
    ScreenedRows,
    ValidatedExtract,
    ValidationSettings,
    assemble,
    condition_rows,
    equality_condition,
    gx_frame,
    judged_parts,
    nanosecond_dates,
    patients_reference,
    split_by_condition,
    suite_columns,
    validate_extract,
)
from pipeline.quality.gx_runner import make_context, merge_outcomes, validate_frame
from pipeline.quality.suites import load_suites
from pipeline.quality.whole_extract import split_suite
from pipeline.sources import parse_source_config
from tests.pipeline.conftest import typed_frame
from tests.pipeline.frames import raw

AS_OF = pd.Timestamp("2026-11-24")
FRENCH = {
    "separator": ";",
    "date_format": "%d/%m/%Y",
    "decimal": ",",
    "true_values": ["O"],
    "false_values": ["N"],
}


@pytest.fixture(scope="module")
def context():
    return make_context()


@pytest.fixture(scope="module")
def suites():
    return load_suites()


def source(name: str, **spec):
    extracts = {n: {} for n in EXTRACTS}
    extracts[name] = spec
    return parse_source_config({"extracts": extracts}, "test.yaml")


def validate(name, rows, context, suites, src=None, previous=None, patients=None):
    settings = ValidationSettings(as_of=AS_OF, previous_rows=previous or {})
    return validate_extract(
        raw(name, rows), src or source(name), settings, suites[name], context, patients
    )


PATIENT = {"patient_id": "P1", "birth_date": "1960-01-01", "sex": "M"}


def test_required_missing_value_gets_a_completeness_rule_naming_the_hospital_column(
    context, suites
):
    src = source("treatments", columns={"DATE_ADM": "administered_on"}, **FRENCH)
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    row = {"record_id": "T1", "patient_id": "P1", "atc_code": "V10XX04", "administered_on": ""}
    result = validate("treatments", [row], context, suites, src, patients=patients)
    quarantined = result.quarantine.iloc[0]
    assert quarantined["rule_id"] == "completeness.treatments.administered_on.not_null"
    assert "'DATE_ADM'" in quarantined["reason"]


def test_invalid_date_gets_a_conformance_rule_and_never_quotes_the_value(context, suites):
    src = source("patients", columns={"DDN": "birth_date"}, **FRENCH)
    result = validate("patients", [{**PATIENT, "birth_date": "31/02/2026"}], context, suites, src)
    quarantined = result.quarantine.iloc[0]
    assert quarantined["rule_id"] == "conformance.patients.birth_date.date"
    assert "'DDN'" in quarantined["reason"]
    assert "31/02/2026" not in quarantined["reason"]


def test_missing_optional_birth_date_is_accepted(context, suites):
    result = validate("patients", [{**PATIENT, "birth_date": ""}], context, suites)
    assert result.quarantine.empty
    assert len(result.accepted) == 1


def test_first_failing_rule_in_suite_order_is_kept(context, suites):
    result = validate(
        "patients", [{"patient_id": "", "birth_date": "bad", "sex": "X"}], context, suites
    )
    assert result.quarantine.iloc[0]["rule_id"] == "conformance.patients.birth_date.date"


@pytest.mark.parametrize("value", ["", "   "])
def test_blank_required_code_is_incomplete(context, suites, value):
    result = validate("patients", [{**PATIENT, "sex": value}], context, suites)
    assert result.quarantine.iloc[0]["rule_id"] == "completeness.patients.sex.not_null"


def test_duplicate_ids_quarantined_exact_duplicates_removed_and_counts_reconcile(context, suites):
    rows = [PATIENT, PATIENT, {**PATIENT, "sex": "F"}, {**PATIENT, "patient_id": "P2"}]
    result = validate("patients", rows, context, suites)
    account = result.account
    assert account.duplicates_removed == 1
    assert account.rows_quarantined == 2  # P1 twice with different content
    assert account.rows_accepted == 1
    assert set(result.quarantine["rule_id"]) == {"uniqueness.patients.patient_id"}
    assert account.rows_read == 4


def test_orphan_and_record_before_birth_are_quarantined(context, suites):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    rows = [
        {
            "record_id": "T1",
            "patient_id": "P9",
            "atc_code": "V10XX04",
            "administered_on": "2024-01-01",
        },
        {
            "record_id": "T2",
            "patient_id": "P1",
            "atc_code": "V10XX04",
            "administered_on": "1950-01-01",
        },
        {
            "record_id": "T3",
            "patient_id": "P1",
            "atc_code": "V10XX04",
            "administered_on": "2024-01-01",
        },
    ]
    result = validate("treatments", rows, context, suites, patients=patients)
    rules = result.quarantine.set_index("row_number")["rule_id"].to_dict()
    assert rules == {
        1: "relational.treatments.patient_id.exists",
        2: "plausibility.treatments.administered_on.after_birth",
    }
    assert len(result.accepted) == 1


def test_same_day_administrations_are_quarantined(context, suites):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    row = {"patient_id": "P1", "atc_code": "V10XX04", "administered_on": "2024-01-01"}
    result = validate(
        "treatments",
        [{**row, "record_id": "T1"}, {**row, "record_id": "T2"}],
        context,
        suites,
        patients=patients,
    )
    assert set(result.quarantine["rule_id"]) == {"uniqueness.treatments.same_day"}


def test_volume_drop_beyond_the_fatal_share_stops_the_run(context, suites):
    with pytest.raises(BatchValidationError, match=r"volume\.patients\.drop_fatal"):
        validate("patients", [PATIENT], context, suites, previous={"patients": 10})


def test_volume_drop_within_warning_share_is_reported_not_fatal(context, suites):
    rows = [{**PATIENT, "patient_id": f"P{i}"} for i in range(7)]
    result = validate("patients", rows, context, suites, previous={"patients": 10})
    summary = {s["rule_id"]: s for s in result.summary}
    assert summary["volume.patients.drop_warning"]["success"] is False
    assert summary["volume.patients.drop_fatal"]["success"] is True
    assert result.quarantine.empty


def test_lab_plausibility_is_per_analyte_in_canonical_units(context, suites):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    base = {"patient_id": "P1", "loinc_code": "718-7", "collected_at": "2026-11-20 08:00"}
    rows = [
        {**base, "record_id": "L1", "value_raw": "250", "unit": "g/L"},  # 25 g/dL: plausible
        {**base, "record_id": "L2", "value_raw": "260", "unit": "g/dL"},  # implausible
    ]
    result = validate("labs", rows, context, suites, patients=patients)
    assert result.quarantine.set_index("row_number")["rule_id"].to_dict() == {
        2: "plausibility.labs.value.range.haemoglobin"
    }


def test_assessment_scores_outside_their_scale_are_set_aside(context, suites):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    base = {"patient_id": "P1", "assessed_on": "2026-11-20"}
    rows = [
        {**base, "record_id": "A1", "assessment_type": "KARNOFSKY", "value": "100"},
        {**base, "record_id": "A2", "assessment_type": "KARNOFSKY", "value": "110"},
        {**base, "record_id": "A3", "assessment_type": "NYHA", "value": "4"},
        {**base, "record_id": "A4", "assessment_type": "NYHA", "value": "0"},
        {**base, "record_id": "A5", "assessment_type": "ECOG", "value": "5"},
    ]
    result = validate("assessments", rows, context, suites, patients=patients)
    assert result.quarantine.set_index("row_number")["rule_id"].to_dict() == {
        2: "plausibility.assessments.value.karnofsky",
        4: "plausibility.assessments.value.nyha",
    }
    assert sorted(result.accepted["record_id"]) == ["A1", "A3", "A5"]


def test_future_date_beyond_tolerance_is_quarantined_but_near_future_is_kept(context, suites):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    base = {"patient_id": "P1", "loinc_code": "718-7", "value_raw": "12", "unit": "g/dL"}
    rows = [
        {**base, "record_id": "L1", "collected_at": "2026-12-25 23:59"},  # as-of + 31 days
        {**base, "record_id": "L2", "collected_at": "2026-12-26 00:00"},  # as-of + 32 days
    ]
    result = validate("labs", rows, context, suites, patients=patients)
    assert result.quarantine.set_index("row_number")["rule_id"].to_dict() == {
        2: "plausibility.labs.collected_at.not_future"
    }


@pytest.mark.parametrize("analytes", [None, frozenset({"haemoglobin"})])
def test_accepted_rows_and_counts_with_rows_set_aside_after_the_as_of_day_and_cut(
    context, suites, analytes
):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    base = {"patient_id": "P1", "loinc_code": "718-7", "value_raw": "12", "unit": "g/dL"}
    later = "2026-12-01 08:00"  # after the as-of day, before the future tolerance
    rows = [
        {**base, "record_id": "L1", "collected_at": "2026-11-20 08:00"},
        {**base, "record_id": "L2", "collected_at": later},
        {**base, "record_id": "L3", "collected_at": later, "patient_id": "P9"},  # orphan
        {**base, "record_id": "L4", "collected_at": "2026-11-21 08:00", "patient_id": "P9"},
        {
            **base,
            "record_id": "L5",
            "collected_at": "2026-11-22 08:00",
            "loinc_code": "2160-0",
            "value_raw": "80",
            "unit": "umol/L",
        },
    ]
    settings = ValidationSettings(as_of=AS_OF, previous_rows={})
    result = validate_extract(
        raw("labs", rows),
        source("labs"),
        settings,
        suites["labs"],
        context,
        patients,
        keep_accepted=ScreenedRows("labs", AS_OF, analytes),
    )
    assert sorted(result.quarantine["record_id"]) == ["L3", "L4"]
    assert result.account.rows_accepted == 3 and result.account.rows_after_as_of == 1
    kept = ["L1", "L5"] if analytes is None else ["L1"]
    assert result.accepted["record_id"].tolist() == kept


def test_condition_columns_as_categories_give_gx_the_same_verdicts(context, suites):
    """`gx_frame` hands row-condition-only text columns to GX as categoricals: the same
    rows fail, with the same counts, as on the text columns."""
    part = _conditional(suites["labs"])
    analytes = ["haemoglobin", "platelets", None, "haemoglobin", "creatinine", "albumin"]
    frame = pd.DataFrame(
        {"analyte": pd.array(analytes, dtype="str"), "value": [13, 5000, 1, 99, -1, 40.0]},
        index=pd.Index([3, 5, 8, 13, 21, 34]),
    )
    typed = gx_frame(frame, part)
    assert typed["analyte"].dtype == "category"
    as_text = validate_frame(context, nanosecond_dates(frame[suite_columns(part, frame)]), part)
    as_codes = validate_frame(context, typed, part)
    failing = {rule: rows.tolist() for rule, rows in as_codes.failing_rows.items()}
    assert failing == {rule: rows.tolist() for rule, rows in as_text.failing_rows.items()}
    assert sorted(r for rows in failing.values() for r in rows) == [13, 21]
    assert as_codes.summary == as_text.summary


def _conditional(suite):
    """The row-conditioned expectations of a suite, as one suite."""
    rows = split_suite(suite)[1]
    return {
        **rows,
        "expectations": [e for e in rows["expectations"] if e["kwargs"].get("row_condition")],
    }


def _with_condition(condition, rule, parser="pandas"):
    kwargs = {"column": "value", "min_value": 0, "max_value": 10, "row_condition": condition}
    return {
        "type": "expect_column_values_to_be_between",
        "kwargs": {**kwargs, "condition_parser": parser},
        "meta": {"rule_id": rule},
    }


def test_the_suite_is_split_into_plain_one_part_per_equality_then_other_conditions(suites):
    suite = split_suite(suites["labs"])[1]
    other = _with_condition("value > 3", "other.rule")
    again = _with_condition("analyte == 'albumin'", "second.albumin.rule")
    parts = split_by_condition({**suite, "expectations": [*suite["expectations"], other, again]})
    plain = [e for e in suite["expectations"] if not e["kwargs"].get("row_condition")]
    assert parts[0]["expectations"] == plain
    analytes = [equality_condition(p["expectations"][0]) for p in parts[1:-1]]
    assert [a[1] for a in analytes] == [
        "haemoglobin", "neutrophils", "platelets", "beta_hcg", "creatinine",
        "alt", "ast", "bilirubin", "albumin", "chromogranin_a", "white_cells", "potassium",
        "sodium", "calcium", "magnesium", "phosphate", "glucose", "hba1c", "fsh", "oestradiol",
        "nt_probnp", "prothrombin_time", "inr", "body_weight", "body_height", "bmi",
        "systolic_bp", "diastolic_bp", "heart_rate", "qt_interval", "qtc_interval", "lvef",
    ]  # fmt: skip
    albumin = parts[analytes.index(("analyte", "albumin")) + 1]["expectations"]
    assert [e["meta"]["rule_id"] for e in albumin] == [
        "plausibility.labs.value.range.albumin",
        "second.albumin.rule",
    ]
    assert parts[-1]["expectations"] == [other]
    every = [e["meta"]["rule_id"] for p in parts for e in p["expectations"]]
    assert sorted(every) == sorted(
        e["meta"]["rule_id"] for e in [*suite["expectations"], other, again]
    )


@pytest.mark.parametrize(
    ("condition", "parser", "expected"),
    [
        ('analyte=="albumin"', "pandas", ("analyte", "albumin")),
        (" analyte == 'albumin' ", "pandas", ("analyte", "albumin")),
        ('analyte=="albumin" or value > 3', "pandas", None),
        ('analyte!="albumin"', "pandas", None),
        ('analyte=="a\\"b"', "pandas", None),
        ('analyte=="albumin"', "great_expectations", None),
    ],
)
def test_only_plain_pandas_equalities_are_equality_conditions(condition, parser, expected):
    assert equality_condition(_with_condition(condition, "r", parser)) == expected


def test_an_equality_part_keeps_the_rows_pandas_query_keeps():
    frame = pd.DataFrame(
        {"analyte": pd.array(["albumin", None, "Albumin", "albumin ", "albumin"], dtype="str")}
    )
    part = {"expectations": [_with_condition('analyte=="albumin"', "r")]}
    kept = condition_rows(frame, part)
    assert kept.tolist() == frame.eval('analyte=="albumin"').tolist() == [1, 0, 0, 0, 1]
    mixed = {"expectations": [*part["expectations"], _with_condition('analyte=="ast"', "s")]}
    assert condition_rows(frame, mixed) is None


def test_lab_ranges_validated_per_analyte_equal_the_whole_batch_validated_at_once(context, suites):
    """Each analyte's part sees only its rows; merged, the verdicts, counts and results are
    those of Great Expectations filtering the whole batch for every analyte."""
    conditional = _conditional(suites["labs"])
    analytes = ["haemoglobin", "platelets", None, "haemoglobin", "creatinine", "albumin", "sodium"]
    frame = pd.DataFrame(
        {
            "analyte": pd.array(analytes, dtype="str"),
            "value": [13, 5000, 1, 99, -1, 40.0, None],
        },
        index=pd.Index([3, 5, 8, 13, 21, 34, 55], name="row_number"),
    )
    parts = split_by_condition(conditional)
    assert len(parts) == len(load_catalogue())  # one per analyte of the catalogue
    assert len(gx_frame(frame, parts[0])) == 2  # haemoglobin's rows only
    by_parts = merge_outcomes(
        conditional, [validate_frame(context, gx_frame(frame, p), p) for p in parts]
    )
    at_once = merge_outcomes(
        conditional, [validate_frame(context, nanosecond_dates(frame), conditional)]
    )
    assert {r: v.tolist() for r, v in by_parts.failing_rows.items()} == {
        "plausibility.labs.value.range.haemoglobin": [13],
        "plausibility.labs.value.range.creatinine": [21],
    }
    assert {r: v.tolist() for r, v in at_once.failing_rows.items()} == {
        r: v.tolist() for r, v in by_parts.failing_rows.items()
    }
    assert by_parts.summary == at_once.summary
    assert by_parts.result_json["results"] == at_once.result_json["results"]


def test_a_patient_whose_row_is_set_aside_keeps_their_records(context, suites):
    """No patient is lost: an orphan is an id absent from the patients extract, not an id
    whose patients row was set aside."""
    rows = [PATIENT, {"patient_id": "P2", "birth_date": "12/03/1960", "sex": "M"}]
    patients = validate("patients", rows, context, suites)
    assert patients.quarantine["rule_id"].tolist() == ["conformance.patients.birth_date.date"]
    reference = patients_reference(patients.accepted, patients.quarantine)
    assert sorted(reference.index) == ["P1", "P2"]
    assert reference.loc["P2"].isna().all()  # no date to check their records against
    treatment = {"atc_code": "V10XX04", "administered_on": "2024-01-01"}
    records = [
        {"record_id": "T1", "patient_id": "P2", **treatment},
        {"record_id": "T2", "patient_id": "P9", **treatment},
    ]
    result = validate("treatments", records, context, suites, patients=reference)
    assert result.accepted["patient_id"].tolist() == ["P2"]
    assert result.quarantine["rule_id"].tolist() == ["relational.treatments.patient_id.exists"]


def test_set_aside_patients_are_screened_and_reconciled(context, suites):
    rows = [PATIENT, {"patient_id": "P2", "sex": "x"}, {"patient_id": "P2", "sex": "y"}]
    validated = {"patients": validate("patients", rows, context, suites)}
    for name in EXTRACTS:
        if name != "patients":
            empty = typed_frame(name)
            account = ExtractAccount(name, f"{name}.csv", 0)
            validated[name] = ValidatedExtract(name, empty, empty, account, [], {})
    prepared = assemble(validated, AS_OF)
    assert sorted(prepared.data.index) == ["P1", "P2"]
    assert prepared.data.patients.loc["P2"].isna().all()
    assert prepared.data.patients_set_aside.to_dict() == {"P2": "conformance.patients.sex.code"}
    assert prepared.reconcile_patients(2) == {
        "exported": 2,
        "reported": 2,
        "screened_with_patients_row_set_aside": 1,
    }
    with pytest.raises(ScreeningError, match="2 patients exported but 1 reported"):
        prepared.reconcile_patients(1)


def test_lab_codes_unknown_to_the_catalogue_are_counted_per_code(context, suites):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    lab = {"patient_id": "P1", "value_raw": "5", "unit": "g/dL", "collected_at": "2026-11-01"}
    rows = [
        {"record_id": "L1", "loinc_code": "718-7", **lab},
        {"record_id": "L2", "loinc_code": "2093-3", **lab},
        {"record_id": "L3", "loinc_code": "2093-3", **lab},
        {"record_id": "L4", "loinc_code": "3000963", **lab},  # an OMOP concept id: not LOINC
    ]
    result = validate("labs", rows, context, suites, patients=patients)
    assert result.account.unknown_codes == {"2093-3": 2, "3000963": 1}
    assert result.quarantine["rule_id"].tolist() == ["conformance.labs.loinc_code.code"]
    coverage = next(
        s for s in result.summary if s["rule_id"] == "coverage.labs.loinc_code.catalogue"
    )
    assert (coverage["unexpected_count"], coverage["observed_value"], coverage["handling"]) == (
        3,
        2.0,
        "report",
    )


def test_unsafe_text_is_quarantined_with_its_rule_and_never_counted_as_an_unknown_code(
    context, suites
):
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    lab = {"patient_id": "P1", "unit": "g/dL", "collected_at": "2026-11-01"}
    rows = [
        {"record_id": "L1", "loinc_code": "2093-3", "value_raw": "5", **lab},
        {"record_id": "L2", "loinc_code": "2345-7\x00", "value_raw": "5", **lab},
        {"record_id": "L3", "loinc_code": "9" * 300, "value_raw": "5", **lab},
        {"record_id": "L4", "loinc_code": "718-7", "value_raw": "5\x1b[31m", **lab},
    ]
    result = validate("labs", rows, context, suites, patients=patients)
    assert result.account.unknown_codes == {"2093-3": 1}
    rules = result.quarantine.set_index("record_id")["rule_id"].to_dict()
    assert rules == {
        "L2": "conformance.labs.loinc_code.text",
        "L3": "conformance.labs.loinc_code.text",
        "L4": "conformance.labs.value_raw.text",
    }
    reasons = set(result.quarantine["reason"])
    assert reasons == {
        "loinc_code holds a control character or more than 255 characters",
        "value_raw holds a control character or more than 255 characters",
    }
    assert result.account.rows_quarantined == 3


def test_reference_ranges_are_typed_converted_and_a_reversed_one_set_aside(context, suites):
    """Decimal commas as declared; limits converted with the result's unit; a range whose
    upper limit is below its lower one is no range (set aside, naming the rule); a lab that
    sends no range at all is accepted (the columns are optional)."""
    patients = patients_reference(validate("patients", [PATIENT], context, suites).accepted)
    src = source("labs", **FRENCH, datetime_formats=["%d/%m/%Y %H:%M"])
    lab = {"patient_id": "P1", "loinc_code": "2160-0", "collected_at": "01/11/2026 08:00"}
    rows = [
        {"record_id": "L1", "value_raw": "1,1", "unit": "mg/dL", **lab,
         "reference_low": "0,6", "reference_high": "1,2"},
        {"record_id": "L2", "value_raw": "80", "unit": "umol/L", **lab,
         "reference_low": "110", "reference_high": "50"},
        {"record_id": "L3", "value_raw": "80", "unit": "umol/L", **lab},
    ]  # fmt: skip
    result = validate("labs", rows, context, suites, src, patients=patients)
    assert result.quarantine.set_index("record_id")["rule_id"].to_dict() == {
        "L2": "plausibility.labs.reference_range_order"
    }
    accepted = result.accepted.set_index("record_id")
    assert accepted.loc["L1", "normal_high"] == pytest.approx(1.2 * 88.42)
    assert accepted.loc["L1", "normal_low"] == pytest.approx(0.6 * 88.42)
    assert pd.isna(accepted.loc["L3", "normal_high"])


def test_parts_without_rows_are_judged_in_one_call_with_the_same_results(context, suites):
    """A block holding two analytes: their parts are called on their rows, the other
    analytes' parts together on no rows; merged, the results equal one call per part."""
    conditional = _conditional(suites["labs"])
    frame = pd.DataFrame(
        {
            "analyte": pd.array(["haemoglobin", "creatinine", "haemoglobin"], dtype="str"),
            "value": [13, -1, 99],
        },
        index=pd.Index([3, 5, 8], name="row_number"),
    )
    parts = split_by_condition(conditional)
    judged = judged_parts(frame, parts)
    assert len(judged) == 3 < len(parts)  # haemoglobin, creatinine, then every other at once
    assert [len(rows) for _, rows in judged] == [2, 1, 0]
    together = merge_outcomes(
        conditional, [validate_frame(context, rows, part) for part, rows in judged]
    )
    one_by_one = merge_outcomes(
        conditional, [validate_frame(context, gx_frame(frame, p), p) for p in parts]
    )
    assert together.summary == one_by_one.summary
    assert together.result_json["results"] == one_by_one.result_json["results"]
    assert {r: v.tolist() for r, v in together.failing_rows.items()} == {
        "plausibility.labs.value.range.haemoglobin": [8],
        "plausibility.labs.value.range.creatinine": [5],
    }
