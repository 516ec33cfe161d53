"""`screening reidentify`: the recruitment team's named candidate list, and its audit trail.

Only the holder of the site key can produce it: every row of the re-identification table is
checked against the key (HMAC of the hospital id must give the pseudonym), so a wrong key or a
tampered table is refused. The output is owner-only, and every use, refused ones included, is
appended to an audit log (who, when, which report, how many patients), never with patient
data; the named list appears only once its audit line is on disk. Beside the criterion ids,
each patient's list says in words what remains to confirm at the inclusion visit and which
criteria are unknown (to check in the medical record), as the review page names them.
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.dated_folders import dated_reports_hint
from pipeline.durable import fsync_path
from pipeline.errors import ScreeningError
from pipeline.keys import load_key
from pipeline.pseudonym import pseudonymise
from pipeline.publish import owner_only, sha256_file
from pipeline.review.safe_cells import neutralise_formula
from pipeline.review.workbook import joined_text
from pipeline.trial import find_trial, load_trial

DEFAULT_STATUSES = ("candidate", "needs_review")


@dataclass(frozen=True)
class Reidentified:
    path: Path
    patients: int


def criterion_wording(report_dir: Path, trial_id: str, trial_sha256: str) -> tuple[dict, dict]:
    """Criterion id -> its protocol text, and -> what remains to confirm at the visit.

    The texts come from the report's own attrition table (the labels the review page shows
    for that night); the visit wording (`to_confirm`) from the trial file, only when it is
    the very file the report was screened with (same SHA-256), else the text again."""
    attrition = pq.read_table(report_dir / "attrition.parquet", columns=["criterion_id", "text"])
    texts = dict(zip(*(attrition[c].to_pylist() for c in attrition.column_names), strict=True))
    remains = dict(texts)
    try:
        trial = load_trial(find_trial(trial_id))
    except ScreeningError:
        return texts, remains
    if trial.sha256 == trial_sha256:
        remains.update({c.id: c.to_confirm or c.text for c in trial.criteria if c.id in texts})
    return texts, remains


def readable_lists(
    candidates: pa.Table, texts: dict[str, str], remains: dict[str, str]
) -> pd.DataFrame:
    """Per patient, in words: what remains to confirm at the inclusion visit, and the
    criteria unknown (data missing or unusable: to check in the medical record)."""
    return pd.DataFrame(
        {
            "remains_to_confirm": joined_text(candidates["to_confirm_criteria"], remains),
            "unknown_to_check": joined_text(candidates["unknown_criteria"], texts),
        }
    )


def reidentified_candidates(
    report_dir: Path, key: bytes, statuses: tuple[str, ...], manifest: dict | None = None
) -> pd.DataFrame:
    """Candidates of the wanted statuses with their hospital id, after checking the key;
    with `manifest`, also the criteria to confirm and unknown in words (`readable_lists`)."""
    reid = pd.read_parquet(report_dir / "reidentification.parquet")
    expected = pseudonymise(reid["patient_id"], key)
    if not (expected.to_numpy() == reid["pseudonym"].to_numpy()).all():
        raise ScreeningError(
            f"{report_dir}: the key does not match this report's pseudonyms "
            "(wrong site key, rotated key, or altered re-identification table)"
        )
    table = pq.read_table(report_dir / "candidates.parquet")
    table = table.filter(pc.is_in(table["overall_status"], pa.array(statuses, pa.string())))
    wanted = table.to_pandas()
    lists = ["not_met_criteria", "unknown_criteria", "to_confirm_criteria"]
    for column in lists:
        wanted[column] = joined_text(table[column])
    if manifest is not None:
        texts, remains = criterion_wording(
            report_dir, manifest["trial"]["id"], manifest["trial"].get("sha256", "")
        )
        wanted = pd.concat([wanted, readable_lists(table, texts, remains)], axis=1)
    named = wanted.merge(reid, on="pseudonym", how="left", validate="one_to_one")
    columns = ["patient_id", "pseudonym", "overall_status", "n_unknown", "n_to_confirm"]
    columns += lists
    if manifest is not None:
        columns += ["remains_to_confirm", "unknown_to_check"]
    if "decision" in named.columns:  # the team's latest decision (`pipeline.feedback`)
        named["decision_date"] = (
            named["decision_date"].astype("str").where(named["decision_date"].notna(), "")
        )
        columns += ["decision", "decision_date"]
    out = named[columns].copy()
    return out.sort_values(["overall_status", "patient_id"], kind="stable", ignore_index=True)


def append_audit(log_path: Path, entry: dict[str, object]) -> None:
    """Append one JSON line and fsync it; the log is opened append-only and owner-only.

    The line is on disk when this returns: the named list is kept only after that."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    created = not log_path.exists()
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    if created:
        fsync_path(log_path.parent)


def reidentify(
    report_dir: Path,
    out: Path,
    audit_log: Path,
    statuses: tuple[str, ...] = DEFAULT_STATUSES,
) -> Reidentified:
    """Write the named list (CSV, formula-safe) owner-only and log the access.

    Nothing named exists under `out` unless its audit line is on disk: the list is written
    to an owner-only temporary file beside `out`, the audit line is appended and fsynced,
    and only then is the file renamed into place. If the audit log cannot be written the
    temporary list is removed and the command fails. A refused attempt (no key, wrong key,
    not a report) is audited too, with the reason (paths only, never an id)."""
    report_dir = Path(report_dir)
    attempt: dict[str, object] = {
        "user": getpass.getuser(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "report": str(report_dir.absolute()),
        "statuses": list(statuses),
        "output": str(out.absolute()),
    }
    try:
        # Read every file from one version: a publish may re-point `report_dir` meanwhile.
        folder = _report_folder(report_dir)
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        frame = reidentified_candidates(folder, load_key(), statuses, manifest)
    except ScreeningError as exc:
        _audit_refusal(audit_log, attempt, exc)
        raise
    safe = frame.assign(
        **{c: neutralise_formula(frame[c]) for c in frame.columns if frame[c].dtype == "str"}
    )
    temporary = _write_temporary(safe, out)
    try:
        append_audit(
            audit_log,
            attempt
            | {
                "event": "reidentify",
                "trial": manifest["trial"]["id"],
                "as_of": manifest["as_of"],
                "manifest_sha256": sha256_file(folder / "manifest.json"),
                "patients": len(frame),
            },
        )
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ScreeningError(
            f"{audit_log}: the audit log cannot be written ({exc.strerror}); no named list was kept"
        ) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    os.replace(temporary, out)
    fsync_path(out.parent)
    return Reidentified(out, len(frame))


def _report_folder(report_dir: Path) -> Path:
    """The report's folder itself (its version folder when published behind a symlink)."""
    folder = report_dir.resolve()
    for name in ("reidentification.parquet", "candidates.parquet", "manifest.json"):
        if not (folder / name).is_file():
            raise ScreeningError(
                f"{report_dir}: not a report folder (no {name}); {dated_reports_hint(report_dir)}"
            )
    return folder


def _write_temporary(safe: pd.DataFrame, out: Path) -> Path:
    """The named list in an owner-only, fsynced temporary file beside `out`."""
    with owner_only():
        out.parent.mkdir(parents=True, exist_ok=True)
    temporary = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:12]}"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            safe.to_csv(handle, index=False)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def _audit_refusal(audit_log: Path, attempt: dict[str, object], refusal: Exception) -> None:
    """Record a refused attempt; if even that fails, say so in the same one-line error."""
    try:
        append_audit(audit_log, attempt | {"event": "reidentify-refused", "reason": str(refusal)})
    except OSError as exc:
        raise ScreeningError(
            f"{refusal}; and {audit_log}: the audit log cannot be written ({exc.strerror})"
        ) from None
