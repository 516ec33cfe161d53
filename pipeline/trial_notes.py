"""Notes on a trial file that loads but may not say what its author meant.

An exact ATC class code (`atc_codes: [L01EF]`) is a valid code, so the file is not refused,
but it matches only a record carrying the class code itself, never the drugs of the class:
a criterion on "prior CDK4/6 inhibitor" would silently find nobody. `check-trial` prints
these notes so the author can write `L01EF*`.
"""

from __future__ import annotations

from collections.abc import Iterator

from pipeline.rules.code_sets import CodeSet
from pipeline.trial import Trial


def _code_sets(rule: object) -> Iterator[CodeSet]:
    """The code sets a rule matches codes with: in its conditions and its courses."""
    for name in ("where", "conditions", "study_where"):
        for condition in getattr(rule, name, ()) or ():
            if isinstance(condition.value, CodeSet):
                yield condition.value
    for name in ("course", "start"):
        course = getattr(rule, name, None)
        if course is not None and isinstance(getattr(course, "atc_codes", None), CodeSet):
            yield course.atc_codes


def _class_code_note(where: str, code_set: CodeSet) -> list[str]:
    return [
        f"{where}: '{code}' is a class code ({code_set.system.name}), which matches only "
        f"records carrying that code itself; write '{code}*' for every code of the class"
        for code in code_set.class_codes
    ]


def trial_notes(trial: Trial) -> list[str]:
    """One line per doubtful entry, naming the file and the code set or criterion."""
    notes: list[str] = []
    for name, code_set in sorted(trial.code_sets.items()):
        notes += _class_code_note(f"{trial.path}: code set '{name}'", code_set)
    for criterion in trial.criteria:
        for rule in (criterion.rule, *criterion.applies_when):
            for code_set in _code_sets(rule):
                if not code_set.name:  # a named one is noted once, above
                    where = f"{trial.path}: criterion '{criterion.id}'"
                    notes += _class_code_note(where, code_set)
    return notes
