"""Searching every file a run wrote for patient data, including inside compressed formats."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pyarrow.parquet as pq

from pipeline.generator.canary import canaries


def canary_needles() -> list[str]:
    """Ids, names, birth dates and values that must never leave the inputs (and the
    re-identification table, for ids only)."""
    needles = []
    for c in canaries():
        needles += [
            c.patient_id,
            c.family_name,
            c.given_name,
            c.birth_date_text,
            c.birth_date_iso,
            c.lab_value_text,
            c.lab_value_point,
        ]
    return needles


def _texts(path: Path) -> list[bytes]:
    data = path.read_bytes()
    texts = [data]
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        for column in table.columns:
            texts.append("\n".join(str(v) for v in column.to_pylist()).encode("utf-8"))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            texts += [archive.read(name) for name in archive.namelist()]
    return texts


def find_leaks(roots: list[Path], needles: list[str], allowed: set[str]) -> list[tuple[str, str]]:
    """(file, needle) for every needle found in a file whose name is not in `allowed`."""
    hits = []
    encoded = [(n, n.encode("utf-8")) for n in needles]
    for root in roots:
        files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
        for path in files:
            if path.name in allowed:
                continue
            for text in _texts(path):
                hits += [(str(path), n) for n, b in encoded if b in text]
    return sorted(set(hits))
