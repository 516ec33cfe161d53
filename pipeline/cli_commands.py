"""The `screening` command's commands: each `cmd_*` takes the parsed arguments and returns
the exit status (the parser is `pipeline.cli_parser`, the entry point `pipeline.cli`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.dated_folders import check_export_folder
from pipeline.progress import progress_for
from pipeline.pseudonym import KEY_VARIABLE
from pipeline.run_summary import format_summary, run_summary
from pipeline.sources import SourceConfig, load_source_config
from pipeline.trial import Trial, find_trial, load_trial

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO / "sources" / "synthetic-chu.yaml"
WAREHOUSE_URL_VARIABLE = "SCREENING_WAREHOUSE_URL"
# The shared OHDSI Eunomia Synthea27Nj sample, beside the checkout (see ../shared/data/README.md).
EUNOMIA_ZIP = REPO.parent / "shared" / "data" / "omop" / "Synthea27Nj_5.4.zip"


def _timestamp(day: dt.date) -> pd.Timestamp:
    return pd.Timestamp(day)


def _say(args: argparse.Namespace, text: str) -> None:
    """A line for the person at the terminal: stdout, unless --quiet or --json (whose stdout
    is JSON only)."""
    if not (args.quiet or args.json):
        print(text)


def _emit_json(facts: dict[str, Any]) -> None:
    print(json.dumps(facts, indent=2, ensure_ascii=False))


def cmd_generate(args: argparse.Namespace) -> int:
    from pipeline.generator.hospital import generate_hospital

    stage = progress_for(args.quiet)
    with stage(f"generating {args.patients:,} patients") as done:
        result = generate_hospital(
            Path(args.out),
            args.patients,
            args.seed,
            args.as_of.isoformat(),
            defects=args.defects,
            canary=args.canary,
        )
        done.rows = sum(result.rows.values())
    if args.break_kind:
        from pipeline.generator.breakage import break_extract
        from pipeline.generator.hospital import LAYOUT

        break_extract(result.exports / LAYOUT[args.break_extract][0], args.break_kind)
        _say(args, f"broke {args.break_extract} ({args.break_kind}): a run on it must stop")
    if args.json:
        _emit_json(
            {
                "exports": str(result.exports),
                "truth": str(result.truth),
                "patients": args.patients,
                "rows": dict(result.rows),
                "broken": args.break_extract if args.break_kind else None,
            }
        )
    _say(args, f"exports: {result.exports}")
    _say(args, f"truth:   {result.truth}")
    for name, rows in result.rows.items():
        _say(args, f"  {name:<16} {rows:>12,} rows")
    return 0


def _screen(
    args: argparse.Namespace,
    trials: list[Trial],
    exports: Path | None,
    source: SourceConfig,
    out: Path,
    url: str | None = None,
) -> None:
    """Run the screening with stage lines on a terminal, then say how it went (one JSON
    object for one trial, a list of them for several)."""
    from pipeline.run import run_trials

    results = run_trials(
        trials, exports, source, _timestamp(args.as_of), out, progress_for(args.quiet), url
    )
    summaries = [run_summary(result.report_dir, result.counts) for result in results]
    if args.json:
        _emit_json(summaries[0] if len(summaries) == 1 else summaries)
    for summary in summaries:
        _say(args, format_summary(summary))


def cmd_run(args: argparse.Namespace) -> int:
    trials = [load_trial(path) for path in args.trial]
    source = load_source_config(args.source)
    exports = Path(args.exports) if args.exports else None
    url = args.url or os.environ.get(WAREHOUSE_URL_VARIABLE)
    _screen(args, trials, exports, source, Path(args.out), url)
    return 0


def ensure_demo_key(folder: Path) -> None:
    """The demo makes a local key (owner-only) when none is set, and says so (on stderr:
    a notice, not the command's output)."""
    if os.environ.get(KEY_VARIABLE):
        return
    key_file = folder / "demo-pseudonym.key"
    if not key_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    os.environ[KEY_VARIABLE] = key_file.read_text().strip()
    print(
        f"demo: using the local demo pseudonym key {key_file} (never use it for real data)",
        file=sys.stderr,
    )


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.generator.hospital import generate_hospital

    folder = Path(args.dir)
    ensure_demo_key(folder)
    with progress_for(args.quiet)(f"generating {args.patients:,} patients") as done:
        hospital = generate_hospital(
            folder / "hospital", args.patients, args.seed, args.as_of.isoformat()
        )
        done.rows = sum(hospital.rows.values())
    _say(args, f"synthetic hospital: {hospital.exports} ({hospital.patients:,} patients)")
    trial = load_trial(find_trial("lutathera-retreatment"))
    _screen(args, [trial], hospital.exports, load_source_config(DEFAULT_SOURCE), folder / "reports")
    return 0


def cmd_check_source(args: argparse.Namespace) -> int:
    """Load a source config with every check a run makes, and read no export."""
    source = load_source_config(args.file)
    print(
        f"{args.file}: OK (source config of {source.hospital}, {source.kind}, "
        f"{len(source.extracts)} extracts)"
    )
    return 0


def cmd_check_trial(args: argparse.Namespace) -> int:
    """Load a trial file with every check a run makes, and read no export."""
    from pipeline.trial_notes import trial_notes

    trial = load_trial(args.file)
    count = len(trial.code_sets)
    sets = f", {count} code set{'s' if count > 1 else ''}" if count else ""
    print(
        f"{args.file}: OK (trial {trial.id} version {trial.version}, "
        f"{len(trial.criteria)} criteria{sets})"
    )
    for note in trial_notes(trial):  # loads, but may not mean what its author meant
        print(f"screening: note: {note}", file=sys.stderr)
    return 0


def cmd_trial_schema(args: argparse.Namespace) -> int:
    """Print the JSON Schema of trial files (trials/trial.schema.json is a copy of it)."""
    from pipeline.trial_schema import schema_text

    sys.stdout.write(schema_text())
    return 0


def cmd_render_trial(args: argparse.Namespace) -> int:
    """Write the trial's criteria in words (HTML or Markdown), for an investigator to sign."""
    from pipeline.errors import ConfigError
    from pipeline.trial_render import output_format, render

    output = Path(args.output) if args.output else None
    output_format(output)  # a wrong suffix is refused before the trial is read
    document = render(load_trial(args.file), args.lang, output)
    if output is None:
        sys.stdout.write(document)
        return 0
    try:
        output.write_text(document, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{output}: cannot write the rendering ({exc.strerror})") from None
    print(output)
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    from pipeline.quality.suites import write_suites

    for path in write_suites():
        print(path)
    return 0


def cmd_contract_doc(args: argparse.Namespace) -> int:
    from pipeline.contract_doc import render

    sys.stdout.write(render())
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pipeline.review.latest import latest_review, open_in_browser

    page = latest_review(Path(args.reports), args.trial)
    print(page)
    counts = pd.read_parquet(page.parent / "candidates.parquet", columns=["overall_status"])
    tally = counts["overall_status"].value_counts()
    print(f"patients screened: {len(counts)}")
    for status in ("candidate", "needs_review", "not_eligible"):
        print(f"  {status:<13} {int(tally.get(status, 0)):>8,}")
    if args.open and not open_in_browser(page):
        print("screening: no browser could be started; open the path above", file=sys.stderr)
    return 0


def cmd_load_warehouse(args: argparse.Namespace) -> int:
    """Load an export folder into a warehouse-like PostgreSQL schema (for SQL-pull demos/tests)."""
    from pipeline.warehouse import load_warehouse

    check_export_folder(Path(args.exports))
    result = load_warehouse(
        Path(args.exports), args.url, load_source_config(args.source), args.schema
    )
    print(f"warehouse schema: {result.schema}")
    for table, rows in result.rows.items():
        print(f"  {table:<24} {rows:>12,} rows")
    for column, count in result.untyped.items():
        print(f"  {column}: {count} value(s) not typeable under the export's format, loaded NULL")
    return 0


def cmd_load_omop(args: argparse.Namespace) -> int:
    """Load an OMOP CDM CSV bundle (zip) into a PostgreSQL schema (created if missing)."""
    from pipeline.omop_load import load_omop_zip

    result = load_omop_zip(Path(args.zip), args.url, args.schema)
    print(f"OMOP schema: {result.schema} ({len(result.rows)} tables)")
    for table, rows in result.rows.items():
        if rows:
            print(f"  {table:<24} {rows:>12,} rows")
    return 0


def cmd_demo_omop(args: argparse.Namespace) -> int:
    """Load the Eunomia sample into its own database and screen it through the OMOP source."""
    from pipeline.omop_load import load_omop_zip

    folder = Path(args.dir)
    ensure_demo_key(folder)
    loaded = load_omop_zip(Path(args.zip), args.url, "cdm")
    print(f"OMOP CDM loaded: {sum(loaded.rows.values()):,} rows in {len(loaded.rows)} tables")
    trial = load_trial(find_trial(args.trial))
    source = load_source_config(args.source)
    _screen(args, [trial], None, source, folder / "reports", args.url)
    return 0


def cmd_reidentify(args: argparse.Namespace) -> int:
    from pipeline.reidentify import reidentify

    result = reidentify(Path(args.report), Path(args.out), Path(args.audit_log), args.statuses)
    print(f"re-identified list ({result.patients} patients, owner-only): {result.path}")
    print(f"access recorded in {args.audit_log}")
    return 0


def cmd_feedback_import(args: argparse.Namespace) -> int:
    from pipeline.feedback import import_feedback

    result = import_feedback(Path(args.file), Path(args.reports), args.trial)
    print(
        f"{result.decisions} decision(s) for {result.patients} patient(s) kept (owner-only): "
        f"{result.path}"
    )
    return 0


def cmd_portfolio(args: argparse.Namespace) -> int:
    from pipeline.portfolio import build_portfolio, default_output, write_portfolio

    reports = Path(args.reports)
    portfolio = build_portfolio(reports, args.as_of)
    out = Path(args.out) if args.out else default_output(reports, portfolio.as_of)
    write_portfolio(portfolio, out)
    print(out)
    print(
        f"as of {portfolio.as_of.isoformat()}: {portfolio.patients():,} patient(s) listed over "
        f"{len(portfolio.trials)} trial(s); {portfolio.open_for_several():,} open for more "
        "than one trial"
    )
    if portfolio.missing:
        print(
            f"screening: no report for {portfolio.as_of.isoformat()} of trial(s) "
            f"{', '.join(portfolio.missing)}: not in this portfolio",
            file=sys.stderr,
        )
    return 0
