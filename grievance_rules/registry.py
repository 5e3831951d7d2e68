"""The registry of facts a rule may test: each fact's name, its type and how it is read.

One entry per fact is the single home of that fact: the load-time type check of conditions
(:func:`build_catalogue`, used by ``schema.Condition``) and the evaluation getters (used by
``policy.Policy``) both come from :func:`fact_registry`, so they cannot drift apart. A pack's
declared facts (``facts:``) and flags (``flags:``) are entries like any other.

The module imports nothing from the rest of the library (the schema imports it): what a reader
needs for one grievance is described by the :class:`FactReader` protocol, which the policy's
per-grievance context implements.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, get_args

__all__ = [
    "CHANNELS",
    "COMPLAINANTS",
    "FILING_STATES",
    "RECORD_FIELDS",
    "TIMER_STATES",
    "Channel",
    "Declared",
    "Fact",
    "FactKind",
    "FactReader",
    "FactType",
    "allowed_words",
    "build_catalogue",
    "coerce_fact",
    "engine_value",
    "fact_registry",
    "field_value",
    "is_present",
    "operand_value",
]

#: How a grievance can arrive: the one place the channel list is written (the grievance facts, the
#: vocabulary, the delegation matrix and the catalogue all use this type).
Channel = Literal["phone", "mail", "fax", "email", "online", "in_person"]
CHANNELS: tuple[str, ...] = get_args(Channel)
COMPLAINANTS: tuple[str, ...] = ("member", "representative", "provider")
TIMER_STATES: tuple[str, ...] = ("met", "missed", "open")
FILING_STATES: tuple[str, ...] = ("timely", "late", "unknown")
#: Fields of the facts whose presence a record requirement may demand.
RECORD_FIELDS: tuple[str, ...] = (
    "type",
    "channel",
    "group",
    "incident_date",
    "narrative",
    "member.id",
    "member.name",
    "member.address",
    "member.phone",
    "member.patient_name",
    "provider.name",
    "provider.location",
    "representative_name",
    "resolution_summary",
)

FactKind = Literal["bool", "int", "number", "enum", "str", "tags", "date", "datetime"]


@dataclass(frozen=True)
class FactType:
    """The type of one fact rules may test.

    ``kind`` is ``bool``, ``int``, ``number``, ``enum``, ``str``, ``tags``, ``date`` or
    ``datetime``; ``values`` lists an enum's or a tag list's allowed values.
    """

    kind: FactKind
    values: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Declared:
    """Names a pack declares, collected before validation so references can be checked."""

    concerns: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    assistance: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    timers: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    schedule: tuple[str, ...] = ()  # the pack's schedule types (``vocabulary.schedule``)
    choices: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    has_delegation: bool = False
    has_filing_window: bool = False
    channels: tuple[str, ...] = ()  # the channels the plan accepts
    facts: Mapping[str, FactType] = field(default_factory=dict)  # the pack's own facts (``facts:``)
    flags: tuple[str, ...] = ()  # the pack's named flags (``flags:``)
    handlers: tuple[str, ...] = ()  # who may handle a grievance besides plan and health_plan
    delegation_by_plan: bool = False  # the delegation matrix is read as the plan delegating
    #: A subject pack's own facts (declared, computed and runs), by name; None for a grievance pack.
    subject_facts: Mapping[str, FactType] | None = None


class FactReader(Protocol):
    """What the getters read for one grievance (implemented by the policy's context)."""

    @property
    def facts(self) -> Any:
        """The prepared facts (``facts.PreparedFacts``)."""

    @property
    def delegation(self) -> tuple[Any, bool]:
        """(the delegation row that applies or None, whether the group is a row of the matrix)."""

    @property
    def filing(self) -> str:
        """``timely``, ``late`` or ``unknown``."""

    @property
    def patterns(self) -> frozenset[str]:
        """The case-book patterns this grievance completes."""

    def timer_state(self, timer: str) -> str:
        """``met``, ``missed`` or ``open``."""


Reader = Callable[[FactReader], Any]


@dataclass(frozen=True)
class Fact:
    """One fact of the registry: its type and how its value is read for one grievance.

    ``read`` is None for facts the rules themselves decide (choices such as ``level``, flags):
    the engine sets those between stages. A tag list's reader gives the collection of tags.
    """

    name: str
    type: FactType
    read: Reader | None


def engine_value(ftype: FactType, value: Any) -> Any:
    """A value as the engine compares it: a date as its day number, a date-time as POSIX seconds.

    durable-rules compares numbers and strings only; both conversions keep the order.
    """
    if ftype.kind == "date" and isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value.toordinal()
    if ftype.kind == "datetime" and isinstance(value, dt.datetime):
        return value.timestamp()
    if ftype.kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def allowed_words(ftype: FactType) -> str:
    """What a fact of this type accepts, in words (for error messages; never the value given)."""
    kind = ftype.kind
    if kind == "enum":
        return "one of: " + (", ".join(ftype.values) or "(none declared)")
    if kind == "tags":
        return "a list of tags from: " + (", ".join(ftype.values) or "(none declared)")
    return {
        "bool": "true or false",
        "int": "a whole number",
        "number": "a number",
        "str": "text",
        "date": "an ISO date, e.g. 2024-11-22",
        "datetime": "an ISO 8601 date-time, e.g. 2024-11-22T10:00:00-06:00",
    }[kind]


def coerce_fact(ftype: FactType, value: Any) -> Any:
    """``value`` checked against ``ftype`` and read: a date as ``datetime.date``, a date-time as
    ``datetime.datetime`` (naive when given without an offset: the plan's timezone applies), a
    number as float, a tag list as a tuple. Raises ValueError carrying :func:`allowed_words`."""
    ok = _COERCE[ftype.kind](ftype, value)
    if ok is None:
        raise ValueError(allowed_words(ftype))
    return ok


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _tags(ftype: FactType, value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple) and all(isinstance(t, str) and t in ftype.values for t in value):
        return tuple(value)
    return None


#: kind -> (type, value) -> the value read, or None when it does not fit
_COERCE: dict[str, Callable[[FactType, Any], Any]] = {
    "bool": lambda t, v: v if isinstance(v, bool) else None,
    "int": lambda t, v: v if _is_int(v) else None,
    "number": lambda t, v: float(v) if _is_int(v) or isinstance(v, float) else None,
    "str": lambda t, v: v if isinstance(v, str) else None,
    "enum": lambda t, v: v if isinstance(v, str) and v in t.values else None,
    "tags": _tags,
    "date": lambda t, v: _date(v),
    "datetime": lambda t, v: _datetime(v),
}


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and len(value) == 10:
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo is not None and value.utcoffset() is not None else None
    if isinstance(value, str) and len(value) > 10:
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def operand_value(ftype: FactType, value: Any) -> Any:
    """A condition's operand as the engine compares it (ValueError when it does not fit).

    A date-time in a condition must carry its offset: a pack's conditions do not depend on
    where they are read.
    """
    if ftype.kind == "datetime":
        moment = _datetime(value)
        if moment is None or moment.tzinfo is None:
            raise ValueError("a date-time with its offset, e.g. 2024-11-22T10:00:00-06:00")
        return engine_value(ftype, moment)
    if ftype.kind in ("date", "number"):
        return engine_value(ftype, coerce_fact(ftype, value))
    return value


def _built_in(declared: Declared) -> list[Fact]:
    """The facts every grievance pack has, read from the grievance model."""
    accepted: Collection[str] = frozenset(declared.channels)
    return [
        Fact(
            "channel",
            FactType("enum", CHANNELS, "how the grievance arrived"),
            lambda r: r.facts.grievance.channel or "none",
        ),
        Fact(
            "complainant",
            FactType("enum", COMPLAINANTS, "who complains"),
            lambda r: r.facts.grievance.complainant,
        ),
        Fact(
            "group", FactType("str", (), "the member's health plan or group"), lambda r: r.facts.grievance.group or ""
        ),
        Fact(
            "type",
            FactType("enum", declared.types + ("none",), "grievance type ('none' if not given)"),
            lambda r: r.facts.grievance.type or "none",
        ),
        Fact(
            "concerns",
            FactType("tags", declared.concerns, "what the complaint is about"),
            lambda r: r.facts.grievance.concerns,
        ),
        Fact(
            "assistance_needs",
            FactType("tags", declared.assistance, "assistance the member needs"),
            lambda r: r.facts.grievance.assistance_needs,
        ),
        Fact(
            "wants_formal_grievance",
            FactType("bool", (), "the member says they want to file a grievance"),
            lambda r: r.facts.grievance.wants_formal_grievance,
        ),
        Fact("urgent", FactType("bool", (), "an urgent or expedited case"), lambda r: r.facts.grievance.urgent),
        Fact(
            "resolved",
            FactType("bool", (), "the grievance has been resolved"),
            lambda r: r.facts.first("resolved") is not None,
        ),
        Fact(
            "has_incident_date",
            FactType("bool", (), "the facts give an incident date"),
            lambda r: r.facts.grievance.incident_date is not None,
        ),
        Fact(
            "channel_accepted",
            FactType("bool", (), "the channel is one the plan lists"),
            lambda r: r.facts.grievance.channel in accepted,
        ),
    ]


def _delegation(declared: Declared) -> list[Fact]:
    def row(r: FactReader) -> Any:
        return r.delegation[0]

    by_plan = declared.delegation_by_plan

    def handler(r: FactReader) -> str:
        delegated = bool(row(r) and row(r).delegated)
        if by_plan:
            return str(row(r).to) if delegated else "plan"
        return "plan" if delegated else "health_plan"

    return [
        Fact(
            "delegation.handler",
            FactType(
                "enum",
                ("plan", "health_plan", *declared.handlers),
                "who handles the grievance by the delegation matrix (its direction decides)",
            ),
            handler,
        ),
        Fact(
            "delegation.in_matrix",
            FactType("bool", (), "the group is a row of the delegation matrix"),
            lambda r: r.delegation[1],
        ),
        Fact(
            "delegation.delegated",
            FactType("bool", (), "the plan is delegated for this group"),
            lambda r: bool(row(r) and row(r).delegated),
        ),
        Fact(
            "delegation.verbal_grievances",
            FactType("bool", (), "the plan may take verbal grievances for this group"),
            lambda r: bool(row(r) and row(r).verbal_grievances),
        ),
        Fact(
            "delegation.written_channel",
            FactType("bool", (), "the channel is a written channel the group allows"),
            lambda r: bool(row(r) and r.facts.grievance.channel in row(r).written_channels),
        ),
    ]


def _happened(ev: str) -> Reader:
    return lambda r: r.facts.first(ev) is not None


def _count(ev: str) -> Reader:
    return lambda r: r.facts.count(ev)


def _after(ev: str, earlier: str) -> Reader:
    return lambda r: r.facts.after(ev, earlier)


def _timer(timer: str) -> Reader:
    return lambda r: r.timer_state(timer)


def _pattern(pattern: str) -> Reader:
    return lambda r: pattern in r.patterns


def _events(events: tuple[str, ...]) -> list[Fact]:
    out: list[Fact] = []
    for ev in events:
        out.append(
            Fact(
                f"events.{ev}",
                FactType("bool", (), f"a '{ev}' event happened"),
                _happened(ev),
            )
        )
        out.append(
            Fact(
                f"events.{ev}.count",
                FactType("int", (), f"how many '{ev}' events happened"),
                _count(ev),
            )
        )
    for ev in events:
        for earlier in (*events, "resolved"):
            if earlier != ev:
                out.append(
                    Fact(
                        f"events.{ev}.after.{earlier}",
                        FactType("bool", (), f"a '{ev}' event happened after the first '{earlier}' event"),
                        _after(ev, earlier),
                    )
                )
    return out


def field_value(record: Any, name: str) -> Any:
    """The value of a dotted field such as ``provider.name``, or None when absent."""
    obj: Any = record
    for part in name.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def is_present(record: Any, name: str) -> bool:
    """Whether the facts give the record field ``name`` (dotted, e.g. ``provider.name``)."""
    return field_value(record, name) not in (None, "", [])


def _present(name: str) -> Reader:
    """The reader of ``present.<name>``: :func:`is_present` with the dotted name split once."""
    parts = name.split(".")
    if len(parts) == 1:
        return lambda r: getattr(r.facts.grievance, name, None) not in _ABSENT
    first, second = parts[0], ".".join(parts[1:])
    if len(parts) == 2:  # a party's field (``member.name``): what field_value reads, without splitting per call

        def read_field(r: FactReader) -> bool:
            parent = getattr(r.facts.grievance, first, None)
            return parent is not None and getattr(parent, second, None) not in _ABSENT

        return read_field

    def read(r: FactReader) -> bool:
        parent = getattr(r.facts.grievance, first, None)
        return parent is not None and field_value(parent, second) not in _ABSENT

    return read


_ABSENT: tuple[Any, ...] = (None, "", [])


def _declared_fact(name: str, ftype: FactType) -> Reader:
    if ftype.kind in ("date", "datetime"):
        return lambda r: engine_value(ftype, r.facts.declared[name])
    return lambda r: r.facts.declared[name]


def _subject_value(name: str, default: Any) -> Reader:
    return lambda r: value if (value := (r.facts.subject or {}).get(name)) is not None else default


def _subject_registry(declared: Declared) -> dict[str, Fact]:
    """The registry of a subject pack (contract section 9): its own facts, its events and timers,
    and its choices. None of the grievance facts (channel, concerns, delegation...) apply.

    A number fact's comparisons are exact and read by the policy (one property per comparison);
    the reader here gives the plain value."""
    assert declared.subject_facts is not None
    empty = {"enum": "none", "str": "", "int": 0}
    facts = [Fact(n, t, _subject_value(n, empty.get(t.kind))) for n, t in declared.subject_facts.items()]
    if declared.events:
        facts.append(
            Fact(
                "resolved",
                FactType("bool", (), "the record has a 'resolved' event"),
                lambda r: r.facts.first("resolved") is not None,
            )
        )
    facts += _events(declared.events)
    for timer in declared.timers:
        facts.append(Fact(f"timers.{timer}", FactType("enum", TIMER_STATES, f"timer '{timer}'"), _timer(timer)))
    for name, values in declared.choices.items():
        facts.append(Fact(name, FactType("enum", values, f"the {name} the rules decide"), None))
    return {f.name: f for f in facts}


def fact_registry(declared: Declared) -> dict[str, Fact]:
    """Every fact a condition may name, with its type and its reader, for a pack that declares
    ``declared`` (in the order the catalogue lists them)."""
    if declared.subject_facts is not None:
        return _subject_registry(declared)
    facts = _built_in(declared)
    if declared.has_filing_window:
        facts.append(
            Fact("filing", FactType("enum", FILING_STATES, "filed within the filing window"), lambda r: r.filing)
        )
    if declared.has_delegation:
        facts += _delegation(declared)
    facts += _events(declared.events)
    for timer in declared.timers:
        facts.append(
            Fact(
                f"timers.{timer}",
                FactType("enum", TIMER_STATES, f"timer '{timer}'"),
                _timer(timer),
            )
        )
    for pattern in declared.patterns:
        facts.append(
            Fact(
                f"patterns.{pattern}",
                FactType("bool", (), f"this grievance completes pattern '{pattern}' in a case book"),
                _pattern(pattern),
            )
        )
    for fld in RECORD_FIELDS:
        facts.append(Fact(f"present.{fld}", FactType("bool", (), f"the facts give {fld}"), _present(fld)))
    for name, ftype in declared.facts.items():
        facts.append(Fact(f"facts.{name}", ftype, _declared_fact(name, ftype)))
    for name, values in declared.choices.items():
        facts.append(Fact(name, FactType("enum", values, f"the {name} the rules decide"), None))
    for flag in declared.flags:
        facts.append(Fact(f"flags.{flag}", FactType("bool", (), f"the pack's flag '{flag}'"), None))
    return {f.name: f for f in facts}


def build_catalogue(declared: Declared) -> dict[str, FactType]:
    """The type of every fact a condition may name (the registry without its readers)."""
    return {name: fact.type for name, fact in fact_registry(declared).items()}
