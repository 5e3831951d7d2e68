"""The daily worklist: for a set of cases and a day, what is overdue, due that day, and due soon.

One streaming pass over the cases: each is evaluated as of the end of the day (in its plan's
timezone, so the day's own events count) and only the actions that belong on the list are kept;
no Determination is held, and :class:`WorklistPass` sorts the items in chunks spilled to
temporary files, so memory stays flat however many cases and items there are. Buckets go by the action's local due date:

- ``overdue``: due before the day and not done;
- ``due_today``: due on the day and not done;
- ``due_soon``: due within the next ``within`` days and not done.

Items are sorted by due moment, then case id, then rule.

Nothing is lost and one record never stops the pass: a record that cannot be evaluated for any
reason (bad facts, a pack that fails to load, an unexpected error) becomes a
:class:`WorklistError` at its position. A record may name its pack only by an installed pack id
(bundled or installed through an entry point); paths to policy files come only from the caller.
The day must lie within :data:`EARLIEST_DAY` .. :data:`LATEST_DAY` (the span the plan calendars
are tested over) and ``within`` within 0 .. :data:`MAX_WITHIN_DAYS`.
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

from grievance_rules.calendar import FIRST_DAY, LAST_DAY
from grievance_rules.errors import FactProblem, FactsError, GrievanceRulesError
from grievance_rules.facts import Grievance
from grievance_rules.policy import Policy
from grievance_rules.records import UnreadableRecord

__all__ = [
    "EARLIEST_DAY",
    "LATEST_DAY",
    "MAX_WITHIN_DAYS",
    "MERGE_FAN_IN",
    "WorkItem",
    "Worklist",
    "WorklistError",
    "WorklistPass",
    "build_worklist",
]

EARLIEST_DAY = FIRST_DAY
"""The first day a worklist may be built for: the first day the plan calendars serve."""
LATEST_DAY = LAST_DAY
"""The last day a worklist may be built for: the last day the plan calendars serve."""
MAX_WITHIN_DAYS = 3660
"""The longest look-ahead of a worklist: about ten years."""
MERGE_FAN_IN = 64
"""How many spill files are merged at once; far below the usual limit of 1,024 open files."""

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
    field: str | None
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
    ``{"policy": <installed pack id>, "facts": {...}}`` whose pack is loaded once with ``loader``
    (default: installed packs only, by id; a path there is refused). A record with bad facts becomes a
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

    With ``numbered=True`` each record comes as a ``(position, record)`` pair, as
    :func:`grievance_rules.records.read_records` yields them, and an :class:`UnreadableRecord`
    becomes an error at its position. Spill files are merged ``fan_in`` at a time, in stages.

    With ``jobs`` > 1 the cases are evaluated in that many processes, in chunks, and their items
    and errors taken back in input order, so the worklist is exactly that of one process; the
    policy (it pickles, contract section 1), the records and ``loader`` (a module-level function,
    or None) are sent to the workers.
    """

    def __init__(
        self,
        records: Iterable[Record] | Iterable[tuple[int, Any]],
        day: dt.date,
        *,
        within: int = 0,
        policy: Policy | None = None,
        loader: Any = None,
        chunk_size: int = 20_000,
        numbered: bool = False,
        fan_in: int = MERGE_FAN_IN,
        jobs: int = 1,
    ) -> None:
        if not 0 <= within <= MAX_WITHIN_DAYS:
            raise GrievanceRulesError(f"within must be 0 to {MAX_WITHIN_DAYS} days")
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            raise GrievanceRulesError(
                f"the worklist day must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"
            )
        if chunk_size < 1 or fan_in < 2:
            raise GrievanceRulesError("chunk_size must be 1 or more and fan_in 2 or more")
        if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1:
            raise GrievanceRulesError("jobs must be a number of processes, 1 or more")
        self.records = records
        self.day = day
        self.within = within
        self.policy = policy
        self.loader = loader
        self.chunk_size = chunk_size
        self.numbered = numbered
        self.fan_in = fan_in
        self.jobs = jobs
        self.cases = 0
        self.errors: list[WorklistError] = []

    def __iter__(self) -> Iterator[WorkItem]:
        chunk: list[_Row] = []
        # spill files by merge level: fan_in files of one level merge into one file of the next,
        # so at most about fan_in files per level are open (never thousands: EMFILE)
        levels: list[list[IO[str]]] = []

        def add(f: IO[str], level: int) -> None:
            while len(levels) <= level:
                levels.append([])
            levels[level].append(f)
            if len(levels[level]) >= self.fan_in:
                group, levels[level] = levels[level], []
                add(_merge_to_file(group), level + 1)

        try:
            for row in self._rows():
                chunk.append(row)
                if len(chunk) >= self.chunk_size:
                    add(_spill(chunk), 0)
                    chunk = []
            chunk.sort()
            if not levels:
                yield from (_item(row) for row in chunk)
                return
            add(_spill(chunk), 0)
            spills = [f for level in levels for f in level]
            while len(spills) > self.fan_in:
                group, spills = spills[: self.fan_in], spills[self.fan_in :]
                spills.append(_merge_to_file(group))
                levels.append([spills[-1]])
            yield from (_item(row) for row in heapq.merge(*(_read(f) for f in spills)))
        finally:
            for level in levels:
                for f in level:
                    f.close()

    def _numbered(self) -> Iterator[tuple[int, Any]]:
        if self.numbered:
            return iter(self.records)  # type: ignore[arg-type]
        return enumerate(self.records, start=1)

    def _rows(self) -> Iterator[_Row]:
        for counted, result in self._cases():
            if counted:
                self.cases += 1
            if isinstance(result, WorklistError):
                self.errors.append(result)
                continue
            yield from result

    def _cases(self) -> Iterator[tuple[bool, list[_Row] | WorklistError]]:
        """Per record, in input order: whether it is a case (not an unreadable line), and its rows or
        its error; in ``jobs`` processes, chunk by chunk (the same function, so the same results)."""
        if self.jobs > 1:
            from grievance_rules.parallel import chunked, ordered_map

            initargs = (self.policy, self.day, self.within, self.loader)
            for chunk in ordered_map(_chunk_cases, chunked(self._numbered()), self.jobs, _init_cases, initargs):
                yield from chunk
            return
        cases = _Cases(self.policy, self.day, self.within, self.loader)
        for position, record in self._numbered():
            yield cases.one(position, record)


class _Cases:
    """Evaluates one record at a time into worklist rows (packs named by records loaded once)."""

    def __init__(self, policy: Policy | None, day: dt.date, within: int, loader: Any) -> None:
        self.policy = policy
        self.day = day
        self.horizon = dt.date.fromordinal(day.toordinal() + within)
        self.loader = loader if loader is not None else _load_installed
        self.loaded: dict[str, Policy | GrievanceRulesError] = {}

    def one(self, position: int, record: Any) -> tuple[bool, list[_Row] | WorklistError]:
        if isinstance(record, UnreadableRecord):
            return False, WorklistError(record=position, id=None, field=None, error=record.message)
        day = self.day
        try:
            pol, facts = _split(record, self.policy, self.loaded, self.loader)
            as_of = pendulum.datetime(day.year, day.month, day.day, 23, 59, 59, tz=pol.calendar.tz)
            det = pol.evaluate(facts, as_of=as_of, trace=False)  # the worklist never shows it
        except FactsError as exc:
            return True, WorklistError(record=position, id=_record_id(record), field=exc.field, error=str(exc))
        except GrievanceRulesError as exc:
            return True, WorklistError(record=position, id=_record_id(record), field=None, error=str(exc))
        except Exception as exc:  # one record never stops the pass; the message never quotes it
            return True, WorklistError(
                record=position,
                id=_record_id(record),
                field=None,
                error=f"this record could not be evaluated ({exc.__class__.__name__})",
            )
        rows: list[_Row] = []
        for action in det.actions:
            if action.status in ("done", "late") or action.due_date is None or action.due_at is None:
                continue
            if action.due_date < day:
                bucket: Bucket = "overdue"
            elif action.due_date == day:
                bucket = "due_today"
            elif action.due_date <= self.horizon:
                bucket = "due_soon"
            else:
                continue
            rows.append(
                (
                    action.due_at.timestamp(),
                    det.id,
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
            )
        return True, rows


_WORKER: dict[str, _Cases] = {}
"""The evaluator of a worker process (``jobs`` > 1), set by :func:`_init_cases`."""


def _init_cases(policy: Policy | None, day: dt.date, within: int, loader: Any) -> None:
    _WORKER["cases"] = _Cases(policy, day, within, loader)


def _chunk_cases(chunk: list[tuple[int, Any]]) -> list[tuple[bool, list[_Row] | WorklistError]]:
    cases = _WORKER["cases"]
    return [cases.one(position, record) for position, record in chunk]


def _spill(rows: list[_Row]) -> IO[str]:
    rows.sort()
    f = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by WorklistPass
    for row in rows:
        f.write(json.dumps(row) + "\n")
    f.seek(0)
    return f


def _merge_to_file(files: list[IO[str]]) -> IO[str]:
    """Merge sorted spill files into one new sorted spill file, and close them."""
    out = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 - closed by WorklistPass
    try:
        for row in heapq.merge(*(_read(f) for f in files)):
            out.write(json.dumps(row) + "\n")
    except BaseException:
        out.close()
        raise
    finally:
        for f in files:
            f.close()
    out.seek(0)
    return out


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
    try:
        facts: Any = record[1] if isinstance(record, tuple) else record
        if isinstance(facts, Mapping) and isinstance(facts.get("facts"), Mapping):
            facts = facts["facts"]
        if isinstance(facts, Grievance):
            return facts.id
        value = facts.get("id") if isinstance(facts, Mapping) else None
    except Exception:  # a record odd enough not to have a readable id
        return None
    return value if isinstance(value, str) and len(value) <= 200 else None


def _load_installed(name: str) -> Policy:
    """Load a pack a record names: installed pack ids only, never a path (records come from data)."""
    from grievance_rules.packs import available_policies, load_policy

    available = available_policies()
    if name not in available:
        raise FactsError(
            [
                (
                    "policy",
                    "names no installed pack (records may name only installed pack ids; a policy file "
                    "is given on the command line with --policy)",
                    f"one of: {', '.join(available) or 'none installed'}",
                )
            ]
        )
    return load_policy(name)


def _split(
    record: Record, policy: Policy | None, loaded: dict[str, Policy | GrievanceRulesError], loader: Any
) -> tuple[Policy, Mapping[str, Any] | Grievance]:
    if isinstance(record, tuple):
        return record[0], record[1]
    if isinstance(record, Mapping) and "facts" in record and "policy" in record:
        name = record["policy"]
        if not isinstance(name, str):
            raise FactsError([FactProblem("policy", "must be a pack id", "a bundled or installed pack id")])
        if name not in loaded:
            try:
                loaded[name] = loader(name)
            except FactsError:
                raise  # not remembered: the record's own value, never a pack
            except GrievanceRulesError as exc:
                loaded[name] = exc  # a pack that fails to load fails every record naming it, once
        pack = loaded[name]
        if isinstance(pack, GrievanceRulesError):
            raise pack.with_traceback(None)
        facts = record["facts"]
        if not isinstance(facts, Mapping):
            raise FactsError([FactProblem("facts", "must be an object", "an object of grievance facts")])
        return pack, facts
    if policy is None:
        raise FactsError(
            [FactProblem("policy", "no policy for this case", "a --policy, or records {'policy': ..., 'facts': ...}")]
        )
    return policy, record
