"""Records of a subject other than a grievance (contract section 9): their checks and typed values.

A pack that declares ``subject:`` lists the typed facts its records carry. :func:`parse_record`
checks a record against them and gives the typed values the rules read (integers, exact numbers
as :class:`fractions.Fraction`, months, quarters...), plus the exact ratios the pack computes. A
bad record raises :class:`FactsError` naming the field and what is allowed, never the value given
(records may carry names or free text).

The record is carried through the grievance pipeline as a :class:`Grievance` holding its id, its
receipt (the subject's ``received_field``, if any) and its events, so deadlines, timers, the
durable-rules engine, the trace and the Determination are the same code for every subject.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from pydantic import ValidationError

from grievance_rules.errors import FactsError, did_you_mean, safe_field_name
from grievance_rules.facts import Event, Grievance, _oversized
from grievance_rules.schema import Subject, SubjectFact

__all__ = ["NO_RECEIPT", "csv_record", "exact_text", "parse_record", "period_index", "read_exact"]

#: The receipt of a record whose subject has no ``received_field`` (never shown: the
#: Determination's ``received_at`` is then null, and such a pack has no deadline from receipt).
NO_RECEIPT = "1970-01-01T00:00:00+00:00"

_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")
_QUARTER = re.compile(r"^([0-9]{4})Q([1-4])$")
_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")

_ALLOWED = {
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number such as 4 or 4.8",
    "string": "a non-empty text",
    "date": "an ISO date, e.g. 2012-03-13",
    "date-time": "an ISO 8601 date-time with a time, e.g. 2012-03-13T10:00:00-07:00",
    "month": "a month such as 2011-12",
    "quarter": "a quarter such as 2011Q4",
}


def _allowed(spec: SubjectFact) -> str:
    if spec.type in ("enum", "tags"):
        text = ", ".join(spec.values or ())
        return text if spec.type == "enum" else f"a list of: {text}"
    text = _ALLOWED[spec.type]
    if spec.min is not None:
        text += f" at least {spec.min}"
    if spec.max is not None:
        text += f" at most {spec.max}"
    return text


def period_index(kind: str, value: str) -> int:
    """A month or quarter as a running number, so consecutive periods differ by one."""
    pattern = _MONTH if kind == "month" else _QUARTER
    found = pattern.match(value)
    assert found is not None, "validated period"
    year, part = int(found.group(1)), int(found.group(2))
    return year * (12 if kind == "month" else 4) + part - 1


def _typed(spec: SubjectFact, value: Any) -> Any:
    """The typed value, or raise ValueError (whose text never holds the value)."""
    t = spec.type
    if t == "boolean":
        if isinstance(value, bool):
            return value
        raise ValueError
    if t == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError
        number: Any = value
    elif t == "number":
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            number = Fraction(value)
        elif isinstance(value, float):
            number = Fraction(repr(value))  # the decimal written, not the binary approximation
        elif isinstance(value, str) and _NUMBER.match(value.strip()):
            number = Fraction(value.strip())
        else:
            raise ValueError
    elif t in ("string", "month", "quarter"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError
        if t == "month" and not _MONTH.match(value):
            raise ValueError
        if t == "quarter" and not _QUARTER.match(value):
            raise ValueError
        return value
    elif t == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if not isinstance(value, str):
            raise ValueError
        return dt.date.fromisoformat(value)
    elif t == "date-time":
        if isinstance(value, dt.datetime):
            if value.utcoffset() is None:
                raise ValueError
            return value
        if not isinstance(value, str) or len(value) <= 10:
            raise ValueError
        dt.datetime.fromisoformat(value)
        return value
    elif t == "enum":
        if not isinstance(value, str) or value not in (spec.values or ()):
            raise ValueError
        return value
    else:  # tags
        if not isinstance(value, list) or any(not isinstance(v, str) or v not in (spec.values or ()) for v in value):
            raise ValueError
        return tuple(value)
    if spec.min is not None and number < Fraction(repr(spec.min)):
        raise ValueError
    if spec.max is not None and number > Fraction(repr(spec.max)):
        raise ValueError
    return number


def parse_record(record: Mapping[str, Any], subject: Subject, has_events: bool) -> tuple[Grievance, dict[str, Any]]:
    """Check one record against the subject's facts; give its carrier grievance and typed values.

    The values hold every declared fact (None when an optional one is absent) and every computed
    ratio (None when its denominator is 0). ``events`` (``[{type, at}]``) are accepted when the
    pack declares event types.
    """
    if not isinstance(record, Mapping):
        raise FactsError([("facts", f"a {subject.name} record must be an object (a mapping of fields)", "an object")])
    problems: list[tuple[str, str, str]] = []
    values: dict[str, Any] = {}
    known = [*subject.facts, *(["events"] if has_events else [])]
    oversized = _oversized(record)
    if oversized:
        raise FactsError(oversized)
    for key in record:
        if key not in known:
            allowed = ", ".join(known)
            shown = safe_field_name(key)  # a key may itself be personal data: only identifiers are named
            if shown is None:
                problems.append(
                    (
                        "<field name withheld>",
                        f"unknown field (its name is withheld: not a short identifier); allowed fields: {allowed}",
                        allowed,
                    )
                )
            else:
                problems.append(
                    (shown, f"unknown field{did_you_mean(shown, known)}; allowed fields: {allowed}", allowed)
                )
    for name, spec in subject.facts.items():
        raw = record.get(name)
        if raw is None or raw == "":
            if spec.required:
                problems.append((name, "is required", _allowed(spec)))
            values[name] = None
            continue
        try:
            values[name] = _typed(spec, raw)
        except ValueError:
            problems.append(
                (
                    name,
                    f"is not {spec.type if spec.type != 'enum' else 'one of the values'}; allowed: {_allowed(spec)}",
                    _allowed(spec),
                )
            )
    events: list[Event] = []
    raw_events = record.get("events", [])
    if has_events and raw_events:
        if not isinstance(raw_events, list):
            problems.append(("events", "is not a list of {type, at}", "a list of {type, at}"))
        else:
            for i, item in enumerate(raw_events):
                try:
                    events.append(Event.model_validate(item))
                except ValidationError:
                    problems.append((f"events[{i}]", "is not an event {type, at}", "an object with type and at"))
    if problems:
        raise FactsError(problems)
    for name, ratio in subject.computed.items():
        num, den = values[ratio.numerator], values[ratio.denominator]
        values[name] = None if num is None or den is None or den == 0 else Fraction(num) / Fraction(den) * ratio.times
    received = values[subject.received_field] if subject.received_field else NO_RECEIPT
    carrier = Grievance(id=values[subject.id_field], received_at=received, events=events)
    return carrier, values


def exact_text(value: Fraction) -> str:
    """An exact number for people: ``4.8`` when it has a short decimal, else ``77/16 (≈4.8125)``."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    if den == 1:
        text = f"{float(value):.12f}".rstrip("0")
        if Fraction(text) == value:
            return text
    return f"{value.numerator}/{value.denominator} (≈{float(value):.4f})"


_INTEGER = re.compile(r"^-?[0-9]+$")
_BOOLEANS = {"true": True, "false": False, "yes": True, "no": False, "1": True, "0": False}


def csv_record(row: Mapping[str, str], subject: Subject) -> dict[str, Any]:
    """A CSV row typed by the subject's facts (a cell that does not read stays text, so the
    checks of :func:`parse_record` name it). Empty cells are left out."""
    out: dict[str, Any] = {}
    for key, text in row.items():
        if text is None or text == "":
            continue
        spec = subject.facts.get(key)
        cell = text.strip()
        if spec is None:
            out[key] = text
        elif spec.type == "integer" and _INTEGER.match(cell):
            out[key] = int(cell)
        elif spec.type == "boolean" and cell.lower() in _BOOLEANS:
            out[key] = _BOOLEANS[cell.lower()]
        elif spec.type == "tags":
            out[key] = [t.strip() for t in cell.split(";") if t.strip()]
        else:
            out[key] = cell
    return out


def read_exact(text: str) -> Fraction | None:
    """The number :func:`exact_text` wrote (``4.8``, ``77/16 (≈4.8125)``), or None for other text."""
    head = text.split(" (", 1)[0].strip()
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?(/[0-9]+)?", head):
        return None
    return Fraction(head)
