"""A case book: many grievances evaluated together so rules can match patterns across them.

Each grievance is first evaluated on its own. The ones that *count* toward a pack's pattern
(its membership rule fired) go into one durable-rules session as case facts, where the pattern's
join rule finds ``count`` of them sharing a key (say the provider) within a window of days. The
last grievance of each such group *completes* the pattern: it is evaluated again with
``patterns.<id>`` true, so the pack's own rules decide what follows (say, a review action, which
then names the other grievances of the group in its basis and details). The
session is thrown away afterwards; case books never see each other, and the order grievances
are added in does not change the result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import pendulum
from pydantic import BaseModel, ConfigDict

from grievance_rules.compiler import case_props
from grievance_rules.determination import Determination
from grievance_rules.errors import FactsError
from grievance_rules.facts import (
    Grievance,
    PreparedFacts,
    field_value,
    is_present,
    normalize_name,
    parse_grievance,
    prepare,
)
from grievance_rules.policy import Policy
from grievance_rules.subject import period_index

__all__ = ["CaseBook", "CaseBookResult", "Escalation"]


class Escalation(BaseModel):
    """A grievance that completed a pattern, and the grievances that made it.

    The name is historical: completing a pattern changes nothing by itself; the pack's rules
    decide what follows (a pack may require a review action and change a level only on a recorded
    decision).
    """

    model_config = ConfigDict(frozen=True)

    rule: str
    grievance_id: str
    related: tuple[str, ...]
    key: tuple[str, ...]
    because: str
    citation: str
    reading: str | None = None


class CaseBookResult(BaseModel):
    """Determinations in the order the grievances were added, and the escalations found."""

    model_config = ConfigDict(frozen=True)

    determinations: tuple[Determination, ...]
    escalations: tuple[Escalation, ...]


class CaseBook:
    """Grievances under one policy, evaluated together. Not shared between threads."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._cases: list[Grievance] = []
        self._records: list[Mapping[str, Any]] = []  # a subject pack's records (contract section 9)

    def add(self, facts: Mapping[str, Any] | Grievance) -> None:
        """Add one grievance, or one record of the pack's subject (validated now: bad facts raise
        :class:`FactsError`)."""
        if self.policy.spec.subject is not None:
            self.policy.prepare_record(facts, None)
            assert isinstance(facts, Mapping)
            self._records.append(dict(facts))
            return
        self._cases.append(parse_grievance(facts))

    def extend(self, records: Iterable[Mapping[str, Any] | Grievance]) -> None:
        """Add many grievances."""
        for record in records:
            self.add(record)

    def __len__(self) -> int:
        return len(self._cases) + len(self._records)

    def evaluate(self, as_of: str | dt.datetime | None = None) -> CaseBookResult:
        """Evaluate every grievance, match the pack's patterns across them, and re-evaluate the
        grievances that complete one (with the related grievance ids).

        With a policy of several versions, each grievance is judged by the version in force on its
        receipt date, and patterns are matched among the grievances one version judges.
        """
        when = self.policy.parse_as_of(as_of)
        if self.policy.spec.subject is not None:
            return _evaluate_subject_book(self.policy, self._records, when)
        if len(self.policy.versions) == 1 and not self.policy.by_date:
            return _evaluate_book(self.policy, self._cases, when)
        groups: dict[int, list[int]] = {}
        chosen: dict[int, Policy] = {}
        for i, grievance in enumerate(self._cases):
            version = self.policy.version_for(grievance)
            groups.setdefault(id(version), []).append(i)
            chosen[id(version)] = version
        determinations: list[Determination | None] = [None] * len(self._cases)
        escalations: list[Escalation] = []
        for key, members in groups.items():
            part = _evaluate_book(chosen[key], [self._cases[i] for i in members], when)
            for i, det in zip(members, part.determinations, strict=True):
                determinations[i] = det
            escalations.extend(part.escalations)
        done = [d for d in determinations if d is not None]
        return CaseBookResult(determinations=tuple(done), escalations=tuple(escalations))


def _evaluate_book(policy: Policy, grievances: list[Grievance], when: pendulum.DateTime | None) -> CaseBookResult:
    """One version's grievances evaluated together (see :meth:`CaseBook.evaluate`)."""
    prepared = [prepare(g, policy.spec, policy.calendar, when) for g in grievances]
    first = [policy._determine(p, when) for p in prepared]
    patterns = {r.id: r for r in policy.compiled.rules if r.kind == "pattern"}
    if not patterns:
        return CaseBookResult(determinations=tuple(first), escalations=())

    # receipt order decides which grievance completes a pattern; ties broken by id, then position
    order = sorted(range(len(prepared)), key=lambda i: (prepared[i].received_at, prepared[i].grievance.id, i))
    cases = []
    for seq, i in enumerate(order):
        case: dict[str, Any] = {"id": f"k{i}", "seq": seq, "day": prepared[i].received_at.date().toordinal()}
        fired = {t.rule for t in first[i].trace if t.fired}
        for info in patterns.values():
            assert info.pattern is not None
            counts, key = case_props(info.pattern.id)
            values = _key(prepared[i], info.pattern.same)
            case[counts] = info.name in fired and values is not None
            case[key] = "\x1f".join(values or ())
        cases.append(case)

    completed: dict[int, set[str]] = {}
    groups: dict[tuple[int, str], tuple[int, ...]] = {}
    for rule, ids in policy.engine.match_cases(cases):
        members = tuple(int(case_id[1:]) for case_id in ids)
        pattern_rule = rule.removesuffix("#repeated")
        last = members[-1]
        completed.setdefault(last, set()).add(patterns_id(pattern_rule))
        group_key = (last, pattern_rule)
        # keep the earliest group that completes the pattern for the explanation
        earlier = groups.get(group_key)
        if earlier is None or [order.index(m) for m in members] < [order.index(m) for m in earlier]:
            groups[group_key] = members

    determinations = list(first)
    for i, names in completed.items():
        related = {
            patterns_id(rule): tuple(prepared[m].grievance.id for m in members[:-1])
            for (last, rule), members in groups.items()
            if last == i
        }
        determinations[i] = policy._determine(prepared[i], when, frozenset(names), related)
    escalations = []
    for (last, rule), members in sorted(groups.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1])):
        info = next(r for r in patterns.values() if r.name == rule)
        assert info.pattern is not None
        pat = info.pattern
        escalations.append(
            Escalation(
                rule=rule,
                grievance_id=prepared[last].grievance.id,
                related=tuple(prepared[m].grievance.id for m in members[:-1]),
                key=_key(prepared[last], pat.same) or (),
                because=(
                    f"{pat.count} grievances for which {info.condition}, with the same "
                    f"{', '.join(pat.same)}, received within {pat.within.amount} calendar days"
                ),
                citation=info.citation.render() if info.citation else "",
                reading=info.reading,
            )
        )
    return CaseBookResult(determinations=tuple(determinations), escalations=tuple(escalations))


def _evaluate_subject_book(
    policy: Policy, records: list[Mapping[str, Any]], when: pendulum.DateTime | None
) -> CaseBookResult:
    """Subject records evaluated together: each run (``subject.runs``) is counted over the
    records of one key in period order, so the order records are added in does not matter."""
    subject = policy.spec.subject
    assert subject is not None
    chosen = [policy.prepare_record(r, when) for r in records]
    runs: list[dict[str, int]] = [{} for _ in chosen]
    for run in subject.runs:
        kind = subject.facts[run.order].type
        by_key: dict[str, list[tuple[int, int, bool]]] = {}
        for i, (version, facts) in enumerate(chosen):
            assert facts.subject is not None
            member = run.id in version.run_members(facts)
            index = period_index(kind, facts.subject[run.order])
            by_key.setdefault(normalize_name(str(facts.subject[run.key])), []).append((index, i, member))
        for rows in by_key.values():
            rows.sort()
            streak, last = 0, None
            for index, i, member in rows:
                if last is not None and index == last:
                    raise FactsError(
                        [
                            (
                                run.order,
                                f"two records of one {run.key} are for the same {kind}; give each {kind} once",
                                f"one record per {run.key} and {kind}",
                            )
                        ]
                    )
                streak = (streak + 1 if last is not None and index == last + 1 else 1) if member else 0
                last = index
                runs[i][run.id] = streak
    determinations = tuple(
        version._determine(version.with_runs(facts, runs[i]) if subject.runs else facts, when)
        for i, (version, facts) in enumerate(chosen)
    )
    return CaseBookResult(determinations=determinations, escalations=())


def patterns_id(rule_name: str) -> str:
    """The pattern id of a rule name ``<pack>.<id>``."""
    return rule_name.split(".", 1)[1]


def _key(facts: PreparedFacts, fields: Iterable[str]) -> tuple[str, ...] | None:
    """The values of ``fields`` (dotted) in the facts, or None when one is missing."""
    values = []
    for name in fields:
        if not is_present(facts.grievance, name):
            return None
        values.append(normalize_name(str(field_value(facts.grievance, name))))
    return tuple(values)
