"""Settings of the screening DAGs, read from the environment with demo defaults.

Read at task run time (not only at parse time), so a worker's environment decides where data
lives. Every default points under the checkout's `var/demo/`, which is what `make demo` fills.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from pipeline.config_yaml import SAFE_NAME, load_config_yaml
from pipeline.errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_DIR = PROJECT_ROOT / "var" / "demo"
TIMEZONE = "Europe/Paris"
SCHEDULE = "0 2 * * *"
DAG_ID_PREFIX = "screening_"
# Not under DAG_ID_PREFIX: no trial id can take them.
PORTFOLIO_DAG_ID = "hospital_portfolio"
HOSPITAL_DAG_ID = "hospital_snapshot"
# The night's validated snapshot: the hospital DAG emits it (its extra names the source and
# the as-of date), every trial's DAG is scheduled on it.
SNAPSHOT_ASSET_URI = "screening://snapshot"
DEFAULT_CONN_ID = "hospital_warehouse"
# Two shards by default, so that the demo shows screening mapped over shards.
DEFAULT_SHARDS = 2
SOURCE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml")
# The trigger form of the hospital and screening DAGs (each DAG makes them `Param`s).
PARAMS: dict[str, dict[str, Any]] = {
    "as_of": {
        "default": None,
        "type": ["null", "string"],
        "format": "date",
        "title": "As-of date",
        "description": "As of this date (YYYY-MM-DD); empty: the triggering snapshot's night, "
        "else the run's logical date.",
    },
    "source": {
        "default": None,
        "type": ["null", "string"],
        "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]*\.ya?ml$",
        "title": "Source config",
        "description": "A file of the sources folder, e.g. synthetic-chu.yaml; empty: "
        "SCREENING_SOURCE.",
    },
}


@dataclass(frozen=True)
class Settings:
    """Where a run reads and writes, and which warehouse connection a SQL source uses."""

    source_path: str
    landing_root: str
    reports_root: str
    work_root: str
    conn_id: str
    shards: int = DEFAULT_SHARDS
    snapshots_root: str = ""
    snapshots_kept: int = 3


def settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from SCREENING_* variables; unset or empty means the demo default."""
    env = os.environ if environ is None else environ

    def get(name: str, default: Path | str) -> str:
        return env.get(name) or str(default)

    reports = get("SCREENING_REPORTS_DIR", DEMO_DIR / "reports")
    # Next to the reports by default: publishing renames within one file system.
    work = get("SCREENING_WORK_DIR", Path(reports) / ".work")
    return Settings(
        source_path=get("SCREENING_SOURCE", PROJECT_ROOT / "sources" / "synthetic-chu.yaml"),
        landing_root=get("SCREENING_LANDING_DIR", DEMO_DIR / "hospital" / "exports"),
        reports_root=reports,
        work_root=work,
        conn_id=get("SCREENING_WAREHOUSE_CONN_ID", DEFAULT_CONN_ID),
        shards=shard_count(env.get("SCREENING_SHARDS") or str(DEFAULT_SHARDS)),
        # A dot-name: no trial's work folder (named by trial id) can take it.
        snapshots_root=get("SCREENING_SNAPSHOTS_DIR", Path(work) / ".snapshots"),
        snapshots_kept=positive_int(
            "SCREENING_SNAPSHOTS_KEPT", env.get("SCREENING_SNAPSHOTS_KEPT") or "3"
        ),
    )


def settings_for(context: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Settings:
    """The settings of one run: the environment's, with the source config chosen in the
    trigger form (`source` parameter: a file under the sources folder) when one was."""
    base = settings(environ)
    chosen = (context.get("params") or {}).get("source")
    if not chosen:
        return base
    return replace(base, source_path=str(checked_source(str(chosen), environ)))


def checked_source(name: str, environ: Mapping[str, str] | None = None) -> Path:
    """A `source` parameter: the name of a YAML file in the sources folder (SCREENING_SOURCES_DIR,
    default the checkout's sources/), never a path elsewhere, so a form cannot point a run at
    an arbitrary file of the worker."""
    env = os.environ if environ is None else environ
    folder = Path(env.get("SCREENING_SOURCES_DIR") or PROJECT_ROOT / "sources")
    if not SOURCE_NAME.fullmatch(name) or not (folder / name).is_file():
        known = ", ".join(sorted(p.name for p in folder.glob("*.yaml"))) or "none"
        raise ConfigError(f"source parameter {name!r}: not a source config in {folder} ({known})")
    return folder / name


def shard_count(text: str) -> int:
    """SCREENING_SHARDS as a positive integer. Anything else is a ConfigError, whose message the
    failure summary shows: a typo must not silently screen in one shard, or in none."""
    return positive_int("SCREENING_SHARDS", text)


def positive_int(name: str, text: str) -> int:
    """A setting that must be a positive integer, else a one-line ConfigError naming it."""
    try:
        value = int(text.strip())
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError(f"{name} must be a positive integer, not {text!r}")
    return value


def extract_retry_delay(environ: Mapping[str, str] | None = None) -> timedelta:
    """First wait before retrying an extraction (late files, a busy warehouse); doubles after.

    SCREENING_EXTRACT_RETRY_DELAY_SECONDS (default 300) exists so tests can retry in seconds.
    """
    env = os.environ if environ is None else environ
    return timedelta(seconds=float(env.get("SCREENING_EXTRACT_RETRY_DELAY_SECONDS") or 300))


@dataclass(frozen=True)
class LandingWait:
    """How the landing sensor waits: one look every `poke_seconds`, rescheduled in between
    (no worker slot held), and Airflow's own timeout as a backstop behind the deadline."""

    poke_seconds: float
    timeout_seconds: float


def landing_wait(environ: Mapping[str, str] | None = None) -> LandingWait:
    """SCREENING_LANDING_POKE_SECONDS (default 300) and SCREENING_LANDING_TIMEOUT_SECONDS
    (default 43,200: twelve hours)."""
    env = os.environ if environ is None else environ
    return LandingWait(
        poke_seconds=float(env.get("SCREENING_LANDING_POKE_SECONDS") or 300),
        timeout_seconds=float(env.get("SCREENING_LANDING_TIMEOUT_SECONDS") or 12 * 3600),
    )


def trials_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    return Path(env.get("SCREENING_TRIALS_DIR") or PROJECT_ROOT / "trials")


def discover_trials(folder: Path | None = None) -> dict[str, Path]:
    """Trial id -> trial file for every trials/*.yaml (only the YAML is read, no pandas).

    Runs when the DAG file is parsed, so it never raises: one broken trial file (invalid
    YAML, an alias bomb, a folder named .yaml) would otherwise take every trial's DAG down
    with an import error. A file whose id cannot be read gets a DAG named after the file,
    whose first task (`check_config`) then fails with the trial file's error.
    """
    found: dict[str, Path] = {}
    for path in sorted((folder or trials_dir()).glob("*.yaml")):
        try:
            data, _ = load_config_yaml(path, "trial file")
        except ConfigError:
            data = None
        trial_id = data.get("id") if isinstance(data, dict) else None
        if isinstance(trial_id, (int, float)) and not isinstance(trial_id, bool):
            trial_id = str(trial_id)  # as load_trial reads `id: 42`
        if not isinstance(trial_id, str) or not SAFE_NAME.fullmatch(trial_id):
            trial_id = path.stem
        found[trial_id] = path
    return found


def dag_id(trial_id: str) -> str:
    return f"{DAG_ID_PREFIX}{trial_id}"


def report_asset_uri(trial_id: str) -> str:
    """The asset a trial's publish emits and the portfolio DAG is scheduled on."""
    return f"screening://reports/{trial_id}"


def source_kind(source_path: str) -> str:
    """`files`, `sql` or `omop`, read cheaply from the source config (the full check runs in
    tasks)."""
    data, _ = load_config_yaml(Path(source_path), "source config")
    kind = data.get("kind", "files") if isinstance(data, dict) else "files"
    return kind if isinstance(kind, str) else "files"


def snapshot_events(context: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The extras of the snapshot events that triggered this run (none for a manual run)."""
    from airflow.sdk import Asset

    events = context.get("triggering_asset_events") or {}
    try:
        found = events[Asset(SNAPSHOT_ASSET_URI)]
    except KeyError:
        return []
    return [event.extra or {} for event in found]


def triggering_night(context: Mapping[str, Any]) -> dict[str, str] | None:
    """`{"source", "as_of"}` of the newest snapshot event that triggered this run, if any."""
    nights = [
        {"source": str(e.get("source", "")), "as_of": str(e["as_of"])}
        for e in snapshot_events(context)
        if e.get("as_of")
    ]
    return max(nights, key=lambda n: n["as_of"]) if nights else None


def snapshot_source(context: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> str:
    """Which source's snapshot a trial's run screens: the `source` parameter's, else the
    triggering snapshot's, else SCREENING_SOURCE's."""
    from pipeline.snapshot import source_name

    if (context.get("params") or {}).get("source"):
        return source_name(settings_for(context, environ).source_path)
    night = triggering_night(context)
    if night and night["source"]:
        return night["source"]
    return source_name(settings(environ).source_path)


def as_of_from_context(context: Mapping[str, Any]) -> str:
    """The run's as-of date: the `as_of` parameter of a triggered run, else the night of the
    snapshot that triggered it, else its logical date in Europe/Paris, as YYYY-MM-DD (the
    trigger form checks the parameter's format).

    Snapshots of several nights published before a trial's run (a paused DAG, a catch-up)
    trigger one run, which screens the newest night: recruitment acts on the latest data; an
    older night is screened by triggering the trial with its `as_of`. A manually triggered run
    may have no logical date (the key is then absent from the context); its `run_after` stands
    in. The scheduled 02:00 Paris run of 24 November screens as of 24 November, whatever the
    UTC date of its logical date.
    """
    import pendulum

    chosen = (context.get("params") or {}).get("as_of")
    if chosen:
        return checked_as_of(str(chosen))
    night = triggering_night(context)
    if night:
        return checked_as_of(night["as_of"])
    moment = context.get("logical_date") or context["dag_run"].run_after
    return pendulum.instance(moment).in_timezone(TIMEZONE).date().isoformat()


def checked_as_of(text: str) -> str:
    """An `as_of` parameter that is a real YYYY-MM-DD date, else a one-line ConfigError."""
    try:
        valid = len(text) == 10 and date.fromisoformat(text).isoformat() == text
    except ValueError:
        valid = False
    if not valid:
        raise ConfigError(f"as_of parameter {text!r}: expected a real date as YYYY-MM-DD")
    return text
