"""Reading configuration YAML (trial files, source configs) with limits.

A configuration file is written by a person, but it may come from anywhere (a shared folder, a
merge request): it must not be able to exhaust the machine or crash the run with a traceback.
PyYAML's safe loader still expands aliases by reference (a "billion laughs" file is a few
hundred bytes whose expansion, once walked, is exponential), recurses once per nesting level
(ten thousand `[` overflow the stack), and keeps the last of two equal keys silently. So:

* the file is read up to `MAX_CONFIG_BYTES` and refused beyond;
* anchors and aliases are refused outright: a trial or source file is short enough to write
  out, and refusing them closes every expansion attack, recursive ones included;
* nesting is limited to `MAX_DEPTH` levels, checked while composing, before any recursion
  gets deep;
* a key given twice in one mapping is refused (the second would silently win).

Only PyYAML is imported: the Airflow DAG file uses this at parse time.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent, ScalarEvent
from yaml.nodes import MappingNode, Node

from pipeline.errors import ConfigError

MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 32
# A name from a configuration file that becomes a folder name and part of a DAG id (a trial's
# id): letters, digits, '.', '_', '-', not starting with a dot, so never '..' or a path.
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class LimitedYAMLError(yaml.YAMLError):
    """A configuration file over one of the limits (its message is one line)."""


class LimitedSafeLoader(yaml.SafeLoader):
    """SafeLoader without anchors or aliases, with a nesting limit and no duplicate keys."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, AliasEvent):
            raise LimitedYAMLError(
                f"line {line}: YAML aliases (*{event.anchor}) are not allowed; write the value out"
            )
        if isinstance(event, NodeEvent) and event.anchor is not None:
            raise LimitedYAMLError(
                f"line {line}: YAML anchors (&{event.anchor}) are not allowed; write the value out"
            )
        if isinstance(event, ScalarEvent):
            return Composer.compose_node(self, parent, index)
        if isinstance(event, CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise LimitedYAMLError(f"line {line}: nested deeper than {MAX_DEPTH} levels")
        try:
            return Composer.compose_node(self, parent, index)
        finally:
            if isinstance(event, CollectionStartEvent):
                self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:  # an unhashable key: SafeConstructor reports it
                continue
            if duplicate:
                raise LimitedYAMLError(
                    f"line {key_node.start_mark.line + 1}: key {key!r} is given twice"
                )
        return super().construct_mapping(node, deep=deep)


def yaml_problem(exc: yaml.YAMLError) -> str:
    """One line saying what is wrong and where, without PyYAML's multi-line excerpt of the
    file (which could spread a long line of the file, or a secret in it, into the logs)."""
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if mark is not None:
            return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"
        return str(problem)
    return " ".join(str(exc).split())


def read_config_text(path: Path, what: str) -> tuple[str, bytes]:
    """The text of a configuration file (UTF-8, at most MAX_CONFIG_BYTES) and its bytes.

    Only a regular file is opened: opening a named pipe blocks until something writes to it
    (a run, or the DAG file's parse, would hang).
    """
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ConfigError(f"{path}: cannot read {what}: it is a folder")
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{path}: cannot read {what}: not a regular file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path}: cannot read {what}: larger than {MAX_CONFIG_BYTES:,} bytes")
    try:
        return raw.decode("utf-8"), raw
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: cannot read {what}: not UTF-8 text (byte {exc.start + 1})"
        ) from None


def parse_config_yaml(text: str) -> Any:
    """Parse YAML text under the limits; raises yaml.YAMLError (see `yaml_problem`)."""
    loader = LimitedSafeLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_config_yaml(path: Path, what: str) -> tuple[Any, bytes]:
    """Read and parse a configuration file; every failure is a one-line ConfigError naming
    the file. Returns the data and the file's bytes (for its digest)."""
    text, raw = read_config_text(path, what)
    try:
        return parse_config_yaml(text), raw
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: cannot read {what}: {yaml_problem(exc)}") from None
    except RecursionError:  # a guard for a PyYAML path the depth limit does not cover
        raise ConfigError(f"{path}: cannot read {what}: nested too deeply") from None
