"""`all_of`, `any_of`, `none_of`: rules made of rules, in three-valued (Kleene) logic.

Protocols say "ECOG 0-1 or Karnofsky ≥ 70", "no brain metastases unless treated and stable":
without groups a trial author keeps one branch and drops the other, and the criterion is
wrong for every patient of the dropped branch. A group combines its branches per patient:

- `all_of`: not met if any branch is not met; otherwise unknown if any is unknown; otherwise
  to confirm if any is to be confirmed; otherwise met.
- `any_of`: met if any branch is met; otherwise to confirm, then unknown; otherwise not met.
- `none_of`: `any_of` turned over (met and not met swap): none of the branches may hold.

A missing value never makes a group decide: `any_of` with one branch unknown and the others
not met is unknown, not not met. Branches that do not apply (not_applicable) are left out;
a group none of whose branches applies does not apply. The evidence shown is the deciding
branch's (the first whose status is the group's), its reason prefixed with the branch, so a
coordinator sees which alternative made the patient eligible; where alternatives are to be
confirmed while one of them cannot tell, that branch's reason follows. A branch reading what
the source declared unavailable is unknown ("not available from this source") on its own: the
others still decide when they can.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from pipeline.errors import ConfigError
from pipeline.rules.context import ScreeningData
from pipeline.rules.evidence import EVIDENCE_COLUMNS, empty_evidence
from pipeline.status import MET, NOT_APPLICABLE, NOT_MET, TO_CONFIRM, UNKNOWN

GROUP_KINDS = ("all_of", "any_of", "none_of")
# Strongest first: the first status found among a patient's branches is the group's.
_PRECEDENCE = {
    "all_of": (NOT_MET, UNKNOWN, TO_CONFIRM, MET),
    "any_of": (MET, TO_CONFIRM, UNKNOWN, NOT_MET),
}
_WORDS = {"all_of": "all of", "any_of": "any of", "none_of": "none of"}
# Nesting deeper than this is a mistake in a trial file, not a protocol.
MAX_DEPTH = 8


@dataclass(frozen=True)
class GroupRule:
    kind: str
    rules: tuple[Any, ...]

    @classmethod
    def parse_group(
        cls, kind: str, spec: dict[str, Any], where: str, parse: Callable[[Any, str], Any]
    ) -> GroupRule:
        """`parse` builds a branch (`pipeline.rules.parse_rule`, passed in: it knows every
        primitive, this one included)."""
        branches = spec.get("rules")
        least = 1 if kind == "none_of" else 2
        if not isinstance(branches, list) or len(branches) < least:
            raise ConfigError(f"{where}: {kind} needs 'rules', a list of at least {least} rule(s)")
        if where.count(" > ") >= MAX_DEPTH:
            raise ConfigError(f"{where}: groups nested more than {MAX_DEPTH} deep")
        rules = tuple(
            parse(branch, f"{where} > {kind} rule {number}")
            for number, branch in enumerate(branches, start=1)
        )
        return cls(kind, rules)

    def evaluate(self, data: ScreeningData) -> pd.DataFrame:
        branches = [_branch_evidence(rule, data) for rule in self.rules]
        stacked = np.vstack([b["status"].to_numpy(dtype="int8") for b in branches])
        precedence = _PRECEDENCE["all_of" if self.kind == "all_of" else "any_of"]
        status = _combined(stacked, precedence)
        deciding = _deciding(stacked, status)
        if self.kind == "none_of":
            met, not_met = status == MET, status == NOT_MET
            status[met], status[not_met] = NOT_MET, MET
        evidence = branches[0].copy()
        for number in range(1, len(branches)):
            rows = deciding == number
            if rows.any():
                evidence.loc[rows, list(EVIDENCE_COLUMNS)] = branches[number].loc[
                    rows, list(EVIDENCE_COLUMNS)
                ]
        evidence["status"] = status
        n = len(branches)
        words = _WORDS[self.kind]
        prefixes = np.array([f"{words}, branch {i + 1} of {n}: " for i in range(n)], dtype=object)
        reasons = evidence["reason"].fillna("")
        evidence["reason"] = pd.array(prefixes[deciding], dtype="str") + reasons
        if self.kind != "all_of":
            _add_undecided(evidence, branches, stacked, prefixes)
        return evidence


def _add_undecided(
    evidence: pd.DataFrame, branches: list[pd.DataFrame], stacked: np.ndarray, prefixes: np.ndarray
) -> None:
    """Where a group of alternatives is to be confirmed while a branch cannot tell (to
    confirm outranks unknown there), the reason also gives that branch's: the visit then
    knows which record to ask about (an open warfarin prescription), not only the question."""
    unknown = stacked == UNKNOWN
    rows = (evidence["status"].to_numpy() == TO_CONFIRM) & unknown.any(axis=0)
    if not rows.any():
        return
    first = np.argmax(unknown, axis=0)
    why = pd.Series("", index=evidence.index, dtype="str")
    for number, branch in enumerate(branches):
        these = rows & (first == number)
        if these.any():
            why[these] = "; " + prefixes[number] + branch["reason"][these].fillna("")
    evidence.loc[rows, "reason"] = evidence.loc[rows, "reason"] + why[rows]


def _branch_evidence(rule: Any, data: ScreeningData) -> pd.DataFrame:
    """A branch's evidence in the patients' order; unknown for everybody when the branch reads
    what the source does not provide."""
    from pipeline.rules.reads import UNAVAILABLE_REASON, unavailable_reads

    missing = unavailable_reads(rule, data.unavailable)
    if missing:
        reason = f"{UNAVAILABLE_REASON}: {', '.join(missing)}"
        return empty_evidence(data.index, UNKNOWN, reason, missing[0].split(".")[0])
    return rule.evaluate(data).reindex(data.index)


def _combined(stacked: np.ndarray, precedence: tuple[int, ...]) -> np.ndarray:
    """Per patient (column), the strongest status among the branches that apply."""
    status = np.full(stacked.shape[1], NOT_APPLICABLE, dtype="int8")
    for code in reversed(precedence):  # the strongest is written last
        status[(stacked == code).any(axis=0)] = code
    return status


def _deciding(stacked: np.ndarray, status: np.ndarray) -> np.ndarray:
    """Per patient, the first branch whose status is the group's (branch 0 when none)."""
    return np.argmax(stacked == status[np.newaxis, :], axis=0)


def leaf_rules(rule: Any) -> Iterator[Any]:
    """The rule itself, or every primitive rule inside a group, depth first."""
    if isinstance(rule, GroupRule):
        for branch in rule.rules:
            yield from leaf_rules(branch)
    else:
        yield rule
