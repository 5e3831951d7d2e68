"""Why a Determination says what it says, for one grievance, in words.

:func:`explain` evaluates a grievance and builds an :class:`Explanation` from the Determination
and its trace: the decisions (classification, level, handled_by) and the rule that made each;
every required action with its deadline worked out day by day — the day counting starts from,
the days counted and the days skipped with why ("Thu 28 Nov Thanksgiving", "Sat 30 Nov
weekend") — its rule, citation and reading and the values that made each test of its condition
true or false; then the rules that did not fire and why. :func:`render_explanation` lays it out
for a terminal.

Nothing is worked out twice: the values come from the trace (what the engine was shown), and the
skipped days from :meth:`PlanCalendar.count_business_days`, the walk every business-day deadline
takes its due date from. Only derived values appear (booleans, counts, vocabulary tokens,
dates); narratives and parties are never read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict, field_serializer

from grievance_rules.calendar import PlanCalendar
from grievance_rules.compiler import OP_WORDS, RuleInfo, condition_tests
from grievance_rules.determination import ActionResult, Determination, TraceEntry, TraceValue
from grievance_rules.errors import EvaluationError
from grievance_rules.facts import Grievance
from grievance_rules.policy import Policy
from grievance_rules.schema import AnchorRef, Condition, Deadline, PolicySpec
from grievance_rules.subject import read_exact

__all__ = ["ActionAccount", "Check", "DeadlineWork", "Explanation", "RuleAccount", "explain", "render_explanation"]

_OP = OP_WORDS


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Check(_Out):
    """One test of a rule's condition: the test in words, the value it read, and whether it held."""

    test: str
    fact: str
    value: TraceValue
    holds: bool
    detail: str | None = None  # for a timer: when it was due and when its event happened


class DeadlineWork(_Out):
    """How a due moment was worked out from its anchor.

    ``start`` is the day counting starts from (day 0); ``counted`` the business days counted
    (1..N) and ``skipped`` the days passed over with why, for business-day counts and "close of
    the next business day"; ``steps`` says it all in words.
    """

    rule: str
    amount: int | None
    unit: str
    anchor: str
    anchor_at: dt.datetime
    start: dt.date
    counted: tuple[dt.date, ...]
    skipped: tuple[tuple[dt.date, str], ...]
    due_at: dt.datetime
    steps: tuple[str, ...]

    @field_serializer("anchor_at", "due_at")
    def _iso(self, value: dt.datetime) -> str:
        return value.isoformat()


class RuleAccount(_Out):
    """One rule considered: fired or not, why, its source and the values its tests read."""

    rule: str
    kind: str
    fired: bool
    because: str
    citation: str | None
    reading: str | None
    checks: tuple[Check, ...]


class ActionAccount(_Out):
    """One required action, its deadline worked out, and the rule that requires it."""

    action: ActionResult
    deadline: DeadlineWork | None
    rule: RuleAccount


class Explanation(_Out):
    """A Determination explained: decisions, actions with their deadlines, rules that did not fire."""

    determination: Determination
    timezone: str
    decisions: tuple[RuleAccount, ...]
    actions: tuple[ActionAccount, ...]
    warnings: tuple[RuleAccount, ...]
    not_fired: tuple[RuleAccount, ...]


def explain(
    policy: Policy, facts: Mapping[str, Any] | Grievance, as_of: str | dt.datetime | None = None
) -> Explanation:
    """Evaluate ``facts`` under ``policy`` and explain the Determination.

    Raises :class:`~grievance_rules.FactsError` for invalid facts, like ``evaluate``.
    """
    det = policy.evaluate(facts, as_of=as_of, trace=True)
    # a pack with several versions judged this grievance by one of them: explain by that one
    versions: tuple[Policy, ...] = getattr(policy, "versions", (policy,))
    policy = next((v for v in versions if v.spec.version == det.policy.version), policy)
    infos = {info.name: info for info in policy.compiled.rules}
    tz = policy.calendar.tz
    accounts = {entry.rule: _account(policy.spec, infos[entry.rule], entry, tz) for entry in det.trace}
    by_rule = {entry.rule: entry for entry in det.trace}
    decisions = tuple(
        accounts[e.rule]
        for e in det.trace
        if e.fired and infos[e.rule].kind in ("classification", "level", "handled_by")
    )
    actions = tuple(
        ActionAccount(
            action=action,
            deadline=_deadline_work(policy.calendar, infos[action.rule], by_rule[action.rule], action),
            rule=accounts[action.rule],
        )
        for action in det.actions
    )
    warnings = tuple(
        accounts[e.rule]
        for e in det.trace
        if e.fired and infos[e.rule].kind not in ("classification", "level", "handled_by", "action")
    )
    not_fired = tuple(accounts[e.rule] for e in det.trace if not e.fired)
    return Explanation(
        determination=det,
        timezone=policy.spec.calendar.timezone,
        decisions=decisions,
        actions=actions,
        warnings=warnings,
        not_fired=not_fired,
    )


# --------------------------------------------------------------------------- conditions


def _tests_of(spec: PolicySpec, info: RuleInfo) -> list[tuple[str, str, Any]]:
    """The fact tests of a rule's condition, found where the rule stands in the pack."""
    path = info.path
    if info.kind == "delegation":
        return [("delegation.in_matrix", "is", False)]
    if info.is_default or not path:
        return []
    if info.kind == "record":
        req = spec.record_requirements[int(path[1])]
        return [*condition_tests(req.when), (f"present.{path[3]}", "is", False)]
    node: Any = spec
    for step in path:
        node = node[step] if isinstance(step, int) else getattr(node, str(step))
    when: Condition | None = getattr(node, "when", None)
    return condition_tests(when)


def _holds(op: str, operand: Any, value: TraceValue) -> bool:
    if op in ("any_of", "all_of", "none_of", "only"):
        have = set(value) if isinstance(value, list | tuple) else set()
        wanted = set(operand)
        return {
            "any_of": bool(have & wanted),
            "all_of": wanted <= have,
            "none_of": not (have & wanted),
            "only": have <= wanted,
        }[op]
    exact = read_exact(value) if isinstance(value, str) and not isinstance(operand, str | list) else None
    if exact is not None:  # a subject's number fact: its exact value (its trace text)
        bound = Fraction(repr(operand))
        return {"is": exact == bound, "is_not": exact != bound, "gte": exact >= bound, "gt": exact > bound}.get(
            op, {"lte": exact <= bound, "lt": exact < bound}.get(op, False)
        )
    if isinstance(value, str) and value[:1].isdigit():
        # a declared date or date-time is shown as ISO text: compare moments, not strings
        value = _iso_value(value)
        operand = [_iso_value(o) for o in operand] if isinstance(operand, list) else _iso_value(operand)
    elif isinstance(value, float):
        operand = [float(o) for o in operand] if isinstance(operand, list) else float(operand)
    if op == "is":
        return bool(value == operand)
    if op == "is_not":
        return bool(value != operand)
    if op == "in":
        return bool(value in operand)
    if op == "not_in":
        return bool(value not in operand)
    if isinstance(value, bool) or value is None or isinstance(value, tuple):
        return False
    ordered: Any = value
    return bool(
        {"gte": ordered >= operand, "gt": ordered > operand, "lte": ordered <= operand, "lt": ordered < operand}[op]
    )


def _iso_value(text: Any) -> Any:
    """An ISO date or date-time as a comparable value (unchanged when it is neither)."""
    if not isinstance(text, str):
        return text
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else dt.datetime.fromisoformat(text)
    except ValueError:
        return text


def _word(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "(none)"
    return "none" if value is None else str(value)


def _account(spec: PolicySpec, info: RuleInfo, entry: TraceEntry, tz: dt.tzinfo) -> RuleAccount:
    checks = []
    for fact, op, operand in _tests_of(spec, info):
        if fact not in entry.values:
            continue
        value = entry.values[fact]
        shown = ", ".join(_word(v) for v in operand) if isinstance(operand, list) else _word(operand)
        detail = None
        if fact.startswith("timers."):
            due, happened = entry.values.get(f"{fact}.due_at"), entry.values.get(f"{fact}.event_at")
            detail = f"due {_iso_words(due, tz)}; event {_iso_words(happened, tz) if happened else 'not yet'}"
        checks.append(
            Check(
                test=f"{fact} {_OP[op]} {shown}",
                fact=fact,
                value=value,
                holds=_holds(op, operand, value),
                detail=detail,
            )
        )
    return RuleAccount(
        rule=entry.rule,
        kind=info.kind,
        fired=entry.fired,
        because=entry.because,
        citation=entry.citation,
        reading=entry.reading,
        checks=tuple(checks),
    )


# --------------------------------------------------------------------------- deadlines


def _day(day: dt.date, year: bool = False) -> str:
    return f"{day:%a} {day.day} {day:%b}" + (f" {day.year}" if year else "")


def _iso_words(value: TraceValue, tz: dt.tzinfo) -> str:
    if not isinstance(value, str):
        return "none (no anchor yet)"
    return _moment(dt.datetime.fromisoformat(value).astimezone(tz))


def _moment(at: dt.datetime) -> str:
    return f"{_day(at.date(), year=True)} {at:%H:%M:%S} {at.tzname()}"


def _deadline_work(
    calendar: PlanCalendar, info: RuleInfo, entry: TraceEntry, action: ActionResult
) -> DeadlineWork | None:
    rule = info.action
    if rule is None or rule.deadline is None or entry.anchor is None or entry.anchor_at is None:
        return None
    deadline: Deadline = rule.deadline
    anchor_at = entry.anchor_at.astimezone(calendar.tz)
    ref = AnchorRef.parse(entry.anchor)
    from_receipt = ref.kind == "receipt"
    anchor_words = "received" if from_receipt else f"{ref.kind} {ref.name}"
    steps = [f"{anchor_words}: {_moment(anchor_at)}"]
    counted: tuple[dt.date, ...] = ()
    skipped: tuple[tuple[dt.date, str], ...] = ()
    local_day = anchor_at.date()
    start = local_day
    unit, n = deadline.unit, deadline.amount or 0
    if unit in ("business_days", "close_of_next_business_day"):
        if unit == "business_days" and from_receipt:
            start = calendar.business_day_zero(anchor_at)
        if start != local_day:
            steps.append(
                f"received after close of business or on a non-business day: counting starts {_day(start, year=True)}"
            )
        count = calendar.count_business_days(start, n if unit == "business_days" else 1)
        counted, skipped = count.counted, count.skipped
        what = f"{n} business day{'s' if n != 1 else ''}" if unit == "business_days" else "the next business day"
        steps.append(f"{what} after {_day(start, year=True)} (day 0)")
        steps.append(
            "counted: " + (", ".join(f"{_day(d)} ({i})" for i, d in enumerate(counted, 1)) if counted else "none")
        )
        steps.append("skipped: " + (", ".join(f"{_day(d)} {why}" for d, why in skipped) if skipped else "none"))
        due_day = count.due_date
    elif unit == "calendar_days":
        due_day = dt.date.fromordinal(local_day.toordinal() + n)
        steps.append(
            f"{n} calendar day{'s' if n != 1 else ''} after {_day(local_day, year=True)} = {_day(due_day, year=True)}"
            + (
                " (weekends and holidays count; the pack rolls a due date on one to the next business day)"
                if deadline.roll == "next_business_day"
                else " (weekends and holidays count; a due date on one does not move)"
            )
        )
    elif unit in ("months", "years"):
        due_day = calendar.add_months(local_day, n * (12 if unit == "years" else 1))
        leap = calendar.spec.leap_day or "feb_28"
        steps.append(
            f"{n} {unit[:-1]}{'s' if n != 1 else ''} after {_day(local_day, year=True)} = {_day(due_day, year=True)}"
            f" (the anniversary; a day the month lacks is read as {leap})"
        )
    elif unit == "hours":
        due_day = (action.due_at or anchor_at).date()
        steps.append(f"{n} hour{'s' if n != 1 else ''} of elapsed time after the anchor")
    else:  # immediately
        due_day = local_day
        steps.append("immediately: due at the anchor itself")
    due_at = entry.due_at or action.due_at
    if "; +" in action.basis and due_at is not None:  # an extension taken: the basis says by how much
        steps.append("extended: +" + action.basis.split("; +", 1)[1])
        due_day = due_at.astimezone(calendar.tz).date()
    elif deadline.roll == "next_business_day" and not calendar.is_business_day(due_day):
        rolled = calendar.roll_forward(due_day)
        steps.append(
            f"{_day(due_day, year=True)} is not a business day ({calendar.skip_reason(due_day)}): "
            f"rolls to {_day(rolled, year=True)}"
        )
        due_day = rolled
    if due_at is None or due_at.astimezone(calendar.tz).date() != due_day:
        raise EvaluationError(f"the explanation of {info.name}'s deadline disagrees with its due date")
    steps.append(f"due: {_moment(due_at.astimezone(calendar.tz))}")
    return DeadlineWork(
        rule=info.name,
        amount=deadline.amount,
        unit=unit,
        anchor=entry.anchor,
        anchor_at=anchor_at,
        start=start,
        counted=counted,
        skipped=skipped,
        due_at=due_at,
        steps=tuple(steps),
    )


# --------------------------------------------------------------------------- rendering


def _checks(account: RuleAccount, indent: str) -> list[str]:
    return [
        f"{indent}{'✓' if c.holds else '✗'} {c.test}  ({c.fact} = {_word(c.value)}"
        + (f"; {c.detail}" if c.detail else "")
        + ")"
        for c in account.checks
    ]


def render_explanation(explanation: Explanation) -> str:
    """The explanation as text for a terminal."""
    det = explanation.determination
    what = "Grievance" if det.subject == "grievance" else f"Record ({det.subject})"
    received = (
        f"received {_moment(det.received_at)} ({explanation.timezone})"
        if det.received_at is not None
        else "no moment of receipt (the subject has none)"
    )
    lines = [f"{what} {det.id} under {det.policy.id} {det.policy.version}", received, "", "Decisions"]
    for acc in explanation.decisions:
        lines.append(f"- {acc.kind}: {getattr(det, acc.kind)} (rule {acc.rule}; {acc.because})")
        lines += _source(acc, "    ")
        lines += _checks(acc, "    ")
    timely = {None: "not judged (no filing window or no incident date)", True: "yes", False: "no"}[det.timely_filed]
    lines.append(f"- filed in time: {timely}")
    for flag, value in det.flags.items():
        lines.append(f"- flag {flag}: {'true' if value else 'false'}")
    if det.filing_deadline is not None and det.received_at is not None:
        lines.append(
            f"    received {_day(det.received_at.date(), year=True)}; "
            f"filing window ends {_day(det.filing_deadline, year=True)}"
        )
    lines += ["", "Required actions"]
    if not explanation.actions:
        lines.append("none")
    for i, act in enumerate(explanation.actions, 1):
        a = act.action
        lines.append(f"{i}. {a.code}: {a.title} (rule {a.rule})")
        lines.append(f"    status {a.status}" + (f"; responsible: {a.responsible}" if a.responsible else ""))
        lines.append(f"    because: {act.rule.because}")
        lines += _checks(act.rule, "      ")
        if act.deadline is not None:
            lines.append(f"    deadline: {a.basis}")
            lines += [f"      {step}" for step in act.deadline.steps]
        else:
            lines.append(f"    deadline: {a.basis}" + ("" if a.due_at is None else f"; due {_moment(a.due_at)}"))
        lines += _source(act.rule, "    ")
    if explanation.warnings:
        lines += ["", "Warnings"]
        for acc in explanation.warnings:
            lines.append(f"- {acc.rule}: {acc.because}")
            lines += _source(acc, "    ", reading=False)
            lines += _checks(acc, "    ")
    lines += ["", "Rules that did not fire"]
    for acc in explanation.not_fired:
        lines.append(f"- {acc.rule}: {acc.because}")
        lines += _checks(acc, "    ")
    return "\n".join(lines) + "\n"


def _source(acc: RuleAccount, indent: str, *, reading: bool = True) -> list[str]:
    out = []
    if acc.citation:
        out.append(f"{indent}citation: {acc.citation}")
    if acc.reading and reading:
        out.append(f"{indent}reading: {' '.join(acc.reading.split())}")
    return out
