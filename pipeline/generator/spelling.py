"""How real exports spell codes and dates: the variations a screening must read the same.

Codes come in lower case, with surrounding spaces or with accents the value map does not
write ("Égal" for EGAL); the pipeline must map every spelling to the same contract code, so
the truth does not change. A patients row with a code outside the contract is set aside by
data quality, and the patient must still be screened.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# Code columns of the hospital's files whose spelling varies, per extract.
CODE_COLUMNS = {
    "patients": ("SEXE",),
    "pathology": ("TOPOGRAPHIE", "GRADE"),
    "imaging_studies": ("MODALITE", "TRACEUR", "FIXATION_VS_FOIE", "REPONSE_RECIST"),
    "treatments": ("CODE_ATC",),
    "assessments": ("TYPE_EVAL",),
    "tumour_board": ("INSTANCE", "DECISION"),
}
ACCENTED = {"EGAL": "Égal"}
LOWER_SHARE, SPACED_SHARE = 0.08, 0.04


def _vary(values: pa.Array, rng: np.random.Generator) -> pa.Array:
    draw = rng.random(len(values))
    lower = pa.array(draw < LOWER_SHARE)
    spaced = pa.array((draw >= LOWER_SHARE) & (draw < LOWER_SHARE + SPACED_SHARE))
    varied = pc.if_else(lower, pc.utf8_lower(values), values)
    varied = pc.if_else(spaced, pc.binary_join_element_wise(" ", varied, " ", ""), varied)
    for plain, accented in ACCENTED.items():
        varied = pc.if_else(pc.and_(lower, pc.equal(values, plain)), accented, varied)
    return varied


def vary_code_spelling(texts: dict[str, pa.Table], rng: np.random.Generator) -> dict[str, pa.Table]:
    """Some code values of every code column in lower case, padded, or accented."""
    varied = dict(texts)
    for name, columns in CODE_COLUMNS.items():
        table = varied[name]
        for column in columns:
            position = table.schema.get_field_index(column)
            values = table.column(column).combine_chunks()
            table = table.set_column(position, column, _vary(values, rng))
        varied[name] = table
    return varied


def with_sex_outside_the_contract(patients: pa.Table, ids: np.ndarray) -> pa.Table:
    """Sex "I" (indeterminate, a code some hospitals use) for `ids`: outside the contract's
    codes, so their patients rows are set aside, in a file as in a typed warehouse."""
    chosen = pc.is_in(patients.column("IPP"), value_set=pa.array(ids, pa.string()))
    written = pc.if_else(chosen, "I", patients.column("SEXE").combine_chunks())
    position = patients.schema.get_field_index("SEXE")
    return patients.set_column(position, "SEXE", written)
