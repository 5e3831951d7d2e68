"""The reports a plan's document requires (contract section 7), run over a stream of grievances.

A pack declares its reports (``reports:``, see :class:`~grievance_rules.schema.ReportSpec`).
:func:`run_report` reads the records once, one at a time, and keeps only counters: per
dimension value, per action code and status, and a histogram of resolution times in whole
minutes (for the median), so memory stays flat however many grievances are read. A log-style
report (``fields:``) keeps one small row per *counted* grievance, which is what a log is.

Grievances are selected by their **local** receipt date: ``received_at`` read in the plan's
timezone must fall on a day of the period. Statuses are judged ``as_of`` the end of the period
unless another moment is given; what happened after ``as_of`` (events, a resolution) is left out.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

import pendulum
from pydantic import BaseModel, ConfigDict, field_serializer

from grievance_rules.calendar import instant_us
from grievance_rules.determination import Determination, PolicyRef
from grievance_rules.errors import FactsError, GrievanceRulesError, ReportError, did_you_mean
from grievance_rules.facts import Grievance, PreparedFacts, normalize_name, parse_grievance
from grievance_rules.period import Period, parse_period
from grievance_rules.schema import ReportSpec

if TYPE_CHECKING:
    from grievance_rules.policy import Policy

__all__ = [
    "AGEING_BUCKETS",
    "OpenAfter",
    "RecordProblem",
    "Report",
    "ReportPart",
    "ReportPass",
    "ReportPeriod",
    "Timeliness",
    "run_report",
]

#: Ageing of open grievances at ``as_of``: (label, lowest whole day, highest whole day or None).
AGEING_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7 days", 0, 7),
    ("8-14 days", 8, 14),
    ("15-30 days", 15, 30),
    ("31-60 days", 31, 60),
    ("over 60 days", 61, None),
)
NONE = "none"
_STATUS_KEYS = {"done": "on_time", "late": "late", "overdue": "overdue", "pending": "pending"}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReportPeriod(_Out):
    """The first and last local day counted, both included."""

    start: dt.date
    end: dt.date


class Timeliness(_Out):
    """How the actions with one code stood at ``as_of``."""

    on_time: int = 0
    late: int = 0
    overdue: int = 0
    pending: int = 0


class OpenAfter(_Out):
    """Grievances still open at ``as_of`` more than ``days`` days after receipt."""

    days: int
    count: int


class RecordProblem(_Out):
    """A record that could not be counted (``errors="collect"``): its 1-based position, id and field."""

    record: int
    id: str | None
    field: str | None
    error: str


class Report(_Out):
    """A report as contract section 7 shapes it; extra measures are additional keys (docs/reports.md)."""

    report: str
    title: str
    policy: PolicyRef
    period: ReportPeriod
    timezone: str
    as_of: dt.datetime
    total: int
    counts: dict[str, dict[str, int]]
    member_months: int | None
    rate_per_1000_member_months: float | None
    timeliness: dict[str, Timeliness]
    open: int
    open_after: OpenAfter | None
    open_ageing: dict[str, int]
    resolved: int
    median_days_to_resolution: float | None
    fields: list[str] | None
    rows: list[dict[str, Any]] | None
    records_read: int
    errors: list[RecordProblem]
    citation: str
    reading: str | None
    notes: list[str]

    @field_serializer("as_of")
    def _iso(self, value: dt.datetime) -> str:
        return value.isoformat()


# ------------------------------------------------------------------ helpers


def period_kind(period: Period) -> str:
    """``day``, ``month``, ``quarter`` or ``range``: what a period's dates amount to."""
    start, end = period.start, period.end
    if start == end:
        return "day"
    if start.day == 1:
        month_end = parse_period(f"{start.year:04d}-{start.month:02d}").end
        if end == month_end:
            return "month"
        if start.month in (1, 4, 7, 10) and end == parse_period(f"{start.year:04d}Q{(start.month + 2) // 3}").end:
            return "quarter"
    return "range"


def _thousands(n: int) -> str:
    return f"{n:,}"


def _rate_words(rate: float) -> str:
    return f"{rate:.3g}"


def find_report(policy: Policy, name: str) -> ReportSpec:
    """The pack's report ``name``; :class:`ReportError` listing the pack's reports if it has none such."""
    for rep in policy.spec.reports:
        if rep.name == name:
            return rep
    names = [r.name for r in policy.spec.reports]
    raise ReportError(
        f"policy {policy.id!r} has no report {name!r}{did_you_mean(name, names)}; "
        f"its reports: {', '.join(names) or '(none declared)'}",
        names,
    )


# ------------------------------------------------------------------ the pass


class _Tally:
    """Every counter one report needs; nothing per grievance except log rows."""

    def __init__(self, policy: Policy, spec: ReportSpec, as_of: pendulum.DateTime) -> None:
        self.policy = policy
        self.spec = spec
        self.as_of = as_of
        self.as_of_ts = as_of.timestamp()
        pack = policy.spec
        self.counts: dict[str, Counter[str]] = {d: Counter() for d in spec.dimensions}
        measured = spec.measures.timeliness
        self.codes: tuple[str, ...] = (
            pack.deadline_codes() if measured == "all" else tuple(measured) if measured else ()
        )
        self.timeliness: dict[str, Counter[str]] = {c: Counter() for c in self.codes}
        # only actions with a deadline are timely or not; an action without one is never late
        self.deadlined = frozenset(f"{pack.id}.{a.id}" for a in pack.actions if a.deadline is not None)
        self.total = 0
        self.open = 0
        self.open_after = 0
        self.ageing: Counter[str] = Counter()
        self.resolution_minutes: Counter[int] = Counter()
        self.rows: list[dict[str, Any]] | None = [] if spec.fields else None
        self.rows_by_group = (
            {} if pack.delegation is None else {normalize_name(r.group): r.group for r in pack.delegation.rows}
        )

    def value(self, dim: str, g: Grievance, det: Determination) -> list[str]:
        """The value(s) of one dimension for one grievance (``concern`` may give several)."""
        if dim == "concern":
            return list(g.concerns) or [NONE]
        if dim == "group":
            if self.policy.spec.delegation is not None:
                return [self.rows_by_group.get(normalize_name(g.group or ""), "other")]
            return [g.group or NONE]
        raw: Any = {
            "type": g.type,
            "level": det.level,
            "classification": det.classification,
            "channel": g.channel,
            "handled_by": det.handled_by,
            "complainant": g.complainant,
        }[dim]
        return [raw or NONE]

    def selected(self, g: Grievance, det: Determination) -> bool:
        return all(set(self.value(dim, g, det)) & set(allowed) for dim, allowed in self.spec.where.items())

    def add(self, prepared: PreparedFacts, det: Determination) -> None:
        g = prepared.grievance
        if not self.selected(g, det):
            return
        self.total += 1
        for dim, counter in self.counts.items():
            counter.update(self.value(dim, g, det))
        for action in det.actions:
            statuses = self.timeliness.get(action.code)
            if statuses is not None and action.rule in self.deadlined:
                statuses[_STATUS_KEYS[action.status]] += 1
        received = prepared.received_at
        resolved = prepared.first("resolved")
        if resolved is None:
            self.open += 1
            age = (self.as_of_ts - received.timestamp()) / 86400
            whole = math.floor(age)
            for label, low, high in AGEING_BUCKETS:
                if whole >= low and (high is None or whole <= high):
                    self.ageing[label] += 1
                    break
            days = self.spec.measures.open_after_days
            if days is not None and age > days:
                self.open_after += 1
        else:
            self.resolution_minutes[int((resolved.timestamp() - received.timestamp()) // 60)] += 1
        if self.rows is not None:
            self.rows.append(self.row(prepared, det, resolved))

    def row(self, prepared: PreparedFacts, det: Determination, resolved: pendulum.DateTime | None) -> dict[str, Any]:
        g = prepared.grievance
        received = prepared.received_at
        values: dict[str, Any] = {
            "id": g.id,
            "received_at": received.isoformat(),
            "received_date": received.date().isoformat(),
            "channel": g.channel,
            "complainant": g.complainant,
            "group": g.group,
            "type": g.type,
            "level": det.level,
            "classification": det.classification,
            "handled_by": det.handled_by,
            "concerns": list(g.concerns),
            "resolved_at": None if resolved is None else resolved.isoformat(),
            "days_to_resolution": None if resolved is None else (resolved.timestamp() - received.timestamp()) / 86400,
        }
        return {f: values[f] for f in self.spec.fields}

    def part(self) -> ReportPart:
        """The counters as a :class:`ReportPart` (plain data: it pickles)."""
        return ReportPart(
            counts=self.counts,
            timeliness=self.timeliness,
            total=self.total,
            open=self.open,
            open_after=self.open_after,
            ageing=self.ageing,
            resolution_minutes=self.resolution_minutes,
            rows=self.rows,
        )

    def absorb(self, part: ReportPart) -> None:
        """Add the counts of ``part`` (counted over later records than those counted so far)."""
        for dim, counter in part.counts.items():
            self.counts[dim].update(counter)
        for code, counter in part.timeliness.items():
            self.timeliness[code].update(counter)
        self.total += part.total
        self.open += part.open
        self.open_after += part.open_after
        self.ageing.update(part.ageing)
        self.resolution_minutes.update(part.resolution_minutes)
        if self.rows is not None and part.rows is not None:
            self.rows.extend(part.rows)

    def median_days(self) -> float | None:
        n = sum(self.resolution_minutes.values())
        if not n:
            return None
        ordered = sorted(self.resolution_minutes.items())

        def nth(k: int) -> int:  # the k-th smallest (0-based) resolution time in minutes
            seen = 0
            for minutes, count in ordered:
                seen += count
                if k < seen:
                    return minutes
            raise AssertionError("k within n")

        mid = (nth((n - 1) // 2) + nth(n // 2)) / 2
        return mid / 1440


@dataclasses.dataclass
class ReportPart:
    """What one stretch of records adds to a report: counters, log rows and problems, nothing else.

    Counting is addition, so parts counted apart (in worker processes, ``--jobs N``) and added in
    the order of their records give exactly the report of one pass; the median comes from the
    merged histogram of whole minutes, so it is exact too."""

    counts: dict[str, Counter[str]]
    timeliness: dict[str, Counter[str]]
    total: int
    open: int
    open_after: int
    ageing: Counter[str]
    resolution_minutes: Counter[int]
    rows: list[dict[str, Any]] | None
    read: int = 0
    outside: int = 0
    not_yet: int = 0
    problems: list[RecordProblem] = dataclasses.field(default_factory=list)


class ReportPass:
    """A report counted in parts: :meth:`count` a stretch of numbered records into a
    :class:`ReportPart` (anywhere: the part pickles), :meth:`add` the parts in record order,
    then :meth:`report`. :func:`run_report` is one part over all records.

    The arguments are checked when the pass is made (an unknown report or a bad period fails
    before any record is read)."""

    def __init__(
        self,
        policy: Policy,
        name: str,
        period: str | Period,
        member_months: int | None = None,
        as_of: str | dt.datetime | None = None,
        errors: Literal["raise", "collect"] = "raise",
    ) -> None:
        spec = find_report(policy, name)
        if errors not in ("raise", "collect"):
            raise GrievanceRulesError("errors must be 'raise' or 'collect'")
        span = parse_period(period)
        kind = period_kind(span)
        if spec.period != "any" and kind != spec.period:
            raise ReportError(
                f"report {name!r} covers a {spec.period}; {span.label!r} is a {kind}: give a {spec.period} "
                f"such as {_example(spec.period)}"
            )
        if member_months is not None and (
            isinstance(member_months, bool) or not isinstance(member_months, int) or member_months <= 0
        ):
            raise ReportError("member_months must be a whole number above 0")
        tz = policy.calendar.tz
        period_end = pendulum.datetime(span.end.year, span.end.month, span.end.day, tz=tz).add(days=1)
        when = policy.parse_as_of(as_of) if as_of is not None else period_end
        assert when is not None
        self.policy = policy
        self.spec = spec
        self.span = span
        self.when = when
        self.default_as_of = as_of is None
        self.member_months = member_months
        self.errors = errors
        self._tally = _Tally(policy, spec, when)
        self._read = self._outside = self._not_yet = 0
        self._problems: list[RecordProblem] = []

    def count(self, records: Iterable[tuple[int, Mapping[str, Any] | Grievance]]) -> ReportPart:
        """Count ``(position, record)`` pairs (positions from 1, as the caller numbers its records)
        into a new part; nothing is added to this pass."""
        policy, span, when = self.policy, self.span, self.when
        tz = policy.calendar.tz
        tally = _Tally(policy, self.spec, when)
        read = outside = not_yet = 0
        problems: list[RecordProblem] = []
        for position, record in records:
            read += 1
            try:
                grievance = parse_grievance(record)
                received = policy.instant(grievance.received_at)
                day = received.astimezone(tz).date()
                if not span.start <= day <= span.end:
                    outside += 1
                    continue
                if instant_us(received) > instant_us(when):
                    not_yet += 1
                    continue
                prepared, det = policy.snapshot(grievance, when)
            except FactsError as exc:
                if self.errors == "raise":
                    raise
                problems.append(RecordProblem(record=position, id=_rid(record), field=exc.field, error=str(exc)))
                continue
            except Exception as exc:  # one record never stops a collecting pass; its message is never quoted
                if self.errors == "raise":
                    raise
                message = str(exc) if isinstance(exc, GrievanceRulesError) else None
                message = message or f"this record could not be counted ({exc.__class__.__name__})"
                problems.append(RecordProblem(record=position, id=_rid(record), field=None, error=message))
                continue
            tally.add(prepared, det)
        return dataclasses.replace(tally.part(), read=read, outside=outside, not_yet=not_yet, problems=problems)

    def add(self, part: ReportPart) -> None:
        """Add a part counted by :meth:`count` (of this pass or of an equal one in another process)."""
        self._tally.absorb(part)
        self._read += part.read
        self._outside += part.outside
        self._not_yet += part.not_yet
        self._problems.extend(part.problems)

    def problem(self, problem: RecordProblem) -> None:
        """Record a problem found before counting (a line that is not JSON); it is listed in its place."""
        self._problems.append(problem)

    def report(self) -> Report:
        """The report of every part added so far; problems in record order."""
        problems = sorted(self._problems, key=lambda p: p.record)
        return _assemble(
            self.policy,
            self.spec,
            self.span,
            self.when,
            self.default_as_of,
            self._tally,
            self.member_months,
            self._read,
            self._outside,
            self._not_yet,
            problems,
        )


def _rid(record: Any) -> str | None:
    rid = record.get("id") if isinstance(record, Mapping) else getattr(record, "id", None)
    return rid if isinstance(rid, str) else None


def run_report(
    policy: Policy,
    name: str,
    records: Iterable[Mapping[str, Any] | Grievance],
    period: str | Period,
    member_months: int | None = None,
    as_of: str | dt.datetime | None = None,
    errors: Literal["raise", "collect"] = "raise",
) -> Report:
    """Run the pack's report ``name`` over ``records`` (streamed once); see :meth:`Policy.report`."""
    run = ReportPass(policy, name, period, member_months=member_months, as_of=as_of, errors=errors)
    run.add(run.count(enumerate(records, start=1)))
    return run.report()


def _example(kind: str) -> str:
    return {"quarter": "2014Q4", "month": "2014-12", "day": "2014-12-03"}.get(kind, "2014Q4")


def _assemble(
    policy: Policy,
    spec: ReportSpec,
    span: Period,
    when: pendulum.DateTime,
    default_as_of: bool,
    tally: _Tally,
    member_months: int | None,
    read: int,
    outside: int,
    not_yet: int,
    problems: list[RecordProblem],
) -> Report:
    pack = policy.spec
    notes = [
        f"counted: grievances received from {span.start.isoformat()} to {span.end.isoformat()} by their local "
        f"receipt date ({pack.calendar.timezone}); {_thousands(read)} records read, {_thousands(outside)} received "
        "outside the period"
        + (f", {_thousands(not_yet)} received after as_of" if not_yet else "")
        + (f", {_thousands(len(problems))} not readable" if problems else "")
    ]
    if spec.where:
        chosen = "; ".join(f"{dim} is {' or '.join(values)}" for dim, values in spec.where.items())
        notes.append(f"only grievances where {chosen} are counted")
    notes.append(
        f"statuses as of {when.isoformat()}"
        + (" (the end of the period)" if default_as_of else "")
        + "; events and resolutions after that moment are left out"
    )
    counts: dict[str, dict[str, int]] = {}
    for dim, counter in tally.counts.items():
        declared = pack.dimension_values(dim)
        out = {value: counter.get(value, 0) for value in declared}
        for value in sorted(counter):
            if value not in out:
                out[value] = counter[value]
        counts[dim] = out
        if NONE in counter and NONE not in declared:
            notes.append(f"{counter[NONE]} counted grievance(s) give no {dim}; they are counted under '{NONE}'")
    if "concern" in counts:
        notes.append("a grievance with several concerns is counted once under each of them")
    if pack.patterns and set(counts) & {"level", "classification", "handled_by"}:
        names = ", ".join(p.id for p in pack.patterns)
        notes.append(
            f"each grievance is evaluated on its own: escalations by patterns across grievances ({names}) "
            "are not applied here; a case book (gr.CaseBook) finds them"
        )
    rate: float | None = None
    if member_months is not None:
        rate = tally.total / member_months * 1000
        notes.append(
            f"rate = {_thousands(tally.total)} grievances / {_thousands(member_months)} member months x 1000 "
            f"= {_rate_words(rate)} (unrounded {rate!r})"
        )
        notes.extend(_printed_rate_notes(spec, span, tally, counts, member_months, rate))
    elif spec.measures.rate_per_1000_member_months:
        notes.append("rate per 1000 member months not computed: give member_months (--member-months)")
    if tally.codes:
        notes.append(
            "timeliness per action code: on_time = done by its due moment; late = done after it; overdue = not "
            "done and past due at as_of; pending = not done and not yet due (or its deadline has not started)"
        )
    median = tally.median_days() if spec.measures.median_days_to_resolution else None
    resolved = sum(tally.resolution_minutes.values())
    if spec.measures.median_days_to_resolution:
        notes.append(
            f"median days to resolution over the {_thousands(resolved)} grievances resolved by as_of: "
            "(resolution - receipt), in whole minutes / 1440"
        )
    days = spec.measures.open_after_days
    if days is not None:
        notes.append(f"open after {days} days: not resolved at as_of and received more than {days} x 24 hours earlier")
    if spec.withheld:
        notes.append(
            "the document's log also lists "
            + "; ".join(spec.withheld)
            + ": personal data, left out of this report; look them up in the plan's records by grievance id"
        )
    return Report(
        report=spec.name,
        title=spec.title,
        policy=policy._ref,  # the same identity a Determination carries (hash, effective_from, holiday data)
        period=ReportPeriod(start=span.start, end=span.end),
        timezone=pack.calendar.timezone,
        as_of=when,
        total=tally.total,
        counts=counts,
        member_months=member_months,
        rate_per_1000_member_months=rate,
        timeliness={code: Timeliness(**counter) for code, counter in tally.timeliness.items()},
        open=tally.open,
        open_after=None if days is None else OpenAfter(days=days, count=tally.open_after),
        open_ageing={label: tally.ageing.get(label, 0) for label, _, _ in AGEING_BUCKETS},
        resolved=resolved,
        median_days_to_resolution=median,
        fields=list(spec.fields) if spec.fields else None,
        rows=tally.rows,
        records_read=read,
        errors=problems,
        citation=f"{spec.citation.render()}" + (f': "{spec.citation.quote}"' if spec.citation.quote else ""),
        reading=spec.reading,
        notes=notes,
    )


def _printed_rate_notes(
    spec: ReportSpec, span: Period, tally: _Tally, counts: Mapping[str, Mapping[str, int]], mm: int, rate: float
) -> list[str]:
    """Check each figure the document prints for this period against the rate computed from the inputs."""
    notes: list[str] = []
    for printed in spec.printed_rates:
        pp = parse_period(printed.period)
        if (pp.start, pp.end) != (span.start, span.end):
            continue
        figure = Decimal(printed.value)
        places = max(0, -figure.as_tuple().exponent)  # type: ignore[operator]
        where = printed.citation.render()

        def rounds_to(count: int) -> bool:
            return Decimal(str(round(count / mm * 1000, places))) == figure  # noqa: B023

        if rounds_to(tally.total):
            notes.append(f"the document prints {printed.value} for this period ({where}); the rate computed agrees")
            continue
        text = (
            f"the document prints a rate of {printed.value} for this period ({where}); computed from the inputs, "
            f"{_thousands(tally.total)} / {_thousands(mm)} x 1000 = {_rate_words(rate)}, not {printed.value}"
        )
        found = [(dim, value, n) for dim, values in counts.items() for value, n in values.items() if n and rounds_to(n)]
        if found:
            dim, value, n = found[0]
            text += (
                f"; the printed {printed.value} is what the {n} grievances with {dim} '{value}' alone give: "
                f"{_thousands(n)} / {_thousands(mm)} x 1000 = {round(n / mm * 1000, places)}"
            )
        else:
            text += "; no count in this report gives the printed figure"
        notes.append(text)
    return notes
