"""Compile a validated policy into durable-rules ruleset data, once per policy.

The result is plain data (a dict in durable-rules' ruleset form, stable enough for golden
files) plus the metadata the Determination needs for each rule: kind, citation, reading and
the rule's condition in plain words.

How rules become durable-rules rules:

- Every rule is one durable rule matching the single ``grievance`` fact. Its condition is the
  rule's ``when`` translated into durable-rules operators, in negation normal form (durable's
  ``$not`` misbehaves as a first term, so negations are pushed down to ``$neq`` and friends).
- A first-match choice (classification, level, handled_by) is compiled so that exactly one
  branch can fire: branch *i* matches ``when_i and not when_1 ... and not when_(i-1)``; the
  default matches when no branch does. A condition that tests a choice (``level is II``) is
  expanded into that choice's branch conditions, so the engine decides everything in one match.
  Each branch also gets a ``…#matched`` rule on its own condition alone, so the trace can say
  "held, but an earlier branch won".
- Tag lists become one boolean property per declared tag; durable has no "in", so ``in`` is an
  ``$or`` of equalities.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from grievance_rules.errors import PolicyError, Problem
from grievance_rules.schema import (
    ActionRule,
    Choice,
    Citation,
    Condition,
    FactType,
    PolicySpec,
    RecordRequirement,
    WarningRule,
    build_catalogue,
)

__all__ = ["CompiledPolicy", "RuleInfo", "compile_policy", "describe", "prop_name"]

FACT_KIND = "grievance"
MATCHED = "#matched"

# ---------------------------------------------------------------- intermediate form
# ("true",) ("false",) ("and", [..]) ("or", [..]) ("not", x) ("cmp", prop, op, value)
Expr = tuple[Any, ...]
TRUE: Expr = ("true",)
FALSE: Expr = ("false",)
_NEGATE_OP = {"eq": "neq", "neq": "eq", "gte": "lt", "lt": "gte", "gt": "lte", "lte": "gt"}


def prop_name(fact: str, tag: str | None = None) -> str:
    """The engine property for a catalogue fact (dots become double underscores)."""
    base = fact.replace(".", "__")
    return f"{base}__{tag}" if tag is not None else base


def _and(items: Sequence[Expr]) -> Expr:
    out: list[Expr] = []
    for item in items:
        if item == FALSE:
            return FALSE
        if item == TRUE:
            continue
        out.extend(item[1] if item[0] == "and" else [item])
    if not out:
        return TRUE
    return out[0] if len(out) == 1 else ("and", out)


def _or(items: Sequence[Expr]) -> Expr:
    out: list[Expr] = []
    for item in items:
        if item == TRUE:
            return TRUE
        if item == FALSE:
            continue
        out.extend(item[1] if item[0] == "or" else [item])
    if not out:
        return FALSE
    return out[0] if len(out) == 1 else ("or", out)


def _not(expr: Expr) -> Expr:
    kind = expr[0]
    if kind == "true":
        return FALSE
    if kind == "false":
        return TRUE
    if kind == "cmp":
        return ("cmp", expr[1], _NEGATE_OP[expr[2]], expr[3])
    if kind == "and":
        return _or([_not(e) for e in expr[1]])
    if kind == "or":
        return _and([_not(e) for e in expr[1]])
    raise AssertionError(kind)


def _to_durable(expr: Expr) -> dict[str, Any]:
    kind = expr[0]
    if kind == "cmp":
        _, prop, op, value = expr
        return {prop: value} if op == "eq" else {f"${op}": {prop: value}}
    if kind == "and":
        return {"$and": [_to_durable(e) for e in expr[1]]}
    if kind == "or":
        return {"$or": [_to_durable(e) for e in expr[1]]}
    raise AssertionError(kind)


def _match(expr: Expr) -> dict[str, Any]:
    """The ``m`` condition of a durable rule: the grievance fact and ``expr``."""
    if expr == TRUE:
        return {"kind": FACT_KIND}
    if expr == FALSE:
        return {"kind": "never"}
    return {"$and": [{"kind": FACT_KIND}, _to_durable(expr)]}


# ---------------------------------------------------------------- rule metadata

RuleKind = Literal["classification", "level", "handled_by", "action", "warning", "record", "delegation"]


@dataclass(frozen=True)
class RuleInfo:
    """One rule of a compiled policy, as the trace and the docs present it."""

    name: str
    id: str
    kind: RuleKind
    condition: str
    citation: Citation | None
    reading: str | None
    description: str | None
    value: str | None = None  # a choice branch's value
    action: ActionRule | None = None
    message: str | None = None  # a warning's text
    path: tuple[str | int, ...] = ()  # where the rule stands in the pack


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy compiled for durable-rules: the ruleset data and its rules' metadata."""

    ruleset_name: str
    definition: Mapping[str, Any]
    rules: tuple[RuleInfo, ...]
    properties: Mapping[str, tuple[str, str | None]]  # engine property -> (fact, tag)
    catalogue: Mapping[str, FactType] = field(default_factory=dict)

    def to_json(self) -> str:
        """The ruleset as stable JSON (the golden-file form)."""
        return json.dumps({"name": self.ruleset_name, "rules": self.definition}, indent=2, sort_keys=True) + "\n"


class _Compiler:
    def __init__(self, spec: PolicySpec, catalogue: Mapping[str, FactType], file: str) -> None:
        self.spec = spec
        self.catalogue = catalogue
        self.file = file
        self.properties: dict[str, tuple[str, str | None]] = {}
        self.choice_cache: dict[tuple[str, str], Expr] = {}
        self.conds_cache: dict[str, list[Expr]] = {}
        self.stack: list[str] = []

    # ---- conditions
    def cond(self, c: Condition | None) -> Expr:
        if c is None:
            return TRUE
        if c.all is not None:
            return _and([self.cond(x) for x in c.all])
        if c.any is not None:
            return _or([self.cond(x) for x in c.any])
        if c.none is not None:
            return _not(_or([self.cond(x) for x in c.none]))
        assert c.fact is not None
        return self.test(c.fact, c.operator(), c.operand())

    def test(self, fact: str, op: str, operand: Any) -> Expr:
        ftype = self.catalogue[fact]
        choices = self.spec.choices()
        if fact in choices:
            def one(v: Any) -> Expr:
                return self.choice_is(fact, str(v))
        elif ftype.kind == "tags":
            def one(v: Any) -> Expr:
                prop = prop_name(fact, str(v))
                self.properties[prop] = (fact, str(v))
                return ("cmp", prop, "eq", True)
        else:
            prop = prop_name(fact)
            self.properties[prop] = (fact, None)

            def one(v: Any) -> Expr:
                return ("cmp", prop, "eq", v)

        values = operand if isinstance(operand, list) else [operand]
        if op in ("is", "any_of", "in"):
            return _or([one(v) for v in values])
        if op == "all_of":
            return _and([one(v) for v in values])
        if op in ("is_not", "not_in", "none_of"):
            return _not(_or([one(v) for v in values]))
        # counts
        prop = prop_name(fact)
        return ("cmp", prop, op, operand)

    # ---- choices
    def branch_conditions(self, name: str) -> list[Expr]:
        if name in self.conds_cache:
            return self.conds_cache[name]
        if name in self.stack:
            cycle = " -> ".join([*self.stack[self.stack.index(name):], name])
            raise _CycleError(name, cycle)
        self.stack.append(name)
        try:
            conds = [self.cond(r.when) for r in self.spec.choices()[name].rules]
        finally:
            self.stack.pop()
        self.conds_cache[name] = conds
        return conds

    def branch(self, name: str, index: int | None) -> Expr:
        """The effective condition of branch ``index`` (None: the default) of a choice."""
        conds = self.branch_conditions(name)
        earlier = conds if index is None else conds[:index]
        own = [] if index is None else [conds[index]]
        return _and(own + [_not(c) for c in earlier])

    def choice_is(self, name: str, value: str) -> Expr:
        key = (name, value)
        if key not in self.choice_cache:
            choice: Choice = self.spec.choices()[name]
            parts = [self.branch(name, i) for i, r in enumerate(choice.rules) if r.value == value]
            if choice.default is not None and choice.default.value == value:
                parts.append(self.branch(name, None))
            self.choice_cache[key] = _or(parts)
        return self.choice_cache[key]


class _CycleError(Exception):
    def __init__(self, name: str, cycle: str) -> None:
        super().__init__(cycle)
        self.name, self.cycle = name, cycle


# ---------------------------------------------------------------- plain words

_OP_WORDS = {
    "is": "is", "is_not": "is not", "in": "is one of", "not_in": "is none of", "any_of": "include any of",
    "all_of": "include all of", "none_of": "include none of", "gte": "is at least", "gt": "is more than",
    "lte": "is at most", "lt": "is less than",
}


def describe(c: Condition | None) -> str:
    """A condition in plain words, e.g. ``channel is phone and timers.resolved_by_next_business_day is met``."""
    if c is None:
        return "always"
    if c.all is not None:
        return " and ".join(_paren(x) for x in c.all) or "always"
    if c.any is not None:
        return " or ".join(_paren(x) for x in c.any) or "never"
    if c.none is not None:
        return "not (" + " or ".join(describe(x) for x in c.none) + ")"
    op = c.operator()
    value = c.operand()
    shown = ", ".join(_word(v) for v in value) if isinstance(value, list) else _word(value)
    return f"{c.fact} {_OP_WORDS[op]} {shown}"


def _paren(c: Condition) -> str:
    text = describe(c)
    return f"({text})" if (c.all is not None or c.any is not None) and " " in text else text


def _word(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# ---------------------------------------------------------------- compile


def compile_policy(spec: PolicySpec, catalogue: Mapping[str, FactType] | None = None,
                   file: str = "<policy>", locate: Any = None) -> CompiledPolicy:
    """Compile ``spec`` into durable-rules ruleset data.

    ``locate(path, message)`` makes a located :class:`Problem`; compile-time problems (a cycle
    among choices) are raised as :class:`PolicyError`.
    """
    if catalogue is None:
        catalogue = build_catalogue(spec.declared())
    comp = _Compiler(spec, catalogue, file)
    pack = spec.id
    rules: list[RuleInfo] = []
    definition: dict[str, Any] = {}

    def add(info: RuleInfo, expr: Expr) -> None:
        rules.append(info)
        definition[info.name] = {"all": [{"m": _match(expr)}], "run": info.name}

    try:
        for cname, choice in spec.choices().items():
            for i, r in enumerate(choice.rules):
                info = RuleInfo(f"{pack}.{r.id}", r.id, cname, describe(r.when), r.citation,  # type: ignore[arg-type]
                                r.reading, r.description, value=r.value, path=(cname, "rules", i))
                add(info, comp.branch(cname, i))
                definition[info.name + MATCHED] = {"all": [{"m": _match(comp.branch_conditions(cname)[i])}],
                                                   "run": info.name + MATCHED}
            if choice.default is not None:
                d = choice.default
                info = RuleInfo(f"{pack}.{d.id}", d.id, cname, "no earlier rule applies",  # type: ignore[arg-type]
                                d.citation, d.reading, d.description, value=d.value, path=(cname, "default"))
                add(info, comp.branch(cname, None))
    except _CycleError as exc:
        problem = Problem(file, 1, 1, exc.name, f"choices depend on each other in a cycle ({exc.cycle}); "
                          "a choice's rules cannot test a choice that tests it")
        if locate is not None:
            problem = locate((exc.name,), problem.message)
        raise PolicyError([problem]) from None

    if spec.delegation is not None:
        matrix = spec.delegation
        add(RuleInfo(f"{pack}.delegation_default", "delegation_default", "delegation",
                     "delegation.in_matrix is false", matrix.default.citation or matrix.citation,
                     matrix.default.reading or matrix.reading,
                     "A group not in the delegation matrix falls to its default row.",
                     message=matrix.default.warning, path=("delegation", "default")),
            comp.test("delegation.in_matrix", "is", False))
    for i, a in enumerate(spec.actions):
        add(RuleInfo(f"{pack}.{a.id}", a.id, "action", describe(a.when), a.citation, a.reading, a.description,
                     action=a, path=("actions", i)), comp.cond(a.when))
    for i, w in enumerate(spec.warnings):
        add(_warning_info(pack, w, i), comp.cond(w.when))
    for i, req in enumerate(spec.record_requirements):
        for fld, label in req.fields.items():
            when = comp.cond(req.when)
            missing = comp.test(f"present.{fld}", "is", False)
            add(_record_info(pack, req, i, fld, label), _and([when, missing]))

    digest = hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()[:12]
    name = f"{pack}-{spec.version}-{digest}"
    return CompiledPolicy(name, definition, tuple(rules), dict(sorted(comp.properties.items())), dict(catalogue))


def _warning_info(pack: str, w: WarningRule, i: int) -> RuleInfo:
    return RuleInfo(f"{pack}.{w.id}", w.id, "warning", describe(w.when), w.citation, w.reading, w.description,
                    message=w.message, path=("warnings", i))


def _record_info(pack: str, req: RecordRequirement, i: int, fld: str, label: str) -> RuleInfo:
    cond = describe(req.when)
    text = f"{fld} is missing" if req.when is None else f"{cond} and {fld} is missing"
    return RuleInfo(f"{pack}.{req.id}.{fld}", req.id, "record", text, req.citation, req.reading,
                    req.description, message=f"record is missing {label} ({fld})",
                    path=("record_requirements", i, "fields", fld))
