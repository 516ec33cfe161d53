"""`screening` command line: generate, run, demo, report."""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import sys
from pathlib import Path

import pandas as pd

from pipeline.bench import add_arguments as add_bench_arguments
from pipeline.bench import cmd_bench
from pipeline.errors import ScreeningError
from pipeline.generator.breakage import BREAK_KINDS
from pipeline.pseudonym import KEY_VARIABLE
from pipeline.sources import load_source_config
from pipeline.trial import find_trial, load_trial

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO / "sources" / "synthetic-chu.yaml"
WAREHOUSE_URL_VARIABLE = "SCREENING_WAREHOUSE_URL"
# The shared OHDSI Eunomia Synthea27Nj sample, beside the checkout (see ../shared/data/README.md).
EUNOMIA_ZIP = REPO.parent / "shared" / "data" / "omop" / "Synthea27Nj_5.4.zip"


def _as_of(text: str) -> pd.Timestamp:
    try:
        return pd.Timestamp(pd.to_datetime(text, format="%Y-%m-%d"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"as-of date must be YYYY-MM-DD, not {text!r}") from None


def cmd_generate(args: argparse.Namespace) -> int:
    from pipeline.generator.hospital import generate_hospital

    result = generate_hospital(
        Path(args.out),
        args.patients,
        args.seed,
        args.as_of,
        defects=args.defects,
        canary=args.canary,
    )
    if args.break_kind:
        from pipeline.generator.breakage import break_extract
        from pipeline.generator.hospital import LAYOUT

        break_extract(result.exports / LAYOUT[args.break_extract][0], args.break_kind)
        print(f"broke {args.break_extract} ({args.break_kind}): a run on it must stop")
    print(f"exports: {result.exports}")
    print(f"truth:   {result.truth}")
    for name, rows in result.rows.items():
        print(f"  {name:<16} {rows:>12,} rows")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from pipeline.run import run_screening

    trial = load_trial(find_trial(args.trial))
    source = load_source_config(args.source)
    exports = Path(args.exports) if args.exports else None
    url = args.url or os.environ.get(WAREHOUSE_URL_VARIABLE)
    result = run_screening(trial, exports, source, _as_of(args.as_of), Path(args.out), url)
    _print_result(result)
    return 0


def _print_result(result: object) -> None:
    print(f"report: {result.report_dir}")  # type: ignore[attr-defined]
    print(f"patients screened: {result.patients}")  # type: ignore[attr-defined]
    for status in ("candidate", "needs_review", "not_eligible"):
        print(f"  {status:<13} {result.counts.get(status, 0):>8,}")  # type: ignore[attr-defined]


def ensure_demo_key(folder: Path) -> None:
    """The demo makes a local key (owner-only) when none is set, and says so."""
    if os.environ.get(KEY_VARIABLE):
        return
    key_file = folder / "demo-pseudonym.key"
    if not key_file.exists():
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    os.environ[KEY_VARIABLE] = key_file.read_text().strip()
    print(f"demo: using the local demo pseudonym key {key_file} (never use it for real data)")


def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline.generator.hospital import generate_hospital
    from pipeline.run import run_screening

    folder = Path(args.dir)
    ensure_demo_key(folder)
    hospital = generate_hospital(folder / "hospital", args.patients, args.seed, args.as_of)
    print(f"synthetic hospital: {hospital.exports} ({hospital.patients} patients)")
    trial = load_trial(find_trial("lutathera-retreatment"))
    source = load_source_config(DEFAULT_SOURCE)
    result = run_screening(trial, hospital.exports, source, _as_of(args.as_of), folder / "reports")
    _print_result(result)
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
    from pipeline.run import run_screening

    folder = Path(args.dir)
    ensure_demo_key(folder)
    loaded = load_omop_zip(Path(args.zip), args.url, "cdm")
    print(f"OMOP CDM loaded: {sum(loaded.rows.values()):,} rows in {len(loaded.rows)} tables")
    trial = load_trial(find_trial(args.trial))
    source = load_source_config(args.source)
    result = run_screening(trial, None, source, _as_of(args.as_of), folder / "reports", args.url)
    _print_result(result)
    return 0


def cmd_reidentify(args: argparse.Namespace) -> int:
    from pipeline.reidentify import reidentify

    statuses = tuple(s.strip() for s in args.statuses.split(","))
    result = reidentify(Path(args.report), Path(args.out), Path(args.audit_log), statuses)
    print(f"re-identified list ({result.patients} patients, owner-only): {result.path}")
    print(f"access recorded in {args.audit_log}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="screening", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write a synthetic hospital's exports and truth")
    gen.add_argument("--out", required=True)
    gen.add_argument("--patients", type=int, default=10_000)
    gen.add_argument("--seed", type=int, default=1)
    gen.add_argument("--as-of", required=True, type=lambda s: _as_of(s).date().isoformat())
    gen.add_argument(
        "--defects",
        action="store_true",
        help="plant row-level defects, listed with their expected handling in DIR/defects.parquet",
    )
    gen.add_argument(
        "--canary",
        action="store_true",
        help="plant patients with unique greppable ids, names and values (leak tests)",
    )
    gen.add_argument(
        "--break",
        dest="break_kind",
        choices=BREAK_KINDS,
        help="make one extract unusable (the run must stop)",
    )
    gen.add_argument("--break-extract", default="labs", help="which extract --break damages")
    gen.set_defaults(func=cmd_generate)

    run = sub.add_parser("run", help="screen one export folder against one trial")
    run.add_argument("--trial", required=True, help="trial id in trials/ or a YAML path")
    run.add_argument("--exports", help="folder of one export date (files sources)")
    run.add_argument(
        "--url",
        help=f"database URL of a sql or omop source (default: ${WAREHOUSE_URL_VARIABLE})",
    )
    run.add_argument("--as-of", required=True)
    run.add_argument("--out", required=True, help="reports root")
    run.add_argument("--source", default=str(DEFAULT_SOURCE), help="hospital source config")
    run.set_defaults(func=cmd_run)

    demo = sub.add_parser("demo", help="generate a synthetic hospital and screen it")
    demo.add_argument("--dir", default="var/demo")
    demo.add_argument("--patients", type=int, default=2000)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--as-of", default="2026-11-24")
    demo.set_defaults(func=cmd_demo)

    report = sub.add_parser("report", help="print (and open) the latest review page of a trial")
    report.add_argument("--trial", required=True, help="trial id")
    report.add_argument("--reports", required=True, help="reports root")
    report.add_argument("--open", action="store_true", help="open it in the web browser")
    report.set_defaults(func=cmd_report)

    warehouse = sub.add_parser(
        "load-warehouse", help="load an export folder into a PostgreSQL warehouse schema"
    )
    warehouse.add_argument("--exports", required=True, help="folder of one export date")
    warehouse.add_argument(
        "--url", required=True, help="database URL, e.g. postgresql://user@host:5432/db"
    )
    warehouse.add_argument("--schema", default="dwh", help="schema to (re)create, default dwh")
    warehouse.add_argument(
        "--source", default=str(DEFAULT_SOURCE), help="file source config of the exports"
    )
    warehouse.set_defaults(func=cmd_load_warehouse)

    omop = sub.add_parser("load-omop", help="load an OMOP CDM CSV bundle (zip) into PostgreSQL")
    omop.add_argument("--zip", required=True, help="zip of OMOP CSV files (PERSON.csv, ...)")
    omop.add_argument("--url", required=True, help="database URL (created if missing)")
    omop.add_argument("--schema", default="cdm", help="schema to (re)create, default cdm")
    omop.set_defaults(func=cmd_load_omop)

    demo_omop = sub.add_parser(
        "demo-omop", help="load the Eunomia OMOP sample and screen it through the OMOP source"
    )
    demo_omop.add_argument("--dir", default="var/demo-omop")
    demo_omop.add_argument("--zip", default=str(EUNOMIA_ZIP))
    demo_omop.add_argument(
        "--url", default="postgresql+psycopg://postgres@localhost:5432/screening_demo_omop"
    )
    demo_omop.add_argument("--source", default=str(REPO / "sources" / "eunomia-omop.yaml"))
    demo_omop.add_argument("--trial", default="lutathera-retreatment")
    demo_omop.add_argument("--as-of", default="2022-07-01")
    demo_omop.set_defaults(func=cmd_demo_omop)

    bench = sub.add_parser("bench", help="time the whole pipeline on synthetic hospitals")
    add_bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)

    doc = sub.add_parser("contract-doc", help="print the export contract as Markdown")
    doc.set_defaults(func=cmd_contract_doc)
    suites = sub.add_parser("suites", help="write the expectation suites to expectations/")
    suites.set_defaults(func=cmd_suites)
    reid = sub.add_parser(
        "reidentify", help="named candidate list for the recruitment team (needs the site key)"
    )
    reid.add_argument("--report", required=True, help="a report directory REPORTS/<trial>/<as-of>")
    reid.add_argument("--out", required=True, help="CSV to write (owner-only)")
    reid.add_argument("--audit-log", default="var/audit/reidentification.log")
    reid.add_argument("--statuses", default="candidate,needs_review")
    reid.set_defaults(func=cmd_reidentify)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ScreeningError as exc:
        print(f"screening: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
