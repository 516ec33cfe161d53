"""Lab values: qualifiers (<0.5, >1000) and unit normalisation to one canonical unit per test."""
