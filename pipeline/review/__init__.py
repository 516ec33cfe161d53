"""The recruitment team's review: an offline HTML page, a workbook, a chart and run-to-run changes.

Everything here reads the published report tables (pseudonyms only) and writes files into the
staging directory of a run, so the review is published atomically with the reports.
"""

from pipeline.review.outputs import write_review_outputs
from pipeline.review.previous import previous_report_dir

__all__ = ["previous_report_dir", "write_review_outputs"]
