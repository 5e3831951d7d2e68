"""Grievance facts (contract section 2): the input model, its checks against a pack, and the
flat, typed facts the rules engine sees.

Validation errors become :class:`FactsError` naming the field and what is allowed, never the
value given: facts carry narratives, names and member ids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pendulum
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError, field_validator

from grievance_rules.calendar import PlanCalendar
from grievance_rules.errors import FactProblem, FactsError, did_you_mean, dotted_path
from grievance_rules.schema import CHANNELS, PolicySpec

__all__ = [
    "Event",
    "Grievance",
    "Party",
    "PreparedFacts",
    "parse_grievance",
    "prepare",
    "received_date",
    "resolve_moment",
]

Channel = Literal["phone", "mail", "fax", "email", "online", "in_person"]
Complainant = Literal["member", "representative", "provider"]
Moment = StrictStr | dt.datetime


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Facts):
    """A member or provider. Carried into the record checks; never logged or echoed."""

    id: StrictStr | None = None
    name: StrictStr | None = None
    address: StrictStr | None = None
    phone: StrictStr | None = None
    patient_name: StrictStr | None = None
    location: StrictStr | None = None


class Event(_Facts):
    """Something that happened after receipt: ``type`` is one of the pack's event types."""

    type: StrictStr
    at: Moment
    note: StrictStr | None = None

    @field_validator("at")
    @classmethod
    def _moment(cls, value: Moment) -> Moment:
        return _check_moment(value)


def _check_moment(value: Moment) -> Moment:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                "a datetime object must carry a timezone (an ISO string without offset is read "
                "in the policy's timezone)"
            )
        return value
    if len(value) <= 10:
        raise ValueError("a date-time is needed (date and time), e.g. 2024-11-22T10:00:00-06:00")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("not an ISO 8601 date-time such as 2024-11-22T10:00:00-06:00") from None
    return value


class Grievance(_Facts):
    """The facts of one grievance (contract section 2)."""

    id: StrictStr = Field(min_length=1)
    received_at: Moment
    channel: Channel | None = None
    incident_date: dt.date | None = None
    complainant: Complainant = "member"
    group: StrictStr | None = None
    type: StrictStr | None = None
    concerns: list[StrictStr] = Field(default_factory=list)
    assistance_needs: list[StrictStr] = Field(default_factory=list)
    wants_formal_grievance: StrictBool = False
    urgent: StrictBool = False
    resolved_at: Moment | None = None
    events: list[Event] = Field(default_factory=list)
    narrative: StrictStr | None = None
    member: Party | None = None
    provider: Party | None = None
    representative_name: StrictStr | None = None
    resolution_summary: StrictStr | None = None

    @field_validator("received_at", "resolved_at")
    @classmethod
    def _moment(cls, value: Moment | None) -> Moment | None:
        return None if value is None else _check_moment(value)


_ALLOWED = {
    "id": "a non-empty string",
    "received_at": "an ISO 8601 date-time, e.g. 2024-11-22T10:00:00-06:00",
    "resolved_at": "an ISO 8601 date-time, e.g. 2024-11-22T10:00:00-06:00",
    "at": "an ISO 8601 date-time, e.g. 2024-11-22T10:00:00-06:00",
    "channel": ", ".join(CHANNELS),
    "complainant": "member, representative, provider",
    "incident_date": "an ISO date, e.g. 2024-11-22",
    "wants_formal_grievance": "true or false",
    "urgent": "true or false",
}


def parse_grievance(facts: Mapping[str, Any] | Grievance) -> Grievance:
    """Validate raw facts into a :class:`Grievance`; raise :class:`FactsError` naming each bad field."""
    if isinstance(facts, Grievance):
        return facts
    if not isinstance(facts, Mapping):
        raise FactsError([FactProblem("facts", "grievance facts must be an object (a mapping of fields)", "an object")])
    try:
        return Grievance.model_validate(dict(facts))
    except ValidationError as exc:
        problems: list[FactProblem] = []
        allowed_fields = ", ".join((f.alias or name) for name, f in Grievance.model_fields.items())
        for err in exc.errors(include_url=False, include_input=False):
            loc = tuple(err["loc"])
            name = dotted_path([p for p in loc if isinstance(p, (str, int))])
            last = next((p for p in reversed(loc) if isinstance(p, str)), "")
            if err["type"] == "extra_forbidden":
                where = Event if "events" in loc else (Party if len(loc) > 1 else Grievance)
                choices = list(where.model_fields)
                hint = did_you_mean(str(last), choices)
                allowed = ", ".join(choices) if where is not Grievance else allowed_fields
                problems.append(FactProblem(name, f"unknown field{hint}; allowed fields: {allowed}", allowed))
            elif err["type"] == "missing":
                problems.append(FactProblem(name, "is required", _ALLOWED.get(str(last), "a value")))
            else:
                allowed = _ALLOWED.get(str(last), "see the contract's facts table")
                text = err["msg"].removeprefix("Value error, ")
                problems.append(FactProblem(name, f"{text}; allowed: {allowed}", allowed))
        raise FactsError(problems) from None


@dataclass(frozen=True)
class PreparedFacts:
    """A grievance checked against a pack, with its moments resolved in the plan's timezone."""

    grievance: Grievance
    received_at: pendulum.DateTime
    resolved_at: pendulum.DateTime | None
    events: tuple[tuple[str, pendulum.DateTime], ...]  # (type, at), in time order

    def first(self, event_type: str) -> pendulum.DateTime | None:
        """When the first ``event_type`` event happened (``resolved`` includes resolved_at)."""
        if event_type == "resolved" and self.resolved_at is not None:
            return self.resolved_at
        for kind, at in self.events:
            if kind == event_type:
                return at
        return None

    def _occurrences(self, event_type: str) -> list[tuple[pendulum.DateTime, int]]:
        """(moment, position) of every ``event_type`` event; ``resolved_at`` counts as the last position."""
        found = [(at, i) for i, (kind, at) in enumerate(self.events) if kind == event_type]
        if event_type == "resolved" and self.resolved_at is not None:
            found.append((self.resolved_at, len(self.events)))
        return found

    def after(self, event_type: str, earlier: str) -> bool:
        """Whether an ``event_type`` event happened after the first ``earlier`` event.

        Events are in time order; two events at one moment are ordered as listed. False when
        either never happened.
        """
        firsts = self._occurrences(earlier)
        if not firsts:
            return False
        first = min(firsts)
        return any(occ > first for occ in self._occurrences(event_type))

    def count(self, event_type: str) -> int:
        """How many ``event_type`` events happened."""
        return sum(1 for kind, _ in self.events if kind == event_type)


def resolve_moment(value: Moment, calendar: PlanCalendar) -> pendulum.DateTime:
    """A validated moment of the facts in the plan's timezone (offset-less strings are local wall time)."""
    return _moment(value, calendar)


def received_date(grievance: Grievance, calendar: PlanCalendar) -> dt.date:
    """The local date of receipt in the plan's timezone (offset-less strings are local wall times).

    The same date :func:`prepare` reads, computed with the standard library only: it picks the
    pack version that judges the grievance, before the grievance is prepared.
    """
    value = grievance.received_at
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.date()
    return parsed.astimezone(calendar.tz).date()


def _moment(value: Moment, calendar: PlanCalendar) -> pendulum.DateTime:
    parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # an ISO string without offset: a wall time in the plan's timezone
        return pendulum.instance(parsed, tz=calendar.tz)
    return calendar.localize(parsed)


def prepare(
    grievance: Grievance, spec: PolicySpec, calendar: PlanCalendar, as_of: pendulum.DateTime | None
) -> PreparedFacts:
    """Check a grievance against the pack's vocabulary and resolve its moments.

    Raises :class:`FactsError` for unknown tags, types or event types, an incident after
    receipt, events before receipt or after ``as_of``, or a resolution before receipt.
    """
    vocab = spec.vocabulary
    problems: list[FactProblem] = []

    def check_tags(field: str, given: list[str], allowed: Mapping[str, str]) -> None:
        for i, tag in enumerate(given):
            if tag not in allowed:
                names = ", ".join(allowed) or "(none declared)"
                problems.append(
                    FactProblem(f"{field}[{i}]", f"unknown tag{did_you_mean(tag, allowed)}; allowed: {names}", names)
                )

    check_tags("concerns", grievance.concerns, vocab.concerns)
    check_tags("assistance_needs", grievance.assistance_needs, vocab.assistance)
    if grievance.type is not None and grievance.type not in vocab.types:
        names = ", ".join(vocab.types) or "(the pack declares no types)"
        problems.append(
            FactProblem(
                "type", f"unknown grievance type{did_you_mean(grievance.type, vocab.types)}; allowed: {names}", names
            )
        )
    known_events = set(vocab.events) | {"resolved"}
    for i, event in enumerate(grievance.events):
        if event.type not in known_events:
            names = ", ".join(sorted(known_events))
            problems.append(
                FactProblem(
                    f"events[{i}].type",
                    f"unknown event type{did_you_mean(event.type, known_events)}; allowed: {names}",
                    names,
                )
            )
    if problems:
        raise FactsError(problems)

    received = _moment(grievance.received_at, calendar)
    if grievance.incident_date is not None and grievance.incident_date > received.date():
        problems.append(
            FactProblem(
                "incident_date",
                "is after the date of receipt; the incident must come first",
                "a date on or before the date of receipt",
            )
        )
    resolved = None if grievance.resolved_at is None else _moment(grievance.resolved_at, calendar)
    if resolved is not None and resolved < received:
        problems.append(FactProblem("resolved_at", "is before receipt", "a moment at or after received_at"))
    if resolved is not None and as_of is not None and resolved > as_of:
        problems.append(FactProblem("resolved_at", "is after as_of", "a moment at or before as_of"))
    events: list[tuple[str, pendulum.DateTime]] = []
    for i, event in enumerate(grievance.events):
        at = _moment(event.at, calendar)
        if at < received:
            problems.append(FactProblem(f"events[{i}].at", "is before receipt", "a moment at or after received_at"))
        if as_of is not None and at > as_of:
            problems.append(FactProblem(f"events[{i}].at", "is after as_of", "a moment at or before as_of"))
        if events and at < events[-1][1]:
            problems.append(
                FactProblem(
                    f"events[{i}].at",
                    "is earlier than the event before it; list events in time order",
                    "events in time order",
                )
            )
        events.append((event.type, at))
    if problems:
        raise FactsError(problems)
    return PreparedFacts(grievance, received, resolved, tuple(events))


def normalize_name(text: str) -> str:
    """A name compared without case or extra spaces (groups, providers)."""
    return " ".join(text.lower().split())


def field_value(grievance: Grievance, name: str) -> Any:
    """The value of a dotted field such as ``provider.name``, or None when absent."""
    obj: Any = grievance
    for part in name.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def is_present(grievance: Grievance, name: str) -> bool:
    """Whether the facts give the record field ``name`` (dotted, e.g. ``provider.name``)."""
    return field_value(grievance, name) not in (None, "", [])
