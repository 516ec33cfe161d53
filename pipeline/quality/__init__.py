"""Data quality with Great Expectations: suites, validation, quarantine and audit outputs."""
