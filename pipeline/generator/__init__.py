"""Synthetic hospital: French-dialect exports with the expected result for every patient."""
