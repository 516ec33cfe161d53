"""FHIR R4 MedicationRequest, MedicationDispense, MedicationStatement -> the `medications`
extract (prescriptions, dispensings, statements), as text in the reader's dialect.

MedicationAdministration is an administration: it stays in `treatments`, so each resource
lands in one extract and no drug is counted twice.

One resource is one row: its kind from its type (MedicationRequest PRESCRIPTION,
MedicationDispense DISPENSING, MedicationStatement STATEMENT); the ATC coding of
`medicationCodeableConcept`, else the site's `rxnorm_to_atc` mapping of its RxNorm code (as
for treatments: an unmapped drug has no ATC code and is set aside by the suite, its code
counted in the unusable codes); its RxNorm, else NDC, else SNOMED CT coding as the source
code; the route of its first dosage (SNOMED CT route codes, `ROUTES`; any other code leaves
the route empty, so "oral" is unknown for it, never not met). A drug given only by
`medicationReference` (a Medication resource) has no code here: set aside, counted.

Dates, as recorded (offset dropped):
- MedicationRequest: `authoredOn`, else `dispenseRequest.validityPeriod.start`; the end is
  the validity period's end.
- MedicationDispense: `whenHandedOver`, else `whenPrepared`; the end is the last day its
  `daysSupply` covers (handed over + days - 1), when given in days.
- MedicationStatement: `effectivePeriod.start`, else `effectiveDateTime`, else
  `dateAsserted`; the end is the period's end.

What is not a record of a medication taken or to be taken is not read, and counted as read
and not used: a request entered in error, cancelled or a draft, or only a proposal, plan or
option; a dispense in preparation, cancelled, declined or entered in error; a statement
entered in error, not taken or only intended.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.io.code_issues import merge_issues
from pipeline.io.fhir import (
    PRESCRIBING_TYPES,
    RXNORM,
    _frame,
    _subjects,
    atc_codes,
    first_code,
    wall_clock,
)
from pipeline.io.medication_codes import SNOMED_ROUTES

SNOMED = "http://snomed.info/sct"
NDC = "http://hl7.org/fhir/sid/ndc"
KINDS = {
    "MedicationRequest": "PRESCRIPTION",
    "MedicationDispense": "DISPENSING",
    "MedicationStatement": "STATEMENT",
}
# (status values, intent values) that are no record of a medication taken or to be taken.
NOT_READ = {
    "MedicationRequest": (
        ("entered-in-error", "cancelled", "draft"),
        ("proposal", "plan", "option"),
    ),
    "MedicationDispense": (("preparation", "cancelled", "declined", "entered-in-error"), ()),
    "MedicationStatement": (("entered-in-error", "not-taken", "intended"), ()),
}
ROUTES = SNOMED_ROUTES
_DAYS = ("d", "day", "days")


def is_read(table: pa.Table, resource_type: str) -> pa.Array:
    """Per resource, whether it records a medication taken or to be taken (`NOT_READ`)."""
    statuses, intents = NOT_READ[resource_type]
    status = pc.fill_null(table["status"].combine_chunks(), "")
    keep = pc.invert(pc.is_in(status, pa.array(statuses, pa.string())))
    if intents:
        intent = pc.fill_null(table["intent"].combine_chunks(), "")
        keep = pc.and_(keep, pc.invert(pc.is_in(intent, pa.array(intents, pa.string()))))
    return keep


def _route(dosages: pa.Array) -> pa.Array:
    """The contract's route of each resource's first dosage (null when it has no dosage, or
    its route is not one of `ROUTES`). An empty dosage list is no dosage."""
    out = pd.Series(pd.NA, index=range(len(dosages)), dtype="string")
    flat = pc.list_flatten(dosages)
    if len(flat):
        parents = pc.list_parent_indices(dosages).to_numpy()
        code = first_code(pc.struct_field(flat, "route"), SNOMED).to_pandas()
        first = pd.Series(code, index=parents, dtype="string")
        first = first[~first.index.duplicated()]  # each resource's first dosage
        out.loc[first.index] = first.map(ROUTES).astype("string")
    return pa.array(out, pa.string())


def _source_code(concepts: pa.Array) -> tuple[pa.Array, pa.Array]:
    """The drug's RxNorm, else NDC, else SNOMED CT code, with its system's name."""
    codes = [(first_code(concepts, url), name) for url, name in _SOURCES]
    code = pc.coalesce(*(c for c, _ in codes))
    system = pc.coalesce(
        *(pc.if_else(pc.is_valid(c), pa.scalar(n), pa.scalar(None, pa.string())) for c, n in codes)
    )
    return code, system


_SOURCES = ((RXNORM, "RXNORM"), (NDC, "NDC"), (SNOMED, "SNOMED"))


def _day_text(text: pa.Array) -> pa.Array:
    return wall_clock(text, with_time=False)


def _dates(table: pa.Table, resource_type: str) -> tuple[pa.Array, pa.Array]:
    """Start and end date text of each resource (see the module's docstring)."""
    column = table.column
    if resource_type == "MedicationRequest":
        validity = pc.struct_field(column("dispenseRequest").combine_chunks(), "validityPeriod")
        start = pc.coalesce(
            column("authoredOn").combine_chunks(), pc.struct_field(validity, "start")
        )
        return _day_text(start), _day_text(pc.struct_field(validity, "end"))
    if resource_type == "MedicationDispense":
        start = _day_text(
            pc.coalesce(
                column("whenHandedOver").combine_chunks(), column("whenPrepared").combine_chunks()
            )
        )
        supply = column("daysSupply").combine_chunks()
        unit = pc.utf8_lower(
            pc.coalesce(pc.struct_field(supply, "code"), pc.struct_field(supply, "unit"))
        )
        days = pc.if_else(
            pc.fill_null(pc.is_in(unit, pa.array(_DAYS, pa.string())), False),
            pc.struct_field(supply, "value"),
            pa.scalar(None, pa.float64()),
        )
        first = pd.to_datetime(pd.Series(start.to_pandas()), format="%Y-%m-%d", errors="coerce")
        last = first + pd.to_timedelta(pd.Series(days.to_pandas()) - 1, unit="D")
        end = last.dt.strftime("%Y-%m-%d").astype("string")
        return start, pa.array(end, pa.string())
    period = column("effectivePeriod").combine_chunks()
    start = pc.coalesce(
        pc.struct_field(period, "start"),
        column("effectiveDateTime").combine_chunks(),
        column("dateAsserted").combine_chunks(),
    )
    return _day_text(start), _day_text(pc.struct_field(period, "end"))


def medications_frame(
    tables: Mapping[str, pa.Table], rxnorm_to_atc: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """medications extract (text, contract names) from the three resource types, and the
    resources per type read and not used."""
    frames, issues, not_used = [], [], {}
    for resource_type in PRESCRIBING_TYPES:
        table = tables.get(resource_type)
        if table is None or table.num_rows == 0:
            continue
        kept = table.filter(is_read(table, resource_type))
        not_used[resource_type] = table.num_rows - kept.num_rows
        concepts = kept["medicationCodeableConcept"].combine_chunks()
        atc, unmapped = atc_codes(concepts, rxnorm_to_atc)
        issues += unmapped
        source_code, source_system = _source_code(concepts)
        start, end = _dates(kept, resource_type)
        dosages = kept["dosage" if resource_type == "MedicationStatement" else "dosageInstruction"]
        frames.append(
            _frame(
                record_id=kept["id"],
                patient_id=_subjects(kept),
                kind=pa.array([KINDS[resource_type]] * kept.num_rows, pa.string()),
                atc_code=atc,
                source_code=source_code,
                source_system=source_system,
                start_date=start,
                end_date=end,
                route=_route(dosages.combine_chunks()),
                rows=kept.num_rows,
            )
        )
    if not frames:
        return _frame(**dict.fromkeys(_COLUMNS), rows=0), not_used
    frame = pd.concat(frames, ignore_index=True)
    frame["row_number"] = pd.RangeIndex(1, len(frame) + 1)
    frame.attrs["code_issues"] = merge_issues(issues)
    return frame, not_used


_COLUMNS = (
    "record_id",
    "patient_id",
    "kind",
    "atc_code",
    "source_code",
    "source_system",
    "start_date",
    "end_date",
    "route",
)
