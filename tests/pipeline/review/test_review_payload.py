"""The page's long columns are the JSON of the whole column, however they are encoded."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline.reports import CRITERIA_SCHEMA
from pipeline.review import payload
from pipeline.review.page import script_json
from pipeline.status import STATUS_NAMES
from tests.pipeline.review.crafted import TINY


@pytest.fixture(params=[1, 2, 3, 1000])
def chunk(request, monkeypatch):
    monkeypatch.setattr(payload, "JSON_CHUNK", request.param)
    return request.param


def test_integers_in_chunks(chunk):
    values = np.array([0, 7, 300, 2**40, 5], dtype="int64")
    assert payload.json_array(values).text == script_json(values.tolist())
    assert payload.json_array(values[:0]).text == "[]"


def test_arrow_columns_in_chunks_escape_text(chunk):
    column = pa.chunked_array([["p<1>", None], ["p&2", "é\u2028"]])
    text = payload.json_array(column, lambda part: part.to_pylist()).text
    assert text == script_json(["p<1>", None, "p&2", "é\u2028"])
    assert "<" not in text and "&" not in text


def reference_evidence(criteria: pd.DataFrame, pseudonyms: list[str]) -> dict:
    """The evidence block computed the plain way: Python lists through `script_json`."""
    rows = criteria[criteria["pseudonym"].isin(pseudonyms)].copy()
    rows["_p"] = rows["pseudonym"].map({p: i for i, p in enumerate(pseudonyms)})
    rows = rows.sort_values(["_p", "criterion_order"], kind="stable")
    counts = rows["_p"].value_counts().reindex(range(len(pseudonyms)), fill_value=0)
    expected = {"offsets": [0, *np.cumsum(counts.to_numpy()).tolist()]}
    expected["criterion"] = [TINY.criterion_ids().index(c) for c in rows["criterion_id"]]
    expected["status"] = [list(STATUS_NAMES).index(s) for s in rows["status"]]
    expected["value"] = [v if pd.notna(v) and np.isfinite(v) else None for v in rows["value"]]
    dictionaries = {}
    dates = rows["record_date"].map(lambda d: d.isoformat() if pd.notna(d) else None)
    for name, values in (
        ("reason", rows["reason"]),
        ("source", rows["source"]),
        ("date", dates),
        ("raw", rows["raw_value"]),
        ("unit", rows["unit"]),
    ):
        codes, uniques = pd.factorize(values.astype("str"), sort=True)
        expected[name] = [int(c) if c >= 0 else None for c in codes]
        dictionaries[name] = [str(u) for u in uniques]
    expected["dict"] = dictionaries
    return expected


def test_evidence_equals_the_plain_python_encoding_on_unsorted_awkward_rows():
    rng = np.random.default_rng(7)
    patients = [f"P-{i:03d}" for i in range(40)]
    n = 3 * len(patients)
    frame = pd.DataFrame(
        {
            "pseudonym": np.repeat(patients, 3),
            "criterion_order": np.tile([1, 2, 3], len(patients)).astype("int16"),
            "criterion_id": np.tile(TINY.criterion_ids(), len(patients)),
            "status": rng.choice(list(STATUS_NAMES), n),
            "reason": rng.choice(['é <b> & "x"', "Z", "", None, "\u2028 line"], n),
            "source": rng.choice(["labs", None, "patients"], n),
            "record_date": rng.choice([dt.date(2026, 11, 24), None, dt.date(1999, 1, 2)], n),
            "raw_value": rng.choice(["9,5", "<3", None, "abc"], n),
            "value": rng.choice([9.5, -0.0, np.nan, np.inf, 1e-05, 1e16, 0.1 + 0.2], n),
            "unit": rng.choice(["g/dL", None, "µmol/L"], n),
        }
    ).sample(frac=1, random_state=3)  # not in report order: the rows must be put in order
    table = pa.Table.from_pandas(frame, schema=CRITERIA_SCHEMA, preserve_index=False)
    listed = [p for p in patients if int(p[2:]) % 3][::-1]  # some patients, not sorted
    encoded = payload._evidence(table, pa.array(listed), TINY)
    expected = reference_evidence(frame, listed)
    assert encoded["dict"] == expected.pop("dict")
    for name, values in expected.items():
        assert encoded[name].text == script_json(values), name
