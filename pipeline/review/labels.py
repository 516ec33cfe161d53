"""Statuses and decisions in words, as the review page says them in English (review.js
LABELS.en), for the files read by people: the workbook and the named list."""

from __future__ import annotations

OVERALL_LABELS = {
    "candidate": "Candidate",
    "needs_review": "Needs review",
    "not_eligible": "Not eligible",
}
STATUS_LABELS = {
    "met": "met",
    "not_met": "not met",
    "unknown": "unknown",
    "to_confirm": "to confirm",
    "not_applicable": "not applicable",
}
DECISION_LABELS = {
    "contacted": "Contacted",
    "declined": "Declined",
    "enrolled": "Enrolled",
    "screen_failure": "Screen failure",
}
