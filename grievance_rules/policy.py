"""A loaded policy: compile once, evaluate many.

:class:`Policy` ties the stages together: validated spec -> compiled ruleset -> engine, and for
each grievance: facts -> derived properties -> engine firing -> Determination.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Literal, NamedTuple, overload

import pendulum

from grievance_rules.calendar import PlanCalendar
from grievance_rules.compiler import MATCHED, CompiledPolicy, RuleInfo, compile_policy
from grievance_rules.determination import Determination, PolicyRef, TraceEntry, compute_actions
from grievance_rules.engine import EngineRejection, RulesEngine
from grievance_rules.errors import EvaluationError, FactsError, GrievanceRulesError, PolicyError
from grievance_rules.facts import Grievance, PreparedFacts, is_present, normalize_name, parse_grievance, prepare
from grievance_rules.loader import LoadedSpec
from grievance_rules.schema import DelegationDefault, DelegationRow, PolicySpec, Timer

__all__ = ["Policy"]

_AS_OF = "an ISO 8601 date-time, e.g. 2024-12-02T12:00:00-06:00"
Getter = Callable[["_Context"], Any]


class _Context:
    """What the property getters read for one grievance."""

    __slots__ = ("as_of", "delegation", "facts", "filing", "filing_deadline", "patterns", "timely")

    def __init__(
        self,
        facts: PreparedFacts,
        as_of: pendulum.DateTime | None,
        delegation: DelegationRow | DelegationDefault | None,
        in_matrix: bool,
        filing_deadline: dt.date | None,
        patterns: frozenset[str] = frozenset(),
    ) -> None:
        self.patterns = patterns
        self.facts = facts
        self.as_of = as_of
        self.delegation = (delegation, in_matrix)
        self.filing_deadline = filing_deadline
        self.timely = None if filing_deadline is None else facts.received_at.date() <= filing_deadline
        self.filing = "unknown" if self.timely is None else ("timely" if self.timely else "late")


class Policy:
    """A validated, compiled policy pack. Thread-safe; evaluate it as often as you like."""

    def __init__(self, loaded: LoadedSpec) -> None:
        self.loaded = loaded
        self.spec: PolicySpec = loaded.spec
        self.calendar = PlanCalendar(self.spec.calendar)
        self.compiled: CompiledPolicy = compile_policy(
            self.spec, file=loaded.file, locate=lambda path, msg: loaded.problem(path, msg)
        )
        try:
            self.engine = RulesEngine(
                self.compiled.ruleset_name,
                self.compiled.stages,
                casebook=self.compiled.casebook,
                joins=self.compiled.joins,
            )
        except EngineRejection as exc:
            by_name = {r.name: r for r in self.compiled.rules}
            problems = [
                loaded.problem(
                    by_name[n.removesuffix(MATCHED)].path,
                    f"durable-rules refused this rule ({exc.reason}); simplify its condition",
                )
                for n in exc.rules
                if n.removesuffix(MATCHED) in by_name
            ]
            if not problems:
                raise
            raise PolicyError(problems) from None
        self._timers = {t.id: t for t in self.spec.timers}
        self._getters = {prop: self._getter(fact, tag) for prop, (fact, tag) in self.compiled.properties.items()}
        self._ref = PolicyRef(id=self.spec.id, version=self.spec.version)
        self._decisions: dict[frozenset[str], _Decision] = {}
        self._rows = (
            {} if self.spec.delegation is None else {normalize_name(r.group): r for r in self.spec.delegation.rows}
        )

    # ------------------------------------------------------------------ identity

    @property
    def id(self) -> str:
        """The pack id."""
        return self.spec.id

    @property
    def version(self) -> str:
        """The pack version."""
        return self.spec.version

    @property
    def file(self) -> str:
        """The file the policy was read from."""
        return self.loaded.file

    def __repr__(self) -> str:
        return f"<Policy {self.spec.id} {self.spec.version} ({self.compiled.ruleset_name})>"

    # ------------------------------------------------------------------ evaluate

    def evaluate(self, facts: Mapping[str, Any] | Grievance, as_of: str | dt.datetime | None = None) -> Determination:
        """The Determination for one grievance.

        ``as_of`` (aware datetime or ISO string; offset-less strings are read in the plan's timezone)
        sets each action's status: ``overdue`` once its due moment has passed without its event.
        Raises :class:`FactsError` for invalid facts; never mutates ``facts``.
        """
        when = self.parse_as_of(as_of)
        grievance = parse_grievance(facts)
        prepared = prepare(grievance, self.spec, self.calendar, when)
        return self._determine(prepared, when)

    @overload
    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        as_of: str | dt.datetime | None = None,
        errors: Literal["raise"] = "raise",
    ) -> Iterator[Determination]: ...

    @overload
    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        as_of: str | dt.datetime | None = None,
        *,
        errors: Literal["collect"],
    ) -> Iterator[Determination | FactsError]: ...

    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        as_of: str | dt.datetime | None = None,
        errors: Literal["raise", "collect"] = "raise",
    ) -> Iterator[Determination | FactsError]:
        """Evaluate a stream of grievances lazily (a generator: memory stays flat).

        With ``errors="collect"`` a record with bad facts yields its :class:`FactsError` in its
        place and the stream goes on; with ``"raise"`` (the default) the error propagates.
        """
        if errors not in ("raise", "collect"):
            raise GrievanceRulesError("errors must be 'raise' or 'collect'")
        when = self.parse_as_of(as_of)
        for record in records:
            try:
                grievance = parse_grievance(record)
                prepared = prepare(grievance, self.spec, self.calendar, when)
            except FactsError as exc:
                if errors == "raise":
                    raise
                yield exc
                continue
            yield self._determine(prepared, when)

    def parse_as_of(self, as_of: str | dt.datetime | None) -> pendulum.DateTime | None:
        """``as_of`` as an aware moment in the plan's timezone (offset-less strings are local)."""
        if as_of is None:
            return None
        if isinstance(as_of, dt.datetime):
            if as_of.tzinfo is None or as_of.utcoffset() is None:
                raise FactsError([("as_of", "a datetime object must carry a timezone", "an aware datetime")])
            return self.calendar.localize(as_of)
        try:
            parsed = pendulum.parse(str(as_of), tz=self.calendar.tz)
        except Exception:
            raise FactsError([("as_of", "not an ISO 8601 date or date-time", _AS_OF)]) from None
        if isinstance(parsed, pendulum.DateTime):
            return parsed.in_timezone(self.calendar.tz)
        raise FactsError([("as_of", "not an ISO 8601 date or date-time", _AS_OF)])

    # ------------------------------------------------------------------ derive

    def properties(self, facts: PreparedFacts, as_of: pendulum.DateTime | None) -> dict[str, Any]:
        """The flat, typed properties the engine is shown for this grievance."""
        return self._properties(self._context(facts, as_of))

    def _context(
        self, facts: PreparedFacts, as_of: pendulum.DateTime | None, patterns: frozenset[str] = frozenset()
    ) -> _Context:
        g = facts.grievance
        row: DelegationRow | DelegationDefault | None = None
        in_matrix = False
        if self.spec.delegation is not None:
            found = self._rows.get(normalize_name(g.group or ""))
            in_matrix = found is not None
            row = found or self.spec.delegation.default
        deadline = None
        if self.spec.filing_window is not None and g.incident_date is not None:
            deadline = self.calendar.filing_deadline(g.incident_date, self.spec.filing_window.amount)
        return _Context(facts, as_of, row, in_matrix, deadline, patterns)

    def _properties(self, ctx: _Context) -> dict[str, Any]:
        return {prop: get(ctx) for prop, get in self._getters.items()}

    def _getter(self, fact: str, tag: str | None) -> Getter:
        if tag is not None:
            attr = "concerns" if fact == "concerns" else "assistance_needs"
            return lambda ctx: tag in getattr(ctx.facts.grievance, attr)
        simple: dict[str, Getter] = {
            "channel": lambda ctx: ctx.facts.grievance.channel or "none",
            "complainant": lambda ctx: ctx.facts.grievance.complainant,
            "group": lambda ctx: ctx.facts.grievance.group or "",
            "type": lambda ctx: ctx.facts.grievance.type or "none",
            "wants_formal_grievance": lambda ctx: ctx.facts.grievance.wants_formal_grievance,
            "urgent": lambda ctx: ctx.facts.grievance.urgent,
            "resolved": lambda ctx: ctx.facts.first("resolved") is not None,
            "has_incident_date": lambda ctx: ctx.facts.grievance.incident_date is not None,
            "channel_accepted": lambda ctx: ctx.facts.grievance.channel in self.spec.vocabulary.channels,
            "filing": lambda ctx: ctx.filing,
            "delegation.in_matrix": lambda ctx: ctx.delegation[1],
            "delegation.delegated": lambda ctx: bool(ctx.delegation[0] and ctx.delegation[0].delegated),
            "delegation.verbal_grievances": lambda ctx: bool(ctx.delegation[0] and ctx.delegation[0].verbal_grievances),
            "delegation.written_channel": lambda ctx: bool(
                ctx.delegation[0] and ctx.facts.grievance.channel in ctx.delegation[0].written_channels
            ),
        }
        if fact in simple:
            return simple[fact]
        head, _, rest = fact.partition(".")
        if head == "events":
            name, _, count = rest.partition(".")
            if count.startswith("after."):
                earlier = count.removeprefix("after.")
                return lambda ctx: ctx.facts.after(name, earlier)
            if count:
                return lambda ctx: ctx.facts.count(name)
            return lambda ctx: ctx.facts.first(name) is not None
        if head == "timers":
            timer = self._timers[rest]
            return lambda ctx: self._timer_state(timer, ctx)
        if head == "patterns":
            return lambda ctx: rest in ctx.patterns
        if head == "present":
            return lambda ctx: is_present(ctx.facts.grievance, rest)
        raise AssertionError(f"no getter for fact {fact}")  # the catalogue and getters are kept in step

    def _timer_state(self, timer: Timer, ctx: _Context) -> str:
        facts = ctx.facts
        anchor = None
        from_receipt = False
        for spec in timer.within.anchors:
            kind, _, name = spec.partition(":")
            if kind == "receipt":
                anchor, from_receipt = facts.received_at, True
            elif kind == "event":
                anchor = facts.first(name)
            if anchor is not None:
                break
        happened = facts.first(timer.event)
        if anchor is None:
            return "open"
        due = self.calendar.due(anchor, timer.within.unit, timer.within.amount, from_receipt=from_receipt)
        if happened is not None:
            return "met" if happened <= due.due_at else "missed"
        if ctx.as_of is not None and ctx.as_of > due.due_at:
            return "missed"
        return "open"

    # ------------------------------------------------------------------ assemble

    def _decision(self, fired: frozenset[str]) -> _Decision:
        """What a set of fired rules means: choice values, actions, warnings and the trace.

        It depends on nothing but the fired set, so it is computed once per distinct set.
        """
        cached = self._decisions.get(fired)
        if cached is not None:
            return cached
        choice: dict[str, str | None] = {}
        trace: list[TraceEntry] = []
        fired_actions: list[RuleInfo] = []
        warnings: list[str] = []
        for info in self.compiled.rules:
            did = info.name in fired
            trace.append(
                TraceEntry(
                    rule=info.name,
                    fired=did,
                    because=_because(info, did, fired),
                    citation=info.citation.render() if info.citation else None,
                    reading=info.reading,
                )
            )
            if not did:
                continue
            if info.kind in ("classification", "level", "handled_by"):
                if choice.get(info.kind) is not None:
                    raise EvaluationError(f"two {info.kind} rules fired; the compiled choice is inconsistent")
                choice[info.kind] = info.value
            elif info.kind == "action":
                fired_actions.append(info)
            elif info.message is not None:
                warnings.append(info.message)
        if choice.get("classification") is None:
            raise EvaluationError("no classification rule fired; add a 'default' to the policy's classification")
        decision = _Decision(choice, tuple(fired_actions), tuple(warnings), tuple(trace))
        if len(self._decisions) >= 4096:
            self._decisions.clear()
        self._decisions[fired] = decision
        return decision

    def _determine(
        self,
        facts: PreparedFacts,
        as_of: pendulum.DateTime | None,
        patterns: frozenset[str] = frozenset(),
        related: Mapping[str, tuple[str, ...]] | None = None,
    ) -> Determination:
        ctx = self._context(facts, as_of, patterns)
        decision = self._decision(self.engine.fire(self._properties(ctx)))
        g = facts.grievance
        return Determination(
            grievance_id=g.id,
            policy=self._ref,
            received_at=facts.received_at,
            as_of=as_of,
            timely_filed=ctx.timely,
            filing_deadline=ctx.filing_deadline,
            classification=decision.choice.get("classification"),
            level=decision.choice.get("level"),
            type=g.type,
            handled_by=decision.choice.get("handled_by") or "plan",
            actions=tuple(compute_actions(decision.actions, facts, self.calendar, as_of, related)),
            warnings=decision.warnings,
            trace=decision.trace,
        )


class _Decision(NamedTuple):
    choice: dict[str, str | None]
    actions: tuple[RuleInfo, ...]
    warnings: tuple[str, ...]
    trace: tuple[TraceEntry, ...]


def _because(info: RuleInfo, fired: bool, all_fired: frozenset[str]) -> str:
    if info.kind == "pattern":
        if fired:
            return f"{info.condition}: counts toward this pattern across grievances (see the case book)"
        return f"does not count toward this pattern: needs {info.condition}"
    if info.kind in ("classification", "level", "handled_by"):
        if info.is_default:
            return (
                f"no {info.kind} rule applied, so {info.kind} is {info.value}"
                if fired
                else f"not needed: a {info.kind} rule applied"
            )
        if fired:
            return f"{info.condition}; so {info.kind} is {info.value}"
        if info.name + MATCHED in all_fired:
            return f"{info.condition} holds, but an earlier {info.kind} rule applied first"
        return f"does not apply: needs {info.condition}"
    if fired:
        return info.condition
    return f"does not apply: needs {info.condition}"
