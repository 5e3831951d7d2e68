"""Moments in the hour a DST change repeats are compared as instants, not as wall clocks.

Python compares two datetimes that share a tzinfo by wall clock and ignores ``fold`` (PEP 495):
in Los Angeles on Sunday 5 November 2023 the clock runs 01:00-01:59 PDT (-07:00) and then
01:00-01:59 PST (-08:00) again, so 01:19 PST (09:19 UTC) would sort before 01:51 PDT (08:51 UTC).
Found by the million-row comparison of evaluate_table with evaluate (the table compared instants).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import grievance_rules as gr
from grievance_rules.calendar import instant_us


def test_instant_us_orders_the_repeated_hour() -> None:
    from zoneinfo import ZoneInfo

    la = ZoneInfo("America/Los_Angeles")
    first = dt.datetime(2023, 11, 5, 1, 51, tzinfo=la)  # fold 0: PDT, 08:51 UTC
    second = dt.datetime(2023, 11, 5, 1, 19, tzinfo=la, fold=1)  # fold 1: PST, 09:19 UTC
    assert second < first  # what Python says, wall clock against wall clock
    assert instant_us(second) > instant_us(first)
    assert instant_us(second) - instant_us(first) == 28 * 60 * 1_000_000
    assert instant_us(dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) == 0


def test_an_event_in_the_second_pass_of_the_hour_is_after_a_receipt_in_the_first() -> None:
    policy = gr.load_policy("liberty")
    record = {
        "id": "F-1",
        "received_at": "2023-11-05T01:51:00-07:00",  # 08:51 UTC
        "channel": "online",
        "events": [{"type": "transfer_declined", "at": "2023-11-05T01:19:00-08:00"}],  # 09:19 UTC
    }
    det = policy.evaluate(record)  # before the fix: "events[0].at: is before receipt"
    assert det.received_at.isoformat() == "2023-11-05T01:51:00-07:00"
    # and an event that really is before receipt (08:19 UTC, 01:19 PDT) is still refused
    early = {**record, "events": [{"type": "transfer_declined", "at": "2023-11-05T01:19:00-07:00"}]}
    with pytest.raises(gr.FactsError, match="before receipt"):
        policy.evaluate(early)


def _contact(at: str) -> dict[str, Any]:
    # received Thu 2 Nov 2023 01:30 PDT (08:30 UTC); 72 hours later is 08:30 UTC on Sun 5 Nov,
    # 01:30 PDT, in the first pass of the repeated hour
    return {
        "id": "F-2",
        "received_at": "2023-11-02T01:30:00-07:00",
        "channel": "phone",
        "events": [{"type": "contacted", "at": at}],
    }


@pytest.mark.parametrize(
    ("contacted", "state"),
    [
        ("2023-11-05T01:10:00-07:00", "met"),  # 08:10 UTC: 20 minutes before the 72 hours end
        ("2023-11-05T01:10:00-08:00", "missed"),  # 09:10 UTC: 40 minutes after (wall clock 01:10 < 01:30)
        ("2023-11-05T05:00:00-08:00", "missed"),
    ],
)
def test_a_timer_ending_in_the_repeated_hour_is_judged_by_instants(contacted: str, state: str) -> None:
    policy = gr.load_policy("liberty")
    det = policy.evaluate(_contact(contacted))
    entry = next(t for t in det.trace if t.rule.endswith("formal_no_contact_72_hours"))
    assert entry.values["timers.contact_within_72_hours"] == state
    assert entry.values["timers.contact_within_72_hours.due_at"] == "2023-11-05T01:30:00-07:00"
    # the table agrees (it compares UTC instants by construction)
    pa = pytest.importorskip("pyarrow")
    row = policy.evaluate_table(pa.Table.from_pylist([_contact(contacted)])).to_pylist()[0]
    assert row["error"] is None and row["classification"] == det.classification


def test_hour_timers_decided_on_instants_agree_with_the_calendars_deadline() -> None:
    """A 72-hour timer is decided on instants (its anchor's plus 72 x 3,600 s) and its due moment
    is written only as text: every 20 minutes of the four days before each 2023 and 2024 switch
    in Los Angeles, receipt and contact 72 hours minus or plus a minute later, the trace's due
    text is ``PlanCalendar.due(..., "hours", 72)``'s due moment and the state is what comparing
    that moment with the contact gives."""
    policy = gr.load_policy("liberty")
    cal = policy.calendar
    checked = 0
    for year, month, day in ((2023, 3, 12), (2023, 11, 5), (2024, 3, 10), (2024, 11, 3)):
        switch = dt.datetime(year, month, day)
        wall = switch - dt.timedelta(days=4)
        while wall < switch:
            received = cal.wall(wall)
            due = cal.due(received, "hours", 72, from_receipt=True).due_at
            for minutes, state in ((-1, "met"), (1, "missed")):
                contact = (due + dt.timedelta(minutes=minutes)).astimezone(dt.UTC)  # exact elapsed time
                det = policy.evaluate(
                    {
                        "id": "F-3",
                        "received_at": wall.isoformat(),
                        "channel": "phone",
                        "events": [{"type": "contacted", "at": contact.isoformat()}],
                    }
                )
                entry = next(t for t in det.trace if t.rule.endswith("formal_no_contact_72_hours"))
                assert entry.values["timers.contact_within_72_hours.due_at"] == due.isoformat()
                assert entry.values["timers.contact_within_72_hours"] == state
                assert entry.values["timers.resolved_by_iru.due_at"] == due.isoformat()
                checked += 1
            wall += dt.timedelta(minutes=20)
    assert checked == 4 * 4 * 72 * 2
