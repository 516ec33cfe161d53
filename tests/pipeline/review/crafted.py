"""Crafted report tables for a tiny trial, built the way the run builds them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.publish import write_parquet
from pipeline.reports import build_reports
from pipeline.review import previous_report_dir, write_review_outputs
from pipeline.status import STATUS_CODES, overall_status
from pipeline.trial import Trial, parse_trial
from tests.conftest import AS_OF

TINY = parse_trial(
    {
        "id": "tiny",
        "title": "Tiny <trial> & co",
        "exclude_deceased": False,  # three criteria exactly, as the tests plant them
        "criteria": [
            {"id": "age", "text": "Age ≥ 18 years", "rule": {"primitive": "age", "min_years": 18}},
            {
                "id": "haemoglobin",
                "text": "Haemoglobin > 8 g/dL",
                "rule": {
                    "primitive": "latest_lab",
                    "analyte": "haemoglobin",
                    "operator": ">",
                    "threshold": 8,
                    "unit": "g/dL",
                    "window": {"days": 28},
                },
            },
            {
                "id": "consent",
                "text": "Signed informed consent",
                "rule": {"primitive": "confirm_at_visit", "note": "signed consent"},
                "to_confirm": "Signed written informed consent",
            },
        ],
    },
    "tiny.yaml",
    "0" * 64,
)

EXTRACTS = {
    "labs": {
        "file": "biologie.csv",
        "rows_read": 10,
        "rows_accepted": 7,
        "rows_quarantined": 2,
        "duplicates_removed": 1,
    },
    "patients": {
        "file": "patients.csv",
        "rows_read": 5,
        "rows_accepted": 5,
        "rows_quarantined": 0,
        "duplicates_removed": 0,
    },
}


def pseudonym(letter: str) -> str:
    return "P-" + letter * 20


def crafted_tables(
    statuses: dict[str, list[str]],
    as_of: str = AS_OF,
    trial: Trial = TINY,
    reasons: dict[str, str] | None = None,
) -> dict[str, pa.Table]:
    """Report tables as the run builds them, from criterion status names per pseudonym."""
    names = list(statuses)
    n = len(trial.criteria)
    codes = np.array([[STATUS_CODES[s] for s in statuses[p]] for p in names], dtype="int8")
    ids = [f"id-{i}" for i in range(len(names))]
    reasons = reasons or {}
    criteria = pd.DataFrame(
        {
            "patient_id": np.repeat(ids, n),
            "criterion_order": np.tile(np.arange(1, n + 1, dtype="int16"), len(names)),
            "criterion_id": np.tile([c.id for c in trial.criteria], len(names)),
            "status": codes.reshape(-1),
            "reason": [reasons.get(p, f"{s} as planted") for p in names for s in statuses[p]],
            "source": "labs",
            "record_date": pd.Timestamp(as_of) - pd.Timedelta(days=3),
            "raw_value": "9,5 g/dL",
            "value": 9.5,
            "unit": "g/dL",
        }
    )
    overall = pd.DataFrame(
        {
            "overall_status": np.array(["candidate", "needs_review", "not_eligible"])[
                overall_status(codes)
            ]
        },
        index=pd.Index(ids, name="patient_id"),
    )
    pseudonyms = pd.Series(names, index=pd.Index(ids))
    return build_reports(trial, criteria, overall, pseudonyms, pd.Timestamp(as_of))


def publish_crafted(
    root: Path, as_of: str, statuses: dict[str, list[str]], trial: Trial = TINY, **kwargs: object
) -> Path:
    """A report directory REPORTS/<trial>/<as_of> with the tables and the review outputs."""
    target = root / trial.id / as_of
    target.mkdir(parents=True)
    tables = crafted_tables(statuses, as_of, trial, **kwargs)
    for name in ("candidates", "criteria", "attrition"):
        write_parquet(tables[name], target / f"{name}.parquet")
    public = {name: table for name, table in tables.items() if name != "reidentification"}
    write_review_outputs(
        target,
        public,
        trial,
        previous_report_dir(target),
        as_of=pd.Timestamp(as_of),
        extracts=EXTRACTS,
    )
    return target
