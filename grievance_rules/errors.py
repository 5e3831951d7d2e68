"""The library's errors: one base class, each error with attributes a caller can act on.

Every error raised on purpose derives from :class:`GrievanceRulesError`, so a caller can
catch the whole family with one ``except``. Messages follow one charter: say where, say
what was found (policy files only: grievance facts are never echoed), say what is allowed,
and end with the fix.
"""

from __future__ import annotations

import difflib
import re
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
    "safe_code",
    "safe_field_name",
    "unknown_value",
]

MAX_LISTED_PROBLEMS = 20
"""At most this many problems are spelled out in one FactsError message; the rest are counted."""

MAX_SUGGEST_CHARS = 64
""""Did you mean" runs only on values up to this long: longer ones are no typo of a code."""

_FIELD_NAME = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_CODE = re.compile(r"[A-Za-z0-9_.\- ]{1,64}")


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
    nearest = _nearest(found, allowed)
    return f" (did you mean {nearest!r}?)" if nearest is not None else ""


def _nearest(found: str, allowed: Iterable[str]) -> str | None:
    if not isinstance(found, str) or len(found) > MAX_SUGGEST_CHARS:  # never run difflib on huge text
        return None
    names = [str(a) for a in allowed]
    synonym = SYNONYMS.get(found.strip().lower().replace(" ", "_").replace("-", "_"))
    if synonym is not None and synonym in names:
        return synonym
    matches = difflib.get_close_matches(found, names, n=1, cutoff=0.6)
    return matches[0] if matches else None


def safe_field_name(name: object) -> str | None:
    """``name`` when it is a short identifier (letters, digits, ``_``, ``-``, ``.``; at most 64
    characters, no spaces), else None: a key of the facts may itself be personal data
    (``{"Jane Doe": 1}``), so only identifier-like keys are ever named back."""
    return name if isinstance(name, str) and _FIELD_NAME.fullmatch(name) else None


def safe_code(value: object, allowed: Iterable[str]) -> tuple[str | None, str | None]:
    """``(value, nearest allowed code)`` for a value outside a vocabulary, each None when withheld.

    The value is named only when it is a short code-like token (letters, digits, spaces, ``_``,
    ``-``, ``.``; at most 64 characters) *and* a near miss of an allowed code, so a mistyped code
    (``'staff rude'`` for ``staff_rude``) is shown while a name or an id put in the wrong field
    (``'Jane Q. Secretname'``) is not: such a value is like no code of the pack.
    """
    if not isinstance(value, str) or not _CODE.fullmatch(value):
        return None, None
    nearest = _nearest(value, allowed)
    return (value, nearest) if nearest is not None else (None, None)


def unknown_value(what: str, value: object, allowed: Iterable[str]) -> str:
    """``unknown concern tag 'staff rude'; did you mean 'staff_rude'?`` or the withheld form."""
    shown, nearest = safe_code(value, allowed)
    if shown is None:
        return f"unknown {what} (value withheld: not a near miss of an allowed one)"
    return f"unknown {what} {shown!r}; did you mean {nearest!r}?"


class GrievanceRulesError(Exception):
    """Base class of every error grievance-rules raises on purpose.

    Every subclass survives pickling (a worker pool sends errors across processes): an error is
    rebuilt from the arguments its ``__init__`` was given, kept in ``_init_args``.
    """

    _init_args: tuple[object, ...] | None = None

    def __reduce__(self) -> tuple[object, ...]:
        args = self._init_args if self._init_args is not None else self.args
        return (type(self), args, self.__dict__ or None)


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
        self._init_args = (self.problems,)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in policy"
        super().__init__(head + ":\n" + "\n".join(str(p) for p in self.problems))


class PolicyNotFoundError(GrievanceRulesError, LookupError):
    """No bundled or installed pack has that id, and no file is at that path."""

    def __init__(self, name: str, available: Sequence[str]) -> None:
        self.name = name
        self.available = tuple(available)
        self._init_args = (name, self.available)
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
    ``problems`` lists every ``(field, message, allowed)`` found. The message never contains a
    free-text or party value (facts may hold personal data); a value outside a pack's vocabulary
    is named only when it is a near miss of a code (:func:`safe_code`), a field name only when
    it is a short identifier (:func:`safe_field_name`). At most :data:`MAX_LISTED_PROBLEMS`
    problems are spelled out in the message; the rest are counted ("and K more").
    """

    def __init__(self, problems: Sequence[FactProblem | tuple[str, str, str]]) -> None:
        self.problems: tuple[FactProblem, ...] = tuple(FactProblem(*p) for p in problems)
        self._init_args = (self.problems,)
        first = self.problems[0] if self.problems else FactProblem("facts", "invalid", "valid grievance facts")
        self.field: str = first.field
        self.allowed: str = first.allowed
        listed = self.problems[:MAX_LISTED_PROBLEMS]
        text = "; ".join(f"{p.field}: {p.message}" for p in listed)
        more = len(self.problems) - len(listed)
        if more:
            text += f"; and {more} more problem{'s' if more != 1 else ''}"
        super().__init__(f"invalid grievance facts: {text}")


class EvaluationError(GrievanceRulesError, RuntimeError):
    """The rules engine failed or no rule decided an outcome the policy needs."""


class ReportError(GrievanceRulesError, ValueError):
    """A report cannot be run as asked: an unknown report name, a period of the wrong kind, bad
    member months. ``available`` lists the pack's report names (for an unknown name)."""

    def __init__(self, message: str, available: Sequence[str] = ()) -> None:
        self.available = tuple(available)
        super().__init__(message)
