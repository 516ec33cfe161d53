"""The DAGs' page for operators (Airflow shows it as the DAG's documentation).

Kept as Markdown beside this module, so it reads and diffs as the document it is.
"""

from pathlib import Path

OPERATORS_GUIDE = (Path(__file__).parent / "operators_guide.md").read_text(encoding="utf-8")
