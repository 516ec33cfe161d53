"""Reading exports (files or SQL) into raw, all-text frames with their row numbers."""
