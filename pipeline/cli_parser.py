"""The `screening` command's parser: every command, its options with an example each, and a
usage error as one line on stderr (exit status 2) like every other user error."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from typing import NoReturn

from pipeline.bench import add_arguments as add_bench_arguments
from pipeline.bench import cmd_bench
from pipeline.cli_args import iso_date, overall_statuses, patient_count, seed, trial_path
from pipeline.cli_commands import (
    DEFAULT_SOURCE,
    EUNOMIA_ZIP,
    REPO,
    WAREHOUSE_URL_VARIABLE,
    cmd_check_source,
    cmd_check_trial,
    cmd_contract_doc,
    cmd_demo,
    cmd_demo_omop,
    cmd_feedback_import,
    cmd_generate,
    cmd_load_omop,
    cmd_load_warehouse,
    cmd_portfolio,
    cmd_reidentify,
    cmd_render_trial,
    cmd_report,
    cmd_run,
    cmd_suites,
    cmd_trial_schema,
)
from pipeline.contract import EXTRACTS
from pipeline.generator.breakage import BREAK_KINDS

# How argparse's own messages about one argument begin (after "argument --option: ").
_ARGPARSE_OWN = re.compile(
    r"invalid choice|invalid \S+ value|expected (one|at most|at least)|not allowed|ignored"
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr (exit status 2) like every other
    user error of the command: what was wrong, and where to find help."""

    def error(self, message: str) -> NoReturn:
        option = re.match(r"argument ([^:]+): ", message)
        detail = message[option.end() :] if option else message
        # A message of the argument types (`pipeline.cli_args`) already says what to give;
        # argparse's own (a missing option, a typo, a wrong choice) points at --help.
        if option is None or _ARGPARSE_OWN.match(detail):
            detail += f" (see {self.prog} --help)"
        if option is None:
            line = detail
        elif re.match(r"\S+: ", detail):  # "--as-of 24/11/2026: expected YYYY-MM-DD, ..."
            line = f"{option.group(1)} {detail}"
        else:
            line = f"{option.group(1)}: {detail}"
        self.exit(2, f"screening: error: {line}\n")


def _output_options() -> argparse.ArgumentParser:
    """-q and --json, shared by the commands that run long and end with a summary."""
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print nothing but errors (and the JSON with --json): no stage lines, no summary",
    )
    options.add_argument(
        "--json",
        action="store_true",
        help="print the summary as one JSON object on stdout, and nothing else there",
    )
    return options


def _command(
    sub: argparse._SubParsersAction,
    name: str,
    help: str,
    examples: list[str],
    parents: tuple[argparse.ArgumentParser, ...] = (),
    group: str = "",
) -> argparse.ArgumentParser:
    """A subcommand whose --help ends with examples to copy, as uv's and dbt's do
    (`group`: the command it belongs to, as `feedback` for `feedback import`)."""
    full = f"{group} {name}".strip()
    epilog = "examples:\n" + "\n".join(f"  screening {full} {example}" for example in examples)
    return sub.add_parser(
        name,
        help=help,
        description=help[0].upper() + help[1:] + ".",
        epilog=epilog,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=list(parents),
    )


def build_parser() -> argparse.ArgumentParser:
    """Every option says what it takes, with an example: `screening COMMAND --help`."""
    parser = _Parser(
        prog="screening",
        description="Screen hospital exports against a clinical trial's eligibility criteria.",
        epilog="`screening COMMAND --help` shows a command's options, with examples.",
    )
    parser.add_argument(
        "--version",
        action=_Version,
        nargs=0,
        help="print the code version, as manifests record it, e.g. 0.1.0+2711739fbd65",
    )
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )
    output = (_output_options(),)

    gen = _command(
        sub,
        "generate",
        "write a synthetic hospital's exports and truth",
        [
            "--out var/h --patients 10000 --seed 1 --as-of 2026-11-24",
            "--out var/broken --patients 500 --as-of 2026-11-24 --break truncated",
            "--out var/h --as-of 2026-11-24 --json -q",
        ],
        output,
    )
    gen.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="folder to write DIR/exports/<as-of>/, truth.parquet and defects.parquet into, "
        "e.g. var/h",
    )
    gen.add_argument(
        "--patients",
        type=patient_count,
        default=10_000,
        metavar="N",
        help="number of patients, at least 1, e.g. 100000 (default 10000)",
    )
    gen.add_argument(
        "--seed",
        type=seed,
        default=1,
        metavar="N",
        help="random seed: the same seed gives the same bytes, e.g. 7 (default 1)",
    )
    gen.add_argument(
        "--as-of",
        required=True,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="export date: records are dated around it, e.g. 2026-11-24",
    )
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
        metavar="KIND",
        help=f"make one extract unusable, so a run on it must stop: {', '.join(BREAK_KINDS)}; "
        "e.g. --break truncated",
    )
    gen.add_argument(
        "--break-extract",
        default="labs",
        choices=tuple(EXTRACTS),
        metavar="EXTRACT",
        help="the extract --break damages, e.g. patients (default labs)",
    )
    gen.set_defaults(func=cmd_generate)

    run = _command(
        sub,
        "run",
        "screen one export against one or more trials (read and validated once) and publish "
        "each trial's report",
        [
            "--trial lutathera-retreatment --exports var/h/exports/2026-11-24 "
            "--as-of 2026-11-24 --out var/reports",
            "--trial trials/lutathera-retreatment.yaml --exports /landing/2026-11-24 "
            "--as-of 2026-11-24 --out /reports --source sources/synthetic-chu.yaml",
            "--trial lutathera-retreatment --exports var/h/exports/2026-11-24 "
            "--as-of 2026-11-24 --out var/reports --json > summary.json",
            "--trial lutathera-retreatment "
            "--trial tests/fixtures/trials/net-maintenance-example.yaml "
            "--exports var/h/exports/2026-11-24 --as-of 2026-11-24 --out var/reports",
            "--trial lutathera-retreatment --source sources/eunomia-omop.yaml "
            "--url postgresql+psycopg://postgres@localhost/screening_demo_omop "
            "--as-of 2022-07-01 --out var/demo-omop/reports",
        ],
        output,
    )
    run.add_argument(
        "--trial",
        required=True,
        action="append",
        type=trial_path,
        metavar="TRIAL",
        help="trial id in trials/ or a trial YAML file, e.g. lutathera-retreatment; given "
        "several times, the export is read and validated once for all of them",
    )
    run.add_argument(
        "--exports",
        metavar="DIR",
        help="landing folder of one export date (not the exports root) of a files source, "
        "e.g. var/h/exports/2026-11-24",
    )
    run.add_argument(
        "--url",
        metavar="URL",
        help=f"database URL of a sql or omop source (default: ${WAREHOUSE_URL_VARIABLE}), "
        "e.g. postgresql+psycopg://screening@dwh.chu.local/omop",
    )
    run.add_argument(
        "--as-of",
        required=True,
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="screening date: later records are ignored, e.g. 2026-11-24",
    )
    run.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="reports root; the report goes to DIR/<trial>/<as-of>/, e.g. var/reports",
    )
    run.add_argument(
        "--source",
        default=str(DEFAULT_SOURCE),
        metavar="FILE",
        help="the hospital's source config (file names, columns, dialect), "
        "e.g. sources/synthetic-chu.yaml (the default)",
    )
    run.set_defaults(func=cmd_run)

    demo = _command(
        sub,
        "demo",
        "generate a synthetic hospital and screen it (without Airflow)",
        ["", "--dir var/demo --patients 500", "--json -q"],
        output,
    )
    demo.add_argument(
        "--dir",
        default="var/demo",
        metavar="DIR",
        help="folder for the hospital, the reports and a demo key, e.g. /tmp/demo "
        "(default var/demo)",
    )
    demo.add_argument(
        "--patients",
        type=patient_count,
        default=2000,
        metavar="N",
        help="number of patients, e.g. 500 (default 2000)",
    )
    demo.add_argument(
        "--seed", type=seed, default=1, metavar="N", help="random seed, e.g. 7 (default 1)"
    )
    demo.add_argument(
        "--as-of",
        type=iso_date,
        default=dt.date(2026, 11, 24),
        metavar="YYYY-MM-DD",
        help="export and screening date, e.g. 2026-12-01 (default 2026-11-24)",
    )
    demo.set_defaults(func=cmd_demo)

    report = _command(
        sub,
        "report",
        "print (and open) the latest review page of a trial",
        ["--trial lutathera-retreatment --reports var/reports --open"],
    )
    report.add_argument(
        "--trial", required=True, metavar="ID", help="trial id, e.g. lutathera-retreatment"
    )
    report.add_argument(
        "--reports", required=True, metavar="DIR", help="reports root, e.g. var/reports"
    )
    report.add_argument("--open", action="store_true", help="also open the page in the web browser")
    report.set_defaults(func=cmd_report)

    portfolio = _command(
        sub,
        "portfolio",
        "list, per pseudonym, the trials a patient is a candidate for or needs review in",
        [
            "--reports var/reports",
            "--reports var/reports --as-of 2026-11-24 --out var/portfolio.parquet",
        ],
    )
    portfolio.add_argument(
        "--reports", required=True, metavar="DIR", help="reports root, e.g. var/reports"
    )
    portfolio.add_argument(
        "--as-of",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the night to gather, e.g. 2026-11-24 (default: the newest report's)",
    )
    portfolio.add_argument(
        "--out",
        metavar="FILE",
        help="Parquet file to write, e.g. var/portfolio.parquet "
        "(default DIR/portfolio-<as-of>.parquet)",
    )
    portfolio.set_defaults(func=cmd_portfolio)

    warehouse = _command(
        sub,
        "load-warehouse",
        "load an export folder into a PostgreSQL warehouse schema",
        [
            "--exports var/h/exports/2026-11-24 "
            "--url postgresql+psycopg://postgres@localhost/test --schema dwh"
        ],
    )
    warehouse.add_argument(
        "--exports",
        required=True,
        metavar="DIR",
        help="folder of one export date, e.g. var/h/exports/2026-11-24",
    )
    warehouse.add_argument(
        "--url",
        required=True,
        help="database URL, e.g. postgresql+psycopg://postgres@localhost:5432/test",
    )
    warehouse.add_argument(
        "--schema",
        default="dwh",
        help="schema to drop and re-create, e.g. dwh_test (default dwh)",
    )
    warehouse.add_argument(
        "--source",
        default=str(DEFAULT_SOURCE),
        metavar="FILE",
        help="file source config of the exports, e.g. sources/synthetic-chu.yaml (the default)",
    )
    warehouse.set_defaults(func=cmd_load_warehouse)

    omop = _command(
        sub,
        "load-omop",
        "load an OMOP CDM CSV bundle (zip) into PostgreSQL",
        ["--zip Synthea27Nj_5.4.zip --url postgresql+psycopg://postgres@localhost/omop"],
    )
    omop.add_argument(
        "--zip", required=True, help="zip of OMOP CSV files (PERSON.csv, ...), e.g. cdm.zip"
    )
    omop.add_argument(
        "--url",
        required=True,
        help="database URL (created if missing), e.g. postgresql+psycopg://postgres@localhost/omop",
    )
    omop.add_argument("--schema", default="cdm", help="schema to (re)create, e.g. cdm (default)")
    omop.set_defaults(func=cmd_load_omop)

    demo_omop = _command(
        sub,
        "demo-omop",
        "load the Eunomia OMOP sample and screen it through the OMOP source",
        ["", "--dir var/demo-omop --as-of 2022-07-01"],
        output,
    )
    demo_omop.add_argument("--dir", default="var/demo-omop", help="demo folder, e.g. var/demo-omop")
    demo_omop.add_argument(
        "--zip", default=str(EUNOMIA_ZIP), help="the OMOP CSV zip to load, e.g. cdm.zip"
    )
    demo_omop.add_argument(
        "--url",
        default="postgresql+psycopg://postgres@localhost:5432/screening_demo_omop",
        help="database to load it into (created if missing), e.g. postgresql+psycopg://localhost/omop",
    )
    demo_omop.add_argument(
        "--source",
        default=str(REPO / "sources" / "eunomia-omop.yaml"),
        help="the OMOP source config, e.g. sources/eunomia-omop.yaml",
    )
    demo_omop.add_argument(
        "--trial", default="lutathera-retreatment", help="trial id, e.g. lutathera-retreatment"
    )
    demo_omop.add_argument(
        "--as-of", default="2022-07-01", type=iso_date, help="screening date, e.g. 2022-07-01"
    )
    demo_omop.set_defaults(func=cmd_demo_omop)

    bench = _command(
        sub,
        "bench",
        "time the whole pipeline on synthetic hospitals",
        ["--sizes 10000", "--sizes 10000,100000,1000000"],
    )
    add_bench_arguments(bench)
    bench.set_defaults(func=cmd_bench)

    doc = _command(
        sub,
        "contract-doc",
        "print the export contract as Markdown",
        ["> docs/export-contract.md"],
    )
    doc.set_defaults(func=cmd_contract_doc)
    suites = _command(sub, "suites", "write the expectation suites to expectations/", [""])
    suites.set_defaults(func=cmd_suites)
    check_source = _command(
        sub,
        "check-source",
        "check a source config (separator, decimal mark, encodings, date formats, columns) "
        "without reading any export",
        ["sources/synthetic-chu.yaml"],
    )
    check_source.add_argument(
        "file", metavar="FILE", help="source config to check, e.g. sources/synthetic-chu.yaml"
    )
    check_source.set_defaults(func=cmd_check_source)
    check_trial = _command(
        sub,
        "check-trial",
        "check a trial file (keys, types, ranges, rules, vocabularies) without reading any export",
        ["trials/lutathera-retreatment.yaml", "lutathera-retreatment"],
    )
    check_trial.add_argument(
        "file",
        metavar="FILE",
        type=trial_path,
        help="trial file or trial id to check, e.g. trials/lutathera-retreatment.yaml",
    )
    check_trial.set_defaults(func=cmd_check_trial)
    trial_schema = _command(
        sub,
        "trial-schema",
        "print the JSON Schema of trial files, for an editor (a copy is trials/trial.schema.json)",
        ["> trials/trial.schema.json"],
    )
    trial_schema.set_defaults(func=cmd_trial_schema)
    render_trial = _command(
        sub,
        "render-trial",
        "write a trial's criteria in words (rules, thresholds, windows, code sets, data read) "
        "for an investigator to sign off, in English or French",
        [
            "lutathera-retreatment --lang fr --output criteres.html",
            "trials/lutathera-retreatment.yaml --output criteria.md",
        ],
    )
    render_trial.add_argument(
        "file",
        metavar="FILE",
        type=trial_path,
        help="trial file or trial id, e.g. trials/lutathera-retreatment.yaml",
    )
    render_trial.add_argument(
        "--lang",
        choices=("en", "fr"),
        default="en",
        help="language of the rendering, e.g. fr (default en)",
    )
    render_trial.add_argument(
        "--output",
        metavar="FILE",
        help="file to write, .html (self-contained page) or .md, e.g. criteres.html "
        "(default: Markdown on stdout)",
    )
    render_trial.set_defaults(func=cmd_render_trial)
    reid = _command(
        sub,
        "reidentify",
        "write the named candidate list for the recruitment team (needs the site key)",
        ["--report var/reports/lutathera-retreatment/2026-11-24 --out named.csv"],
    )
    reid.add_argument(
        "--report",
        required=True,
        metavar="DIR",
        help="one report folder REPORTS/<trial>/<as-of>, "
        "e.g. var/reports/lutathera-retreatment/2026-11-24",
    )
    reid.add_argument(
        "--out",
        required=True,
        metavar="FILE",
        help="CSV to write, readable by its owner only, e.g. named.csv",
    )
    reid.add_argument(
        "--audit-log",
        default="var/audit/reidentification.log",
        metavar="FILE",
        help="log every access is appended to, e.g. /secure/audit.log "
        "(default var/audit/reidentification.log)",
    )
    reid.add_argument(
        "--statuses",
        default=("candidate", "needs_review"),
        type=overall_statuses,
        metavar="LIST",
        help="overall statuses to list, comma-separated, e.g. candidate "
        "(default candidate,needs_review)",
    )
    reid.set_defaults(func=cmd_reidentify)
    _feedback_parser(sub)
    return parser


def _feedback_parser(sub: argparse._SubParsersAction) -> None:
    """`screening feedback import`: the team's decisions, kept beside the trial's reports."""
    feedback = _command(
        sub,
        "feedback",
        "keep the recruitment team's decisions (contacted, declined, enrolled, screen failure) "
        "for the next nights' page, workbook and candidates.parquet",
        ["import decisions.csv --trial lutathera-retreatment --reports var/reports"],
    )
    actions = feedback.add_subparsers(
        dest="feedback_command", required=True, parser_class=_Parser, metavar="ACTION"
    )
    imp = _command(
        actions,
        "import",
        "check a filled-in CSV or candidates.xlsx and keep its decisions beside the trial's "
        "reports (REPORTS/<trial>/feedback.parquet, owner-only)",
        [
            "decisions.csv --trial lutathera-retreatment --reports var/reports",
            "candidates.xlsx --trial lutathera-retreatment",
        ],
        group="feedback",
    )
    imp.add_argument(
        "file",
        metavar="FILE",
        help="CSV with columns pseudonym,decision,date,note (decision: contacted, declined, "
        "enrolled or screen_failure; date YYYY-MM-DD; note up to 200 characters), or the "
        "night's candidates.xlsx with its Decision columns filled in",
    )
    imp.add_argument(
        "--trial", required=True, metavar="ID", help="trial id, e.g. lutathera-retreatment"
    )
    imp.add_argument(
        "--reports",
        default="var/reports",
        metavar="DIR",
        help="reports root, e.g. var/reports (the default)",
    )
    imp.set_defaults(func=cmd_feedback_import)


class _Version(argparse.Action):
    """`--version`: the code version manifests record (package version plus the commit when
    run from a checkout), so an operator can tell which code wrote a report."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        from pipeline.manifest import code_version

        print(f"screening {code_version()}")
        parser.exit(0)
