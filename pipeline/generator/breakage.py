"""`--break KIND`: make one extract of a generated export unusable, for the must-stop tests."""

from __future__ import annotations

from pathlib import Path

BREAK_KINDS = ("missing-column", "empty", "truncated", "undecodable")


def break_extract(path: Path, kind: str, separator: bytes = b";") -> None:
    """Damage one CSV file in place the way real exports get damaged."""
    data = path.read_bytes()
    header, _, body = data.partition(b"\n")
    if kind == "missing-column":
        # The hospital's export job dropped the patient id column (required everywhere).
        names = [f.strip(b'"\xef\xbb\xbf') for f in header.split(separator)]
        drop = names.index(b"IPP") if b"IPP" in names else 1
        lines = data.split(b"\n")
        kept = [
            separator.join(f for i, f in enumerate(line.split(separator)) if i != drop)
            for line in lines
        ]
        path.write_bytes(b"\n".join(kept))
    elif kind == "empty":
        path.write_bytes(header + b"\n")
    elif kind == "truncated":
        cut = len(header) + 1 + int(len(body) * 0.6)
        while data[cut : cut + 1] in (b"\n", separator):  # stop inside a field, not on a boundary
            cut += 1
        path.write_bytes(data[:cut])
    elif kind == "undecodable":
        lines = data.split(b"\n")
        middle = len(lines) // 2
        head, sep, tail = lines[middle].partition(separator)
        # 0x81 0x8D: invalid in UTF-8 and undefined in cp1252.
        lines[middle] = head + sep + b"\x81\x8d" + tail
        path.write_bytes(b"\n".join(lines))
    else:
        raise ValueError(f"unknown break kind {kind!r}; use one of {BREAK_KINDS}")
