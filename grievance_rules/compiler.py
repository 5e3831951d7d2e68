"""Compile a validated policy into durable-rules ruleset data, once per policy.

The result is plain data (durable-rules' ruleset form, stable enough for golden files) plus the
metadata the Determination needs for each rule: kind, citation, reading and its condition in
plain words.

How rules become durable-rules rules:

- Every rule is one durable rule matching the single ``grievance`` fact. Its ``when`` is
  translated into durable-rules operators in negation normal form (durable's ``$not``
  misbehaves as a first term, so negations are pushed down to ``$neq`` and friends). Tag lists
  become one boolean property per declared tag; durable has no "in", so ``in`` is an ``$or``.
- The engine runs a policy as a short pipeline of *stages*, each its own ruleset; what fires in
  one stage becomes properties of the fact shown to the next. durable-rules allows only 32
  expressions per condition, so first-match choices are decided in two stages instead of being
  expanded inline:

  1. ``match``: each branch of each choice (classification, level, handled_by) has a rule
     ``<rule>#matched`` on its own condition; firing sets ``matched__<rule>``.
  2. ``decide``: branch *i* fires when it matched and no earlier branch did; the default fires
     when none matched. Firing sets the choice's property (``level`` = ``II``).

  Choices that test other choices are placed in later match/decide stages (dependency order;
  a cycle is a policy error). The last stage holds actions, warnings and record checks, whose
  conditions test choices as plain properties.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from grievance_rules.errors import PolicyError, Problem
from grievance_rules.schema import (
    ActionRule,
    Choice,
    Citation,
    Condition,
    Delegation,
    FactType,
    Pattern,
    PolicySpec,
    RecordRequirement,
    build_catalogue,
    operand_value,
)

__all__ = [
    "MAX_STAGE_BRANCHES",
    "MAX_STAGE_PROPERTIES",
    "OP_WORDS",
    "CompiledPolicy",
    "RuleInfo",
    "Stage",
    "compile_policy",
    "condition_facts",
    "condition_tests",
    "describe",
    "prop_name",
]

FACT_KIND = "grievance"
MATCHED = "#matched"

#: durable-rules walks the conditions of a ruleset with a fixed stack of 64 entries: a fact that
#: satisfies more than 64 branches (the alternatives of every rule, an ``any``/``in`` counting one
#: per alternative) makes every evaluation fail (error 303) and then corrupts memory when its
#: session is deleted. A stage with at most 64 branches can never overflow it, whatever the fact.
MAX_STAGE_BRANCHES = 64
#: durable-rules holds at most 255 properties per fact; the engine adds three (sid, id, kind).
MAX_STAGE_PROPERTIES = 252

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


def number_test(fact: str, op: str, operand: Any) -> Expr:
    """A test of a number fact as a boolean property the engine checks: ``fact op operand``
    is worked out exactly, with fractions, before the engine sees it."""
    token = re.sub(r"[^0-9a-z]", "_", repr(operand).lower())
    return ("cmp", prop_name(fact, f"{op}_{token}"), "eq", True)


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
    parts = expr[1] if expr[0] == "and" else [expr]
    return {"$and": [{"kind": FACT_KIND}, *(_to_durable(e) for e in parts)]}


# ---------------------------------------------------------------- rule metadata

RuleKind = Literal[
    "classification", "level", "handled_by", "flag", "action", "warning", "record", "delegation", "pattern", "run"
]


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
    is_default: bool = False  # a choice's default branch
    action: ActionRule | None = None
    message: str | None = None  # a warning's text
    pattern: Pattern | None = None
    path: tuple[str | int, ...] = ()  # where the rule stands in the pack
    facts: tuple[str, ...] = ()  # the catalogue facts its condition reads (their values go in the trace)


@dataclass(frozen=True)
class Stage:
    """One ruleset of the pipeline and how its firings feed the next stage.

    ``emits`` maps a rule name to the (property, value) its firing sets; ``defaults`` gives each
    such property's value when no rule sets it.
    """

    name: str
    definition: Mapping[str, Any]
    emits: Mapping[str, tuple[str, Any]]
    defaults: Mapping[str, Any]

    @property
    def inputs(self) -> tuple[str, ...]:
        """The properties this stage's rules read (what its answer depends on)."""
        return tuple(sorted({p for rule in self.definition.values() for p in rule_reads(rule["all"])}))


def rule_reads(matchers: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The properties a compiled rule's matchers read, sorted (``kind`` aside): its ``m``, or
    each of ``c1``, ``c2``... in a join."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("$"):
                    walk(value)
                elif key != "kind":
                    found.add(key)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for matcher in matchers:
        walk(list(matcher.values()))
    return tuple(sorted(found))


@dataclass(frozen=True)
class CompiledPolicy:
    """A policy compiled for durable-rules: its stages and its rules' metadata."""

    ruleset_name: str
    stages: tuple[Stage, ...]
    rules: tuple[RuleInfo, ...]
    properties: Mapping[str, tuple[str, str | None]]  # engine property -> (fact, tag), computed from facts
    catalogue: Mapping[str, FactType] = field(default_factory=dict)
    casebook: Mapping[str, Any] = field(default_factory=dict)  # join rules over many grievances
    joins: Mapping[str, int] = field(default_factory=dict)  # casebook rule -> how many grievances it joins

    def to_json(self) -> str:
        """The compiled pipeline as stable JSON (the golden-file form)."""
        data = {
            "name": self.ruleset_name,
            "inputs": sorted(self.properties),
            "stages": [
                {
                    "name": st.name,
                    "rules": st.definition,
                    "emits": {k: list(v) for k, v in st.emits.items()},
                    "defaults": st.defaults,
                }
                for st in self.stages
            ],
            "casebook": self.casebook,
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


class _Compiler:
    def __init__(self, spec: PolicySpec, catalogue: Mapping[str, FactType], file: str) -> None:
        self.spec = spec
        self.catalogue = catalogue
        self.file = file
        self.properties: dict[str, tuple[str, str | None]] = {}
        self.uses: set[str] = set()  # choices the conditions compiled so far test

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
        exact = ftype.kind == "number" and self.spec.subject is not None  # a subject's number: exact
        if ftype.kind in ("number", "date", "datetime") and not exact:  # compared as numbers by the engine
            operand = (
                [operand_value(ftype, v) for v in operand]
                if isinstance(operand, list)
                else operand_value(ftype, operand)
            )
        if fact in self.spec.choices() or fact.startswith("flags."):  # decided by an earlier stage
            if fact in self.spec.choices():
                self.uses.add(fact)
            prop = prop_name(fact)

            def one(v: Any) -> Expr:
                return ("cmp", prop, "eq", v)
        elif exact:  # compared exactly (as fractions) before the engine: one boolean per comparison

            def one(v: Any) -> Expr:
                expr = number_test(fact, "eq", v)
                self.properties[str(expr[1])] = (fact, f"eq {v!r}")
                return expr

            if op not in ("is", "is_not", "in", "not_in"):
                expr = number_test(fact, op, operand)
                self.properties[str(expr[1])] = (fact, f"{op} {operand!r}")
                return expr
        elif ftype.kind == "tags":

            def one(v: Any) -> Expr:
                tag_prop = prop_name(fact, str(v))
                self.properties[tag_prop] = (fact, str(v))
                return ("cmp", tag_prop, "eq", True)
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
        if op == "only":  # no declared tag outside the list is held
            return _not(_or([one(v) for v in ftype.values if v not in values]))
        return ("cmp", prop_name(fact), op, operand)  # counts

    def choice_order(self) -> list[list[str]]:
        """Choices grouped by depth: a choice comes after every choice its rules test."""
        deps: dict[str, set[str]] = {}
        for name, choice in self.spec.choices().items():
            self.uses = set()
            for r in choice.rules:
                self.cond(r.when)
            deps[name] = set(self.uses)
        depth: dict[str, int] = {}

        def visit(name: str, trail: list[str]) -> int:
            if name in trail:
                raise _CycleError(name, " -> ".join([*trail[trail.index(name) :], name]))
            if name not in depth:
                depth[name] = 1 + max((visit(d, [*trail, name]) for d in deps[name]), default=-1)
            return depth[name]

        for name in deps:
            visit(name, [])
        levels: list[list[str]] = [[] for _ in range(max(depth.values(), default=-1) + 1)]
        for name in deps:
            levels[depth[name]].append(name)
        return levels


class _CycleError(Exception):
    def __init__(self, name: str, cycle: str) -> None:
        super().__init__(cycle)
        self.name, self.cycle = name, cycle


# ---------------------------------------------------------------- plain words

#: Each operator in plain words (the trace, the docs and the explanation use these).
OP_WORDS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "any_of": "include any of",
    "all_of": "include all of",
    "none_of": "include none of",
    "only": "include only",
    "gte": "is at least",
    "gt": "is more than",
    "lte": "is at most",
    "lt": "is less than",
}


def condition_tests(c: Condition | None) -> list[tuple[str, str, Any]]:
    """Every fact test (fact, operator, operand) of a condition, in reading order."""
    if c is None:
        return []
    for group in (c.all, c.any, c.none):
        if group is not None:
            return [t for x in group for t in condition_tests(x)]
    assert c.fact is not None
    return [(c.fact, c.operator(), c.operand())]


def _facts(c: Condition | None, *more: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys([*(t[0] for t in condition_tests(c)), *more]))


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
    return f"{c.fact} {OP_WORDS[op]} {shown}"


def condition_facts(c: Condition | None) -> frozenset[str]:
    """Every fact a condition tests (e.g. to find the actions a case-book pattern triggers)."""
    if c is None:
        return frozenset()
    parts = c.all if c.all is not None else c.any if c.any is not None else c.none
    if parts is not None:
        return frozenset().union(*(condition_facts(x) for x in parts))
    return frozenset({c.fact}) if c.fact is not None else frozenset()


def _paren(c: Condition) -> str:
    text = describe(c)
    return f"({text})" if (c.all is not None or c.any is not None) and " " in text else text


def _word(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


# ---------------------------------------------------------------- compile


def compile_policy(
    spec: PolicySpec, catalogue: Mapping[str, FactType] | None = None, file: str = "<policy>", locate: Any = None
) -> CompiledPolicy:
    """Compile ``spec`` into a pipeline of durable-rules rulesets.

    The steps: check the choices fit the engine; order the choices by what they test; give each
    level of choices a match and a decide stage; put every other rule in the last stage; check
    the stages fit the engine; name the ruleset by its content.

    ``locate(path, message)`` makes a located :class:`Problem`; a cycle among choices is raised as
    :class:`PolicyError`.
    """
    if catalogue is None:
        catalogue = build_catalogue(spec.declared())
    where = _Locator(file, locate)
    _check_choice_sizes(spec, where)
    comp = _Compiler(spec, catalogue, file)
    rules: list[RuleInfo] = []
    stages: list[Stage] = []
    for depth, names in enumerate(_choice_levels(comp, where)):
        stages += _choice_stages(comp, depth, names, rules)
    if spec.flags:
        stages.append(_flags_stage(comp, rules))
    stages.append(_rules_stage(comp, rules))
    _check_engine_limits(stages, rules, file, locate)
    return _assemble(spec, comp, stages, rules, catalogue)


@dataclass(frozen=True)
class _Locator:
    """Makes a located :class:`Problem` from a path in the pack (``locate``), else one at 1:1."""

    file: str
    locate: Any

    def __call__(self, path: tuple[str | int, ...], message: str) -> Problem:
        if self.locate is not None:
            return cast(Problem, self.locate(path, message))
        return Problem(self.file, 1, 1, ".".join(map(str, path)), message)


def _check_choice_sizes(spec: PolicySpec, where: _Locator) -> None:
    """Refuse a choice with more branches than a stage holds (the decide stage grows as the square)."""
    for cname, choice in spec.choices().items():
        if len(choice.rules) + 1 > MAX_STAGE_BRANCHES:
            message = (
                f"the pack is beyond what durable-rules can run: a choice has at most {MAX_STAGE_BRANCHES - 1} "
                f"rules besides its default, and '{cname}' has {len(choice.rules)}; this rule is one too many"
            )
            raise PolicyError([where((cname, "rules", MAX_STAGE_BRANCHES - 1), message)])


def _choice_levels(comp: _Compiler, where: _Locator) -> list[list[str]]:
    """The choices grouped by depth (a choice after every choice it tests); a cycle is an error."""
    try:
        return comp.choice_order()
    except _CycleError as exc:
        message = (
            f"choices depend on each other in a cycle ({exc.cycle}); "
            "a choice's rules cannot test a choice that tests it"
        )
        raise PolicyError([where((exc.name,), message)]) from None


def _choice_stages(comp: _Compiler, depth: int, names: Sequence[str], rules: list[RuleInfo]) -> list[Stage]:
    """The match and decide stages of one level of choices (their rules are added to ``rules``)."""
    match = _StageParts()
    decide = _StageParts()
    for cname in names:
        _choice_branches(comp, cname, comp.spec.choices()[cname], match, decide, rules)
        decide.defaults[prop_name(cname)] = "none"
    return [match.stage(f"match{depth}"), decide.stage(f"decide{depth}")]


@dataclass
class _StageParts:
    """A stage being built: its rules, what each sets when it fires, and the unset values."""

    rules: dict[str, Any] = field(default_factory=dict)
    emits: dict[str, tuple[str, Any]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)

    def stage(self, name: str) -> Stage:
        return Stage(name, self.rules, self.emits, self.defaults)


def _choice_branches(
    comp: _Compiler, cname: str, choice: Choice, match: _StageParts, decide: _StageParts, rules: list[RuleInfo]
) -> None:
    """One choice: each branch matches on its own condition, then decides when no earlier branch
    matched; the default decides when none did."""
    pack = comp.spec.id
    kind = cast(RuleKind, cname)
    earlier: list[str] = []  # the matched-flags of the branches before this one
    for i, r in enumerate(choice.rules):
        info = _rule_info(pack, r, kind, (cname, "rules", i), value=r.value)
        rules.append(info)
        matched = prop_name(f"matched.{r.id}")
        match.rules[info.name + MATCHED] = _rule(info.name + MATCHED, comp.cond(r.when))
        match.emits[info.name + MATCHED] = (matched, True)
        match.defaults[matched] = False
        branch = _and([("cmp", matched, "eq", True), *(("cmp", f, "eq", False) for f in earlier)])
        decide.rules[info.name] = _rule(info.name, branch)
        decide.emits[info.name] = (prop_name(cname), r.value)
        earlier.append(matched)
    if choice.default is not None:
        d = choice.default
        info = RuleInfo(
            f"{pack}.{d.id}",
            d.id,
            kind,
            "no earlier rule applies",
            d.citation,
            d.reading,
            d.description,
            value=d.value,
            path=(cname, "default"),
            is_default=True,
        )
        rules.append(info)
        decide.rules[info.name] = _rule(info.name, _and([("cmp", f, "eq", False) for f in earlier]))
        decide.emits[info.name] = (prop_name(cname), d.value)


def _flags_stage(comp: _Compiler, rules: list[RuleInfo]) -> Stage:
    """The pack's flags, decided after the choices: each fires on its condition and sets
    ``flags__<id>`` true (false when it does not fire), which the last stage may test."""
    parts = _StageParts()
    for i, flag in enumerate(comp.spec.flags):
        info = _rule_info(comp.spec.id, flag, "flag", ("flags", i))
        rules.append(info)
        parts.rules[info.name] = _rule(info.name, comp.cond(flag.when))
        parts.emits[info.name] = (prop_name(f"flags.{flag.id}"), True)
        parts.defaults[prop_name(f"flags.{flag.id}")] = False
    return parts.stage("flags")


def _rules_stage(comp: _Compiler, rules: list[RuleInfo]) -> Stage:
    """The last stage: the delegation default, actions, warnings, record checks and patterns."""
    spec, pack = comp.spec, comp.spec.id
    final: dict[str, Any] = {}

    def add(info: RuleInfo, expr: Expr) -> None:
        rules.append(info)
        final[info.name] = _rule(info.name, expr)

    if spec.delegation is not None:
        add(_delegation_info(pack, spec.delegation), comp.test("delegation.in_matrix", "is", False))
    for i, a in enumerate(spec.actions):
        add(_rule_info(pack, a, "action", ("actions", i), action=a), comp.cond(a.when))
    for i, w in enumerate(spec.warnings):
        add(_rule_info(pack, w, "warning", ("warnings", i), message=w.message), comp.cond(w.when))
    for i, req in enumerate(spec.record_requirements):
        for fld, label in req.fields.items():
            missing = comp.test(f"present.{fld}", "is", False)
            add(_record_info(pack, req, i, fld, label), _and([comp.cond(req.when), missing]))
    for i, pat in enumerate(spec.patterns):
        add(_rule_info(pack, pat, "pattern", ("patterns", i), pattern=pat), comp.cond(pat.when))
    if spec.subject is not None:
        for i, run in enumerate(spec.subject.runs):
            add(_rule_info(pack, run, "run", ("subject", "runs", i)), comp.cond(run.when))
    return Stage("rules", final, {}, {})


def _delegation_info(pack: str, matrix: Delegation) -> RuleInfo:
    """The rule that warns about a group not in the delegation matrix."""
    return RuleInfo(
        f"{pack}.delegation_default",
        "delegation_default",
        "delegation",
        "delegation.in_matrix is false",
        matrix.default.citation or matrix.citation,
        matrix.default.reading or matrix.reading,
        "A group not in the delegation matrix falls to its default row.",
        message=matrix.default.warning,
        path=("delegation", "default"),
        facts=("delegation.in_matrix",),
    )


def _assemble(
    spec: PolicySpec,
    comp: _Compiler,
    stages: list[Stage],
    rules: list[RuleInfo],
    catalogue: Mapping[str, FactType],
) -> CompiledPolicy:
    """The compiled policy: rules in pack order, the case-book joins, a content-keyed name."""
    pack = spec.id
    casebook = {f"{pack}.{pat.id}{REPEATED}": _join_rule(pat, f"{pack}.{pat.id}{REPEATED}") for pat in spec.patterns}
    joins = {f"{pack}.{pat.id}{REPEATED}": pat.count for pat in spec.patterns}
    order = list(spec.choices())
    rules.sort(key=lambda r: order.index(r.kind) if r.kind in order else len(order))  # pack order, stable
    # The name's hash covers everything that can change an outcome: the compiled conditions and the
    # whole validated pack (deadlines, calendar, texts), so two packs with one version number but
    # different content never share a ruleset name. Values left at their default are left out, so a
    # format that grows a setting (with a default that changes nothing) keeps existing packs' names.
    body = json.dumps(
        [
            [[st.name, st.definition] for st in stages],
            spec.model_dump(mode="json", by_alias=True, exclude_defaults=True),
        ],
        sort_keys=True,
        default=str,
    )
    digest = hashlib.sha256(body.encode()).hexdigest()[:12]
    name = f"{pack}-{spec.version}-{digest}"
    return CompiledPolicy(
        name, tuple(stages), tuple(rules), dict(sorted(comp.properties.items())), dict(catalogue), casebook, joins
    )


CASE_KIND = "case"
REPEATED = "#repeated"


def branches(node: Any) -> int:
    """How many alternatives a durable-rules condition has once every ``$or`` is multiplied out.

    Capped just above :data:`MAX_STAGE_BRANCHES` so that a pathological condition costs nothing.
    """
    cap = MAX_STAGE_BRANCHES + 1
    if isinstance(node, dict) and len(node) == 1:
        ((key, value),) = node.items()
        if key == "$and":
            total = 1
            for part in value:
                total = min(cap, total * branches(part))
            return total
        if key == "$or":
            return min(cap, sum(branches(part) for part in value))
    return 1


def _check_engine_limits(stages: Sequence[Stage], rules: Sequence[RuleInfo], file: str, locate: Any) -> None:
    """Refuse a pack whose compiled stages go beyond what durable-rules runs, at the rule that does.

    Checked on the compiled data before anything is registered: registration itself would take
    minutes in C for thousands of rules, and a stage beyond the limits registers but then fails
    (or crashes the process) at evaluation.
    """
    by_name = {r.name: r for r in rules}
    problems: list[Problem] = []

    def problem(rule: str, message: str) -> Problem:
        info = by_name.get(rule.removesuffix(MATCHED))
        path: tuple[str | int, ...] = info.path if info is not None else ()
        return locate(path, message) if locate is not None else Problem(file, 1, 1, ".".join(map(str, path)), message)

    for stage in stages:
        total = 0
        for rule, body in stage.definition.items():
            total += branches(body["all"][0]["m"])
            if total > MAX_STAGE_BRANCHES:
                problems.append(
                    problem(
                        rule,
                        f"the pack is beyond what durable-rules can run: its '{stage.name}' stage would hold "
                        f"more than {MAX_STAGE_BRANCHES} condition branches by this rule (each rule counts one, "
                        "an 'any' or 'in' one per alternative); use fewer rules or fewer alternatives",
                    )
                )
                break
        read: set[str] = set()
        for rule, body in stage.definition.items():
            read.update(Stage(stage.name, {rule: body}, {}, {}).inputs)
            if len(read) > MAX_STAGE_PROPERTIES:
                problems.append(
                    problem(
                        rule,
                        f"the pack is beyond what durable-rules can run: its '{stage.name}' stage would read more "
                        f"than {MAX_STAGE_PROPERTIES} properties by this rule (each tag tested counts one); "
                        "use fewer rules or tags",
                    )
                )
                break
    if problems:
        raise PolicyError(problems)


def case_props(pattern_id: str) -> tuple[str, str]:
    """The case-fact properties of a pattern: (counts, key)."""
    return prop_name(f"counts.{pattern_id}"), prop_name(f"key.{pattern_id}")


def _join_rule(pat: Pattern, name: str) -> dict[str, Any]:
    """``count`` grievances that count, share the key, in receipt order, within the window.

    Aliases ``c1`` … ``cN`` are bound in receipt order (``seq``), so each group fires once; the
    last one (``cN``) completes the pattern.
    """
    counts, key = case_props(pat.id)
    terms: list[dict[str, Any]] = []
    for i in range(1, pat.count + 1):
        cond: list[dict[str, Any]] = [{"kind": CASE_KIND}, {counts: True}]
        if i > 1:
            cond += [{key: {"c1": key}}, {"$gt": {"seq": {f"c{i - 1}": "seq"}}}]
        if i == pat.count:
            cond.append({"$lte": {"day": {"$add": {"$l": {"c1": "day"}, "$r": pat.within.amount}}}})
        terms.append({f"c{i}": {"$and": cond}})
    return {"all": terms, "run": name}


def _rule(name: str, expr: Expr) -> dict[str, Any]:
    return {"all": [{"m": _match(expr)}], "run": name}


def _rule_info(pack: str, rule: Any, kind: RuleKind, path: tuple[str | int, ...], **extra: Any) -> RuleInfo:
    """The metadata of a rule that has an id, a ``when``, a citation, a reading and a description."""
    return RuleInfo(
        f"{pack}.{rule.id}",
        rule.id,
        kind,
        describe(rule.when),
        rule.citation,
        rule.reading,
        rule.description,
        path=path,
        facts=_facts(rule.when),
        **extra,
    )


def _record_info(pack: str, req: RecordRequirement, i: int, fld: str, label: str) -> RuleInfo:
    cond = describe(req.when)
    text = f"{fld} is missing" if req.when is None else f"{cond} and {fld} is missing"
    return RuleInfo(
        f"{pack}.{req.id}.{fld}",
        req.id,
        "record",
        text,
        req.citation,
        req.reading,
        req.description,
        message=f"record is missing {label} ({fld})",
        path=("record_requirements", i, "fields", fld),
        facts=_facts(req.when, f"present.{fld}"),
    )
