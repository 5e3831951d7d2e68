"""What a pack change does to real cases: every record evaluated under the old and the new pack.

:func:`replay` streams records once, evaluates each under both policies and counts how the
Determinations differ: per field (classification, level, handled_by, timely_filed, the filing
deadline moved by how many days, warnings added or dropped) and per action code (added, dropped,
due date moved by how many days, deadline set or cleared, status changed). Each kind of change
keeps a count and the case ids of its first few examples, so memory stays flat however long the
log (it grows only with the number of distinct kinds of change, which the packs bound).

Only outcomes count as a change: the wording of an action's basis, title or citation is what
``grievance-rules diff`` shows. Case ids are the caller's identifiers and appear as examples;
narratives and parties are never read into the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from grievance_rules.determination import ActionResult, Determination
from grievance_rules.errors import FactsError
from grievance_rules.policy import Policy

__all__ = ["Bucket", "ReplayCounter", "ReplayReport", "ReplaySide", "render_replay", "replay"]

FIELDS = ("classification", "level", "handled_by", "timely_filed", "filing_deadline", "warnings")


class Bucket(BaseModel):
    """How many cases show one kind of change, and the ids of the first few."""

    model_config = ConfigDict(frozen=True)

    count: int
    examples: tuple[str, ...]


class ReplaySide(BaseModel):
    """One of the two packs compared."""

    model_config = ConfigDict(frozen=True)

    id: str
    version: str
    file: str


class ReplayReport(BaseModel):
    """How the Determinations of a set of records change from one pack to another.

    ``fields`` maps a field to its transitions (``"formal → exempt"``, ``"moved +185 days"``,
    ``"added: <warning>"``); ``actions`` maps an action code to its changes (``"added"``,
    ``"dropped"``, ``"due moved +2 days"``, ``"status overdue → pending"``...). ``errors`` counts the
    records invalid under one pack only (``"invalid under new only"``) — a change too.
    """

    model_config = ConfigDict(frozen=True)

    old: ReplaySide
    new: ReplaySide
    as_of: dt.datetime | None
    records: int
    compared: int
    changed: int
    unchanged: int
    invalid_under_both: int
    errors: dict[str, Bucket]
    fields: dict[str, dict[str, Bucket]]
    actions: dict[str, dict[str, Bucket]]


class ReplayCounter:
    """Accumulates changes one record at a time (what :func:`replay` uses; usable on its own)."""

    def __init__(self, old: Policy, new: Policy, as_of: str | dt.datetime | None = None, examples: int = 3) -> None:
        self.old, self.new = old, new
        self.as_of = old.parse_as_of(as_of)
        self.examples = max(0, examples)
        self.records = self.compared = self.changed = self.invalid_both = 0
        self._counts: dict[tuple[str, str, str], list[Any]] = {}  # (group, name, change) -> [count, ids]

    def _note(self, group: str, name: str, change: str, case: str) -> None:
        entry = self._counts.get((group, name, change))
        if entry is None:
            entry = self._counts[(group, name, change)] = [0, []]
        entry[0] += 1
        if len(entry[1]) < self.examples:
            entry[1].append(case)

    def add(self, record: Any, position: int | None = None) -> bool:
        """Evaluate ``record`` under both packs and count its changes; True when it changed."""
        self.records += 1
        case = _case_id(record, self.records if position is None else position)
        before = _evaluate(self.old, record, self.as_of)
        after = _evaluate(self.new, record, self.as_of)
        if before is None and after is None:
            self.invalid_both += 1
            return False
        if before is None or after is None:
            self.changed += 1
            self._note("errors", "", "invalid under old only" if before is None else "invalid under new only", case)
            return True
        self.compared += 1
        changed = self._compare(before, after, case)
        self.changed += changed
        return changed

    def add_unreadable(self) -> None:
        """Count a record that could not be read at all (e.g. a line that is not JSON)."""
        self.records += 1
        self.invalid_both += 1

    def _compare(self, a: Determination, b: Determination, case: str) -> bool:
        found = False
        for name in ("classification", "level", "handled_by"):
            if getattr(a, name) != getattr(b, name):
                self._note("fields", name, f"{_word(getattr(a, name))} → {_word(getattr(b, name))}", case)
                found = True
        if a.timely_filed != b.timely_filed:
            self._note("fields", "timely_filed", f"{_timely(a.timely_filed)} → {_timely(b.timely_filed)}", case)
            found = True
        if a.filing_deadline != b.filing_deadline:
            self._note("fields", "filing_deadline", _date_move(a.filing_deadline, b.filing_deadline), case)
            found = True
        for message in a.warnings:
            if message not in b.warnings:
                self._note("fields", "warnings", f"dropped: {message}", case)
                found = True
        for message in b.warnings:
            if message not in a.warnings:
                self._note("fields", "warnings", f"added: {message}", case)
                found = True
        return self._actions(a.actions, b.actions, case) or found

    def _actions(self, a: Sequence[ActionResult], b: Sequence[ActionResult], case: str) -> bool:
        found = False
        before, after = _by_code(a), _by_code(b)
        for code in dict.fromkeys([*before, *after]):
            olds, news = before.get(code, []), after.get(code, [])
            for old, new in zip(olds, news, strict=False):
                for change in _action_changes(old, new):
                    self._note("actions", code, change, case)
                    found = True
            for _ in olds[len(news) :]:
                self._note("actions", code, "dropped", case)
                found = True
            for _ in news[len(olds) :]:
                self._note("actions", code, "added", case)
                found = True
        return found

    def report(self) -> ReplayReport:
        """The counts so far."""
        groups: dict[str, dict[str, dict[str, Bucket]]] = {"fields": {}, "actions": {}}
        errors: dict[str, Bucket] = {}
        order = {name: i for i, name in enumerate(FIELDS)}
        for (group, name, change), (count, ids) in sorted(
            self._counts.items(), key=lambda kv: (order.get(kv[0][1], len(order)), kv[0][1], -kv[1][0], kv[0][2])
        ):
            bucket = Bucket(count=count, examples=tuple(ids))
            if group == "errors":
                errors[change] = bucket
            else:
                groups[group].setdefault(name, {})[change] = bucket
        return ReplayReport(
            old=_side(self.old),
            new=_side(self.new),
            as_of=self.as_of,
            records=self.records,
            compared=self.compared,
            changed=self.changed,
            unchanged=self.records - self.changed - self.invalid_both,
            invalid_under_both=self.invalid_both,
            errors=errors,
            fields=groups["fields"],
            actions=groups["actions"],
        )


def replay(
    records: Iterable[Any],
    old: Policy,
    new: Policy,
    as_of: str | dt.datetime | None = None,
    examples: int = 3,
) -> ReplayReport:
    """Evaluate every record under ``old`` and ``new`` and count how the Determinations change.

    ``records`` is any iterable of grievance facts (read lazily, once); ``examples`` bounds the
    case ids kept per kind of change. A record invalid under one pack only counts as a change.
    """
    counter = ReplayCounter(old, new, as_of, examples)
    for record in records:
        counter.add(record)
    return counter.report()


# --------------------------------------------------------------------------- helpers


def _evaluate(policy: Policy, record: Any, as_of: Any) -> Determination | None:
    try:
        return policy.evaluate(record, as_of=as_of, trace=False)
    except FactsError:
        return None
    except Exception:  # any record that fails under a pack is invalid under it; one never stops a replay
        return None


def _case_id(record: Any, position: int) -> str:
    rid = record.get("id") if isinstance(record, Mapping) else getattr(record, "id", None)
    return rid if isinstance(rid, str) and rid else f"record {position}"


def _side(policy: Policy) -> ReplaySide:
    return ReplaySide(id=policy.id, version=policy.version, file=policy.file)


def _word(value: Any) -> str:
    return "none" if value is None else str(value)


def _timely(value: bool | None) -> str:
    return "unknown" if value is None else ("timely" if value else "late")


def _days(n: int) -> str:
    return f"{n:+d} day{'s' if abs(n) != 1 else ''}"


def _date_move(a: dt.date | None, b: dt.date | None) -> str:
    if a is None:
        return "set"
    if b is None:
        return "cleared"
    return f"moved {_days((b - a).days)}"


def _by_code(actions: Sequence[ActionResult]) -> dict[str, list[ActionResult]]:
    out: dict[str, list[ActionResult]] = {}
    for action in actions:
        out.setdefault(action.code, []).append(action)
    return out


def _action_changes(a: ActionResult, b: ActionResult) -> list[str]:
    out: list[str] = []
    if a.due_at != b.due_at:
        if a.due_date is None or b.due_date is None:
            out.append("deadline set" if a.due_date is None else "deadline cleared (waits for an event)")
        elif a.due_date != b.due_date:
            out.append(f"due moved {_days((b.due_date - a.due_date).days)}")
        else:
            assert a.due_at is not None and b.due_at is not None
            hours = (b.due_at - a.due_at).total_seconds() / 3600
            out.append(f"due time moved {hours:+g} hours (same day)")
    if a.target_at != b.target_at:
        out.append("target changed")
    if a.status != b.status:
        out.append(f"status {a.status} → {b.status}")
    if a.responsible != b.responsible:
        out.append(f"responsible {_word(a.responsible)} → {_word(b.responsible)}")
    return out


# --------------------------------------------------------------------------- rendering


def render_replay(report: ReplayReport) -> str:
    """The report as a readable summary for a terminal."""
    old, new = report.old, report.new
    lines = [f"Replay: {old.id} {old.version} ({old.file}) → {new.id} {new.version} ({new.file})"]
    if report.as_of is not None:
        lines.append(f"as of {report.as_of.isoformat()}")
    lines.append(
        f"{report.records} records: {report.changed} determinations change, {report.unchanged} unchanged"
        + (f", {report.invalid_under_both} invalid under both" if report.invalid_under_both else "")
        + "."
    )
    if not report.changed:
        lines.append("No determination changes.")
        return "\n".join(lines) + "\n"

    def block(title: str, changes: Mapping[str, Bucket]) -> None:
        lines.extend(["", title])
        for change, bucket in changes.items():
            eg = f" (e.g. {', '.join(bucket.examples)})" if bucket.examples else ""
            lines.append(f"  {change}: {bucket.count}{eg}")

    if report.errors:
        block("invalid records", report.errors)
    for name, changes in report.fields.items():
        block(name.replace("_", " "), changes)
    for code, changes in report.actions.items():
        block(f"action {code}", changes)
    return "\n".join(lines) + "\n"
