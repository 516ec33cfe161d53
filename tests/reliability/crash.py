"""Child process of the reliability tests: stop a real publish at its Nth filesystem call.

    python -m tests.reliability.crash (--kill-at | --pause-at) [NAME:]N COMMAND ARGS...

Every call of the functions in `STEPS` (the renames, fsyncs, symlinks, folder creations and
removals a publish and its recovery make) is counted; the Nth one (the Nth call of `os.NAME`
with a NAME), before it runs, either
SIGKILLs this process (`--kill-at`: as a power cut or `kill -9` would stop it) or prints
`paused` and waits for a line on stdin (`--pause-at`: the parent decides when the run goes
on, with no sleep). N = 0 never stops; the number of calls made is printed on stderr as
`calls=<n>` when the command ends. The production code has no hook: only `os` is wrapped.

COMMAND is `publish ROOT TRIAL AS_OF TAG` (publish a small report whose every file holds TAG,
through the pipeline's lock, recovery and versioned publish), `publish-without-exchange ...`
(the same on a system without renameat2's RENAME_EXCHANGE: `_exchange` fails as it would
there) or `cli ARGS...` (`screening`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sys
from pathlib import Path

STEPS = ("replace", "rename", "fsync", "symlink", "mkdir", "unlink", "rmdir")
# The files of the small report, relative to the report folder.
FILES = (
    "manifest.json",
    "candidates.parquet",
    "reidentification.parquet",
    "review.html",
    "dq/summary.json",
)


def install(spec: str, pause: bool) -> dict[str, int]:
    """Wrap the `os` functions of `STEPS`; return the call counters (all, and per name)."""
    only, _, number = spec.rpartition(":")
    stop_at = int(number)
    count = dict.fromkeys(("all", *STEPS), 0)

    def wrap(name: str):
        real = getattr(os, name)

        def step(*args, **kwargs):
            count["all"] += 1
            count[name] += 1
            if count[name if only else "all"] == stop_at and (not only or only == name):
                if pause:
                    print("paused", flush=True)
                    sys.stdin.readline()
                else:
                    os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)

        return step

    for name in STEPS:
        setattr(os, name, wrap(name))
    return count


def publish_small_report(root: str, trial: str, as_of: str, tag: str) -> None:
    from pipeline.publish import owner_only, staged_directory
    from pipeline.run_lock import run_lock

    target = Path(root) / trial / as_of
    with run_lock(target), staged_directory(target) as staging:
        for name in FILES:
            path = staging / name
            path.parent.mkdir(exist_ok=True)
            private = name == "reidentification.parquet"
            with owner_only() if private else contextlib.nullcontext():
                path.write_text(f"{tag}\n", encoding="utf-8")


def _no_exchange(a: Path, b: Path) -> None:
    raise OSError(errno.EINVAL, "RENAME_EXCHANGE not supported", str(a))


def main(argv: list[str]) -> int:
    mode, spec, command, *args = argv
    # Imported before counting starts: only the run's own calls are counted.
    if command.startswith("publish"):
        import pipeline.publish
        import pipeline.run_lock
        import pipeline.versions

        if command == "publish-without-exchange":
            pipeline.versions._exchange = _no_exchange
    else:
        import pipeline.cli

    count = install(spec, pause=mode == "--pause-at")
    status = 0
    try:
        if command.startswith("publish"):
            publish_small_report(*args)
        else:
            status = pipeline.cli.main(args)  # type: ignore[possibly-undefined]
    finally:
        print(f"calls={count['all']}", file=sys.stderr, flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
