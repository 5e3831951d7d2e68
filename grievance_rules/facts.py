"""Grievance facts (contract section 2): the input model, its checks against a pack, and the
flat, typed facts the rules engine sees.

Validation errors become :class:`FactsError` naming the field and what is allowed, never a
free-text or party value: facts carry narratives, names and member ids. A value outside the
pack's vocabulary is named only when it is a near miss of a code; a field name only when it is a
short identifier.

Limits (documented in docs/contract-notes.md, checked before any costly work): at most
:data:`MAX_FIELDS` keys in any object of the facts, :data:`MAX_ITEMS` entries in a list,
:data:`MAX_CODE_CHARS` characters in an id, tag, type, group or event type,
:data:`MAX_NAME_CHARS` in a party field, :data:`MAX_TEXT_CHARS` in a narrative or note, and
:data:`MAX_RECORD_CHARS` characters of text in one record. Text must be valid Unicode (no lone
surrogates). Numbers are never read as timestamps.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, TypeVar

import pendulum
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    StrictStr,
    StringConstraints,
    ValidationError,
)

from grievance_rules.calendar import PlanCalendar, date_of, instant_us
from grievance_rules.errors import FactProblem, FactsError, did_you_mean, dotted_path, safe_field_name, unknown_value
from grievance_rules.registry import CHANNELS, Channel, allowed_words, coerce_fact, field_value, is_present
from grievance_rules.schema import PolicySpec

__all__ = [
    "MAX_CODE_CHARS",
    "MAX_FIELDS",
    "MAX_ITEMS",
    "MAX_NAME_CHARS",
    "MAX_RECORD_CHARS",
    "MAX_TEXT_CHARS",
    "Event",
    "Grievance",
    "Party",
    "Planned",
    "PreparedFacts",
    "field_value",
    "is_present",
    "parse_grievance",
    "prepare",
    "received_date",
    "resolve_moment",
]

MAX_FIELDS = 64
"""Keys in any one object of the facts (the record, a party, an event)."""
MAX_ITEMS = 1000
"""Entries in one list (concerns, assistance_needs, events)."""
MAX_CODE_CHARS = 256
"""Characters in an id, a concern or assistance tag, a type, a group or an event type."""
MAX_NAME_CHARS = 1000
"""Characters in a party field (name, id, address...) or the representative's name."""
MAX_TEXT_CHARS = 100_000
"""Characters in the narrative or an event's note."""
MAX_RECORD_CHARS = 1_000_000
"""Characters of text in one record, all fields together."""
_MAX_MOMENT_CHARS = 64

_SURROGATE = re.compile("[\ud800-\udfff]")
_ISO = "an ISO 8601 date-time, e.g. 2024-11-22T10:00:00-06:00"


def _unicode(value: str) -> str:
    """Refuse a lone surrogate: it is no character, and the rules engine cannot encode it."""
    if not value.isascii() and _SURROGATE.search(value):
        raise ValueError("is not valid Unicode text (it holds a lone surrogate); send UTF-8 text")
    return value


Code = Annotated[StrictStr, StringConstraints(max_length=MAX_CODE_CHARS), AfterValidator(_unicode)]
Name = Annotated[StrictStr, StringConstraints(max_length=MAX_NAME_CHARS), AfterValidator(_unicode)]
Text = Annotated[StrictStr, StringConstraints(max_length=MAX_TEXT_CHARS), AfterValidator(_unicode)]


def _check_moment(value: object) -> str | dt.datetime:
    """An ISO string or an aware datetime; a number is no timestamp (no epoch seconds guessed)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                "a datetime object must carry a timezone (an ISO string without offset is read "
                "in the policy's timezone)"
            )
        return value
    if not isinstance(value, str):
        if isinstance(value, (int, float)):
            raise ValueError(f"a number is not a date-time (no epoch seconds are guessed); give {_ISO}")
        raise ValueError(f"not a date-time; give {_ISO}")
    if len(value) > _MAX_MOMENT_CHARS:
        raise ValueError(f"is too long for a date-time; give {_ISO}")
    if len(value) <= 10:
        raise ValueError("a date-time is needed (date and time), e.g. 2024-11-22T10:00:00-06:00")
    try:
        dt.datetime.fromisoformat(value)
    except ValueError:
        pass
    else:
        return value
    raise ValueError("not an ISO 8601 date-time such as 2024-11-22T10:00:00-06:00")


def _check_date(value: object) -> dt.date:
    """An ISO date string or a date object; a number is no date."""
    if isinstance(value, dt.datetime):
        raise ValueError("a date is needed, not a date-time, e.g. 2024-11-22")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        if isinstance(value, (int, float)):
            raise ValueError("a number is not a date; give an ISO date, e.g. 2024-11-22")
        raise ValueError("not a date; give an ISO date, e.g. 2024-11-22")
    if len(value) <= 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError("not an ISO date such as 2024-11-22")


def _moment_out(value: str | dt.datetime) -> str:
    return value if isinstance(value, str) else value.isoformat()


Moment = Annotated[StrictStr | dt.datetime, PlainValidator(_check_moment), PlainSerializer(_moment_out)]
Day = Annotated[dt.date, PlainValidator(_check_date)]
Complainant = Literal["member", "representative", "provider"]


class _Facts(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Party(_Facts):
    """A member or provider. Carried into the record checks; never logged or echoed."""

    id: Name | None = None
    name: Name | None = None
    address: Name | None = None
    phone: Name | None = None
    patient_name: Name | None = None
    location: Name | None = None


class Event(_Facts):
    """Something that happened after receipt: ``type`` is one of the pack's event types."""

    type: Code
    at: Moment
    note: Text | None = None


class Planned(_Facts):
    """A planned future moment (a panel meeting): ``type`` is one of the pack's schedule types."""

    type: Code
    at: Moment


class Grievance(_Facts):
    """The facts of one grievance (contract section 2)."""

    id: Annotated[Code, Field(min_length=1)]
    received_at: Moment
    channel: Channel | None = None
    incident_date: Day | None = None
    complainant: Complainant = "member"
    group: Code | None = None
    type: Code | None = None
    concerns: list[Code] = Field(default_factory=list, max_length=MAX_ITEMS)
    assistance_needs: list[Code] = Field(default_factory=list, max_length=MAX_ITEMS)
    wants_formal_grievance: StrictBool = False
    urgent: StrictBool = False
    resolved_at: Moment | None = None
    events: list[Event] = Field(default_factory=list, max_length=MAX_ITEMS)
    schedule: list[Planned] = Field(default_factory=list, max_length=MAX_ITEMS)
    narrative: Text | None = None
    member: Party | None = None
    provider: Party | None = None
    representative_name: Name | None = None
    resolution_summary: Text | None = None
    facts: dict[Code, Any] = Field(
        default_factory=dict,
        max_length=MAX_FIELDS,
        description="Values of the facts the pack declares (its 'facts:'), by name.",
    )


_FactsT = TypeVar("_FactsT", bound=_Facts)
_GRIEVANCE_KEYS = frozenset(Grievance.model_fields)
_PARTY_FIELDS = tuple(Party.model_fields)
# every field that may be given as null (None is then its value, as its default is)
_OPTIONAL = frozenset(
    name for name, f in Grievance.model_fields.items() if not f.is_required() and f.get_default() is None
)

_GRIEVANCE_DEFAULTS: dict[str, Any] = {
    name: f.get_default(call_default_factory=True) for name, f in Grievance.model_fields.items() if not f.is_required()
}

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


_WITHHELD = "<field name withheld>"


def parse_grievance(facts: Mapping[str, Any] | Grievance) -> Grievance:
    """Validate raw facts into a :class:`Grievance`; raise :class:`FactsError` naming each bad field.

    The error is built outside pydantic's ``except`` block, so it chains nothing: pydantic's
    ``ValidationError`` text holds the values given (``input_value=...``), personal data included.
    """
    if type(facts) is not dict:  # a dict is neither (the isinstance checks cost more than this)
        if isinstance(facts, Grievance):
            return facts
        if not isinstance(facts, Mapping):
            raise FactsError(
                [FactProblem("facts", "grievance facts must be an object (a mapping of fields)", "an object")]
            )
    grievance = _plain_grievance(facts) if _FAST else None
    if grievance is None:
        grievance = _validated(facts)
    total = _text_size(grievance)
    if total is not None and total > MAX_RECORD_CHARS:
        raise FactsError(
            [
                FactProblem(
                    "facts",
                    f"the record holds {total} characters of text; at most {MAX_RECORD_CHARS} are accepted",
                    f"at most {MAX_RECORD_CHARS} characters of text in one record",
                )
            ]
        )
    return grievance


def _validated(facts: Mapping[Any, Any]) -> Grievance:
    """The full check: the size limits, then pydantic (raises :class:`FactsError`)."""
    oversized = _oversized(facts)
    if oversized:
        raise FactsError(oversized)
    errors: list[Any] | None = None
    try:
        grievance = Grievance.model_validate(dict(facts))
    except ValidationError as exc:
        errors = list(exc.errors(include_url=False, include_context=False))
    if errors is not None:
        raise FactsError(_problems(errors))
    return grievance


# ------------------------------------------------------------------ the plain-record fast path
#
# Most records are plain JSON: a dict of known keys holding exact strs, bools, lists of strs and
# dicts. For those, :func:`_plain_grievance` checks every value by hand exactly as the model's
# validators would accept it and builds the same Grievance (same field values, same fields set)
# without pydantic's per-field work. Anything it is not sure of -- another mapping type, a str
# subclass, a tuple for a list, a declared ``facts`` object, any value the model would refuse --
# gives None, and the record goes through :func:`_validated`, which alone words errors. So a
# record's outcome (its Grievance, or its FactsError) is the same either way; the fast path is only
# ever a shortcut for records the model accepts. ``_FAST = False`` turns it off (tests compare).

_FAST = True
_CHANNEL_SET = frozenset(CHANNELS)
_COMPLAINANTS = frozenset(("member", "representative", "provider"))
_PARTY_KEYS = frozenset(("id", "name", "address", "phone", "patient_name", "location"))
_PARTY_EMPTY: dict[str, Any] = dict.fromkeys(_PARTY_FIELDS)
_EVENT_KEYS = frozenset(("type", "at", "note"))
_PLANNED_KEYS = frozenset(("type", "at"))
_TEXT_LIMITS = {
    "group": MAX_CODE_CHARS,
    "type": MAX_CODE_CHARS,
    "narrative": MAX_TEXT_CHARS,
    "resolution_summary": MAX_TEXT_CHARS,
    "representative_name": MAX_NAME_CHARS,
}  # the text fields of a grievance and the length each allows
_fromisoformat = dt.datetime.fromisoformat
_date_fromisoformat = dt.date.fromisoformat


def _plain_text(value: object, limit: int) -> bool:
    """``value`` is an exact str the model's text types accept (length, valid Unicode)."""
    return type(value) is str and len(value) <= limit and (value.isascii() or _SURROGATE.search(value) is None)


def _plain_moment(value: object) -> bool:
    """What :func:`_check_moment` accepts without changing it: an ISO string, or an aware datetime."""
    if type(value) is str:
        if not 10 < len(value) <= _MAX_MOMENT_CHARS:
            return False
        try:
            _fromisoformat(value)
        except ValueError:
            return False
        return True
    return type(value) is dt.datetime and value.tzinfo is not None and value.utcoffset() is not None


def _plain_codes(value: object) -> bool:
    """A list of codes the model accepts as given (a list of exact strs)."""
    if type(value) is not list or len(value) > MAX_ITEMS:
        return False
    for item in value:
        if (
            type(item) is not str
            or len(item) > MAX_CODE_CHARS
            or not (item.isascii() or _SURROGATE.search(item) is None)
        ):
            return False
    return True


_M = TypeVar("_M", bound=BaseModel)


def build_model(cls: type[_M], values: dict[str, Any], fields_set: set[str]) -> _M:
    """An instance of the pydantic model ``cls`` holding ``values`` (every field, in field order,
    already of its type) with ``fields_set``, built without validation: what ``model_validate``
    returns for input it accepts unchanged. For values the library has checked or made itself."""
    new = _new(cls)
    _setattr(new, "__dict__", values)
    _set_fields_set(new, fields_set)
    _set_extra(new, None)
    _set_private(new, None)
    return new


# the slots every pydantic model has, set directly (the models are frozen: no __setattr__)
_set_fields_set = BaseModel.__dict__["__pydantic_fields_set__"].__set__
_set_extra = BaseModel.__dict__["__pydantic_extra__"].__set__
_set_private = BaseModel.__dict__["__pydantic_private__"].__set__
_new = object.__new__
_setattr = object.__setattr__


def _plain_party(value: object) -> Party | None:
    if type(value) is not dict or not _PARTY_KEYS.issuperset(value):
        return None
    for item in value.values():
        if item is not None and not (  # _plain_text, inlined: it runs for every field of every party
            type(item) is str and len(item) <= MAX_NAME_CHARS and (item.isascii() or _SURROGATE.search(item) is None)
        ):
            return None
    values = _PARTY_EMPTY.copy()  # every field, in field order
    values.update(value)
    return build_model(Party, values, set(value))


def _plain_events(value: object, keys: frozenset[str], cls: type[_FactsT]) -> list[_FactsT] | None:
    if type(value) is not list or len(value) > MAX_ITEMS:
        return None
    out: list[_FactsT] = []
    for item in value:
        if type(item) is not dict or not keys.issuperset(item):
            return None
        kind, at = item.get("type"), item.get("at")
        if (
            type(kind) is not str
            or len(kind) > MAX_CODE_CHARS
            or not (kind.isascii() or _SURROGATE.search(kind) is None)
            or at is None
            or not _plain_moment(at)
        ):  # _plain_text of the type, inlined
            return None
        values = {"type": kind, "at": at}
        if keys is _EVENT_KEYS:
            note = item.get("note")
            if note is not None and not _plain_text(note, MAX_TEXT_CHARS):
                return None
            values["note"] = note
        out.append(build_model(cls, values, set(item)))
    return out


def _plain_grievance(facts: Mapping[str, Any]) -> Grievance | None:
    """The Grievance of a plain record, or None when the full check must decide (see above)."""
    if type(facts) is not dict or not _GRIEVANCE_KEYS.issuperset(facts):
        return None
    g = facts.get
    ident, received = g("id"), g("received_at")
    if not (
        type(ident) is str
        and 0 < len(ident) <= MAX_CODE_CHARS
        and (ident.isascii() or _SURROGATE.search(ident) is None)
    ):
        return None
    if received is None or not _plain_moment(received):
        return None
    values: dict[str, Any] = dict(_GRIEVANCE_DEFAULTS)
    # fresh containers per record, as the model's default factories give
    values["concerns"], values["assistance_needs"], values["events"], values["schedule"] = [], [], [], []
    values["facts"] = {}
    values["id"] = ident
    values["received_at"] = received
    for key, item in facts.items():
        if key == "id" or key == "received_at" or (item is None and key in _OPTIONAL):
            continue
        limit = _TEXT_LIMITS.get(key)
        if limit is not None:  # a code, text or name: _plain_text, inlined
            if not (type(item) is str and len(item) <= limit and (item.isascii() or _SURROGATE.search(item) is None)):
                return None
        elif key == "channel":
            if type(item) is not str or item not in _CHANNEL_SET:
                return None
        elif key == "concerns" or key == "assistance_needs":
            if not _plain_codes(item):
                return None
            item = list(item)
        elif key == "wants_formal_grievance" or key == "urgent":
            if type(item) is not bool:
                return None
        elif key == "incident_date":
            if type(item) is str and len(item) <= 10:
                try:
                    item = _date_fromisoformat(item)
                except ValueError:
                    return None
            elif type(item) is not dt.date:
                return None
        elif key == "complainant":
            if type(item) is not str or item not in _COMPLAINANTS:
                return None
        elif key == "resolved_at":
            if not _plain_moment(item):
                return None
        elif key == "events":
            item = _plain_events(item, _EVENT_KEYS, Event)
            if item is None:
                return None
        elif key == "member" or key == "provider":
            item = _plain_party(item)
            if item is None:
                return None
        elif key == "schedule":
            item = _plain_events(item, _PLANNED_KEYS, Planned)
            if item is None:
                return None
        else:  # "facts": declared facts are checked by the model
            return None
        values[key] = item
    return build_model(Grievance, values, set(facts))


def _oversized(facts: Mapping[Any, Any]) -> list[FactProblem]:
    """Objects with too many keys, found before any costly validation (lists are pydantic's)."""
    limit = f"at most {MAX_FIELDS} fields"
    objects: list[tuple[str, Any]] = [
        ("facts", facts),
        ("member", facts.get("member")),
        ("provider", facts.get("provider")),
    ]
    events = facts.get("events")
    if type(events) is list and len(events) <= MAX_ITEMS:
        objects.extend((f"events[{i}]", e) for i, e in enumerate(events) if type(e) is not dict or len(e) > MAX_FIELDS)
    return [
        FactProblem(where, f"has {len(obj)} fields; {limit} are accepted", limit)
        for where, obj in objects
        if obj is not None and isinstance(obj, (dict, Mapping)) and len(obj) > MAX_FIELDS
    ]


def _problems(errors: list[Any]) -> list[FactProblem]:
    """pydantic's errors as (field, message, allowed), never echoing a value given."""
    problems = []
    allowed_fields = ", ".join((f.alias or name) for name, f in Grievance.model_fields.items())
    for err in errors:
        loc = tuple(err["loc"])
        if err["type"] == "invalid_key":  # a key that is no string: never shown, whatever it is
            name = dotted_path([*_safe_loc(loc[:-1]), _WITHHELD])
            problems.append(FactProblem(name, "a field name must be a string", "string field names"))
            continue
        if err["type"] == "extra_forbidden":
            key = safe_field_name(loc[-1]) if loc else None
            name = dotted_path([*_safe_loc(loc[:-1]), key or _WITHHELD])
            where = (
                Event
                if "events" in loc[:-1]
                else Planned
                if "schedule" in loc[:-1]
                else (Party if len(loc) > 1 else Grievance)
            )
            choices = list(where.model_fields)
            allowed = ", ".join(choices) if where is not Grievance else allowed_fields
            if key is None:
                message = f"unknown field (its name is withheld: not a short identifier); allowed fields: {allowed}"
            else:
                message = f"unknown field{did_you_mean(key, choices)}; allowed fields: {allowed}"
            problems.append(FactProblem(name, message, allowed))
            continue
        name = dotted_path(_safe_loc(loc))
        last = next((p for p in reversed(loc) if isinstance(p, str)), "")
        if err["type"] == "missing":
            problems.append(FactProblem(name, "is required", _ALLOWED.get(str(last), "a value")))
        elif err["type"] == "string_unicode":
            problems.append(
                FactProblem(name, "is not valid Unicode text (it holds a lone surrogate); send UTF-8 text", "text")
            )
        elif err["type"] == "literal_error" and last in ("channel", "complainant"):
            codes = CHANNELS if last == "channel" else ("member", "representative", "provider")
            allowed = _ALLOWED[last]
            problems.append(
                FactProblem(name, f"{unknown_value(last, err.get('input'), codes)}; allowed: {allowed}", allowed)
            )
        else:
            allowed = _ALLOWED.get(str(last), "see the contract's facts table")
            text = err["msg"].removeprefix("Value error, ")
            problems.append(FactProblem(name, f"{text}; allowed: {allowed}", allowed))
    return problems


def _safe_loc(loc: tuple[Any, ...]) -> list[str | int]:
    """A location whose parts are field names or list positions; anything else is withheld."""
    return [p if (isinstance(p, int) and not isinstance(p, bool)) or safe_field_name(p) else _WITHHELD for p in loc]


def _strings(grievance: Grievance) -> Iterator[str]:
    for name in ("id", "group", "type", "narrative", "representative_name", "resolution_summary"):
        value = getattr(grievance, name)
        if value is not None:
            yield value
    yield from grievance.concerns
    yield from grievance.assistance_needs
    for party in (grievance.member, grievance.provider):
        if party is not None:
            yield from (v for v in party.__dict__.values() if isinstance(v, str))
    for event in grievance.events:
        yield event.type
        if event.note is not None:
            yield event.note
    for planned in grievance.schedule:
        yield planned.type
    for key, value in grievance.facts.items():
        yield key
        if isinstance(value, str):
            yield value
        elif isinstance(value, list):
            yield from (v for v in value if isinstance(v, str))


def _text_size(grievance: Grievance) -> int | None:
    """Characters of text in the record; None when the field limits alone keep it under the cap."""
    g = grievance
    bound = (
        MAX_TEXT_CHARS * (2 + len(g.events))
        + MAX_CODE_CHARS * (3 + len(g.concerns) + len(g.assistance_needs) + len(g.events) + len(g.schedule))
        + MAX_NAME_CHARS * 13
    )
    if bound <= MAX_RECORD_CHARS and not g.facts:  # declared facts' text is bounded per fact only
        return None
    return sum(map(len, _strings(g)))


@dataclass(frozen=True)
class PreparedFacts:
    """A grievance checked against a pack, with its moments resolved in the plan's timezone."""

    grievance: Grievance
    received_at: pendulum.DateTime
    resolved_at: pendulum.DateTime | None
    events: tuple[tuple[str, pendulum.DateTime], ...]  # (type, at), in time order
    declared: Mapping[str, Any] = field(default_factory=dict)  # the pack's declared facts, read and checked
    schedule: Mapping[str, pendulum.DateTime] = field(default_factory=dict)  # type -> planned moment
    subject: Mapping[str, Any] | None = None  # a subject record's typed values (contract section 9)

    def planned(self, schedule_type: str) -> pendulum.DateTime | None:
        """When the ``schedule_type`` moment is planned (the last one listed), or None."""
        return self.schedule.get(schedule_type)

    def __post_init__(self) -> None:
        firsts = _firsts(self.events)
        first_us = {kind: instant_us(at) for kind, at in firsts.items()}
        if self.resolved_at is not None:
            first_us["resolved"] = instant_us(self.resolved_at)
        object.__setattr__(self, "_firsts", firsts)
        object.__setattr__(self, "_first_us", first_us)
        object.__setattr__(self, "_received_us", instant_us(self.received_at))

    def received_us(self) -> int:
        """The instant of receipt (:func:`instant_us` of ``received_at``), worked out once."""
        found: int = self._received_us  # type: ignore[attr-defined]
        return found

    def first_us(self, event_type: str) -> int | None:
        """The instant (:func:`instant_us`) of :meth:`first` ``event_type``, worked out once."""
        found: int | None = self._first_us.get(event_type)  # type: ignore[attr-defined]
        return found

    def first(self, event_type: str) -> pendulum.DateTime | None:
        """When the first ``event_type`` event happened (``resolved`` includes resolved_at)."""
        if event_type == "resolved" and self.resolved_at is not None:
            return self.resolved_at
        found: pendulum.DateTime | None = self._firsts.get(event_type)  # type: ignore[attr-defined]
        return found

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
        firsts = [(instant_us(at), i) for at, i in self._occurrences(earlier)]
        if not firsts:
            return False
        first = min(firsts)
        return any((instant_us(at), i) > first for at, i in self._occurrences(event_type))

    def count(self, event_type: str) -> int:
        """How many ``event_type`` events happened."""
        return sum(1 for kind, _ in self.events if kind == event_type)


def resolve_moment(value: str | dt.datetime, calendar: PlanCalendar, field: str = "moment") -> pendulum.DateTime:
    """A validated moment of the facts in the plan's timezone (offset-less strings are local wall time).

    Raises :class:`FactsError` naming ``field`` when it is outside the span the calendar serves.
    """
    found = _moment(value, calendar)
    if found is None:
        raise FactsError([_outside(field, calendar)])
    return found


def received_date(grievance: Grievance, calendar: PlanCalendar) -> dt.date | None:
    """The local date of receipt in the plan's timezone (offset-less strings are local wall times).

    The same date :func:`prepare` reads, computed with the standard library only: it picks the
    pack version that judges the grievance, before the grievance is prepared. None when the moment
    is outside the span the calendar serves (:func:`prepare` then refuses it with a FactsError).
    """
    value = grievance.received_at
    try:
        parsed = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)
        day = parsed.date() if parsed.tzinfo is None else parsed.astimezone(calendar.tz).date()
    except (OverflowError, ValueError):
        return None
    return day if calendar.serves(day) else None


def _moment(value: str | dt.datetime, calendar: PlanCalendar) -> pendulum.DateTime | None:
    """``value`` in the plan's timezone, or None when it is outside the span the calendar serves."""
    # an ISO string without offset is a wall time in the plan's timezone (PlanCalendar.moment)
    return calendar.moment(value if isinstance(value, dt.datetime) else _fromisoformat(value))


def _moment_us(value: str | dt.datetime, calendar: PlanCalendar) -> tuple[pendulum.DateTime, int] | None:
    """:func:`_moment` and its instant (:func:`instant_us`), read together (PlanCalendar.moment_us)."""
    return calendar.moment_us(value if isinstance(value, dt.datetime) else _fromisoformat(value))


def _outside(field: str, calendar: PlanCalendar) -> FactProblem:
    span = calendar.span
    return FactProblem(
        field,
        f"is outside the dates the plan's calendar serves ({span}, local time); give a moment in that span",
        f"a moment from {span}",
    )


def prepare(
    grievance: Grievance, spec: PolicySpec, calendar: PlanCalendar, as_of: pendulum.DateTime | None
) -> PreparedFacts:
    """Check a grievance against the pack's vocabulary and resolve its moments.

    Raises :class:`FactsError` for unknown tags, types or event types, an incident after
    receipt, events before receipt or after ``as_of``, a resolution before receipt, or a moment
    outside the span the calendar serves (:attr:`PlanCalendar.span`).
    """
    vocab = spec.vocabulary
    problems: list[FactProblem] = []

    for name, what, given, allowed in (
        ("concerns", "concern tag", grievance.concerns, vocab.concerns),
        ("assistance_needs", "assistance tag", grievance.assistance_needs, vocab.assistance),
    ):
        for i, tag in enumerate(given):
            if tag not in allowed:
                names = ", ".join(allowed) or "(none declared)"
                problems.append(
                    FactProblem(f"{name}[{i}]", f"{unknown_value(what, tag, allowed)}; allowed: {names}", names)
                )
    if grievance.type is not None and grievance.type not in vocab.types:
        names = ", ".join(vocab.types) or "(the pack declares no types)"
        problems.append(
            FactProblem(
                "type", f"{unknown_value('grievance type', grievance.type, vocab.types)}; allowed: {names}", names
            )
        )
    for i, event in enumerate(grievance.events):
        if event.type not in vocab.events and event.type != "resolved":
            known_events = set(vocab.events) | {"resolved"}
            names = ", ".join(sorted(known_events))
            problems.append(
                FactProblem(
                    f"events[{i}].type",
                    f"{unknown_value('event type', event.type, sorted(known_events))}; allowed: {names}",
                    names,
                )
            )
    for i, planned in enumerate(grievance.schedule):
        if planned.type not in vocab.schedule:
            names = ", ".join(vocab.schedule) or "(the pack declares no schedule types)"
            problems.append(
                FactProblem(
                    f"schedule[{i}].type",
                    f"{unknown_value('schedule type', planned.type, sorted(vocab.schedule))}; allowed: {names}",
                    names,
                )
            )
    declared = _declared_facts(grievance, spec, calendar, problems) if spec.facts or grievance.facts else {}
    if problems:
        raise FactsError(problems)

    received_found = _moment_us(grievance.received_at, calendar)
    if received_found is None:
        raise FactsError([_outside("received_at", calendar)])
    # compared as instants (in the repeated DST hour wall clocks mislead), each key read with its moment
    received, received_us = received_found
    if grievance.incident_date is not None:
        if not calendar.serves(grievance.incident_date):
            problems.append(_outside("incident_date", calendar))
        elif grievance.incident_date > date_of(received):
            problems.append(
                FactProblem(
                    "incident_date",
                    "is after the date of receipt; the incident must come first",
                    "a date on or before the date of receipt",
                )
            )
    resolved = None
    as_of_us = None if as_of is None else instant_us(as_of)
    resolved_found = None if grievance.resolved_at is None else _moment_us(grievance.resolved_at, calendar)
    if resolved_found is not None:
        resolved, resolved_us = resolved_found
        if resolved_us < received_us:
            problems.append(FactProblem("resolved_at", "is before receipt", "a moment at or after received_at"))
        if as_of_us is not None and resolved_us > as_of_us:
            problems.append(FactProblem("resolved_at", "is after as_of", "a moment at or before as_of"))
    elif grievance.resolved_at is not None:
        problems.append(_outside("resolved_at", calendar))
    events: list[tuple[str, pendulum.DateTime]] = []
    firsts: dict[str, pendulum.DateTime] = {}  # for PreparedFacts.first and first_us, as _firsts gives
    first_us: dict[str, int] = {}
    previous_us: int | None = None
    for i, event in enumerate(grievance.events):
        found = _moment_us(event.at, calendar)
        if found is None:
            problems.append(_outside(f"events[{i}].at", calendar))
            continue
        at, at_us = found
        if at_us < received_us:
            problems.append(FactProblem(f"events[{i}].at", "is before receipt", "a moment at or after received_at"))
        if as_of_us is not None and at_us > as_of_us:
            problems.append(FactProblem(f"events[{i}].at", "is after as_of", "a moment at or before as_of"))
        if previous_us is not None and at_us < previous_us:
            problems.append(
                FactProblem(
                    f"events[{i}].at",
                    "is earlier than the event before it; list events in time order",
                    "events in time order",
                )
            )
        previous_us = at_us
        events.append((event.type, at))
        if event.type not in firsts:
            firsts[event.type] = at
            first_us[event.type] = at_us
    # a rescheduled moment is listed again: the last one listed of a type is the plan in force
    schedule: dict[str, pendulum.DateTime] = {}
    for i, planned in enumerate(grievance.schedule):
        when = _moment(planned.at, calendar)
        if when is None:
            problems.append(_outside(f"schedule[{i}].at", calendar))
        else:
            schedule[planned.type] = when
    if problems:
        raise FactsError(problems)
    if resolved is not None:  # first("resolved") is resolved_at when given
        first_us["resolved"] = resolved_us
    # what PreparedFacts(...) builds, without the frozen dataclass's per-field object.__setattr__
    prepared = _new(PreparedFacts)
    prepared.__dict__.update(
        grievance=grievance,
        received_at=received,
        resolved_at=resolved,
        events=tuple(events),
        declared=declared,
        schedule=schedule,
        subject=None,
        _firsts=firsts,
        _first_us=first_us,
        _received_us=received_us,
    )
    return prepared


def _firsts(events: Sequence[tuple[str, pendulum.DateTime]]) -> dict[str, pendulum.DateTime]:
    """The first moment of each event type (events are in time order), for :meth:`PreparedFacts.first`."""
    out: dict[str, pendulum.DateTime] = {}
    for kind, at in events:
        if kind not in out:
            out[kind] = at
    return out


def _declared_facts(
    grievance: Grievance, spec: PolicySpec, calendar: PlanCalendar, problems: list[FactProblem]
) -> dict[str, Any]:
    """The values of the pack's declared facts, checked like the built-in fields.

    A problem names the field (``facts.<name>``) and what it allows, never the value given. A
    boolean is false and a tag list empty when not given; a fact with a ``default`` takes it;
    any other fact is required. A date-time without an offset is read in the plan's timezone.
    """
    out: dict[str, Any] = {}
    declared = spec.facts
    for name in grievance.facts:
        if name not in declared:
            names = ", ".join(declared) or "(the pack declares no facts)"
            shown = safe_field_name(name)
            hint = "" if shown is None else did_you_mean(name, declared)
            where = f"facts.{shown}" if shown is not None else "facts.<field name withheld>"
            problems.append(FactProblem(where, f"unknown fact{hint}; allowed: {names}", names))
    for name, decl in declared.items():
        ftype = decl.fact_type()
        allowed = allowed_words(ftype)
        if name in grievance.facts:
            raw = grievance.facts[name]
        elif decl.default is not None:
            raw = decl.default
        elif ftype.kind in ("bool", "tags"):
            raw = False if ftype.kind == "bool" else []
        else:
            problems.append(FactProblem(f"facts.{name}", f"is required; allowed: {allowed}", allowed))
            continue
        try:
            value = coerce_fact(ftype, raw)
        except ValueError:
            problems.append(
                FactProblem(f"facts.{name}", f"does not fit the declared {decl.type}; allowed: {allowed}", allowed)
            )
            continue
        if isinstance(value, str) and (len(value) > MAX_NAME_CHARS or _SURROGATE.search(value)):
            limit = f"text of at most {MAX_NAME_CHARS} characters (valid Unicode)"
            problems.append(FactProblem(f"facts.{name}", f"is too long or not valid Unicode; allowed: {limit}", limit))
            continue
        if isinstance(value, tuple) and len(value) > MAX_ITEMS:
            problems.append(
                FactProblem(f"facts.{name}", f"has more than {MAX_ITEMS} tags", f"at most {MAX_ITEMS} tags")
            )
            continue
        if isinstance(value, dt.datetime):
            moment = _moment(value, calendar)
            if moment is None:
                problems.append(_outside(f"facts.{name}", calendar))
                continue
            value = moment
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and not calendar.serves(value):
            problems.append(_outside(f"facts.{name}", calendar))
            continue
        out[name] = value
    return out


def normalize_name(text: str) -> str:
    """A name compared without case or extra spaces (groups, providers)."""
    return " ".join(text.lower().split())
