"""`screening reidentify`: the recruitment team's named candidate list, and its audit trail.

Only the holder of the site key can produce it: every row of the re-identification table is
checked against the key (HMAC of the hospital id must give the pseudonym), so a wrong key or a
tampered table is refused. The output is owner-only, and every use is appended to an audit log
(who, when, which report, how many patients), never with patient data.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pipeline.errors import ScreeningError
from pipeline.keys import load_key
from pipeline.pseudonym import pseudonymise
from pipeline.publish import owner_only, sha256_file
from pipeline.review.safe_cells import neutralise_formula

DEFAULT_STATUSES = ("candidate", "needs_review")


@dataclass(frozen=True)
class Reidentified:
    path: Path
    patients: int


def reidentified_candidates(
    report_dir: Path, key: bytes, statuses: tuple[str, ...]
) -> pd.DataFrame:
    """Candidates of the wanted statuses with their hospital id, after checking the key."""
    reid = pd.read_parquet(report_dir / "reidentification.parquet")
    expected = pseudonymise(reid["patient_id"], key)
    if not (expected.to_numpy() == reid["pseudonym"].to_numpy()).all():
        raise ScreeningError(
            f"{report_dir}: the key does not match this report's pseudonyms "
            "(wrong site key, rotated key, or altered re-identification table)"
        )
    candidates = pd.read_parquet(report_dir / "candidates.parquet")
    wanted = candidates[candidates["overall_status"].isin(statuses)]
    named = wanted.merge(reid, on="pseudonym", how="left", validate="one_to_one")
    columns = ["patient_id", "pseudonym", "overall_status", "n_unknown", "n_to_confirm"]
    lists = ["not_met_criteria", "unknown_criteria", "to_confirm_criteria"]
    out = named[columns].copy()
    for column in lists:
        out[column] = named[column].map(lambda items: "; ".join(items))  # per patient, small
    return out.sort_values(["overall_status", "patient_id"], kind="stable", ignore_index=True)


def append_audit(log_path: Path, entry: dict[str, object]) -> None:
    """Append one JSON line; the log is opened append-only and owner-only."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


def reidentify(
    report_dir: Path,
    out: Path,
    audit_log: Path,
    statuses: tuple[str, ...] = DEFAULT_STATUSES,
) -> Reidentified:
    """Write the named list (CSV, formula-safe) owner-only and log the access."""
    report_dir = Path(report_dir)
    key = load_key()
    frame = reidentified_candidates(report_dir, key, statuses)
    safe = frame.assign(
        **{c: neutralise_formula(frame[c]) for c in frame.columns if frame[c].dtype == "str"}
    )
    with owner_only():
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.unlink()
        safe.to_csv(out, index=False, encoding="utf-8")
    manifest = json.loads((report_dir / "manifest.json").read_text(encoding="utf-8"))
    append_audit(
        audit_log,
        {
            "event": "reidentify",
            "user": getpass.getuser(),
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "report": str(report_dir.resolve()),
            "trial": manifest["trial"]["id"],
            "as_of": manifest["as_of"],
            "manifest_sha256": sha256_file(report_dir / "manifest.json"),
            "statuses": list(statuses),
            "patients": len(frame),
            "output": str(out.resolve()),
        },
    )
    return Reidentified(out, len(frame))
