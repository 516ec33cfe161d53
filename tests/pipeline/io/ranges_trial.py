"""A trial of criteria relative to the laboratory's reference range, for the source tests:
ALT <= 2.5 x ULN, creatinine <= 1 x ULN, haemoglobin within its normal limits."""

from __future__ import annotations

from pipeline.trial import parse_trial

TRIAL = parse_trial(
    {
        "id": "ranges",
        "title": "Criteria relative to the reference range",
        "criteria": [
            {
                "id": "alt_2_5_uln",
                "text": "ALT <= 2.5 x ULN",
                "rule": {
                    "primitive": "latest_lab",
                    "analyte": "alt",
                    "operator": "<=",
                    "threshold": 2.5,
                    "relative_to": "uln",
                    "window": {"days": 28},
                },
            },
            {
                "id": "creatinine_uln",
                "text": "Creatinine <= ULN",
                "rule": {
                    "primitive": "latest_lab",
                    "analyte": "creatinine",
                    "operator": "<=",
                    "threshold": 1,
                    "relative_to": "uln",
                    "window": {"days": 28},
                },
            },
            {
                "id": "haemoglobin_normal",
                "text": "Haemoglobin within normal limits",
                "rule": {
                    "primitive": "latest_lab",
                    "analyte": "haemoglobin",
                    "operator": "within_normal_limits",
                    "window": {"days": 28},
                },
            },
        ],
    },
    "ranges.yaml",
    "0" * 64,
)
