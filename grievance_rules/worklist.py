"""The daily worklist: for a set of cases and a day, what is overdue, due that day, and due soon.

One streaming pass over the cases: each is evaluated as of the end of the day (in its plan's
timezone, so the day's own events count) and only the actions that belong on the list are kept;
no Determination is held, and :class:`WorklistPass` sorts the items in chunks spilled to
temporary files, so memory stays flat however many cases and items there are. Buckets go by the action's local due date:

- ``overdue``: due before the day and not done;
- ``due_today``: due on the day and not done;
- ``due_soon``: due within the next ``within`` days and not done.

Items are sorted by due moment, then case id, then rule.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, Literal

import pendulum
from pydantic import BaseModel, ConfigDict, field_serializer

from grievance_rules.errors import FactProblem, FactsError, GrievanceRulesError
from grievance_rules.facts import Grievance
from grievance_rules.policy import Policy

__all__ = ["WorkItem", "Worklist", "WorklistError", "WorklistPass", "build_worklist"]

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
    """Build the worklist of ``day`` from ``records`` (all items in memory; see :class:`WorklistPass`).

    A record is grievance facts evaluated under ``policy``, a ``(policy, facts)`` pair, or a mapping
    ``{"policy": <pack id or path>, "facts": {...}}`` whose pack is loaded once with ``loader``
    (default :func:`grievance_rules.load_policy`). A record with bad facts becomes a
    :class:`WorklistError` in ``errors``; the pass goes on.
    """
    run = WorklistPass(records, day, within=within, policy=policy, loader=loader)
    items = tuple(run)
    return Worklist(date=day, within_days=within, cases=run.cases, items=items, errors=tuple(run.errors))


_Row = tuple[float, str, str, str, str, str, str, str, str, str, str, str]  # sort key first, then the item


class WorklistPass:
    """One streaming pass over the cases; iterate it for the items in due order.

    Memory stays flat in the number of cases *and* of items: items are sorted in chunks of
    ``chunk_size``, spilled to temporary files and merged back lazily. After iterating, ``cases``
    and ``errors`` are known.
    """

    def __init__(
        self,
        records: Iterable[Record],
        day: dt.date,
        *,
        within: int = 0,
        policy: Policy | None = None,
        loader: Any = None,
        chunk_size: int = 20_000,
    ) -> None:
        if within < 0:
            raise GrievanceRulesError("within must be 0 or more days")
        self.records = records
        self.day = day
        self.within = within
        self.policy = policy
        self.loader = loader
        self.chunk_size = chunk_size
        self.cases = 0
        self.errors: list[WorklistError] = []

    def __iter__(self) -> Iterator[WorkItem]:
        chunk: list[_Row] = []
        spills: list[IO[str]] = []
        try:
            for row in self._rows():
                chunk.append(row)
                if len(chunk) >= self.chunk_size:
                    spills.append(_spill(chunk))
                    chunk = []
            chunk.sort()
            if not spills:
                yield from (_item(row) for row in chunk)
                return
            spills.append(_spill(chunk))
            yield from (_item(row) for row in heapq.merge(*(_read(f) for f in spills)))
        finally:
            for f in spills:
                f.close()

    def _rows(self) -> Iterator[_Row]:
        loader = self.loader
        if loader is None:
            from grievance_rules.packs import load_policy as loader
        loaded: dict[str, Policy] = {}
        day = self.day
        horizon = dt.date.fromordinal(day.toordinal() + self.within)
        for position, record in enumerate(self.records, start=1):
            self.cases += 1
            try:
                pol, facts = _split(record, self.policy, loaded, loader)
                as_of = pendulum.datetime(day.year, day.month, day.day, 23, 59, 59, tz=pol.calendar.tz)
                det = pol.evaluate(facts, as_of=as_of, trace=False)  # the worklist never shows it
            except FactsError as exc:
                self.errors.append(
                    WorklistError(record=position, id=_record_id(record), field=exc.field, error=str(exc))
                )
                continue
            for action in det.actions:
                if action.status in ("done", "late") or action.due_date is None or action.due_at is None:
                    continue
                if action.due_date < day:
                    bucket: Bucket = "overdue"
                elif action.due_date == day:
                    bucket = "due_today"
                elif action.due_date <= horizon:
                    bucket = "due_soon"
                else:
                    continue
                yield (
                    action.due_at.timestamp(),
                    det.grievance_id,
                    action.rule,
                    bucket,
                    action.due_at.isoformat(),
                    action.due_date.isoformat(),
                    det.policy.id,
                    action.code,
                    action.title,
                    action.responsible or "",
                    action.citation,
                    pol.calendar.spec.timezone,
                )


def _spill(rows: list[_Row]) -> IO[str]:
    rows.sort()
    f = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by WorklistPass
    for row in rows:
        f.write(json.dumps(row) + "\n")
    f.seek(0)
    return f


def _read(f: IO[str]) -> Iterator[_Row]:
    for line in f:
        yield tuple(json.loads(line))


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> dt.tzinfo:
    return pendulum.timezone(name)


def _item(row: _Row) -> WorkItem:
    _, gid, rule, bucket, due_at, due_date, policy, code, title, responsible, citation, tz = row
    return WorkItem(
        bucket=bucket,
        due_at=dt.datetime.fromisoformat(due_at).astimezone(_zone(tz)),
        due_date=dt.date.fromisoformat(due_date),
        grievance_id=gid,
        policy=policy,
        code=code,
        title=title,
        responsible=responsible or None,
        rule=rule,
        citation=citation,
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
            raise FactsError(
                [FactProblem("policy", "must be a pack id or path", "a bundled or installed pack id, or a path")]
            )
        if name not in loaded:
            loaded[name] = loader(name)
        facts = record["facts"]
        if not isinstance(facts, Mapping):
            raise FactsError([FactProblem("facts", "must be an object", "an object of grievance facts")])
        return loaded[name], facts
    if policy is None:
        raise FactsError(
            [FactProblem("policy", "no policy for this case", "a --policy, or records {'policy': ..., 'facts': ...}")]
        )
    return policy, record
