"""The Determination (contract section 3) and how it is assembled from the rules that fired.

Assembly only reads what the engine decided (which rules fired) and computes dates: due dates
of the fired actions per contract section 4, their status from events and ``as_of``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NamedTuple, TypeVar

import pendulum
from pydantic import BaseModel, ConfigDict, field_serializer

from grievance_rules.calendar import Due, PlanCalendar, date_of, instant_us
from grievance_rules.compiler import RuleInfo, condition_facts
from grievance_rules.facts import PreparedFacts, build_model
from grievance_rules.schema import ActionRule, AnchorRef, Deadline, Extension

__all__ = [
    "ActionResult",
    "Anchored",
    "Determination",
    "PolicyRef",
    "Status",
    "TraceEntry",
    "TraceValue",
    "compute_actions",
]

Status = Literal["pending", "done", "late", "overdue"]
"""An action's status: done by its due moment, done after it (late), not done and past it
(overdue), or not done and not yet due (pending)."""

_UNIT_WORDS = {
    "calendar_days": "calendar day",
    "business_days": "business day",
    "hours": "hour",
    "months": "month",
    "years": "year",
}


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


_M = TypeVar("_M", bound=BaseModel)


_DEFAULTS: dict[type[BaseModel], dict[str, Any]] = {}


def trusted(cls: type[_M], **fields: Any) -> _M:
    """An instance of ``cls`` from values the library built itself, every field given and already of
    its type: what validation would produce (pydantic keeps datetime subclasses and tuples as
    given), without its per-field cost. Fields not given take their defaults."""
    defaults = _DEFAULTS.get(cls)
    if defaults is None:  # fields added later with defaults keep working
        defaults = _DEFAULTS[cls] = {
            name: f.get_default(call_default_factory=True)
            for name, f in cls.model_fields.items()
            if not f.is_required()
        }
    return build_model(cls, {**defaults, **fields} if defaults.keys() - fields.keys() else fields, set(fields))


class PolicyRef(_Out):
    """Which policy decided, and the holiday data its deadlines were computed with.

    ``calendar_data`` (e.g. ``holidays 0.109``) is part of the pack's identity: another release of
    the ``holidays`` package may move a deadline; None when the pack uses no holiday data.
    """

    id: str
    version: str
    sha256: str | None = None  # of the pack file's bytes (UTF-8 text for packs given as text)
    effective_from: dt.date | None = None  # first receipt date the version judges, when declared
    calendar_data: str | None = None


class ActionResult(_Out):
    """One required action."""

    code: str
    title: str
    due_date: dt.date | None
    due_at: dt.datetime | None
    basis: str
    responsible: str | None
    status: Status
    rule: str
    citation: str
    target_at: dt.datetime | None = None
    done_at: dt.datetime | None = None
    details: tuple[str, ...] = ()

    @field_serializer("due_at", "target_at", "done_at")
    def _iso(self, value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()


TraceValue = bool | int | float | str | tuple[str, ...] | None
"""A value a condition read: a boolean, a count, a vocabulary token, a list of tags or an ISO
date/date-time. Never free text or party data."""


class TraceEntry(_Out):
    """One rule considered: whether it fired and why, and the values its condition read.

    ``values`` maps each fact the rule's condition tests to this grievance's value (timers also
    give ``timers.<id>.due_at`` and ``.event_at``). For a fired action with a deadline,
    ``anchor`` says what the deadline ran from (``receipt``, ``event:<type>``, ``action:<id>``),
    ``anchor_at`` when that was and ``due_at`` the due moment worked out from it.
    """

    rule: str
    fired: bool
    because: str
    citation: str | None = None
    reading: str | None = None
    values: dict[str, TraceValue] = {}
    anchor: str | None = None
    anchor_at: dt.datetime | None = None
    due_at: dt.datetime | None = None

    @field_serializer("anchor_at", "due_at")
    def _iso(self, value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()


class Determination(_Out):
    """What the plan must do about one grievance, and why."""

    subject: str = "grievance"
    id: str = ""
    grievance_id: str | None
    policy: PolicyRef
    received_at: dt.datetime | None
    as_of: dt.datetime | None
    timely_filed: bool | None
    filing_deadline: dt.date | None
    classification: str | None
    level: str | None
    type: str | None
    handled_by: str
    actions: tuple[ActionResult, ...]
    warnings: tuple[str, ...]
    flags: dict[str, bool] = {}  # the pack's declared flags (docs/contract-notes.md)
    trace: tuple[TraceEntry, ...]

    @field_serializer("received_at", "as_of")
    def _iso(self, value: dt.datetime | None) -> str | None:
        return None if value is None else value.isoformat()


# ------------------------------------------------------------------ deadlines


_REF_WORDS: dict[int, tuple[Deadline, tuple[tuple[AnchorRef, str], ...], str]] = {}


def _ref_words(deadline: Deadline) -> tuple[tuple[tuple[AnchorRef, str], ...], str]:
    """Each anchor of ``deadline`` in order, with its text (``str(ref)``), and the deadline's
    amount in words (:func:`_amount_words`): worked out once per deadline."""
    found = _REF_WORDS.get(id(deadline))
    if found is None or found[0] is not deadline:  # an id reused by another deadline: work it out again
        if len(_REF_WORDS) >= 4096:
            _REF_WORDS.clear()
        refs = tuple((ref, str(ref)) for ref in deadline.refs)
        found = _REF_WORDS[id(deadline)] = (deadline, refs, _amount_words(deadline))
    return found[1], found[2]


def _amount_words(deadline: Deadline) -> str:
    if deadline.unit == "immediately":
        return "immediately"
    if deadline.unit == "close_of_next_business_day":
        return "by close of the next business day"
    n = deadline.amount or 0
    word = _UNIT_WORDS[deadline.unit]
    return f"{n} {word}{'s' if n != 1 else ''}"


class Anchored(NamedTuple):
    """What an action's deadline ran from: the anchor used and its moment, and the due moment."""

    anchor: str
    anchor_at: dt.datetime
    from_receipt: bool
    due_at: dt.datetime


def _done_at(facts: PreparedFacts, done_by: Sequence[str]) -> pendulum.DateTime | None:
    """When the first of the ``done_by`` events happened (compared as instants), or None."""
    if not done_by:
        return None
    first = facts.first
    if len(done_by) == 1:
        return first(done_by[0])
    times = [t for t in map(first, done_by) if t is not None]
    return min(times, key=instant_us) if times else None


class _Anchors:
    """Resolves deadline anchors for one grievance; action anchors recurse (cycles are rejected at load)."""

    __slots__ = ("calendar", "facts", "fired", "memo", "taken", "used")

    def __init__(
        self,
        facts: PreparedFacts,
        calendar: PlanCalendar,
        fired: Mapping[str, ActionRule],
        extensions: Sequence[Extension] = (),
    ) -> None:
        self.facts = facts
        self.calendar = calendar
        self.fired = fired  # action id -> rule, for the actions that fired
        self.memo: dict[tuple[str, int], tuple[Due | None, str]] = {}
        self.used: dict[str, Anchored] = {}  # action id -> the anchor of its deadline
        self.taken: dict[str, list[tuple[Extension, pendulum.DateTime]]] = {}  # action id -> extensions taken
        for ext in extensions or ():
            at = facts.first(ext.event)
            if at is not None:
                for action_id in ext.extends:
                    self.taken.setdefault(action_id, []).append((ext, at))

    def done_at(self, action: ActionRule) -> pendulum.DateTime | None:
        return _done_at(self.facts, action.done_by)

    def anchor(self, ref: AnchorRef) -> tuple[dt.datetime, str, bool] | None:
        """(moment, words, from_receipt) for the first available anchor, else None."""
        kind, name = ref.kind, ref.name
        if kind == "receipt":
            return self.facts.received_at, "receipt", True
        if kind == "event":
            at = self.facts.first(name)
            return None if at is None else (at, f"{name} ({date_of(at).isoformat()})", False)
        action = self.fired.get(name)
        if action is None:
            return None
        done = self.done_at(action)
        if done is not None:
            return done, f"{name} done ({date_of(done).isoformat()})", False
        due, _ = self.deadline(action, action.deadline)
        if due is None:
            return None
        return due.due_at, f"the due date of {name} (not yet done)", False

    def deadline(self, action: ActionRule, deadline: Deadline | None) -> tuple[Due | None, str]:
        if deadline is None:
            return None, "no deadline stated"
        key = (action.id, id(deadline))
        found = self.memo.get(key)
        if found is not None:
            return found
        result = self._count_back(deadline) if deadline.before is not None else self._count_forward(action, deadline)
        if result[0] is not None and deadline is action.deadline and self.taken:
            result = self._extended(action, deadline, result[0], result[1])
        if action.keep_until and deadline is action.deadline:
            result = (result[0], f"keep until {result[1]}" if result[0] is not None else result[1])
        self.memo[key] = result
        return result

    def _count_back(self, deadline: Deadline) -> tuple[Due | None, str]:
        """A deadline counted back from a planned moment: none (with a note) until it is planned."""
        kind = deadline.schedule_type or ""
        planned = self.facts.planned(kind)
        if planned is None:
            return None, f"{_amount_words(deadline)} before the {kind} (not yet scheduled)"
        due = self.calendar.before(planned, deadline.unit, deadline.amount or 0)
        return due, f"{_amount_words(deadline)} before the {kind} ({planned.date().isoformat()})"

    def _count_forward(self, action: ActionRule, deadline: Deadline) -> tuple[Due | None, str]:
        found = None
        used = ""
        refs, amount = _ref_words(deadline)
        for ref, shown in refs:
            used = shown
            found = self.anchor(ref)
            if found is not None:
                break
        if found is None:
            waiting = " or ".join(r.name or r.kind for r in deadline.refs)
            return None, f"{amount} after {waiting} (not yet happened)"
        moment, words, from_receipt = found
        roll = "none" if self.taken and self.taken.get(action.id) and deadline is action.deadline else deadline.roll
        unit = deadline.unit
        due = self.calendar.due(moment, unit, deadline.amount, from_receipt=from_receipt, roll=roll)
        if deadline is action.deadline:
            self.used[action.id] = Anchored(used, moment, from_receipt, due.due_at)
        if unit == "immediately":
            basis = f"immediately on {words}"
        elif unit == "close_of_next_business_day":
            basis = f"close of the next business day after {words}"
        else:
            basis = f"{amount} after {words}"
        if deadline.roll == "next_business_day" and roll == deadline.roll:
            basis += _rolled(self.calendar, moment, deadline, from_receipt, due)
        return due, basis

    def _extended(self, action: ActionRule, deadline: Deadline, due: Due, basis: str) -> tuple[Due | None, str]:
        """The due date moved by every extension taken (from the unrolled due date, then rolled)."""
        taken = self.taken.get(action.id)
        if not taken:
            return due, basis
        for ext, at in taken:
            n = ext.amount
            words = f"{n} {_UNIT_WORDS[ext.unit]}{'s' if n != 1 else ''}"
            if deadline.unit in ("hours", "immediately", "close_of_next_business_day"):
                # a due moment, not a due day: the extension moves the moment by whole days
                if ext.unit == "business_days":
                    day = self.calendar.add_business_days(due.due_date, n)
                else:
                    day = dt.date.fromordinal(due.due_date.toordinal() + n)
                moved = due.due_at.astimezone(self.calendar.tz)
                at_time = pendulum.datetime(
                    day.year, day.month, day.day, moved.hour, moved.minute, moved.second, tz=self.calendar.tz
                )
                due = Due(day, at_time)
            else:
                due = self.calendar.extend(due.due_date, ext.unit, n)
            basis += f"; +{words}: {ext.id} taken on {at.date().isoformat()}"
        if deadline.roll == "next_business_day" and deadline.unit not in ("hours", "immediately"):
            rolled = self.calendar.roll_forward(due.due_date)
            if rolled != due.due_date:
                basis += f"; {due.due_date.isoformat()} is not a business day, so it rolls to {rolled.isoformat()}"
                due = Due(rolled, self.calendar.end_of_day(rolled))
        found = self.used.get(action.id)
        if found is not None:
            self.used[action.id] = found._replace(due_at=due.due_at)
        return due, basis


def _rolled(calendar: PlanCalendar, moment: dt.datetime, deadline: Deadline, from_receipt: bool, due: Due) -> str:
    """The basis words for a roll forward, when the due date moved."""
    plain = calendar.due(moment, deadline.unit, deadline.amount, from_receipt=from_receipt)
    if plain.due_date == due.due_date:
        return ""
    why = calendar.skip_reason(plain.due_date) or "not a business day"
    return f"; {plain.due_date.isoformat()} is {_reason_words(why)}, so it rolls to the next business day"


def _reason_words(why: str) -> str:
    if why in ("weekend", "not a working day"):
        return "a weekend day" if why == "weekend" else "not a working day"
    return f"a holiday ({why})"


_ACTION_FIELDS = frozenset(ActionResult.model_fields)


class _Static(NamedTuple):
    """What an action rule gives every ActionResult, worked out once per rule."""

    info: RuleInfo  # the rule itself: an id in _STATIC names no other rule while it is kept here
    fields: dict[str, Any]  # the fields that do not depend on the grievance, in field order
    constant: ActionResult | None  # the whole result, when nothing in it depends on the grievance
    patterns: frozenset[str]  # the case-book patterns its condition tests (``patterns.<id>``)
    idle: ActionResult | None  # an action only done_by decides: its result while not done


_STATIC: dict[int, _Static] = {}


def _static(info: RuleInfo) -> _Static:
    """The grievance-independent part of ``info``'s ActionResults (see :class:`_Static`).

    An action with no deadline, no target, no ``done_by`` and no keep-until date is the same
    result for every grievance (``no deadline stated``, pending) unless a case-book pattern names
    related grievances in it: that result is built once and shared (it is frozen)."""
    found = _STATIC.get(id(info))
    if found is not None and found.info is info:
        return found
    action = info.action
    assert action is not None
    fields: dict[str, Any] = {
        "code": action.code,
        "title": action.title,
        "due_date": None,
        "due_at": None,
        "basis": "no deadline stated",
        "responsible": action.responsible,
        "status": "pending",
        "rule": info.name,
        "citation": info.citation.render() if info.citation else "",
        "target_at": None,
        "done_at": None,
        "details": tuple(action.details),
    }
    constant = idle = None
    if action.deadline is None and action.target is None and not action.keep_until:
        # no date to work out: without done_by the result is fixed; with it, fixed until done
        if action.done_by:
            idle = build_model(ActionResult, dict(fields), set(_ACTION_FIELDS))
        else:
            constant = build_model(ActionResult, dict(fields), set(_ACTION_FIELDS))
    patterns = frozenset(f.removeprefix("patterns.") for f in condition_facts(action.when) if f.startswith("patterns."))
    if len(_STATIC) >= 4096:
        _STATIC.clear()
    found = _STATIC[id(info)] = _Static(info, fields, constant, patterns, idle)
    return found


_Plan = tuple[tuple[_Static, ...], dict[str, ActionRule]]
_STATICS: dict[int, tuple[Sequence[RuleInfo], _Plan]] = {}


def _statics(fired_actions: Sequence[RuleInfo]) -> _Plan:
    """:func:`_static` of each action, and the fired actions by id (what action anchors look up),
    kept per tuple of fired actions (a decision's, shared by every grievance with that decision)."""
    if type(fired_actions) is not tuple:  # a list may change: only a tuple is kept
        return _plan(fired_actions)
    found = _STATICS.get(id(fired_actions))
    if found is not None and found[0] is fired_actions:  # kept here: the id names no other tuple
        return found[1]
    plan = _plan(fired_actions)
    if len(_STATICS) >= 4096:
        _STATICS.clear()
    _STATICS[id(fired_actions)] = (fired_actions, plan)
    return plan


def _plan(fired_actions: Sequence[RuleInfo]) -> _Plan:
    statics = tuple(_static(info) for info in fired_actions)
    return statics, {info.id: info.action for info in fired_actions if info.action is not None}


def compute_actions(
    fired_actions: Sequence[RuleInfo],
    facts: PreparedFacts,
    calendar: PlanCalendar,
    as_of: pendulum.DateTime | None,
    related: Mapping[str, tuple[str, ...]] | None = None,
    anchored: dict[str, Anchored] | None = None,
    extensions: Sequence[Extension] = (),
) -> list[ActionResult]:
    """Due dates, basis and status of the fired actions, in pack order.

    ``related`` maps a case-book pattern this grievance completed to the ids of the other
    grievances in it; an action whose condition tests that pattern names them in its basis and
    details, so the reviewer knows which complaints to look at together. When ``anchored`` is
    given, it is filled with each fired action's anchor (by rule name), for the trace.
    ``extensions`` are the pack's declared extensions: one whose event happened moves the
    deadlines of the actions it extends. A keep-until action (``keep_until: true``) shows its date
    and is never overdue: it is pending until the date has passed, then done.
    """
    anchors: _Anchors | None = None
    out: list[ActionResult] = []
    statics, by_id = _statics(fired_actions)
    for info, static in zip(fired_actions, statics, strict=True):
        shown = [(p, ids) for p, ids in related.items() if ids and p in static.patterns] if related else ()
        if not shown:
            if static.constant is not None:
                out.append(static.constant)
                continue
            if static.idle is not None:  # no date: pending until done, then done (never late)
                done = _done_at(facts, info.action.done_by)  # type: ignore[union-attr]
                if done is None:
                    out.append(static.idle)
                else:
                    values = dict(static.fields)
                    values["status"] = "done"
                    values["done_at"] = done
                    out.append(build_model(ActionResult, values, set(_ACTION_FIELDS)))
                continue
        if anchors is None:
            anchors = _Anchors(facts, calendar, by_id, extensions)
        action = info.action
        assert action is not None
        due, basis = anchors.deadline(action, action.deadline)
        target: Due | None = None
        if action.target is not None:
            target, target_basis = anchors.deadline(action, action.target)
            if action.deadline is None:
                basis = f"no deadline in the document; the plan's internal target: {target_basis}"
            else:
                basis = f"{basis}; target {target_basis}"
        details = static.fields["details"]
        for pattern, ids in shown:
            named = ", ".join(ids)
            basis = f"{basis}; pattern {pattern} with grievances {named}"
            details = (*details, f"Related grievances ({pattern}): {named}")
        done = anchors.done_at(action)
        status: Status
        if action.keep_until:
            # a keep-until date is kept until, not done by: never overdue (contract-notes.md)
            status = "done" if as_of is not None and due is not None and _later(as_of, due.due_at) else "pending"
        elif done is not None:
            # contract section 3: done means done by the due moment; after it, late (never done)
            status = "late" if due is not None and _later(done, due.due_at) else "done"
        elif as_of is not None and due is not None and _later(as_of, due.due_at):
            status = "overdue"
        else:
            status = "pending"
        # values the library built: no validation needed (what trusted() gives, every field set)
        values = dict(static.fields)
        if due is not None:
            values["due_date"] = due.due_date
            values["due_at"] = due.due_at
        values["basis"] = basis
        values["status"] = status
        if target is not None:
            values["target_at"] = target.due_at
        values["done_at"] = done
        values["details"] = details
        out.append(build_model(ActionResult, values, set(_ACTION_FIELDS)))
    if anchored is not None and anchors is not None:
        for info in fired_actions:
            found = anchors.used.get(info.id)
            if found is not None:
                anchored[info.name] = found
    return out


def _later(a: dt.datetime, b: dt.datetime) -> bool:
    """Whether moment ``a`` comes after ``b`` (as instants: right in the hour a DST change repeats)."""
    return instant_us(a) > instant_us(b)
