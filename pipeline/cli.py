"""Screen hospital exports against a clinical trial's eligibility criteria.

`screening` command line: the parser is `pipeline.cli_parser` (arguments checked by
`pipeline.cli_args`), the commands `pipeline.cli_commands`. User errors are one line on stderr
with exit status 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import logging
import sys

from pipeline.cli_commands import ensure_demo_key
from pipeline.cli_parser import build_parser
from pipeline.errors import ScreeningError

# `make demo` and the tests reach these through `pipeline.cli`.
__all__ = ["build_parser", "ensure_demo_key", "main"]


def main(argv: list[str] | None = None) -> int:
    """Run one command. A user error (a `ScreeningError`: bad input, file or configuration) is
    one line on stderr and exit status 2; anything else is a bug and keeps its traceback."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed
        return int(exc.code or 0)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.func(args))
    except ScreeningError as exc:
        # One line, even when a library's message it quotes has several (libpq's do).
        print(f"screening: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except OSError as exc:
        if exc.filename is None:  # not about a file the user named: a bug, keep the traceback
            raise
        # A folder or file given on the command line that cannot be written or created
        # (--out naming a file, a read-only place, a full disk): the user's to fix.
        print(
            f"screening: error: {exc.filename}: {exc.strerror}; check the paths given",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        print("screening: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
