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

__all__ = [
    "EvaluationError",
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


def did_you_mean(found: str, allowed: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for a near miss of ``found`` in ``allowed``, else ``""``."""
    matches = difflib.get_close_matches(str(found), [str(a) for a in allowed], n=1, cutoff=0.6)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


class GrievanceRulesError(Exception):
    """Base class of every error grievance-rules raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One located problem in a policy file."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {where}{self.message}"


class PolicyError(GrievanceRulesError):
    """A policy file is invalid. ``problems`` holds every problem found, in file order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in policy"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems))


class PolicyNotFoundError(GrievanceRulesError, LookupError):
    """No bundled or installed pack has that id, and no file is at that path."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = tuple(available)
        super().__init__(
            f"no policy pack {name!r} and no such file{did_you_mean(name, available)}; "
            f"available packs: {', '.join(available) or 'none'}; or pass a path to a .yaml file"
        )


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

    def __init__(self, problems: Sequence[tuple[str, str, str]]) -> None:
        # each problem: (field, message, allowed)
        self.problems: tuple[tuple[str, str, str], ...] = tuple(problems)
        first = self.problems[0]
        self.field: str = first[0]
        self.allowed: str = first[2]
        text = "; ".join(f"{f}: {m}" for f, m, _ in self.problems)
        super().__init__(f"invalid grievance facts: {text}")


class EvaluationError(GrievanceRulesError, RuntimeError):
    """The rules engine failed or no rule decided an outcome the policy needs."""


class ReportError(GrievanceRulesError, ValueError):
    """A report cannot be run as asked: an unknown report name, a period of the wrong kind, bad
    member months. ``available`` lists the pack's report names (for an unknown name)."""

    def __init__(self, message: str, available: Sequence[str] = ()) -> None:
        self.available = tuple(available)
        super().__init__(message)
