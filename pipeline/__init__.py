"""Clinical-trial eligibility screening of nightly hospital extracts."""

__version__ = "0.1.0"
