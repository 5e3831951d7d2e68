"""The daily worklist: for a set of cases and a day, what is overdue, due that day, and due soon.

One streaming pass over the cases: each is evaluated as of the end of the day (in its plan's
timezone, so the day's own events count) and only the actions that belong on the list are kept,
as small items; no Determination is held. Buckets go by the action's local due date:

- ``overdue``: due before the day and not done;
- ``due_today``: due on the day and not done;
- ``due_soon``: due within the next ``within`` days and not done.

Items are sorted by due moment, then case id, then rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import pendulum
from pydantic import BaseModel, ConfigDict, field_serializer

from grievance_rules.errors import FactsError, GrievanceRulesError
from grievance_rules.facts import Grievance
from grievance_rules.policy import Policy

__all__ = ["WorkItem", "Worklist", "WorklistError", "build_worklist"]

Bucket = Literal["overdue", "due_today", "due_soon"]


class WorkItem(BaseModel):
    """One action on the worklist."""

    model_config = ConfigDict(frozen=True)

    bucket: Bucket
    due_at: dt.datetime
    due_date: dt.date
    grievance_id: str
    policy: str
    code: str
    title: str
    responsible: str | None
    rule: str
    citation: str

    @field_serializer("due_at")
    def _iso(self, value: dt.datetime) -> str:
        return value.isoformat()


class WorklistError(BaseModel):
    """A case that could not be evaluated; nothing else is lost."""

    model_config = ConfigDict(frozen=True)

    record: int
    id: str | None
    field: str
    error: str


class Worklist(BaseModel):
    """The worklist of one day."""

    model_config = ConfigDict(frozen=True)

    date: dt.date
    within_days: int
    cases: int
    items: tuple[WorkItem, ...]
    errors: tuple[WorklistError, ...] = ()

    def bucket(self, name: Bucket) -> tuple[WorkItem, ...]:
        """The items of one bucket, in order."""
        return tuple(item for item in self.items if item.bucket == name)


Record = Mapping[str, Any] | Grievance | tuple[Policy, Mapping[str, Any] | Grievance]


def build_worklist(
    records: Iterable[Record],
    day: dt.date,
    *,
    within: int = 0,
    policy: Policy | None = None,
    loader: Any = None,
) -> Worklist:
    """Build the worklist of ``day`` from ``records`` in one pass.

    A record is grievance facts evaluated under ``policy``, a ``(policy, facts)`` pair, or a mapping
    ``{"policy": <pack id or path>, "facts": {...}}`` whose pack is loaded once with ``loader``
    (default :func:`grievance_rules.load_policy`). A record with bad facts becomes a
    :class:`WorklistError` in ``errors``; the pass goes on.
    """
    if within < 0:
        raise GrievanceRulesError("within must be 0 or more days")
    if loader is None:
        from grievance_rules.packs import load_policy as loader
    loaded: dict[str, Policy] = {}
    horizon = dt.date.fromordinal(day.toordinal() + within)
    items: list[tuple[float, str, str, WorkItem]] = []
    errors: list[WorklistError] = []
    count = 0
    for position, record in enumerate(records, start=1):
        count += 1
        try:
            pol, facts = _split(record, policy, loaded, loader)
            as_of = pendulum.datetime(day.year, day.month, day.day, 23, 59, 59, tz=pol.calendar.tz)
            det = pol.evaluate(facts, as_of=as_of)
        except FactsError as exc:
            errors.append(WorklistError(record=position, id=_record_id(record), field=exc.field, error=str(exc)))
            continue
        for action in det.actions:
            if action.status == "done" or action.due_date is None or action.due_at is None:
                continue
            if action.due_date < day:
                bucket: Bucket = "overdue"
            elif action.due_date == day:
                bucket = "due_today"
            elif action.due_date <= horizon:
                bucket = "due_soon"
            else:
                continue
            item = WorkItem(
                bucket=bucket,
                due_at=action.due_at,
                due_date=action.due_date,
                grievance_id=det.grievance_id,
                policy=det.policy.id,
                code=action.code,
                title=action.title,
                responsible=action.responsible,
                rule=action.rule,
                citation=action.citation,
            )
            items.append((action.due_at.timestamp(), det.grievance_id, action.rule, item))
    items.sort(key=lambda entry: entry[:3])
    return Worklist(
        date=day, within_days=within, cases=count, items=tuple(entry[3] for entry in items), errors=tuple(errors)
    )


def _record_id(record: Record) -> str | None:
    facts: Any = record[1] if isinstance(record, tuple) else record
    if isinstance(facts, Mapping) and isinstance(facts.get("facts"), Mapping):
        facts = facts["facts"]
    if isinstance(facts, Grievance):
        return facts.id
    value = facts.get("id") if isinstance(facts, Mapping) else None
    return value if isinstance(value, str) else None


def _split(
    record: Record, policy: Policy | None, loaded: dict[str, Policy], loader: Any
) -> tuple[Policy, Mapping[str, Any] | Grievance]:
    if isinstance(record, tuple):
        return record[0], record[1]
    if isinstance(record, Mapping) and "facts" in record and "policy" in record:
        name = record["policy"]
        if not isinstance(name, str):
            raise FactsError([("policy", "must be a pack id or path", "a pack id such as luxor")])
        if name not in loaded:
            loaded[name] = loader(name)
        facts = record["facts"]
        if not isinstance(facts, Mapping):
            raise FactsError([("facts", "must be an object", "an object of grievance facts")])
        return loaded[name], facts
    if policy is None:
        raise FactsError(
            [("policy", "no policy for this case", "a --policy, or records {'policy': ..., 'facts': ...}")]
        )
    return policy, record
