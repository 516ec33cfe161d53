"""Coordinator feedback carried from night to night: who was contacted, declined, enrolled.

`screening feedback import FILE --trial ID` reads the decisions the recruitment team filled
in (a CSV, or the decision columns of the night's candidates.xlsx), checks every row before
keeping any (all or nothing: a bad row is one error line naming file, line and column), and
appends them to REPORTS/<trial>/feedback.parquet, beside the trial's reports. The file is
keyed by pseudonym (never a hospital id), owner-only, and keeps every decision ever imported
(the history); the latest per pseudonym is what the next nights show. Error messages name
places, never the values in them.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.durable import fsync_path
from pipeline.errors import ConfigError, InputFileError
from pipeline.publish import owner_only

DECISIONS = ("contacted", "declined", "enrolled", "screen_failure")
# Decisions after which a patient is no longer news for the team.
SETTLED = ("declined", "enrolled")
NOTE_MAX_CHARS = 200
FEEDBACK_FILE = "feedback.parquet"
FIELDS = ("pseudonym", "decision", "date", "note")
# The workbook's own columns the import reads (headers of the status sheets).
WORKBOOK_HEADERS = {
    "Pseudonym": "pseudonym",
    "Decision": "decision",
    "Decision date": "date",
    "Note": "note",
}
WORKBOOK_SHEETS = ("Candidates", "Needs review", "Not eligible")
CONTROL = "[\\x00-\\x1f\\x7f]"

FEEDBACK_SCHEMA = pa.schema(
    [
        ("pseudonym", pa.string()),
        ("decision", pa.string()),
        ("decision_date", pa.date32()),
        ("note", pa.string()),
        ("imported_at", pa.timestamp("ms", tz="UTC")),
        ("import_file", pa.string()),
        ("line", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Imported:
    path: Path
    decisions: int
    patients: int


def read_feedback_file(path: Path) -> pd.DataFrame:
    """The filled-in rows as text columns pseudonym, decision, date, note, line (the line or
    spreadsheet row each came from). Rows with neither a decision nor a date are skipped
    (the workbook lists every patient; the team fills in a few)."""
    path = Path(path)
    if not path.is_file():
        raise InputFileError(str(path), "no such file (give the CSV or candidates.xlsx filled in)")
    frame = _read_workbook(path) if path.suffix.lower() == ".xlsx" else _read_csv(path)
    filled = (frame["decision"].str.strip() != "") | (frame["date"].str.strip() != "")
    return frame[filled].reset_index(drop=True)


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            header = handle.readline()
        # A spreadsheet saving CSV in a French locale separates with ';' (and may add a BOM).
        separator = ";" if ";" in header and "," not in header else ","
        raw = pd.read_csv(
            path,
            sep=separator,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skip_blank_lines=True,
        )
    except UnicodeDecodeError as exc:
        raise InputFileError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = " ".join(str(exc).split()) or "empty file"
        raise InputFileError(str(path), f"not a readable CSV ({reason})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    for field in FIELDS:
        if field not in raw.columns:
            raise InputFileError(
                str(path), f"no column '{field}' (expected: {', '.join(FIELDS)})", line=1
            )
    frame = raw[list(FIELDS)].copy()
    # Header on line 1; blank lines are skipped by the reader, so the line is counted from
    # the index only when none were (the common case); it is the data row otherwise.
    frame["line"] = raw.index.to_numpy() + 2
    return frame


def _read_workbook(path: Path) -> pd.DataFrame:
    """The status sheets' Pseudonym and decision columns (pandas pads the short rows a
    spreadsheet stores when their last cells are empty)."""
    try:
        with pd.ExcelFile(path, engine="openpyxl") as book:
            titles = [t for t in WORKBOOK_SHEETS if t in book.sheet_names]
            sheets = {t: book.parse(t, dtype=object, keep_default_na=False) for t in titles}
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise InputFileError(str(path), f"not a readable workbook ({type(exc).__name__})") from None
    if not sheets:
        raise InputFileError(str(path), f"none of the sheets {', '.join(WORKBOOK_SHEETS)}")
    frames = []
    for title, body in sheets.items():
        missing = [h for h in WORKBOOK_HEADERS if h not in body.columns]
        if missing:
            raise InputFileError(
                f"{path}[{title}]", f"no column '{missing[0]}' (not a candidates.xlsx)", line=1
            )
        frame = pd.DataFrame({field: _cell_text(body[h]) for h, field in WORKBOOK_HEADERS.items()})
        frame["line"] = body.index.to_numpy() + 2
        frame["where"] = f"{path}[{title}]"
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _cell_text(column: pd.Series) -> pd.Series:
    """Cells as text: a date cell as YYYY-MM-DD, an empty cell as ''."""
    dates = column.map(lambda v: isinstance(v, dt.date))  # small: the rows of one workbook
    text = column.where(column.notna() & (column != ""), "").astype(str)
    if dates.any():
        text[dates] = pd.to_datetime(column[dates]).dt.strftime("%Y-%m-%d")
    return text.astype("str")


def check_feedback(frame: pd.DataFrame, path: Path, known: pd.Index, latest: str) -> pd.DataFrame:
    """Rows checked in full; the first bad one is an `InputFileError` naming its place.

    Returns pseudonym, decision, decision_date, note, line (decision in `DECISIONS`)."""
    where = frame["where"] if "where" in frame else pd.Series(str(path), index=frame.index)
    text = {f: frame[f].astype("str") for f in FIELDS}

    def fail(mask: pd.Series, field: str, message: str) -> None:
        if mask.any():
            first = mask.to_numpy().nonzero()[0][0]
            raise InputFileError(
                where.iloc[first], message, line=int(frame["line"].iloc[first]), column=field
            )

    for field in FIELDS:
        fail(text[field].str.contains(CONTROL, regex=True), field, "control character refused")
    pseudonym = text["pseudonym"].str.strip()
    fail(pseudonym == "", "pseudonym", "empty pseudonym")
    decision = text["decision"].str.strip().str.lower().str.replace(r"[\s-]+", "_", regex=True)
    fail(decision == "", "decision", f"no decision (give one of {', '.join(DECISIONS)})")
    fail(~decision.isin(DECISIONS), "decision", f"not one of {', '.join(DECISIONS)}")
    date_text = text["date"].str.strip()
    shape = date_text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
    fail(~shape, "date", "expected a date written YYYY-MM-DD")
    dates = pd.to_datetime(date_text, format="%Y-%m-%d", errors="coerce")
    fail(dates.isna(), "date", "not a date that exists")
    today = pd.Timestamp(dt.datetime.now(dt.UTC).date())
    fail(dates > today, "date", "date in the future")
    note = text["note"].str.strip()
    fail(note.str.len() > NOTE_MAX_CHARS, "note", f"note longer than {NOTE_MAX_CHARS} characters")
    fail(
        ~pseudonym.isin(known),
        "pseudonym",
        f"pseudonym unknown to the latest report of this trial ({latest}); "
        "decisions are taken on that report's pseudonyms",
    )
    return pd.DataFrame(
        {
            "pseudonym": pseudonym,
            "decision": decision,
            "decision_date": dates.dt.date,
            "note": note,
            "line": frame["line"].astype("int64"),
        }
    )


def feedback_path(reports: Path, trial_id: str) -> Path:
    return Path(reports) / trial_id / FEEDBACK_FILE


def import_feedback(path: Path, reports: Path, trial_id: str) -> Imported:
    """Check `path` against the trial's latest report and append it to the trial's
    feedback (replaced in one rename: a failed import leaves the previous file intact)."""
    from pipeline.review.previous import report_dirs  # pipeline.review imports this module

    trial_root = Path(reports) / trial_id
    published = report_dirs(trial_root)
    if not published:
        raise ConfigError(
            f"no report of trial '{trial_id}' under {reports}: decisions are kept beside "
            "the trial's reports (give --reports, the reports root of `screening run --out`)"
        )
    as_of, latest = published[-1]
    known = pd.Index(pq.read_table(latest / "candidates.parquet", columns=["pseudonym"])[0])
    rows = check_feedback(read_feedback_file(path), Path(path), known, as_of.isoformat())
    now = pd.Timestamp(dt.datetime.now(dt.UTC).replace(microsecond=0))
    new = pa.Table.from_pandas(
        rows.assign(imported_at=now, import_file=Path(path).name)[FEEDBACK_SCHEMA.names],
        schema=FEEDBACK_SCHEMA,
        preserve_index=False,
    )
    target = trial_root / FEEDBACK_FILE
    # Two imports at once would each append to the history they read: one at a time.
    with owner_only(), (trial_root / ".feedback.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        history = read_history(target)
        table = pa.concat_tables([history, new]) if history is not None else new
        _write_owner_only(table, target)
    return Imported(target, new.num_rows, int(pc.count_distinct(new["pseudonym"]).as_py()))


def read_history(path: Path) -> pa.Table | None:
    """Every decision kept so far, or None before the first import."""
    if not path.is_file():
        return None
    return pq.read_table(path, schema=FEEDBACK_SCHEMA)


def _write_owner_only(table: pa.Table, target: Path) -> None:
    temporary = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
    with owner_only():
        try:
            pq.write_table(table, temporary, compression="zstd")
            os.chmod(temporary, 0o600)  # created under umask 077: already 0600; made sure
            with temporary.open("rb") as handle:
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
    fsync_path(target.parent)


@dataclass(frozen=True)
class Decisions:
    """The latest decisions a run shows, and the SHA-256 of the feedback file they were read
    from (None before the first import), for the manifest."""

    latest: pd.DataFrame
    sha256: str | None


def latest_decisions(trial_root: Path, as_of: dt.date) -> Decisions:
    """The latest decision per pseudonym dated on or before `as_of` (a backfill sees what
    was known then): pseudonym, decision, decision_date, note. Latest by decision date,
    then by import order (a correction imported later wins on the same day). The file is
    read once, as bytes, so the hash is of exactly what was shown even if an import
    replaces the file meanwhile."""
    path = Path(trial_root) / FEEDBACK_FILE
    columns = ["pseudonym", "decision", "decision_date", "note"]
    if not path.is_file():
        return Decisions(pd.DataFrame({c: pd.Series(dtype="str") for c in columns}), None)
    data = path.read_bytes()
    frame = pq.read_table(pa.BufferReader(data), schema=FEEDBACK_SCHEMA).to_pandas()
    frame = frame[frame["decision_date"] <= as_of]
    frame = frame.assign(_order=range(len(frame)))
    frame = frame.sort_values(["pseudonym", "decision_date", "_order"], kind="stable")
    latest = frame.drop_duplicates("pseudonym", keep="last")[columns].reset_index(drop=True)
    return Decisions(latest, hashlib.sha256(data).hexdigest())


def with_decisions(candidates: pa.Table, decisions: pd.DataFrame) -> pa.Table:
    """The candidates table with `decision` and `decision_date` (null where none)."""
    names = pa.array(decisions["pseudonym"].to_numpy(dtype=object), pa.string())
    at = pc.index_in(candidates["pseudonym"].combine_chunks(), value_set=names)
    decision = pa.array(decisions["decision"].to_numpy(dtype=object), pa.string())
    dates = pa.array(list(decisions["decision_date"]), pa.date32())
    return candidates.append_column("decision", decision.take(at)).append_column(
        "decision_date", dates.take(at)
    )
