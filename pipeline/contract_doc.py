"""Rendering docs/export-contract.md from the contract, so the document cannot drift from code."""

from __future__ import annotations

from pipeline.contract import CONTRACT_VERSION, EXTRACTS
from pipeline.labs.catalogue import load_catalogue

PREAMBLE = f"""# Hospital export contract, version {CONTRACT_VERSION}

<!-- Generated from pipeline/contract.py and pipeline/labs/catalogue.yaml by
     `screening contract-doc > docs/export-contract.md`; a test fails when it is out of date. -->

A hospital delivers, for each export date, one file per extract below, in a landing folder
`<landing>/<YYYY-MM-DD>/` (or the same columns from SQL pulls, one query per extract in
`sql/`). Files are CSV or Parquet. The hospital's own column names, code values, encoding
(UTF-8, UTF-8 with BOM or cp1252), separator, decimal mark, date and date-time formats are
declared in its **source config** (`sources/<hospital>.yaml`, see `sources/synthetic-chu.yaml`):
nothing is guessed. A value that does not parse under the declared format sets its row aside
in quarantine with a rule id and a reason; it is never coerced.

Rules that hold for every extract:

- Every extract must be present, with every *required* column, and at least one data row;
  otherwise the run stops and publishes nothing. An *optional* extract (`conditions`,
  `biomarkers`, `procedures`, `medications`) that a source config leaves out is unavailable
  from that source: the criteria reading it are unknown, "not available from this source".
  Declared,
  its file follows the same rules when it is there; a landing folder without it (delivered
  before the site exported it) has the extract unavailable for that date, as the manifest
  says.
- CSV files end with a line break and contain no line break inside a field. A last line
  without a line break means the file was truncated in transfer: the run stops.
- Record ids are unique within their extract; rows that repeat an id with different content
  are quarantined, exact duplicate rows are removed once and counted.
- Every record's `patient_id` exists in `patients`.
- Records dated after the as-of date, or recorded after it (`conditions.recorded_date`), are
  kept out of that date's screening (a backfill for a past date gives the answer that date
  would have given).
- Dates are not in the future, except a planned one (`medications.end_date`: a prescription's
  last day may lie after the export date, or after the patient's death); a planned end is
  never before its start.
- Identifying columns (names) may be delivered but are dropped on read and never stored.
- Columns not in the contract are ignored and listed in the run manifest.

Versioning: the contract follows semantic versioning. A new optional column or code is a
minor version; a removed or renamed column, a changed type or unit is a major version and
hospitals' source configs must be reviewed.

Types: `id`/`str` text; `code` text compared whatever its case, surrounding spaces and accents
(` Égal ` is `EGAL`), after the source config's value map, whose keys are matched the same way.
Every code column with a vocabulary (a closed set of allowed values, which a source config may
extend with the site's own codes under `codes:`, or a code system's shape) sets a row whose
code is outside it aside (`conformance.<extract>.<column>.code`); `date` and `datetime` parsed
with the source's explicit format; `float`/`int` with the source's decimal mark; `bool` from
the source's true/false values.

Text (`id`, `str` and `code` columns) holds no control character (U+0000 to U+001F other than
tab, line feed and carriage return, U+007F, U+FFFE, U+FFFF) and is at most the length given
in the type column below (255 characters, 4000 for free text); a row with such a value is set
aside (`conformance.<extract>.<column>.text`), so that no report has to carry or cut it.

A patient whose `patients` row is set aside is still screened (their other records stay
theirs, never orphans): the criteria that read that row are `unknown`, naming the rule.
Lab rows whose test code the catalogue below does not know are accepted and counted per code
in `dq/unknown_codes.parquet` (a site exporting its own codes instead of LOINC sees it).
"""


def render() -> str:
    """The whole document as Markdown."""
    parts = [PREAMBLE]
    for extract in EXTRACTS.values():
        parts.append(f"\n## `{extract.name}`\n\n{extract.description.rstrip('.')}")
        keys = []
        if extract.record_id:
            keys.append(f"record id `{extract.record_id}`")
        if extract.date_column:
            keys.append(f"dated by `{extract.date_column}`")
        if keys:
            parts.append(" (" + ", ".join(keys) + ").")
        parts.append("\n\n| column | type | required | unit | allowed values | description |\n")
        parts.append("|---|---|---|---|---|---|\n")
        for col in extract.columns:
            allowed = ", ".join(col.allowed) if col.allowed else col.pattern_name
            description = col.description + (" Identifying." if col.identifying else "")
            kind = (
                f"{col.type} (≤ {col.max_length})"
                if col.is_text and not col.identifying
                else col.type
            )
            parts.append(
                f"| `{col.name}` | {kind} | {'yes' if col.required else 'no'} | "
                f"{col.unit or ''} | {allowed} | {description.strip()} |\n"
            )
    parts.append(
        "\n## Lab tests and units\n\n`labs.value_raw` is the value as exported, as text. It may "
        "carry a qualifier (`<0.5`, `>1000`, `<=`, `>=`): the value is then an interval and a "
        "threshold is met only when every value of the interval meets it. Units are converted "
        "to one canonical unit per test; a unit not listed here for its test is never guessed: "
        "the row is quarantined (`conformance.labs.unit.known`) and cannot satisfy a criterion."
        " Vital signs, ECG intervals and cardiac function are measurements like lab tests "
        "(OMOP measurement, FHIR Observation): they come in `labs` too, told apart by category."
        "\n\n| analyte | category | LOINC codes | canonical unit "
        "| accepted units (factor to canonical) | plausible range |\n|---|---|---|---|---|---|\n"
    )
    for analyte in load_catalogue().values():
        factors = ", ".join(f"{unit} (×{factor:g})" for unit, factor in analyte.factors.items())
        parts.append(
            f"| {analyte.name} | {analyte.category} | {', '.join(analyte.loinc)} | "
            f"{analyte.unit} | {factors} | {analyte.plausible[0]:g} to {analyte.plausible[1]:g} |\n"
        )
    return "".join(parts)
