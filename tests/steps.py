"""Generic step definitions for the policy features (features/*.feature).

Nothing here knows a plan: every value comes from the step text or from the pack the scenario
names. Import the steps into a test module with ``from steps import *`` (pytest-bdd finds step
definitions among the module's fixtures).

Dates are written the way a compliance officer writes them, "Friday 22 November 2024", with an
optional "at 10:00" (plan-local time, or "at 10:00 -06:00" with an explicit UTC offset). The
weekday must be the date's own: a mistyped weekday fails the step.

Set the environment variable ``GRIEVANCE_RULES_FIRED_LOG`` to a file path to have every
evaluation append the names of the rules that fired (one per line); the feature coverage test
(tests/test_feature_coverage.py) uses it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pytest_bdd import given, parsers, then, when

import grievance_rules as gr

FIRED_LOG_ENV = "GRIEVANCE_RULES_FIRED_LOG"

# ------------------------------------------------------------------ dates and times

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_DATE = rf"(?:{'|'.join(WEEKDAYS)}) \d{{1,2}} (?:{'|'.join(MONTHS)}) \d{{4}}"
_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?: [+-]\d{2}:\d{2})?"
#: A date, e.g. "Friday 22 November 2024".
DATE = rf"(?P<date>{_DATE})"
#: A moment: a date and a time, e.g. "Friday 22 November 2024 at 10:00" (or "at 10:00 -06:00").
MOMENT = rf"(?P<date>{_DATE}) at (?P<time>{_TIME})"
#: A date with an optional time.
DATE_OPT_TIME = rf"(?P<date>{_DATE})(?: at (?P<time>{_TIME}))?"
#: Receipt without a stated time is taken at midday, clear of any close-of-business edge.
DEFAULT_RECEIPT_TIME = "12:00"


def parse_date(text: str) -> dt.date:
    """ "Friday 22 November 2024" -> date(2024, 11, 22); fails when the weekday is not the date's."""
    m = re.fullmatch(rf"({'|'.join(WEEKDAYS)}) (\d{{1,2}}) ({'|'.join(MONTHS)}) (\d{{4}})", text.strip())
    assert m, f"not a date like 'Friday 22 November 2024': {text!r}"
    weekday, day, month, year = m.groups()
    try:
        value = dt.date(int(year), MONTHS.index(month) + 1, int(day))
    except ValueError as exc:
        raise AssertionError(f"{text!r} is not a calendar date: {exc}") from None
    actual = WEEKDAYS[value.weekday()]
    assert actual == weekday, f"{text!r}: {value.isoformat()} is a {actual}, not a {weekday}"
    return value


@dataclass(frozen=True)
class Moment:
    """A plan-local date and time, with the UTC offset when the step states one."""

    local: dt.datetime  # naive, plan-local wall time
    offset: dt.timedelta | None = None

    def iso(self) -> str:
        """ISO 8601; without an offset the library reads it in the plan's timezone."""
        text = self.local.isoformat()
        if self.offset is None:
            return text
        return dt.datetime.combine(self.local.date(), self.local.time(), dt.timezone(self.offset)).isoformat()


def parse_moment(date_text: str, time_text: str | None, default_time: str | None = None) -> Moment:
    """A date and a time such as "10:00", "23:59:59" or "10:00 -06:00"."""
    day = parse_date(date_text)
    time_text = time_text or default_time
    assert time_text, f"a time is needed after {date_text!r} (e.g. 'at 10:00')"
    m = re.fullmatch(r"(\d{1,2}):(\d{2})(?::(\d{2}))?(?: ([+-])(\d{2}):(\d{2}))?", time_text.strip())
    assert m, f"not a time like '10:00' or '10:00 -06:00': {time_text!r}"
    hour, minute, second, sign, off_h, off_m = m.groups()
    local = dt.datetime.combine(day, dt.time(int(hour), int(minute), int(second or 0)))
    offset = None
    if sign:
        offset = dt.timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    return Moment(local, offset)


def describe_moment(value: dt.datetime | None, tz: ZoneInfo) -> str:
    """A due moment the way the features write it, for failure messages."""
    if value is None:
        return "no due moment"
    local = value.astimezone(tz)
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year} at {local:%H:%M:%S %z}"


def describe_date(value: dt.date | None) -> str:
    if value is None:
        return "no date"
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month - 1]} {value.year}"


# ------------------------------------------------------------------ words to pack values


def words_to_value(text: str) -> str:
    """ "pricing or billing" -> "pricing_or_billing"; quoted text is taken as written."""
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return re.sub(r"[\s\-]+", "_", text.lower())


def split_list(text: str) -> list[str]:
    """ "a, b and c" -> ["a", "b", "c"]; quoted items may contain commas or "and"."""
    quoted = re.findall(r'"([^"]+)"', text)
    if quoted:
        return quoted
    return [p for p in re.split(r",\s*|\s+and\s+", text.strip()) if p]


CHANNEL_WORDS = {
    "phone": "phone",
    "telephone": "phone",
    "mail": "mail",
    "post": "mail",
    "fax": "fax",
    "email": "email",
    "e-mail": "email",
    "online": "online",
    "in person": "in_person",
}

#: How a record field is named in a step ("the member's id") -> the facts field ("member.id").
RECORD_WORDS = {
    "narrative": "narrative",
    "summary": "narrative",
    "notes": "narrative",
    "representative's name": "representative_name",
    "representative name": "representative_name",
    "patient's name": "member.patient_name",
    "patient name": "member.patient_name",
    "member's id": "member.id",
    "member's identification number": "member.id",
    "member's name": "member.name",
    "member's address": "member.address",
    "member's phone": "member.phone",
    "member's telephone number": "member.phone",
    "provider's name": "provider.name",
    "provider's location": "provider.location",
    "summary of the resolution": "resolution_summary",
    "resolution summary": "resolution_summary",
}


# ------------------------------------------------------------------ the scenario's state


@dataclass
class Case:
    """What a scenario has said so far, and the Determination once evaluated."""

    policy: gr.Policy | None = None
    facts: dict[str, Any] = field(default_factory=lambda: {"id": "BDD-1"})
    events: list[tuple[dt.datetime, str, str]] = field(default_factory=list)  # (local, type, iso)
    as_of: str | None = None
    det: gr.Determination | None = None
    earlier: list[dict[str, Any]] = field(default_factory=list)  # other grievances of a case book
    escalations: tuple[Any, ...] | None = None  # what the case book found, when one was used
    results: dict[str, gr.Determination] = field(default_factory=dict)  # subject records judged together

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.need_policy().spec.calendar.timezone)

    def need_policy(self) -> gr.Policy:
        assert self.policy is not None, "no policy yet: start the scenario with 'Given the policy \"<pack id>\"'"
        return self.policy

    def set_fact(self, name: str, value: Any) -> None:
        assert self.det is None, "the grievance was already evaluated; give its facts before the When step"
        self.facts[name] = value

    def set_party(self, path: str, value: str) -> None:
        head, _, rest = path.partition(".")
        if rest:
            party = dict(self.facts.get(head) or {})
            party[rest] = value
            self.set_fact(head, party)
        else:
            self.set_fact(head, value)

    def add_event(self, kind: str, moment: Moment) -> None:
        assert self.det is None, "the grievance was already evaluated; give its events before the When step"
        self.events.append((moment.local, kind, moment.iso()))

    def grievance_facts(self) -> dict[str, Any]:
        facts = dict(self.facts)
        if self.need_policy().spec.subject is None:
            assert "received_at" in facts, "no receipt yet: say 'Given a grievance received by <channel> on <date>'"
        if self.events:
            ordered = sorted(self.events, key=lambda e: e[0])  # the library wants events in time order
            facts["events"] = [{"type": kind, "at": iso} for _, kind, iso in ordered]
        return facts

    def evaluate(self) -> gr.Determination:
        det = self.need_policy().evaluate(self.grievance_facts(), as_of=self.as_of)
        self.det = det
        log_fired([det])
        return det

    def evaluate_with_earlier(self) -> gr.Determination:
        """Evaluate the grievance in a case book together with the earlier grievances."""
        case_book = getattr(gr, "CaseBook", None)
        assert case_book is not None, "this version of grievance_rules has no CaseBook"
        book = case_book(self.need_policy())
        book.extend(self.earlier)
        facts = self.grievance_facts()
        book.add(facts)
        result = book.evaluate(as_of=self.as_of)
        log_fired(result.determinations)
        mine = [d for d in result.determinations if d.grievance_id == facts["id"]]
        assert len(mine) == 1, f"the case book returned {len(mine)} determinations for {facts['id']!r}"
        self.det = mine[0]
        self.escalations = tuple(result.escalations)
        return self.det

    def determination(self) -> gr.Determination:
        return self.det if self.det is not None else self.evaluate()


def log_fired(determinations: Any) -> None:
    """Append the rules that fired to the file named by GRIEVANCE_RULES_FIRED_LOG, if set."""
    log = os.environ.get(FIRED_LOG_ENV)
    if not log:
        return
    with open(log, "a", encoding="utf-8") as fh:
        for det in determinations:
            fh.writelines(f"{t.rule}\n" for t in det.trace if t.fired)


@pytest.fixture
def case() -> Case:
    """The scenario's grievance, policy and Determination."""
    return Case()


# ------------------------------------------------------------------ finding an action by its words

_STOP = {"the", "a", "an", "of", "to", "for", "with", "by", "and", "in", "on", "its", "their"}


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


def _names(action: Any) -> list[str]:
    """The ways to name an action (an ActionResult, or a pack action): title, code, rule id, rule name."""
    rule_id = action.rule.split(".", 1)[-1]
    return [_norm(action.title), _norm(action.code), _norm(rule_id), _norm(action.rule)]


@dataclass(frozen=True)
class PackAction:
    """An action the pack declares, named like an ActionResult."""

    title: str
    code: str
    rule: str


def pack_actions(policy: gr.Policy) -> list[PackAction]:
    """Every action the pack declares, whether or not it is required for this grievance."""
    return [PackAction(r.action.title, r.action.code, r.name) for r in policy.compiled.rules if r.action is not None]


def _show(actions: Any) -> str:
    if not actions:
        return "  (no actions)"
    return "\n".join(f"  - {a.title} [code {a.code}, rule {a.rule}]" for a in actions)


def matching_actions(actions: Any, words: str) -> list[Any]:
    """The actions the words name, best tier first: the exact title, code or rule id; then the
    words as a phrase within the title; then every word found in the title, code or rule id."""
    text = words.strip().strip('"')
    text = re.sub(r"^(?:the )?action (?:to )?", "", text, flags=re.IGNORECASE)
    phrase = _norm(text)
    assert phrase, f"no action words in {words!r}"
    tokens = [t for t in phrase.split() if t not in _STOP] or phrase.split()
    tiers = [
        [a for a in actions if phrase in _names(a)],
        [a for a in actions if re.search(rf"\b{re.escape(phrase)}\b", _norm(a.title))],
        [a for a in actions if set(tokens) <= set(" ".join(_names(a)).split())],
    ]
    for found in tiers:
        if found:
            return found
    return []


def find_action(det: gr.Determination, words: str) -> gr.ActionResult:
    """The one action the words name; fails listing the actions present when none or several match."""
    found = matching_actions(det.actions, words)
    assert found, f"no required action matches {words!r}; the actions present are:\n{_show(det.actions)}"
    assert len(found) == 1, f"{words!r} matches several actions; be more specific:\n{_show(found)}"
    return found[0]


# ------------------------------------------------------------------ Given


@given(parsers.re(r'the policy "(?P<pack>[^"]+)"(?: is in force)?'))
def given_policy(case: Case, pack: str) -> None:
    """A pack id, or a path to a pack file relative to the checkout (e.g. examples/packs/x.yaml)."""
    root = Path(__file__).resolve().parent.parent
    if pack.endswith((".yaml", ".yml")) and not Path(pack).is_file() and (root / pack).is_file():
        pack = str(root / pack)
    case.policy = gr.load_policy(pack)


@given(
    parsers.re(
        r"an? (?:(?P<urgent>urgent) )?grievance received "
        r"(?:by (?P<channel>telephone|phone|mail|post|fax|e-mail|email)|(?P<other>online|in person)) "
        rf"on {DATE_OPT_TIME}"
    )
)
def given_receipt(
    case: Case, channel: str | None, other: str | None, date: str, time: str | None, urgent: str | None
) -> None:
    case.set_fact("channel", CHANNEL_WORDS[channel or other or ""])
    case.set_fact("received_at", parse_moment(date, time, DEFAULT_RECEIPT_TIME).iso())
    if urgent:
        case.set_fact("urgent", True)


@given(parsers.re(rf"the incident happened on {DATE}"))
def given_incident(case: Case, date: str) -> None:
    case.set_fact("incident_date", parse_date(date).isoformat())


@given(parsers.re(r'the member belongs to group "(?P<group>[^"]*)"'))
def given_group(case: Case, group: str) -> None:
    case.set_fact("group", group)


@given(parsers.re(r"the (?:concern is|concerns are) (?P<concerns>.+)"))
def given_concerns(case: Case, concerns: str) -> None:
    case.set_fact("concerns", [words_to_value(c) for c in split_list(concerns)])


@given(parsers.re(r"the grievance type is (?P<kind>.+)"))
def given_type(case: Case, kind: str) -> None:
    case.set_fact("type", words_to_value(kind))


@given(parsers.re(r"the member needs (?P<needs>.+) assistance"))
def given_assistance(case: Case, needs: str) -> None:
    case.set_fact("assistance_needs", [words_to_value(n) for n in split_list(needs)])


@given(parsers.re(r"the (?P<who>member|representative|provider) complains"))
def given_complainant(case: Case, who: str) -> None:
    case.set_fact("complainant", who)


@given("the member says they want to file a grievance")
def given_wants_formal(case: Case) -> None:
    case.set_fact("wants_formal_grievance", True)


@given(parsers.re(rf"the grievance was resolved on {MOMENT}"))
def given_resolved(case: Case, date: str, time: str) -> None:
    case.set_fact("resolved_at", parse_moment(date, time).iso())


@given(parsers.re(rf'an? "(?P<event>[^"]+)" event (?:is recorded )?on {MOMENT}'))
def given_event(case: Case, event: str, date: str, time: str) -> None:
    case.add_event(words_to_value(event), parse_moment(date, time))


@given(parsers.re(rf'the "(?P<kind>[^"]+)" is scheduled (?:to meet )?(?:on|for) {MOMENT}'))
def given_scheduled(case: Case, kind: str, date: str, time: str) -> None:
    """A planned future moment (facts ``schedule``), e.g. the appeal panel's meeting."""
    assert case.det is None, "the grievance was already evaluated; give its schedule before the When step"
    planned = list(case.facts.get("schedule") or [])
    planned.append({"type": words_to_value(kind), "at": parse_moment(date, time).iso()})
    case.facts["schedule"] = planned


@given(parsers.re(r'the declared fact "(?P<name>[^"]+)" is (?P<value>.+)'))
def given_declared_fact(case: Case, name: str, value: str) -> None:
    """A fact the pack declares (``facts:``): true/false, a whole number, or text (quoted as written)."""
    assert case.det is None, "the grievance was already evaluated; give its facts before the When step"
    text = value.strip()
    parsed: Any = {"true": True, "false": False}.get(text)
    if parsed is None:
        parsed = int(text) if re.fullmatch(r"-?\d+", text) else words_to_value(text)
    declared = dict(case.facts.get("facts") or {})
    declared[words_to_value(name)] = parsed
    case.facts["facts"] = declared


_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}


@given(
    parsers.re(
        rf'(?P<count>\d+|{"|".join(_COUNTS)}) "(?P<event>[^"]+)" events on (?P<date>{_DATE}) '
        rf"at (?P<times>{_TIME}(?:(?:, | and ){_TIME})*)"
    )
)
def given_events(case: Case, count: str, event: str, date: str, times: str) -> None:
    n = int(count) if count.isdigit() else _COUNTS[count]
    listed = re.split(r", | and ", times)
    assert len(listed) in (1, n), f"{n} events need one time or {n} times, got {len(listed)}: {times!r}"
    for t in listed * n if len(listed) == 1 else listed:
        case.add_event(words_to_value(event), parse_moment(date, t))


@given("the record is complete")
def given_complete_record(case: Case) -> None:
    """Every party detail, the narrative and the representative's name are given (not the type:
    that is a pack value a scenario states itself)."""
    for path in sorted(set(RECORD_WORDS.values())):
        case.set_party(path, f"({path} given)")


@given(parsers.re(r"the record gives (?P<fields>.+)"))
def given_record_fields(case: Case, fields: str) -> None:
    for item in split_list(fields):
        key = re.sub(r"^(?:the|a|an) ", "", item.strip().lower())
        assert key in RECORD_WORDS, f"unknown record detail {item!r}; known: {', '.join(RECORD_WORDS)}"
        case.set_party(RECORD_WORDS[key], f"({key} given)")


@given(parsers.re(r'the grievance names (?:the )?provider "(?P<name>[^"]+)"'))
def given_provider(case: Case, name: str) -> None:
    case.set_party("provider.name", name)


@given("earlier grievances were received:")
def given_earlier(case: Case, datatable: list[list[str]]) -> None:
    """Other grievances for a case book: a "received" column (a date at a time) and optionally
    "channel", "concerns", "provider" and "group"; a missing channel is the grievance's own."""
    header = [h.strip().lower() for h in datatable[0]]
    assert "received" in header, f"the table needs a 'received' column, has {header}"
    known = {"received", "channel", "concerns", "provider", "group"}
    assert set(header) <= known, f"unknown columns {sorted(set(header) - known)}; known: {sorted(known)}"
    for n, raw in enumerate(datatable[1:], start=1):
        row = dict(zip(header, (c.strip() for c in raw), strict=True))
        date, _, time = row["received"].partition(" at ")
        facts: dict[str, Any] = {
            "id": f"EARLIER-{n}",
            "received_at": parse_moment(date, time or None, DEFAULT_RECEIPT_TIME).iso(),
        }
        channel = row.get("channel") or case.facts.get("channel")
        if channel:
            facts["channel"] = CHANNEL_WORDS.get(channel, channel)
        if row.get("concerns"):
            facts["concerns"] = [words_to_value(c) for c in split_list(row["concerns"])]
        if row.get("provider"):
            facts["provider"] = {"name": row["provider"]}
        if row.get("group"):
            facts["group"] = row["group"]
        case.earlier.append(facts)


# ------------------------------------------------------------------ When


@when("the grievance is evaluated")
def when_evaluated(case: Case) -> None:
    case.evaluate()


@when(parsers.re(rf"the grievance is evaluated as of {MOMENT}"))
def when_evaluated_as_of(case: Case, date: str, time: str) -> None:
    case.as_of = parse_moment(date, time).iso()
    case.evaluate()


@when("the grievance is evaluated together with the earlier grievances")
def when_evaluated_together(case: Case) -> None:
    case.evaluate_with_earlier()


# ------------------------------------------------------------------ Then: the grievance


def _value_words(text: str) -> str:
    return words_to_value(re.sub(r"^(?:a|an|the) ", "", text.strip(), flags=re.IGNORECASE))


@then(parsers.re(r"the grievance is classified as (?P<value>.+)"))
def then_classification(case: Case, value: str) -> None:
    actual = case.determination().classification
    wanted = _value_words(value)
    assert actual is not None and wanted in (actual, f"{actual}_grievance"), (
        f"classification is {actual!r}, expected {value!r}"
    )


@then(parsers.re(r"the grievance is (?:at )?Level (?P<level>\S+)"))
def then_level(case: Case, level: str) -> None:
    actual = case.determination().level
    assert actual == level, f"level is {actual!r}, expected {level!r}"


@then(parsers.re(r"it is handled by (?P<who>.+)"))
def then_handled_by(case: Case, who: str) -> None:
    wanted = words_to_value(re.sub(r"^(?:the )?(?:member's )?", "", who.strip().lower()))
    actual = case.determination().handled_by
    assert actual == wanted, f"handled by {actual!r}, expected {who!r} ({wanted!r})"


@then(parsers.re(r"it was filed (?P<when>on time|late)"))
def then_timely(case: Case, when: str) -> None:
    actual = case.determination().timely_filed
    assert actual is (when == "on time"), f"timely_filed is {actual!r}, expected filed {when}"


@then("its timeliness cannot be told")
def then_timeliness_unknown(case: Case) -> None:
    actual = case.determination().timely_filed
    assert actual is None, f"timely_filed is {actual!r}, expected none (no filing window or no incident date)"


@then(parsers.re(rf"the filing deadline is {DATE}"))
def then_filing_deadline(case: Case, date: str) -> None:
    actual = case.determination().filing_deadline
    wanted = parse_date(date)
    assert actual == wanted, f"filing deadline is {describe_date(actual)}, expected {date}"


@then(parsers.re(rf"it is recorded as received on {MOMENT}"))
def then_received(case: Case, date: str, time: str) -> None:
    _check_moment(case, case.determination().received_at, parse_moment(date, time), "receipt")


def _check_moment(case: Case, actual: dt.datetime | None, wanted: Moment, what: str) -> None:
    tz = case.tz
    assert actual is not None, f"{what} has no moment, expected {wanted.iso()}"
    got = describe_moment(actual, tz)
    assert actual.astimezone(tz).replace(tzinfo=None) == wanted.local, f"{what} is {got}, expected {wanted.iso()}"
    if wanted.offset is not None:
        assert actual.utcoffset() == wanted.offset, f"{what} is {actual.isoformat()}, expected {wanted.iso()}"


# ------------------------------------------------------------------ Then: actions


@then(parsers.re(rf"the (?P<action>.+?) is due on {DATE_OPT_TIME}"))
def then_due(case: Case, action: str, date: str, time: str | None) -> None:
    found = find_action(case.determination(), action)
    wanted = parse_date(date)
    assert found.due_date == wanted, (
        f"{found.title!r} is due on {describe_date(found.due_date)} ({found.basis}), expected {date}"
    )
    if time:
        _check_moment(case, found.due_at, parse_moment(date, time), f"the due moment of {found.title!r}")


@then(parsers.re(r"the (?P<action>.+) has no due date"))
def then_no_due(case: Case, action: str) -> None:
    found = find_action(case.determination(), action)
    assert found.due_date is None and found.due_at is None, (
        f"{found.title!r} is due on {describe_date(found.due_date)} ({found.basis}), expected no due date"
    )


@then(parsers.re(r"the (?P<action>.+) is required"))
def then_required(case: Case, action: str) -> None:
    find_action(case.determination(), action)


@then(parsers.re(r"the (?P<action>.+) is not required"))
def then_not_required(case: Case, action: str) -> None:
    det = case.determination()
    declared = pack_actions(case.need_policy())
    assert matching_actions(declared, action), (
        f"{action!r} names no action the pack declares (a typo would make this step pass for nothing); "
        f"the pack's actions are:\n{_show(declared)}"
    )
    found = matching_actions(det.actions, action)
    assert not found, f"{action!r} should not be required, but is:\n{_show(found)}"


@then(parsers.re(r"the (?P<action>.+?)(?<! status) is (?P<status>pending|done|late|overdue)"))
@then(parsers.re(r"the (?P<action>.+) status is (?P<status>pending|done|late|overdue)"))
def then_status(case: Case, action: str, status: str) -> None:
    found = find_action(case.determination(), action)
    assert found.status == status, (
        f"{found.title!r} is {found.status} (due {describe_moment(found.due_at, case.tz)}, "
        f"as of {case.as_of}), expected {status}"
    )


@then(parsers.re(rf"the target for the (?P<action>.+) is {MOMENT}"))
@then(parsers.re(rf"the (?P<action>.+) target is {MOMENT}"))
def then_target(case: Case, action: str, date: str, time: str) -> None:
    found = find_action(case.determination(), action)
    _check_moment(case, found.target_at, parse_moment(date, time), f"the target of {found.title!r}")


@then(parsers.re(rf"the (?P<action>.+) was done on {MOMENT}"))
def then_done_at(case: Case, action: str, date: str, time: str) -> None:
    found = find_action(case.determination(), action)
    _check_moment(case, found.done_at, parse_moment(date, time), f"the completion of {found.title!r}")


@then(parsers.re(r'the basis of the (?P<action>.+) mentions "(?P<text>[^"]+)"'))
def then_basis(case: Case, action: str, text: str) -> None:
    found = find_action(case.determination(), action)
    assert text.lower() in found.basis.lower(), f"the basis of {found.title!r} is {found.basis!r}, expected {text!r}"


@then("the required actions are:")
def then_required_actions(case: Case, datatable: list[list[str]]) -> None:
    """A table with an "action" column (words naming each action), and optionally "due" (a date,
    a date "at" a time, or "no due date") and "status". Every action must be listed, once."""
    det = case.determination()
    header = [h.strip().lower() for h in datatable[0]]
    assert "action" in header, f"the table needs an 'action' column, has {header}"
    seen: list[gr.ActionResult] = []
    for raw in datatable[1:]:
        row = dict(zip(header, (c.strip() for c in raw), strict=True))
        found = find_action(det, row["action"])
        assert found not in seen, f"{row['action']!r} names {found.title!r}, already listed"
        seen.append(found)
        due = row.get("due", "")
        if due.lower() == "no due date":
            assert found.due_date is None, f"{found.title!r} is due on {describe_date(found.due_date)}, expected none"
        elif due:
            date, _, time = due.partition(" at ")
            assert found.due_date == parse_date(date), (
                f"{found.title!r} is due on {describe_date(found.due_date)} ({found.basis}), expected {due}"
            )
            if time:
                _check_moment(case, found.due_at, parse_moment(date, time), f"the due moment of {found.title!r}")
        status = row.get("status", "")
        if status:
            assert found.status == status, f"{found.title!r} is {found.status}, expected {status}"
    missing = [a for a in det.actions if a not in seen]
    assert not missing, f"actions required but not in the table:\n{_show(missing)}"


# ------------------------------------------------------------------ Then: warnings


@then(parsers.re(r'(?P<some>a|no) warning mentions "(?P<text>[^"]+)"'))
def then_warning(case: Case, some: str, text: str) -> None:
    warnings = case.determination().warnings
    hits = [w for w in warnings if text.lower() in w.lower()]
    listed = "\n".join(f"  - {w}" for w in warnings) or "  (no warnings)"
    if some == "a":
        assert hits, f"no warning mentions {text!r}; the warnings are:\n{listed}"
    else:
        assert not hits, f"a warning mentions {text!r}; the warnings are:\n{listed}"


@then("there are no warnings")
def then_no_warnings(case: Case) -> None:
    warnings = case.determination().warnings
    assert not warnings, "expected no warnings, got:\n" + "\n".join(f"  - {w}" for w in warnings)


# ------------------------------------------------------------------ Then: patterns across grievances


@then(parsers.re(r"the grievance (?P<does>completes|does not complete) a pattern with the earlier grievances"))
def then_pattern(case: Case, does: str) -> None:
    assert case.escalations is not None, "use 'When the grievance is evaluated together with the earlier grievances'"
    mine = [e for e in case.escalations if e.grievance_id == case.facts["id"]]
    listed = "\n".join(f"  - {e.rule}: {e.grievance_id} after {', '.join(e.related)}" for e in case.escalations)
    if does == "completes":
        assert mine, "the grievance completes no pattern; escalations:\n" + (listed or "  (none)")
        assert all(e.related for e in mine), f"an escalation names no earlier grievance:\n{listed}"
    else:
        assert not mine, f"the grievance completes a pattern:\n{listed}"


# ------------------------------------------------------------------ reports (features/reports.feature)

from report_steps import *  # noqa: E402, F403

# ------------------------------------------------------------------ subjects other than grievances
# (contract section 9): records whose facts the pack declares under ``subject:``.


def typed_cell(text: str) -> Any:
    """A table cell or step value as JSON would give it: true/false, a whole number, a decimal, else text."""
    value = text.strip()
    if value in ("true", "false"):
        return value == "true"
    if re.fullmatch(r"-?[0-9]+", value):
        return int(value)
    if re.fullmatch(r"-?[0-9]+\.[0-9]+", value):
        return float(value)
    return value


@given(parsers.re(r'an? (?P<subject>[a-z_]+) record(?: "(?P<rid>[^"]+)")? with:'))
def given_subject_record(case: Case, subject: str, rid: str | None, datatable: list[list[str]]) -> None:
    declared = case.need_policy().spec.subject
    assert declared is not None and declared.name == subject, (
        f"the pack's records are {declared.name if declared else 'grievances'}, not {subject}"
    )
    if rid:
        case.set_fact("id", rid)
    for row in datatable:
        if [c.strip() for c in row] == ["fact", "value"]:
            continue
        case.set_fact(row[0].strip(), typed_cell(row[1]))


@given(parsers.re(r'the record\'s "(?P<fact>[^"]+)" is (?P<value>.+)'))
def given_record_fact(case: Case, fact: str, value: str) -> None:
    case.set_fact(fact, typed_cell(value))


@given(
    parsers.re(
        r"an? (?P<what>referral|record) received "
        r"by (?P<channel>telephone|phone|mail|post|fax|e-mail|email) "
        rf"on {DATE_OPT_TIME}"
    )
)
def given_record_receipt(case: Case, what: str, channel: str, date: str, time: str | None) -> None:
    case.set_fact("channel", CHANNEL_WORDS[channel])
    case.set_fact("received_at", parse_moment(date, time, DEFAULT_RECEIPT_TIME).iso())


@given("the records:")
def given_records(case: Case, datatable: list[list[str]]) -> None:
    header = [c.strip() for c in datatable[0]]
    for row in datatable[1:]:
        case.earlier.append({k: typed_cell(v) for k, v in zip(header, row, strict=True) if v.strip() != ""})


@when("the record is evaluated")
def when_record_evaluated(case: Case) -> None:
    case.evaluate()


@when(parsers.re(rf"the record is evaluated as of {MOMENT}"))
def when_record_evaluated_as_of(case: Case, date: str, time: str) -> None:
    case.as_of = parse_moment(date, time).iso()
    case.evaluate()


@when("the records are evaluated together")
def when_records_together(case: Case) -> None:
    book = gr.CaseBook(case.need_policy())
    book.extend(case.earlier)
    result = book.evaluate(as_of=case.as_of)
    log_fired(result.determinations)
    case.results = {d.id: d for d in result.determinations}


def _record(case: Case, rid: str | None) -> gr.Determination:
    if rid is None:
        return case.determination()
    assert rid in case.results, f"no record {rid!r} was evaluated together; records: {', '.join(case.results)}"
    return case.results[rid]


_RID = r'(?:the record|record "(?P<rid>[^"]+)")'


@then(parsers.re(rf"{_RID} is classified as (?P<value>.+)"))
def then_record_classification(case: Case, rid: str | None, value: str) -> None:
    actual = _record(case, rid).classification
    wanted = _value_words(value)
    assert actual == wanted, f"classification is {actual!r}, expected {wanted!r}"


@then(parsers.re(rf"{_RID} is at level (?P<value>.+)"))
def then_record_level(case: Case, rid: str | None, value: str) -> None:
    actual = _record(case, rid).level
    wanted = _value_words(value)
    assert actual == wanted, f"level is {actual!r}, expected {wanted!r}"


@then(parsers.re(rf"{_RID} gets (?:the actions? )?(?P<codes>.+)"))
def then_record_actions(case: Case, rid: str | None, codes: str) -> None:
    det = _record(case, rid)
    wanted = [] if codes.strip() in ("no action", "no actions") else [c.strip() for c in split_list(codes)]
    actual = [a.code for a in det.actions]
    assert actual == wanted, f"action codes are {actual}, expected {wanted}"
