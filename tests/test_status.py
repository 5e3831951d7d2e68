"""Action statuses (contract section 3): done by the due moment, late after it, overdue when missing.

Every due moment below is worked out by hand in the comment next to it (plan time America/Chicago,
US federal holidays, Thanksgiving = Thursday 28 November 2024).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import grievance_rules as gr

PACK = """
id: status_test
name: Status test plan
version: "1.0"
effective_date: "2024-01-01"
source: tests/test_status.py
calendar:
  timezone: America/Chicago
  holidays: {country: US}
vocabulary:
  channels: [mail]
  concerns: {any: Anything}
  events:
    acknowledged: Letter sent
    visited: Office visited
    called: Member called back
classification:
  values: [formal]
  default: {id: formal_default, value: formal, citation: {file: test_status.py, section: pack}}
actions:
  - id: ack
    code: acknowledge
    title: Business-day acknowledgement
    deadline: {amount: 5, unit: business_days}
    done_by: [acknowledged]
    citation: {file: test_status.py, section: pack}
  - id: visit
    code: visit_office
    title: Calendar-day visit
    deadline: {amount: 5, unit: calendar_days}
    done_by: [visited]
    citation: {file: test_status.py, section: pack}
  - id: call
    code: contact
    title: Hour contact
    deadline: {amount: 72, unit: hours}
    done_by: [called]
    citation: {file: test_status.py, section: pack}
  - id: report
    code: follow_up
    title: Undated follow-up
    done_by: [called, visited]
    citation: {file: test_status.py, section: pack}
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> gr.Policy:
    path: Path = tmp_path_factory.mktemp("status") / "status.yaml"
    path.write_text(PACK, encoding="utf-8")
    return gr.load_policy(path)


def _status(policy: gr.Policy, received: str, code: str, event: str | None, at: str | None, as_of: str) -> Any:
    facts: dict[str, Any] = {"id": "S-1", "received_at": received, "channel": "mail"}
    if event is not None and at is not None:
        facts["events"] = [{"type": event, "at": at}]
    det = policy.evaluate(facts, as_of=as_of)
    return next(a for a in det.actions if a.code == code)


# Received Monday 25 November 2024 10:00 (Chicago).
# 5 business days: Tue 26 (1), Wed 27 (2), Thu 28 Thanksgiving skipped, Fri 29 (3), Mon 2 Dec (4),
#   Tue 3 Dec (5): due Tue 3 Dec 2024 23:59:59.
# 5 calendar days: 25 Nov + 5 = Sat 30 Nov (weekends do not move it): due Sat 30 Nov 23:59:59.
# 72 hours: Thu 28 Nov 2024 10:00 (no DST change in between).
RECEIVED = "2024-11-25T10:00:00-06:00"
CASES = [
    # code, event, last minute still in time, one minute later, due moment
    ("acknowledge", "acknowledged", "2024-12-03T23:59:00-06:00", "2024-12-04T00:00:00-06:00", "2024-12-03T23:59:59"),
    ("visit_office", "visited", "2024-11-30T23:59:00-06:00", "2024-12-01T00:00:00-06:00", "2024-11-30T23:59:59"),
    ("contact", "called", "2024-11-28T10:00:00-06:00", "2024-11-28T10:01:00-06:00", "2024-11-28T10:00:00"),
]
AS_OF = "2024-12-10T12:00:00-06:00"


@pytest.mark.parametrize(("code", "event", "in_time", "minute_late", "due"), CASES)
def test_done_on_the_last_minute_is_done(
    policy: gr.Policy, code: str, event: str, in_time: str, minute_late: str, due: str
) -> None:
    action = _status(policy, RECEIVED, code, event, in_time, AS_OF)
    assert action.due_at.isoformat().startswith(due)
    assert action.status == "done"
    assert action.done_at.isoformat() == in_time


@pytest.mark.parametrize(("code", "event", "in_time", "minute_late", "due"), CASES)
def test_one_minute_after_the_due_moment_is_late(
    policy: gr.Policy, code: str, event: str, in_time: str, minute_late: str, due: str
) -> None:
    action = _status(policy, RECEIVED, code, event, minute_late, AS_OF)
    assert action.status == "late"
    assert action.done_at.isoformat() == minute_late


@pytest.mark.parametrize(("code", "event", "in_time", "minute_late", "due"), CASES)
def test_missing_and_past_due_is_overdue_and_before_it_pending(
    policy: gr.Policy, code: str, event: str, in_time: str, minute_late: str, due: str
) -> None:
    assert _status(policy, RECEIVED, code, None, None, minute_late).status == "overdue"
    assert _status(policy, RECEIVED, code, None, None, in_time).status == "pending"


def test_a_late_action_stays_late_whatever_the_as_of(policy: gr.Policy) -> None:
    # late is a fact about when it was done, not about when it is looked at
    for as_of in ("2024-12-04T00:00:00-06:00", "2025-06-01T00:00:00-05:00"):
        action = _status(policy, RECEIVED, "acknowledge", "acknowledged", "2024-12-04T00:00:00-06:00", as_of)
        assert action.status == "late"


def test_hours_across_the_fall_back_change_are_elapsed_hours(policy: gr.Policy) -> None:
    # Received Fri 1 Nov 2024 10:00 CDT (-05:00); clocks fall back Sun 3 Nov 02:00 -> 01:00.
    # 72 elapsed hours = Mon 4 Nov 2024 09:00 CST (-06:00), i.e. 15:00 UTC.
    received = "2024-11-01T10:00:00-05:00"
    on_time = _status(policy, received, "contact", "called", "2024-11-04T09:00:00-06:00", AS_OF)
    assert on_time.due_at.isoformat() == "2024-11-04T09:00:00-06:00"
    assert on_time.status == "done"
    late = _status(policy, received, "contact", "called", "2024-11-04T09:01:00-06:00", AS_OF)
    assert late.status == "late"


def test_an_action_without_a_date_is_pending_until_done_then_done(policy: gr.Policy) -> None:
    """No deadline and no target: never overdue nor late; done at the first of its done_by events
    (compared as instants), pending until then. Evaluated twice, so a shared not-done result
    must not carry one grievance's moments into another's."""
    base: dict[str, Any] = {"id": "S-2", "received_at": RECEIVED, "channel": "mail"}
    # visited 08:30 CST (09:30 EST, listed in -05:00) comes before called 09:00 CST, though
    # done_by names called first
    events = [
        {"type": "visited", "at": "2024-11-26T09:30:00-05:00"},
        {"type": "called", "at": "2024-11-26T09:00:00-06:00"},
    ]
    for _ in range(2):
        for facts, status, done in (
            (base, "pending", None),
            ({**base, "events": events}, "done", "2024-11-26T08:30:00-06:00"),
            ({**base, "events": events[1:]}, "done", "2024-11-26T09:00:00-06:00"),
            (base, "pending", None),
        ):
            for det in (policy.evaluate(facts, as_of="2026-01-01T00:00:00-06:00"), *policy.evaluate_many([facts])):
                action = next(a for a in det.actions if a.code == "follow_up")
                assert (action.status, action.due_date, action.due_at, action.target_at) == (status, None, None, None)
                assert action.basis == "no deadline stated"
                assert (None if action.done_at is None else action.done_at.isoformat()) == done
                assert action.rule == "status_test.report"
