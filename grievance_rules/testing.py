"""A pack's own test cases: YAML files of facts and the outcome expected (``grievance-rules test``).

A pack ``DIR/<stem>.yaml`` keeps its cases beside it in ``DIR/<stem>.cases.yaml``::

    policy: my_plan          # optional: a pack id, or a path relative to this file;
                             # default: the pack file beside it (<stem>.yaml)
    cases:
      - name: mail grievance is acknowledged within 5 business days
        facts: {id: T-1, received_at: "2024-11-22T10:00:00-06:00", channel: mail}
        as_of: null          # optional: the moment statuses are judged at
        version: null        # optional: pin one version of the pack
        expect:
          classification: formal
          timely_filed: null
          policy: {version: "2024.1"}      # a mapping is compared key by key
          actions:                         # by action code: each listed field must match
            acknowledge: {due_date: "2024-12-02", status: pending}
          absent_actions: [log]            # codes that must not be required
      - name: a date-only receipt is refused
        facts: {id: T-2, received_at: "2024-11-22"}
        expect:
          error: {field: received_at}      # a FactsError on this field

Values are compared with the Determination's JSON form (``model_dump(mode="json")``): dates as
``"YYYY-MM-DD"`` strings, moments as ISO strings, absent values as ``null``. Only the keys a case
lists are checked. The cases run natively (no pytest needed): each case is evaluated and its
differences listed; messages name the field, the expected and the actual value of the
Determination, never the facts given (they may hold personal data).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError

from grievance_rules.codes import code_for_error_type
from grievance_rules.errors import FactsError, PolicyError, PolicyNotFoundError, Problem, did_you_mean, dotted_path
from grievance_rules.loader import SourceMap, core_yaml
from grievance_rules.packs import CASES_SUFFIXES, available_policies, is_pack_file, load_policy, pack_sources
from grievance_rules.policy import Policy

__all__ = [
    "CaseResult",
    "CasesFile",
    "TestRun",
    "cases_for",
    "load_cases",
    "run_cases",
    "run_tests",
    "validate_cases_file",
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedError(_Strict):
    """The case expects a :class:`FactsError`; ``field`` names the bad field, when given."""

    field: StrictStr | None = None


class Expect(_Strict):
    """What a case expects of the Determination (only the keys given are checked)."""

    subject: Any = None
    id: Any = None
    grievance_id: Any = None
    policy: Any = None
    received_at: Any = None
    as_of: Any = None
    timely_filed: Any = None
    filing_deadline: Any = None
    classification: Any = None
    level: Any = None
    type: Any = None
    handled_by: Any = None
    warnings: Any = None
    actions: dict[str, dict[str, Any]] | None = None
    absent_actions: list[StrictStr] | None = None
    error: ExpectedError | None = None


class Case(_Strict):
    """One test case: facts and the outcome expected."""

    name: StrictStr = Field(min_length=1)
    facts: dict[str, Any]
    as_of: StrictStr | None = None
    version: StrictStr | None = None
    expect: Expect


class CasesModel(_Strict):
    """A cases file."""

    policy: StrictStr | None = None
    cases: list[Case] = Field(min_length=1)


@dataclass(frozen=True)
class CasesFile:
    """A validated cases file, with where each case stands."""

    file: str
    model: CasesModel
    lines: tuple[int, ...]  # line of each case

    def policy_target(self) -> str:
        """The pack the cases run against: ``policy:`` (paths relative to the file) or the pack beside it."""
        here = Path(self.file).parent
        name = self.model.policy
        if name is None:
            stem = Path(self.file).name
            for suffix in CASES_SUFFIXES:
                stem = stem.removesuffix(suffix)
            for ext in (".yaml", ".yml"):
                beside = here / f"{stem}{ext}"
                if beside.is_file():
                    return str(beside)
            return stem.partition("@")[0]
        if name.endswith((".yaml", ".yml")) or "/" in name or os.sep in name:
            return str(here / name)
        return name


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: ``failures`` is empty when it passed."""

    file: str
    line: int
    name: str
    failures: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether every expectation held."""
        return not self.failures


@dataclass
class TestRun:
    """The results of every case run, in file order."""

    __test__ = False  # not a pytest class

    results: list[CaseResult] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """How many cases passed."""
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        """How many cases failed."""
        return len(self.results) - self.passed

    def summary(self) -> str:
        """``N passed, M failed``."""
        return f"{self.passed} passed, {self.failed} failed"


def load_cases(path: str | os.PathLike[str]) -> CasesFile:
    """Read and validate a cases file; raise :class:`PolicyError` with every problem located."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            [Problem(file, 1, 1, "", f"cannot read the cases file ({exc.__class__.__name__})", "GR001")]
        ) from None
    node, data = core_yaml(text, file)
    source_map = SourceMap()
    if node is not None:
        source_map.index(node)
    if not isinstance(data, dict):
        raise PolicyError(
            [Problem(file, 1, 1, "", "a cases file is a mapping with 'cases:' (and optional 'policy:')", "GR004")]
        )
    try:
        model = CasesModel.model_validate(data)
    except ValidationError as exc:
        raise PolicyError(_problems(exc, file, source_map)) from None
    lines = tuple(source_map.position(("cases", i))[0] for i in range(len(model.cases)))
    return CasesFile(file, model, lines)


def _problems(exc: ValidationError, file: str, source_map: SourceMap) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if isinstance(p, (str, int))]
        path = source_map.resolve(loc)
        if err["type"] == "extra_forbidden":
            key = str(loc[-1])
            allowed = _allowed(loc[:-1])
            line, col = source_map.position(path, key=True)
            msg = f"unknown key {key!r}{did_you_mean(key, allowed)}; allowed keys here: {', '.join(allowed)}"
        elif err["type"] == "missing":
            line, col = source_map.position(path)
            msg = f"missing required key {str(loc[-1])!r}; add it"
            path = (*path, loc[-1])
        else:
            line, col = source_map.position(path)
            msg = err["msg"]
        code = code_for_error_type(err["type"], err.get("ctx"))
        problems.append(Problem(file, line, col, dotted_path(path), msg, code))
    problems.sort(key=lambda p: (p.line, p.column))
    return problems


def _allowed(parent: Sequence[str | int]) -> list[str]:
    model: type[BaseModel] = CasesModel
    for part in parent:
        if isinstance(part, int):
            continue
        nested: dict[str, type[BaseModel]] = {"cases": Case, "expect": Expect, "error": ExpectedError}
        model = nested.get(str(part), model)
    return list(model.model_fields)


def cases_for(target: str) -> list[Path]:
    """The cases files a target names: a cases file, a folder's cases files, or those beside a pack.

    A pack (id, or path to its file) keeps its cases beside each of its files:
    ``<stem>.cases.yaml`` next to ``<stem>.yaml``.
    """
    path = Path(target)
    if path.is_file() and path.name.endswith(CASES_SUFFIXES):
        return [path]
    if path.is_dir() and ("/" in target or os.sep in target or target not in available_policies()):
        return sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(CASES_SUFFIXES))
    found: list[Path] = []
    for source in pack_sources(target):
        if source.text is not None or not is_pack_file(source.file):
            continue
        pack = Path(source.file)
        stem = pack.name.rsplit(".", 1)[0]
        found.extend(p for p in (pack.parent / f"{stem}{s}" for s in CASES_SUFFIXES) if p.is_file())
    return found


def run_cases(cases: CasesFile, policy: Policy | None = None) -> list[CaseResult]:
    """Run every case of a file against ``policy`` (default: the file's own pack)."""
    if policy is None:
        policy = load_policy(cases.policy_target())
    results = []
    for case, line in zip(cases.model.cases, cases.lines, strict=True):
        failures = list(_run_case(case, policy))
        results.append(CaseResult(cases.file, line, case.name, tuple(failures)))
    return results


def run_tests(targets: Sequence[str]) -> TestRun:
    """Find and run the cases of each target (pack id, pack file, cases file or folder)."""
    run = TestRun()
    for target in targets:
        for path in cases_for(target):
            if str(path) in run.files:
                continue
            run.files.append(str(path))
            run.results.extend(run_cases(load_cases(path)))
    return run


def _run_case(case: Case, policy: Policy) -> Iterator[str]:
    expect = case.expect
    try:
        judge = policy.pinned(case.version) if case.version is not None else policy
        det = judge.evaluate(case.facts, as_of=case.as_of)
    except FactsError as exc:
        if expect.error is None:
            yield f"unexpected FactsError on field {exc.field!r}"
        elif expect.error.field is not None and expect.error.field != exc.field:
            yield f"error.field: expected {expect.error.field!r}, got {exc.field!r}"
        return
    if expect.error is not None:
        yield f"expected a FactsError{f' on field {expect.error.field!r}' if expect.error.field else ''}, got none"
        return
    actual = det.model_dump(mode="json")
    for key in sorted(expect.model_fields_set - {"actions", "absent_actions", "error"}):
        yield from _compare(key, getattr(expect, key), actual.get(key))
    by_code: dict[str, list[Mapping[str, Any]]] = {}
    for action in actual["actions"]:
        by_code.setdefault(action["code"], []).append(action)
    for code, wanted in (expect.actions or {}).items():
        candidates = by_code.get(code)
        if not candidates:
            yield f"actions.{code}: expected, but not required (required: {', '.join(by_code) or 'none'})"
            continue
        best: list[str] | None = None
        for candidate in candidates:
            diffs = [d for k, v in wanted.items() for d in _compare(f"actions.{code}.{k}", v, candidate.get(k))]
            if best is None or len(diffs) < len(best):
                best = diffs
        yield from best or ()
    for code in expect.absent_actions or ():
        if code in by_code:
            yield f"actions.{code}: expected not to be required, but it is"


def _compare(path: str, expected: Any, actual: Any) -> Iterator[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            yield from _compare(f"{path}.{key}", value, actual.get(key))
        return
    if expected != actual:
        yield f"{path}: expected {_show(expected)}, got {_show(actual)}"


def _show(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def validate_cases_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Problems of a cases file (its format, and the pack it names loads); the cases are not run."""
    try:
        cases = load_cases(path)
        load_policy(cases.policy_target())
    except PolicyError as exc:
        return list(exc.problems)
    except PolicyNotFoundError as exc:
        return [Problem(str(path), 1, 1, "policy", str(exc), "GR601")]
    return []
