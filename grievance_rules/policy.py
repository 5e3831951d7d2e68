"""A loaded policy: compile once, evaluate many.

:class:`Policy` ties the stages together: validated spec -> compiled ruleset -> engine, and for
each grievance: facts -> derived properties -> engine firing -> Determination.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import operator
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, overload

import pendulum

from grievance_rules.calendar import PlanCalendar, date_of, instant_us, iso_at, iso_text
from grievance_rules.compiler import MATCHED, CompiledPolicy, RuleInfo, compile_policy, condition_tests, prop_name
from grievance_rules.determination import (
    Anchored,
    Determination,
    PolicyRef,
    TraceEntry,
    TraceValue,
    compute_actions,
)
from grievance_rules.engine import EngineRejection, RulesEngine
from grievance_rules.errors import (
    EvaluationError,
    FactProblem,
    FactsError,
    GrievanceRulesError,
    PolicyError,
    PolicyVersionNotFoundError,
    Problem,
)
from grievance_rules.export import ExportLayout, export_layout, export_row
from grievance_rules.facts import (
    Grievance,
    PreparedFacts,
    build_model,
    normalize_name,
    parse_grievance,
    prepare,
    received_date,
)
from grievance_rules.lint import lint_spec
from grievance_rules.loader import LoadedSpec, load_spec_text
from grievance_rules.period import Period, parse_period
from grievance_rules.registry import fact_registry
from grievance_rules.schema import Condition, DelegationDefault, DelegationRow, Effective, PolicySpec, Timer
from grievance_rules.subject import csv_record, exact_text, parse_record

if TYPE_CHECKING:
    import pyarrow as pa

    from grievance_rules.report import Report

__all__ = ["Policy"]

_AS_OF = "an ISO 8601 date-time, e.g. 2024-12-02T12:00:00-06:00"
Getter = Callable[["_Context"], Any]
TimerResult = tuple[str, int | None, dt.datetime | None]
"""A timer's outcome for one grievance: ``met``, ``missed`` or ``open``; its due instant (UTC
microseconds since 1970; None when nothing anchors it); when its event happened (or None)."""
_HOUR_US = 3_600_000_000


class _Context:
    """What the property getters read for one grievance."""

    __slots__ = (
        "_run_timer",
        "as_of",
        "delegation",
        "facts",
        "filing",
        "filing_deadline",
        "patterns",
        "timely",
        "timers",
    )

    def __init__(
        self,
        facts: PreparedFacts,
        as_of: pendulum.DateTime | None,
        delegation: DelegationRow | DelegationDefault | None,
        in_matrix: bool,
        filing_deadline: dt.date | None,
        patterns: frozenset[str],
        run_timer: Callable[[str, _Context], TimerResult],
    ) -> None:
        self._run_timer = run_timer
        self.patterns = patterns
        self.timers: dict[str, TimerResult] = {}
        self.facts = facts
        self.as_of = as_of
        self.delegation = (delegation, in_matrix)
        self.filing_deadline = filing_deadline
        self.timely = None if filing_deadline is None else date_of(facts.received_at) <= filing_deadline
        self.filing = "unknown" if self.timely is None else ("timely" if self.timely else "late")

    def timer(self, timer: str) -> TimerResult:
        """(state, due instant, when the event happened) of a timer, computed once per grievance
        (the due instant in UTC microseconds, as :func:`instant_us` gives)."""
        found = self.timers.get(timer)
        if found is None:
            found = self.timers[timer] = self._run_timer(timer, self)
        return found

    def timer_state(self, timer: str) -> str:
        """``met``, ``missed`` or ``open`` (the registry's reader of ``timers.<id>``)."""
        return self.timer(timer)[0]


def _compile_code(message: str) -> str:
    """The code of a problem the compiler finds: a cycle among choices, or a pack beyond the engine."""
    return "GR212" if "in a cycle" in message else "GR401"


def _restore(
    file: str,
    text: str,
    history: tuple[tuple[str, str], ...] = (),
    by_date: bool = False,
    parents: tuple[tuple[str, str, str, str], ...] = (),
) -> Policy:
    """A policy unpickled: loaded again from its file names and YAML texts (the files need not exist).

    ``history`` holds the older versions' (file, text) and ``by_date`` whether receipt dates pick
    the version, so a multi-version policy comes back whole; ``parents`` the texts of the packs
    the versions extend (``extends:``). Restored policies are kept per
    process, so a worker unpickling the same policy for each task compiles it once.
    """
    key = (file, text, history, by_date, parents)
    found = _RESTORED.get(key)
    if found is None:
        found = Policy(
            load_spec_text(text, file, parents=parents),
            history=[load_spec_text(t, f, parents=parents) for f, t in history],
            by_date=by_date,
        )
        if len(_RESTORED) >= 16:
            _RESTORED.clear()
        _RESTORED[key] = found
    return found


_RESTORED: dict[tuple[Any, ...], Policy] = {}


class Policy:
    """A validated, compiled policy pack. Thread-safe; evaluate it as often as you like.

    A policy pickles as what is needed to load it again (the file name and YAML text of each of its
    versions), so a worker process without the files can unpickle it.

    A policy may hold several versions of one pack (``history``): each grievance is then judged by
    the version whose ``effective`` range covers its local receipt date (``by_date``). The policy's
    own attributes (``spec``, ``version``, ``compiled``...) are those of its newest version.
    """

    def __init__(self, loaded: LoadedSpec, *, history: Sequence[LoadedSpec] = (), by_date: bool = False) -> None:
        """Compile ``loaded`` (the newest version); with ``history`` (the older ones) judge by receipt date.

        ``by_date`` makes even a single version refuse receipt dates outside its ``effective``
        range (a pack loaded by id); a pack loaded from one file or pinned judges every date.
        """
        self.loaded = loaded
        self.spec: PolicySpec = loaded.spec
        self._warnings: tuple[Problem, ...] | None = None
        self.calendar = PlanCalendar(self.spec.calendar)
        self.compiled: CompiledPolicy = compile_policy(
            self.spec, file=loaded.file, locate=lambda path, msg: loaded.problem(path, msg, _compile_code(msg))
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
            known = [by_name[n.removesuffix(MATCHED)] for n in exc.rules if n.removesuffix(MATCHED) in by_name]
            if not known:
                raise
            shown = ", ".join(r.id for r in known[:5]) + (", ..." if len(known) > 5 else "")
            raise PolicyError(
                [
                    loaded.problem(
                        known[0].path,
                        f"durable-rules refused the ruleset holding this rule ({exc.reason}); "
                        f"simplify the conditions of: {shown}",
                        "GR401",
                    )
                ]
            ) from None
        self._timers = {t.id: t for t in self.spec.timers}
        self._registry = fact_registry(self.spec.declared())
        self._getters = {prop: self._getter(fact, tag) for prop, (fact, tag) in self.compiled.properties.items()}
        self._properties = self._property_reader()
        self.sha256 = loaded.sha256
        effective = self.spec.effective_range
        self.effective: Effective | None = effective
        self._ref = PolicyRef(
            id=self.spec.id,
            version=self.spec.version,
            sha256=self.sha256,
            effective_from=effective.from_ if effective else None,
            calendar_data=self.calendar.calendar_data,
        )
        self._decisions: dict[frozenset[str], _Decision] = {}
        self._due_texts: dict[int, str] = {}  # a timer's due instant -> its ISO text (_due_text)
        self._prepare_values()
        self._rows = (
            {} if self.spec.delegation is None else {normalize_name(r.group): r for r in self.spec.delegation.rows}
        )
        self._group_names: dict[str | None, str] = {}  # a grievance's group as given -> as compared

        self.by_date = by_date or bool(history)
        self.versions: tuple[Policy, ...] = (self,)
        if history:
            self.versions = _check_versions([self, *(Policy(h) for h in history)])

    # ------------------------------------------------------------------ versions

    def version_for(self, grievance: Grievance) -> Policy:
        """The version that judges ``grievance``: the one in force on its local receipt date.

        Raises :class:`FactsError` (field ``received_at``) when no version covers that date; the
        message names the covered range, never the date given.
        """
        if not self.by_date or (len(self.versions) == 1 and self.effective is None):
            return self
        day = received_date(grievance, self.calendar)
        if day is None:  # a moment the calendar cannot serve: preparing the facts refuses it
            return self
        for version in self.versions:
            if version.effective is None or version.effective.covers(day):
                return version
        covered = _covered(self.versions)
        raise FactsError(
            [
                FactProblem(
                    "received_at",
                    f"no version of pack {self.spec.id!r} is in force on the local receipt date; "
                    f"its versions cover {covered}",
                    f"a receipt date in {covered}",
                )
            ]
        )

    def pinned(self, version: str) -> Policy:
        """The version ``version`` alone, judging every receipt date (raises ``PolicyVersionNotFoundError``)."""
        for v in self.versions:
            if v.spec.version == version:
                return v if not v.by_date else Policy(v.loaded)
        raise PolicyVersionNotFoundError(self.spec.id, version, [v.spec.version for v in self.versions])

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

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """Warnings about the pack (codes GR5xx): things that load but are probably mistakes.

        Worked out on first use and kept; they never stop a pack from loading (docs/validation-codes.md).
        """
        if self._warnings is None:
            self._warnings = tuple(lint_spec(self.spec, self.loaded.problem))
        return self._warnings

    @property
    def calendar_data(self) -> str | None:
        """The holiday data its deadlines are computed with (``holidays X.Y``), None when it uses none."""
        return self.calendar.calendar_data

    def __reduce__(self) -> tuple[Callable[..., Policy], tuple[Any, ...]]:
        history = tuple((v.loaded.file, v.loaded.text) for v in self.versions if v is not self)
        parents = tuple(dict.fromkeys(p for v in self.versions for p in v.loaded.parents))
        if not parents:
            return (_restore, (self.loaded.file, self.loaded.text, history, self.by_date))
        return (_restore, (self.loaded.file, self.loaded.text, history, self.by_date, parents))

    def __repr__(self) -> str:
        more = f" +{len(self.versions) - 1} earlier versions" if len(self.versions) > 1 else ""
        return f"<Policy {self.spec.id} {self.spec.version} ({self.compiled.ruleset_name}){more}>"

    # ------------------------------------------------------------------ evaluate

    def evaluate(
        self, facts: Mapping[str, Any] | Grievance, as_of: str | dt.datetime | None = None, *, trace: bool = True
    ) -> Determination:
        """The Determination for one grievance.

        ``as_of`` (aware datetime or ISO string; offset-less strings are read in the plan's timezone)
        sets each action's status: ``overdue`` once its due moment has passed without its event.
        ``trace=False`` leaves the trace empty (faster, for callers that do not show it).
        Raises :class:`FactsError` for invalid facts; never mutates ``facts``.
        """
        when = self.parse_as_of(as_of)
        version, prepared = self.prepare_record(facts, when)
        return version._determine(prepared, when, trace=trace)

    def prepare_record(
        self, facts: Mapping[str, Any] | Grievance, when: pendulum.DateTime | None
    ) -> tuple[Policy, PreparedFacts]:
        """Check one record (a grievance, or a record of the pack's subject) and pick its version.

        Raises :class:`FactsError` for facts that do not fit the pack.
        """
        subject = self.spec.subject
        if subject is None:
            grievance = parse_grievance(facts)
            version = self.version_for(grievance)
            return version, prepare(grievance, version.spec, version.calendar, when)
        if isinstance(facts, Grievance):
            raise FactsError([("facts", f"this pack judges {subject.name} records, not grievances", "a mapping")])
        carrier, values = parse_record(facts, subject, bool(self.spec.vocabulary.events))
        version = self.version_for(carrier) if subject.received_field else self
        prepared = prepare(carrier, version.spec, version.calendar, when)
        return version, dataclasses.replace(prepared, subject=values)

    def csv_record(self, row: Mapping[str, str]) -> dict[str, Any]:
        """A CSV row (text cells) typed by the pack's subject facts: integers and booleans read
        from their text, tags split on ``;``; other cells stay text and are checked on evaluation.

        Raises :class:`FactsError` for a pack without ``subject:`` (grievances are JSON).
        """
        if self.spec.subject is None:
            raise FactsError(
                [("facts", "CSV input needs a pack that declares a subject; give grievances as JSON", "JSON")]
            )
        return csv_record(row, self.spec.subject)

    def run_members(self, facts: PreparedFacts) -> frozenset[str]:
        """The runs (``subject.runs``) this record counts toward: their ``when`` holds for it."""
        if self.spec.subject is None or not self.spec.subject.runs or facts.subject is None:
            return frozenset()
        base = {**facts.subject, **{f"runs.{r.id}": 0 for r in self.spec.subject.runs}}
        ctx = self._context(dataclasses.replace(facts, subject=base), None)
        fired = self.engine.fire(self._properties(ctx))
        return frozenset(r.id for r in self.spec.subject.runs if f"{self.spec.id}.{r.id}" in fired)

    def with_runs(self, facts: PreparedFacts, runs: Mapping[str, int]) -> PreparedFacts:
        """The record with the length of each of its runs set (``runs.<id>``)."""
        assert facts.subject is not None
        return dataclasses.replace(facts, subject={**facts.subject, **{f"runs.{k}": v for k, v in runs.items()}})

    @overload
    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        as_of: str | dt.datetime | None = None,
        errors: Literal["raise"] = "raise",
        *,
        trace: bool = True,
    ) -> Iterator[Determination]: ...

    @overload
    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        as_of: str | dt.datetime | None = None,
        *,
        errors: Literal["collect"],
        trace: bool = True,
    ) -> Iterator[Determination | FactsError]: ...

    def evaluate_many(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        as_of: str | dt.datetime | None = None,
        errors: Literal["raise", "collect"] = "raise",
        *,
        trace: bool = True,
    ) -> Iterator[Determination | FactsError]:
        """Evaluate a stream of grievances lazily (a generator: memory stays flat).

        ``trace=False`` leaves each Determination's trace empty (faster).

        With ``errors="collect"`` a record with bad facts yields its :class:`FactsError` in its
        place and the stream goes on; with ``"raise"`` (the default) the error propagates.
        """
        if errors not in ("raise", "collect"):
            raise GrievanceRulesError("errors must be 'raise' or 'collect'")
        when = self.parse_as_of(as_of)
        grievances = self.spec.subject is None
        for record in records:
            try:
                if grievances:  # prepare_record's grievance branch, without a call per record
                    grievance = parse_grievance(record)
                    version = self.version_for(grievance)
                    prepared = prepare(grievance, version.spec, version.calendar, when)
                else:
                    version, prepared = self.prepare_record(record, when)
            except FactsError as exc:
                if errors == "raise":
                    raise
                yield exc
                continue
            yield version._determine(prepared, when, trace=trace)

    def evaluate_table(self, table: Any, as_of: str | dt.datetime | None = None) -> pa.Table:
        """Evaluate a table of grievances (contract section 10; docs/tables.md).

        ``table`` is a pyarrow Table or anything with ``__arrow_c_stream__`` (a pandas or polars
        DataFrame). Returns a pyarrow Table with one row per input row, in order: ``id``,
        ``classification``, ``level``, ``handled_by``, ``timely_filed``, ``filing_deadline``,
        ``error`` (the row's FactsError message, else null) and per action code ``<code>_due_at``
        and ``<code>_status``. Needs the ``table`` extra (pyarrow, numpy).
        """
        from grievance_rules.table import evaluate_table

        return evaluate_table(self, table, as_of)

    def report(
        self,
        name: str,
        records: Iterable[Mapping[str, Any] | Grievance],
        period: str | Period,
        member_months: int | None = None,
        as_of: str | dt.datetime | None = None,
        errors: Literal["raise", "collect"] = "raise",
    ) -> Report:
        """Run the pack's report ``name`` over ``records`` (contract section 7; docs/reports.md).

        Reads the records once, lazily, keeping only counters (flat memory). Counts the grievances
        whose local receipt date falls in ``period`` (``2014Q4``, ``2014-12``, ``2014-12-03`` or
        ``2014-10-01..2014-12-31``). ``member_months`` gives the rate per 1000 member months;
        ``as_of`` is the moment statuses are judged at (default: the end of the period).
        With ``errors="collect"`` a record with bad facts is listed in ``Report.errors`` and the
        pass goes on; with ``"raise"`` its :class:`FactsError` propagates. Raises
        :class:`ReportError` for an unknown report or a period of the wrong kind.
        """
        from grievance_rules.report import run_report

        return run_report(self, name, records, period, member_months=member_months, as_of=as_of, errors=errors)

    def snapshot(self, grievance: Grievance, as_of: pendulum.DateTime) -> tuple[PreparedFacts, Determination]:
        """The grievance as it stood at ``as_of`` and its Determination then.

        Events and a resolution after ``as_of`` are left out (they had not happened yet), so a
        report judged at the end of a period can be run on data collected later. Raises
        :class:`FactsError` for facts that do not fit the pack.
        """
        cut = instant_us(as_of)
        events = [e for e in grievance.events if instant_us(self.instant(e.at)) <= cut]
        resolved = grievance.resolved_at
        if resolved is not None and instant_us(self.instant(resolved)) > cut:
            resolved = None
        if len(events) != len(grievance.events) or resolved is not grievance.resolved_at:
            grievance = grievance.model_copy(update={"events": events, "resolved_at": resolved})
        prepared = prepare(grievance, self.spec, self.calendar, as_of)
        return prepared, self._determine(prepared, as_of)

    def instant(self, value: str | dt.datetime) -> dt.datetime:
        """A validated moment of the facts as an aware datetime, for comparisons only (cheaper than
        the pendulum moments of :func:`prepare`); an offset-less string is a wall time in the plan's timezone."""
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=self.calendar.tz)

    @overload
    def export(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        period: str | Period | None = None,
        as_of: str | dt.datetime | None = None,
        *,
        include: str | Iterable[str] = (),
        errors: Literal["raise"] = "raise",
    ) -> Iterator[dict[str, Any]]: ...

    @overload
    def export(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        period: str | Period | None = None,
        as_of: str | dt.datetime | None = None,
        *,
        include: str | Iterable[str] = (),
        errors: Literal["collect"],
    ) -> Iterator[dict[str, Any] | FactsError]: ...

    def export(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        period: str | Period | None = None,
        as_of: str | dt.datetime | None = None,
        *,
        include: str | Iterable[str] = (),
        errors: Literal["raise", "collect"] = "raise",
    ) -> Iterator[dict[str, Any] | FactsError]:
        """The audit export (contract section 8): one flat row per grievance, lazily, in input order.

        ``period`` (``2014Q4``, ``2014-12``, ``2014-12-03``, ``2014-10-01..2014-12-31``) keeps only
        grievances whose *local* receipt date (the plan's timezone) is in it. ``as_of`` judges the
        statuses as :meth:`evaluate` does: without it nothing is ``overdue``. Parties and the
        narrative are left out unless named in ``include`` (see :data:`grievance_rules.export.INCLUDABLE`).
        ``errors`` works as in :meth:`evaluate_many`: a bad record raises, or with ``"collect"``
        yields its :class:`FactsError` in its place (whatever the period: it cannot be dated).
        Arguments are checked at once; the records are read only as the rows are consumed.
        """
        if errors not in ("raise", "collect"):
            raise GrievanceRulesError("errors must be 'raise' or 'collect'")
        window = None if period is None else parse_period(period)
        when = self.parse_as_of(as_of)
        layout = self.export_layout(include)
        return self._export(records, window, when, layout, errors)

    def export_layout(self, include: str | Iterable[str] = ()) -> ExportLayout:
        """The columns :meth:`export` gives for this pack (and ``include``), in order, with their types."""
        return export_layout(self.spec, include)

    def _export(
        self,
        records: Iterable[Mapping[str, Any] | Grievance],
        window: Period | None,
        when: pendulum.DateTime | None,
        layout: ExportLayout,
        errors: str,
    ) -> Iterator[dict[str, Any] | FactsError]:
        for record in records:
            try:
                prepared = prepare(parse_grievance(record), self.spec, self.calendar, when)
            except FactsError as exc:
                if errors == "raise":
                    raise
                yield exc
                continue
            if window is not None and prepared.received_at.date() not in window:
                continue  # filtered before the engine fires: the costly part is skipped
            yield export_row(layout, prepared, self._determine(prepared, when, trace=False))  # rows hold no trace

    def parse_as_of(self, as_of: str | dt.datetime | None) -> pendulum.DateTime | None:
        """``as_of`` as an aware moment in the plan's timezone (offset-less strings are local).

        A date alone means the start of that day; a time without a date is refused (it would
        silently mean "today" by reading the clock), and so is a moment outside the span the
        calendar serves. Errors chain nothing (the value given never travels with them).
        """
        if as_of is None:
            return None
        calendar = self.calendar
        span = calendar.span

        def outside() -> FactsError:
            return FactsError(
                [
                    FactProblem(
                        "as_of", f"is outside the dates the plan's calendar serves ({span})", f"a moment from {span}"
                    )
                ]
            )

        if isinstance(as_of, dt.datetime):
            if as_of.tzinfo is None or as_of.utcoffset() is None:
                raise FactsError([FactProblem("as_of", "a datetime object must carry a timezone", "an aware datetime")])
            served = calendar.localize_served(as_of)
            if served is None:
                raise outside()
            return served
        parsed: object = None
        if isinstance(as_of, str) and len(as_of) <= 64:
            try:
                parsed = pendulum.parse(as_of, exact=True, tz=calendar.tz)
            except Exception:
                parsed = None
        if isinstance(parsed, pendulum.Time):
            raise FactsError([FactProblem("as_of", "a time without a date is not a moment; give the date too", _AS_OF)])
        if isinstance(parsed, pendulum.DateTime):
            moment: dt.datetime = parsed
        elif isinstance(parsed, dt.date):
            if not calendar.serves(parsed):
                raise outside()
            moment = pendulum.datetime(parsed.year, parsed.month, parsed.day, tz=calendar.tz)
        else:
            raise FactsError([FactProblem("as_of", "not an ISO 8601 date or date-time", _AS_OF)])
        served = calendar.localize_served(moment)
        if served is None:
            raise outside()
        return served

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
            name = self._group_names.get(g.group)
            if name is None:  # each group spelling is normalised once
                if len(self._group_names) >= 4096:
                    self._group_names.clear()
                name = self._group_names[g.group] = normalize_name(g.group or "")
            found = self._rows.get(name)
            in_matrix = found is not None
            row = found or self.spec.delegation.default
        deadline = None
        if self.spec.filing_window is not None and g.incident_date is not None:
            deadline = self.calendar.filing_deadline(g.incident_date, self.spec.filing_window.amount)
        return _Context(facts, as_of, row, in_matrix, deadline, patterns, self._run_timer)

    def _property_reader(self) -> Callable[[_Context], dict[str, Any]]:
        """One function giving every engine property of a grievance, in the compiled order.

        What ``{prop: get(ctx) for prop, get in self._getters.items()}`` gives, generated once at
        load: a tag list is read once for all the properties that test its tags (``tag in
        tags``), and the dict is one literal, not a loop of calls. The generated source holds
        only names made here (``k0``, ``g0``, ``t0``...); every property name, tag and reader
        reaches it as a value bound in its namespace, never as source text.
        """
        namespace: dict[str, Any] = {}
        reads: dict[str, str] = {}  # tag-list fact -> the local holding its tags
        lines: list[str] = []
        items: list[str] = []
        for i, (prop, (fact, tag)) in enumerate(self.compiled.properties.items()):
            namespace[f"k{i}"] = prop
            getter = self._getters[prop]
            if (
                tag is not None
                and self._subject_getter(fact, tag) is None
                and (read := self._registry[fact].read) is not None
            ):
                local = reads.get(fact)
                if local is None:
                    local = reads[fact] = f"v{len(reads)}"
                    namespace[f"r{local}"] = read
                    lines.append(f"    {local} = r{local}(ctx)")
                namespace[f"t{i}"] = tag
                items.append(f"k{i}: t{i} in {local}")
            else:
                namespace[f"g{i}"] = getter
                items.append(f"k{i}: g{i}(ctx)")
        source = "def properties(ctx):\n" + "".join(f"{line}\n" for line in lines)
        source += "    return {" + ", ".join(items) + "}\n"
        exec(compile(source, f"<properties of {self.spec.id}>", "exec"), namespace)
        reader: Callable[[_Context], dict[str, Any]] = namespace["properties"]
        return reader

    def _subject_getter(self, fact: str, tag: str | None) -> Getter | None:
        """The getter of a subject's own fact (None for events, timers and choices)."""
        subject = self.spec.subject
        if subject is None:
            return None
        if fact.startswith("runs."):
            return lambda ctx: _values(ctx).get(fact, 0)
        declared = subject.facts.get(fact)
        if declared is None and fact not in subject.computed:
            return None
        if declared is not None and declared.type == "tags":
            return lambda ctx: tag in (_values(ctx).get(fact) or ())
        if tag is not None:  # an exact comparison of a number
            op, _, literal = tag.partition(" ")
            bound = Fraction(literal)
            compare = _COMPARE[op]
            return lambda ctx: (v := _values(ctx).get(fact)) is not None and compare(Fraction(v), bound)
        empty = {"enum": "none", "string": "", "month": "", "quarter": ""}.get(declared.type if declared else "")
        return lambda ctx: v if (v := _values(ctx).get(fact)) is not None else empty

    def _getter(self, fact: str, tag: str | None) -> Getter:
        """The engine property's reader, from the fact registry (a tag's property: is it listed);
        a subject's own facts (exact number comparisons included) are read by :meth:`_subject_getter`."""
        found = self._subject_getter(fact, tag)
        if found is not None:
            return found
        read = self._registry[fact].read
        if read is None:
            raise AssertionError(f"fact {fact} is decided by the rules, not read from the facts")
        if tag is not None:
            return lambda ctx: tag in read(ctx)
        return read

    def _run_timer(self, timer_id: str, ctx: _Context) -> TimerResult:
        """(state, due instant, when the event happened) of a timer for one grievance.

        Decided on instants (UTC microseconds): an ``hours`` timer is due exactly its hours after
        its anchor's instant, which is what :meth:`PlanCalendar.due` gives, so its due moment is
        never built here; the trace writes the instant as text (:meth:`_due_text`)."""
        timer = self._timers[timer_id]
        facts = ctx.facts
        anchor = None
        from_receipt = False
        happened = facts.first(timer.event)
        happened_us = facts.first_us(timer.event)  # None exactly when happened is None
        within = timer.within
        if within.schedule_type is not None:
            planned = facts.planned(within.schedule_type)
            if planned is None:
                return "open", None, happened
            due = self.calendar.before(planned, within.unit, within.amount or 0)
            return self._timer_outcome(instant_us(due.due_at), happened, happened_us, ctx)
        anchor_us = None
        for ref in timer.within.refs:
            if ref.kind == "receipt":
                anchor, from_receipt, anchor_us = facts.received_at, True, facts.received_us()
            elif ref.kind == "event":
                anchor, anchor_us = facts.first(ref.name), facts.first_us(ref.name)
            if anchor is not None:
                break
        if anchor is None or anchor_us is None:
            return "open", None, happened
        if within.unit == "hours":
            return self._timer_outcome(anchor_us + (within.amount or 0) * _HOUR_US, happened, happened_us, ctx)
        due = self.calendar.due(anchor, within.unit, within.amount, from_receipt=from_receipt, roll=within.roll)
        return self._timer_outcome(instant_us(due.due_at), happened, happened_us, ctx)

    @staticmethod
    def _timer_outcome(
        due_us: int, happened: dt.datetime | None, happened_us: int | None, ctx: _Context
    ) -> TimerResult:
        """The state of a timer due at ``due_us`` whose event happened at ``happened`` (instant
        ``happened_us``), or has not happened yet (both None)."""
        if happened_us is not None:
            return ("met" if happened_us <= due_us else "missed"), due_us, happened
        if ctx.as_of is not None and instant_us(ctx.as_of) > due_us:
            return "missed", due_us, None
        return "open", due_us, None

    def _due_text(self, due_us: int) -> str:
        """The ISO text of a timer's due instant in the plan's timezone (what ``isoformat()`` of
        the due moment gives), kept per instant: many grievances share one (the close of
        business of a day, the end of a day)."""
        found = self._due_texts.get(due_us)
        if found is None:
            if len(self._due_texts) >= 4096:
                self._due_texts.clear()
            found = self._due_texts[due_us] = iso_at(self.calendar.tz, due_us)
        return found

    def _fact_values(
        self, ctx: _Context, choice: Mapping[str, str | None], props: Mapping[str, Any], flags: Mapping[str, bool]
    ) -> dict[str, TraceValue]:
        """The value of every fact the pack's conditions read, for the trace: booleans, counts,
        vocabulary tokens, tag lists and ISO dates, never free text (a text fact shows its value
        only when the pack's own conditions name it)."""
        # the engine was shown these very values: read them back rather than derive them twice
        out: dict[str, TraceValue] = {fact: props[prop] for fact, prop in self._plain_values}
        for fact in self._choice_values:
            out[fact] = choice.get(fact) or ("plan" if fact == "handled_by" else None)
        for fact in self._flag_values:
            out[fact] = flags[fact.removeprefix("flags.")]
        for fact in self._moment_values:
            out[fact] = ctx.facts.declared[fact.removeprefix("facts.")].isoformat()
        for fact, read in self._tag_values:
            out[fact] = tuple(sorted(read(ctx)))
        for fact, kind in self._subject_values:
            value = _values(ctx).get(fact)
            if kind == "tags":
                out[fact] = tuple(sorted(value or ()))
            else:
                out[fact] = None if value is None else exact_text(Fraction(value))
        for fact, get, named in self._str_values:
            value = get(ctx)
            out[fact] = value if value in named else "(a value the pack does not name)"
        for fact, timer in self._timer_values:
            state, due, happened = ctx.timer(timer.id)  # computed once per grievance (ctx.timers)
            out[fact] = state
            out[f"{fact}.due_at"] = None if due is None else self._due_text(due)
            out[f"{fact}.event_at"] = None if happened is None else iso_text(happened)
        return out

    def _values_reader(self) -> _ValuesReader:
        """One function giving what :meth:`_fact_values` gives (the same keys in the same order),
        generated at load: one dict literal, each value read in place, instead of a loop per kind
        of fact (the trace reads every grievance's values).

        As in :meth:`_property_reader`, the generated source holds only names made here (``k0``,
        ``p1``...): every fact name, property and reader reaches it as a value bound in its
        namespace, never as source text.
        """
        namespace: dict[str, Any] = {"due_text": self._due_text, "iso_text": iso_text}
        lines: list[str] = []
        items: list[str] = []

        def bind(value: Any) -> str:
            name = f"n{len(namespace)}"
            namespace[name] = value
            return name

        for fact, prop in self._plain_values:
            items.append(f"{bind(fact)}: props[{bind(prop)}]")
        for fact in self._choice_values:
            items.append(f"{bind(fact)}: choice.get({bind(fact)}) or {bind('plan' if fact == 'handled_by' else None)}")
        for fact in self._flag_values:
            items.append(f"{bind(fact)}: flags[{bind(fact.removeprefix('flags.'))}]")
        for fact in self._moment_values:
            items.append(f"{bind(fact)}: ctx.facts.declared[{bind(fact.removeprefix('facts.'))}].isoformat()")
        for fact, read in self._tag_values:
            items.append(f"{bind(fact)}: tuple(sorted({bind(read)}(ctx)))")
        for fact, kind in self._subject_values:
            items.append(f"{bind(fact)}: {bind(_subject_shown(fact, kind))}(ctx)")
        for fact, get, named in self._str_values:
            items.append(f"{bind(fact)}: {bind(_named_shown(get, named))}(ctx)")
        for i, (fact, timer) in enumerate(self._timer_values):
            lines.append(f"    s{i}, d{i}, h{i} = ctx.timer({bind(timer.id)})")
            items.append(f"{bind(fact)}: s{i}")
            items.append(f"{bind(f'{fact}.due_at')}: None if d{i} is None else due_text(d{i})")
            items.append(f"{bind(f'{fact}.event_at')}: None if h{i} is None else iso_text(h{i})")
        source = "def values(ctx, choice, props, flags):\n" + "".join(f"{line}\n" for line in lines)
        source += "    return {" + ", ".join(items) + "}\n"
        exec(compile(source, f"<trace values of {self.spec.id}>", "exec"), namespace)
        reader: _ValuesReader = namespace["values"]
        return reader

    def _prepare_values(self) -> None:
        """Sort the facts the trace shows by how their value is read (once, at load)."""
        named: dict[str, set[Any]] = {}
        for fact, _op, operand in _all_tests(self.spec):
            named.setdefault(fact, set()).update(operand if isinstance(operand, list) else [operand])
        self._plain_values: list[tuple[str, str]] = []  # (fact, engine property)
        self._choice_values: list[str] = []
        self._flag_values: list[str] = []
        self._moment_values: list[str] = []  # declared dates and date-times, shown as ISO text
        self._tag_values: list[tuple[str, Getter]] = []
        self._str_values: list[tuple[str, Getter, frozenset[Any]]] = []
        self._timer_values: list[tuple[str, Timer]] = []
        self._subject_values: list[tuple[str, str]] = []  # (fact, kind) read from a subject record
        catalogue = self.compiled.catalogue
        subject = self.spec.subject
        for fact in dict.fromkeys(f for info in self.compiled.rules for f in info.facts):
            kind = catalogue[fact].kind if fact in catalogue else "enum"
            if fact in self.spec.choices():
                self._choice_values.append(fact)
            elif (
                subject is not None
                and kind in ("number", "tags")
                and (fact in subject.facts or fact in subject.computed)
            ):
                self._subject_values.append((fact, kind))
            elif fact.startswith("flags."):
                self._flag_values.append(fact)
            elif kind in ("date", "datetime"):
                self._moment_values.append(fact)
            elif kind == "tags":
                self._tag_values.append((fact, self._getter(fact, None)))
            elif fact.startswith("timers."):
                self._timer_values.append((fact, self._timers[fact.partition(".")[2]]))
            elif kind == "str":
                self._str_values.append((fact, self._getter(fact, None), frozenset(named.get(fact, ()))))
            else:
                self._plain_values.append((fact, prop_name(fact)))
        self._trace_keys = [tuple(k for f in info.facts for k in _value_keys(f)) for info in self.compiled.rules]
        moments = {k for keys in self._trace_keys for k in keys if k.endswith((".due_at", ".event_at"))}
        self._shared_keys = tuple(
            k for k in dict.fromkeys(k for keys in self._trace_keys for k in keys) if k not in moments
        )
        self._moment_rules = tuple(i for i, keys in enumerate(self._trace_keys) if moments & set(keys))
        # the shared values of one grievance, as one hashable key (a tuple, or () when there are none)
        self._shared_get: Callable[[Mapping[str, TraceValue]], Any] = (
            operator.itemgetter(*self._shared_keys, self._shared_keys[0]) if self._shared_keys else (lambda _: ())
        )
        self._rule_index = {info.name: i for i, info in enumerate(self.compiled.rules)}
        # (index, reader, keys) of the entries whose values are shared across grievances (one
        # reader per rule, made once for every decision), and (index, keys) of those rebuilt per
        # grievance (they show moments: timers)
        self._shared_readers = tuple(
            (i, operator.itemgetter(*keys), keys)
            for i, keys in enumerate(self._trace_keys)
            if keys and i not in self._moment_rules
        )
        self._moment_plan = tuple((i, self._trace_keys[i]) for i in self._moment_rules)
        self._bare_entries: dict[tuple[str, bool, str], TraceEntry] = {}
        self._trace_cache: dict[tuple[Any, ...], tuple[TraceEntry, ...]] = {}
        self._entry_cache: dict[tuple[int, Any], TraceEntry] = {}
        self._read_values = self._values_reader()

    def _forget(self) -> None:
        """Drop what evaluations cached (decisions, trace entries, due dates): the next evaluation
        works everything out afresh. For tests that compare the cached path with the full one."""
        for version in self.versions:
            version._decisions.clear()
            version._trace_cache.clear()
            version._entry_cache.clear()
            version._bare_entries.clear()
            version._group_names.clear()
            version._due_texts.clear()
            version.calendar.forget()

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
        flags = dict.fromkeys((f.id for f in self.spec.flags), False)
        bare = self._bare_entries
        for info in self.compiled.rules:
            did = info.name in fired
            because = _because(info, did, fired)
            entry = bare.get((info.name, did, because))
            if entry is None:  # the values are the library's own: built as validation would
                if len(bare) >= 65536:  # the entry cache is keyed by these entries' ids: it goes too
                    bare.clear()
                    self._entry_cache.clear()
                    self._trace_cache.clear()
                    self._decisions.clear()
                entry = bare[(info.name, did, because)] = _entry(
                    rule=info.name,
                    fired=did,
                    because=because,
                    citation=info.citation.render() if info.citation else None,
                    reading=info.reading,
                )
            trace.append(entry)
            if not did:
                continue
            if info.kind == "flag":
                flags[info.id] = True
            elif info.kind in ("classification", "level", "handled_by"):
                if choice.get(info.kind) is not None:
                    raise EvaluationError(f"two {info.kind} rules fired; the compiled choice is inconsistent")
                choice[info.kind] = info.value
            elif info.kind == "action":
                fired_actions.append(info)
            elif info.message is not None:
                warnings.append(info.message)
        if choice.get("classification") is None:
            raise EvaluationError("no classification rule fired; add a 'default' to the policy's classification")
        # per rule whose trace shows shared values: (position, its entry, the reader of its values, their keys)
        shared = tuple((i, trace[i], read, keys) for i, read, keys in self._shared_readers)
        decision = _Decision(choice, tuple(fired_actions), tuple(warnings), tuple(trace), flags, shared)
        if len(self._decisions) >= 4096:
            self._decisions.clear()
            self._trace_cache.clear()  # keyed by ids of the decisions just dropped (see _trace)
        self._decisions[fired] = decision
        return decision

    def _determine(
        self,
        facts: PreparedFacts,
        as_of: pendulum.DateTime | None,
        patterns: frozenset[str] = frozenset(),
        related: Mapping[str, tuple[str, ...]] | None = None,
        *,
        trace: bool = True,
    ) -> Determination:
        subject = self.spec.subject
        if (
            subject is not None
            and subject.runs
            and facts.subject is not None
            and f"runs.{subject.runs[0].id}" not in facts.subject
        ):
            # evaluated alone: each run is this record's own (1 when it counts, else 0)
            members = self.run_members(facts)
            facts = self.with_runs(facts, {r.id: int(r.id in members) for r in subject.runs})
        ctx = self._context(facts, as_of, patterns)
        props = self._properties(ctx)
        fired = self.engine.fire(props)
        decision = self._decisions.get(fired) or self._decision(fired)
        g = facts.grievance
        anchored: dict[str, Anchored] = {}
        actions = tuple(
            compute_actions(
                decision.actions,
                facts,
                self.calendar,
                as_of,
                related,
                anchored if trace else None,
                self.spec.extensions,
            )
        )
        warnings = decision.warnings
        if self.spec.extensions:
            warnings += self._extension_warnings(facts, decision)
        # every value is the library's own, already typed: built as trusted() builds it, every
        # field given in field order
        return build_model(
            Determination,
            {
                "subject": "grievance" if subject is None else subject.name,
                "id": g.id,
                "grievance_id": g.id if subject is None else None,
                "policy": self._ref,
                "received_at": facts.received_at if subject is None or subject.received_field else None,
                "as_of": as_of,
                "timely_filed": ctx.timely,
                "filing_deadline": ctx.filing_deadline,
                "classification": decision.choice.get("classification"),
                "level": decision.choice.get("level"),
                "type": g.type,
                "handled_by": decision.choice.get("handled_by") or "plan",
                "actions": actions,
                "warnings": warnings,
                "flags": decision.flags,
                "trace": self._trace(decision, ctx, props, anchored) if trace else (),
            },
            set(_DETERMINATION_FIELDS),
        )

    def _extension_warnings(self, facts: PreparedFacts, decision: _Decision) -> tuple[str, ...]:
        """A warning for each extension taken whose notice action the rules do not require."""
        if not self.spec.extensions:
            return ()
        fired = {info.id for info in decision.actions}
        return tuple(
            f"extension {ext.id} was taken but its notice action '{ext.notice}' is not required by the rules; "
            "the extension needs that notice"
            for ext in self.spec.extensions
            if ext.notice is not None and ext.notice not in fired and facts.first(ext.event) is not None
        )

    def _trace(
        self, decision: _Decision, ctx: _Context, props: Mapping[str, Any], anchored: Mapping[str, Anchored]
    ) -> tuple[TraceEntry, ...]:
        """The decision's trace with this grievance's values: what each condition read and, for
        each action with a deadline, its anchor and due moment.

        Entries depend on the fired set and the values read, which few grievances differ in, so
        the trace is built once per (decision, values) and shared; only entries holding moments
        of this grievance (timers, deadlines) are copied per grievance.
        """
        values = self._read_values(ctx, decision.choice, props, decision.flags)
        # keyed by the decision's id: every decision stays in _decisions until that cache is
        # emptied, and this one is emptied with it, so an id here never names another decision
        key = (id(decision), *self._shared_get(values))
        entries = self._trace_cache.get(key)
        if entries is None:
            if len(self._trace_cache) >= 16384:
                self._trace_cache.clear()  # the entries stay shared: _entry_cache is bounded on its own
            entries = self._trace_cache[key] = self._shared_entries(decision, values)
        if not self._moment_rules and not anchored:
            return entries
        out = list(entries)
        trace = decision.trace
        for index, keys in self._moment_plan:
            out[index] = _with_values(trace[index], {k: values[k] for k in keys})
        for name, found in anchored.items():
            index = self._rule_index[name]
            out[index] = _with_anchor(out[index], found)
        return tuple(out)

    def _shared_entries(self, decision: _Decision, values: Mapping[str, TraceValue]) -> tuple[TraceEntry, ...]:
        """The decision's entries with these values, each built once per (rule, outcome, values)."""
        cache = self._entry_cache
        out = list(decision.trace)
        for index, entry, read, keys in decision.shared:
            shown = read(values)  # the value itself for one key, a tuple of them for several
            key = (id(entry), shown)  # entries are kept in _bare_entries while this cache holds them
            found = cache.get(key)
            if found is None:
                if len(cache) >= 65536:
                    cache.clear()
                found = cache[key] = _with_values(
                    entry, {keys[0]: shown} if len(keys) == 1 else dict(zip(keys, shown, strict=True))
                )
            out[index] = found
        return tuple(out)


_ENTRY_SET = frozenset(("rule", "fired", "because", "citation", "reading"))
_DETERMINATION_FIELDS = frozenset(Determination.model_fields)


def _entry(**fields: Any) -> TraceEntry:
    """``TraceEntry(**fields)`` for the library's own values (rule, fired, because, citation,
    reading): the same instance validation builds (its own empty ``values``, the same fields set),
    without validation's cost."""
    return build_model(
        TraceEntry, {**fields, "values": {}, "anchor": None, "anchor_at": None, "due_at": None}, set(_ENTRY_SET)
    )


_VALUES_SET = frozenset(("values",))
_ANCHOR_SET = frozenset(("anchor", "anchor_at", "due_at"))


def _with_values(entry: TraceEntry, values: dict[str, TraceValue]) -> TraceEntry:
    """``entry`` with its ``values`` set: what ``model_copy(update={"values": values})`` gives (the
    entry is frozen and the values are the library's own), without its generic copying machinery."""
    fields = entry.__dict__.copy()
    fields["values"] = values
    return build_model(TraceEntry, fields, entry.__pydantic_fields_set__ | _VALUES_SET)


def _with_anchor(entry: TraceEntry, found: Anchored) -> TraceEntry:
    """``entry`` showing the anchor, its moment and the due moment of an action's deadline."""
    fields = entry.__dict__.copy()
    fields["anchor"] = found.anchor
    fields["anchor_at"] = found.anchor_at
    fields["due_at"] = found.due_at
    return build_model(TraceEntry, fields, entry.__pydantic_fields_set__ | _ANCHOR_SET)


_COMPARE: dict[str, Callable[[Fraction, Fraction], bool]] = {
    "eq": lambda a, b: a == b,
    "gte": lambda a, b: a >= b,
    "gt": lambda a, b: a > b,
    "lte": lambda a, b: a <= b,
    "lt": lambda a, b: a < b,
}


_ValuesReader = Callable[
    [_Context, Mapping[str, str | None], Mapping[str, Any], Mapping[str, bool]], dict[str, TraceValue]
]


def _subject_shown(fact: str, kind: str) -> Callable[[_Context], TraceValue]:
    """How the trace shows a subject's number or tags (as :meth:`Policy._fact_values` does)."""
    if kind == "tags":
        return lambda ctx: tuple(sorted(_values(ctx).get(fact) or ()))
    return lambda ctx: None if (value := _values(ctx).get(fact)) is None else exact_text(Fraction(value))


def _named_shown(get: Getter, named: frozenset[Any]) -> Callable[[_Context], TraceValue]:
    """How the trace shows a text fact: its value when the pack's conditions name it, else not."""
    return lambda ctx: value if (value := get(ctx)) in named else "(a value the pack does not name)"


def _values(ctx: _Context) -> Mapping[str, Any]:
    """A subject record's typed values (empty for a grievance)."""
    return ctx.facts.subject or {}


def _value_keys(fact: str) -> tuple[str, ...]:
    """The trace values a test of ``fact`` shows: the fact, and for a timer the moments that
    decided it (the filing window's are the Determination's ``filing_deadline`` and receipt)."""
    if fact.startswith("timers."):
        return (fact, f"{fact}.due_at", f"{fact}.event_at")
    return (fact,)


def _all_tests(spec: PolicySpec) -> list[tuple[str, str, Any]]:
    """Every fact test of every condition in the pack."""
    conditions: list[Condition | None] = [r.when for c in spec.choices().values() for r in c.rules]
    conditions += [r.when for r in (*spec.actions, *spec.warnings)]
    conditions += [r.when for r in spec.record_requirements]
    conditions += [r.when for r in spec.patterns]
    return [t for c in conditions for t in condition_tests(c)]


class _Decision(NamedTuple):
    choice: dict[str, str | None]
    actions: tuple[RuleInfo, ...]
    warnings: tuple[str, ...]
    trace: tuple[TraceEntry, ...]
    flags: dict[str, bool]
    shared: tuple[tuple[int, TraceEntry, Callable[[Mapping[str, TraceValue]], Any], tuple[str, ...]], ...] = ()


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


def _covered(versions: Sequence[Policy]) -> str:
    """The receipt dates a sorted set of versions covers, as ``from..until`` (open end: ``from..``)."""
    first, last = versions[0].effective, versions[-1].effective
    start = first.from_.isoformat() if first else ""
    end = last.until.isoformat() if last and last.until else ""
    return f"{start}..{end}"


def _check_versions(versions: list[Policy]) -> tuple[Policy, ...]:
    """Sort the versions of one pack by date; refuse ranges that overlap or leave a gap.

    Every version must declare ``effective`` and share the pack id and timezone (the receipt date
    that selects a version is read in it); version numbers are unique. Problems are located at the
    ``effective`` key of the later file.
    """
    problems: list[Problem] = []
    head = versions[0]
    for v in versions:
        if v.effective is None:
            problems.append(
                v.loaded.problem((), "a pack with several versions needs effective: {from: ..., until: ...}")
            )
        if v.spec.id != head.spec.id:
            problems.append(v.loaded.problem(("id",), f"versions of one pack share its id {head.spec.id!r}"))
        if v.spec.calendar.timezone != head.spec.calendar.timezone:
            problems.append(
                v.loaded.problem(
                    ("calendar", "timezone"),
                    f"every version of pack {head.spec.id!r} uses one timezone ({head.spec.calendar.timezone}); "
                    "the receipt date that picks a version is read in it",
                )
            )
    if problems:
        raise PolicyError(problems)
    ordered = sorted(versions, key=lambda v: (v.effective.from_ if v.effective else dt.date.min, v.file))
    seen: dict[str, Policy] = {}
    for v in ordered:
        other = seen.get(v.spec.version)
        if other is not None:
            problems.append(
                v.loaded.problem(("version",), f"version {v.spec.version!r} is also declared by {other.file}", "GR217")
            )
        seen[v.spec.version] = v
    for prev, nxt in itertools.pairwise(ordered):
        assert prev.effective is not None and nxt.effective is not None
        where = _effective_key(nxt)
        if prev.effective.until is None or nxt.effective.from_ <= prev.effective.until:
            problems.append(
                Problem(
                    nxt.file,
                    *where,
                    "effective",
                    f"range {nxt.effective.render()} overlaps version {prev.spec.version!r} "
                    f"({prev.effective.render()}, {prev.file}); end that one the day before "
                    f"{nxt.effective.from_.isoformat()}",
                    "GR218",
                )
            )
        elif nxt.effective.from_ > prev.effective.until + dt.timedelta(days=1):
            problems.append(
                Problem(
                    nxt.file,
                    *where,
                    "effective",
                    f"range {nxt.effective.render()} leaves a gap after version {prev.spec.version!r} "
                    f"({prev.effective.render()}, {prev.file}); start it on "
                    f"{(prev.effective.until + dt.timedelta(days=1)).isoformat()}",
                    "GR218",
                )
            )
    if problems:
        raise PolicyError(problems)
    return tuple(ordered)


def _effective_key(version: Policy) -> tuple[int, int]:
    """Line and column of the ``effective`` key (or ``effective_date``) in the version's file."""
    sm = version.loaded.source_map
    for key in ("effective", "effective_date"):
        if (key,) in sm.keys:
            return sm.keys[(key,)]
    return (1, 1)
