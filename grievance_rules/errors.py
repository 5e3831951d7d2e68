"""The library's errors: one base class, each error with attributes a caller can act on.

Every error raised on purpose derives from :class:`GrievanceRulesError`, so a caller can
catch the whole family with one ``except``. Messages follow one charter: say where, say
what was found (policy files only: grievance facts are never echoed), say what is allowed,
and end with the fix.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

__all__ = [
    "EvaluationError",
    "FactProblem",
    "FactsError",
    "GrievanceRulesError",
    "PolicyError",
    "PolicyNotFoundError",
    "PolicyVersionNotFoundError",
    "Problem",
    "ReportError",
    "did_you_mean",
    "dotted_path",
]


def dotted_path(parts: Sequence[str | int]) -> str:
    """A location as users write it: ``actions[0].deadline.from``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


#: Words people write for the format's values that spelling alone would not find (working_days is
#: closer in letters to nothing than to business_days).
SYNONYMS: dict[str, str] = {
    "working_days": "business_days",
    "work_days": "business_days",
    "workdays": "business_days",
    "weekdays": "business_days",
    "days": "calendar_days",
    "natural_days": "calendar_days",
    "consecutive_days": "calendar_days",
    "hrs": "hours",
    "now": "immediately",
    "federal": "public",
}


def did_you_mean(found: str, allowed: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a near miss of ``found`` in ``allowed``, else ``""``."""
    names = [str(a) for a in allowed]
    synonym = SYNONYMS.get(str(found).strip().lower().replace(" ", "_").replace("-", "_"))
    if synonym is not None and synonym in names:
        return f" (did you mean {synonym!r}?)"
    matches = difflib.get_close_matches(str(found), names, n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


class GrievanceRulesError(Exception):
    """Base class of every error grievance-rules raises on purpose."""


Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One located problem in a policy file.

    ``code`` is stable across releases (``GR101``...; every code is listed with an example and its
    fix in docs/validation-codes.md), so tools can filter or count problems without parsing the
    message. ``severity`` is ``error`` (the pack does not load) or ``warning`` (it loads, but
    something in it is probably a mistake). A frozen dataclass: it compares, hashes and pickles.
    """

    file: str
    line: int
    column: int
    path: str
    message: str
    code: str = "GR100"
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        kind = f"{self.code} warning" if self.severity == "warning" else self.code
        return f"{self.file}:{self.line}:{self.column}: {kind}: {where}{self.message}"

    def as_dict(self) -> dict[str, Any]:
        """The problem as plain JSON data (what ``validate --format json`` prints)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "path": self.path,
            "message": self.message,
        }


class PolicyError(GrievanceRulesError):
    """A policy file is invalid. ``problems`` holds every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in policy"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[Any, ...]:
        # rebuilt from the problems, not from the message (the default would pass the message)
        return (self.__class__, (self.problems,))


class PolicyNotFoundError(GrievanceRulesError, LookupError):
    """No bundled or installed pack has that id, and no file is at that path."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = tuple(available)
        super().__init__(
            f"no policy pack {name!r} and no such file{did_you_mean(name, available)}; "
            f"available packs: {', '.join(available) or 'none'}; or pass a path to a .yaml file"
        )


class FactProblem(NamedTuple):
    """One problem in grievance facts: the field's dotted path, what is wrong, what it accepts.

    A named tuple, so ``field, message, allowed = problem`` keeps working for callers that unpack.
    """

    field: str
    message: str
    allowed: str


class PolicyVersionNotFoundError(PolicyNotFoundError):
    """The pack exists but has no version by that name; ``versions`` lists the ones it has."""

    def __init__(self, pack: str, version: str, versions: Sequence[str]) -> None:
        self.pack = pack
        self.version = version
        self.versions = tuple(versions)
        self.name = pack
        self.available = self.versions
        GrievanceRulesError.__init__(
            self,
            f"pack {pack!r} has no version {version!r}{did_you_mean(version, versions)}; "
            f"its versions: {', '.join(versions) or 'none'}",
        )

    def __reduce__(self) -> tuple[type[PolicyVersionNotFoundError], tuple[str, str, tuple[str, ...]]]:
        return (PolicyVersionNotFoundError, (self.pack, self.version, self.versions))


class FactsError(GrievanceRulesError, ValueError):
    """Grievance facts are invalid.

    ``field`` is the dotted path of the first bad field, ``allowed`` says what it accepts and
    ``problems`` lists every ``(field, message)`` found. The message never contains the
    value that was given: facts may hold personal data.
    """

    def __init__(self, problems: Sequence[FactProblem | tuple[str, str, str]]) -> None:
        self.problems: tuple[FactProblem, ...] = tuple(FactProblem(*p) for p in problems)
        first = self.problems[0]
        self.field: str = first.field
        self.allowed: str = first.allowed
        text = "; ".join(f"{p.field}: {p.message}" for p in self.problems)
        super().__init__(f"invalid grievance facts: {text}")

    def __reduce__(self) -> tuple[Any, ...]:
        return (self.__class__, (self.problems,))


class EvaluationError(GrievanceRulesError, RuntimeError):
    """The rules engine failed or no rule decided an outcome the policy needs."""


class ReportError(GrievanceRulesError, ValueError):
    """A report cannot be run as asked: an unknown report name, a period of the wrong kind, bad
    member months. ``available`` lists the pack's report names (for an unknown name)."""

    def __init__(self, message: str, available: Sequence[str] = ()) -> None:
        self.available = tuple(available)
        super().__init__(message)
