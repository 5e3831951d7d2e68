"""Deadline forms of the format: roll, count back from a schedule, months and years, keep-until,
extensions, deemed receipt, removed holidays (issue 11, point 1).

Every expected date was counted by hand on a calendar; the comment beside it shows the count.
Business days are Monday to Friday except US federal holidays (observed), America/Chicago.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import FIXTURES

import grievance_rules as gr
from grievance_rules.calendar import PlanCalendar
from grievance_rules.schema import Calendar, DeemedReceipt, HolidaySource

BASE = FIXTURES / "forms" / "base.yaml"
MAR_1 = FIXTURES / "forms" / "mar_1.yaml"


@pytest.fixture(scope="module")
def forms() -> gr.Policy:
    return gr.load_policy(BASE)


@pytest.fixture(scope="module")
def forms_mar_1() -> gr.Policy:
    return gr.load_policy(MAR_1)


def action(det: gr.Determination, code: str) -> Any:
    (found,) = [a for a in det.actions if a.code == code]
    return found


def facts(received: str, **more: Any) -> dict[str, Any]:
    return {"id": "F-1", "received_at": received, **more}


# ------------------------------------------------------------------ roll: next_business_day


def test_roll_forward_off_a_sunday(forms: gr.Policy) -> None:
    # Fri 5 April 2024 + 30 calendar days = Sun 5 May 2024 (April has 30 days) -> Mon 6 May
    det = forms.evaluate(facts("2024-04-05T10:00:00-05:00"))
    resolve = action(det, "resolve")
    assert resolve.due_date == dt.date(2024, 5, 6)
    assert resolve.due_at.isoformat() == "2024-05-06T23:59:59-05:00"
    assert "2024-05-05 is a weekend day, so it rolls to the next business day" in resolve.basis


def test_roll_forward_off_a_monday_holiday(forms: gr.Policy) -> None:
    # Sat 21 December 2024 + 30 = Mon 20 January 2025 (10 days to 31 Dec, 20 into January):
    # Martin Luther King Jr. Day -> Tue 21 January 2025
    det = forms.evaluate(facts("2024-12-21T10:00:00-06:00"))
    resolve = action(det, "resolve")
    assert resolve.due_date == dt.date(2025, 1, 21)
    assert "a holiday (Martin Luther King Jr. Day)" in resolve.basis


def test_roll_does_not_move_a_business_day(forms: gr.Policy) -> None:
    # Mon 1 April 2024 + 30 = Wed 1 May 2024, a business day: stays
    det = forms.evaluate(facts("2024-04-01T10:00:00-05:00"))
    assert action(det, "resolve").due_date == dt.date(2024, 5, 1)
    assert "rolls" not in action(det, "resolve").basis


def test_without_roll_a_weekend_due_date_stays() -> None:
    # contract section 4: calendar days do not move unless the pack says so
    cal = PlanCalendar(Calendar(timezone="America/Chicago", holidays=HolidaySource(country="US")))
    start = dt.datetime(2024, 4, 5, 10, tzinfo=cal.tz)
    assert cal.due(start, "calendar_days", 30, from_receipt=True).due_date == dt.date(2024, 5, 5)
    assert cal.due(start, "calendar_days", 30, from_receipt=True, roll="next_business_day").due_date == dt.date(
        2024, 5, 6
    )


# ------------------------------------------------------------------ count back from a schedule


def test_count_back_business_days_across_thanksgiving(forms: gr.Policy) -> None:
    # panel meets Tue 3 Dec 2024; 5 business days before: Mon 2 Dec (1), Fri 29 Nov (2),
    # Thanksgiving Thu 28 skipped, Wed 27 (3), Tue 26 (4), Mon 25 Nov (5)
    det = forms.evaluate(
        facts(
            "2024-11-01T10:00:00-05:00",
            schedule=[{"type": "panel_meeting", "at": "2024-12-03T14:00:00-06:00"}],
        )
    )
    packet = action(det, "provider_response")
    assert packet.due_date == dt.date(2024, 11, 25)
    assert packet.due_at.isoformat() == "2024-11-25T23:59:59-06:00"
    assert packet.basis == "5 business days before the panel_meeting (2024-12-03)"
    # 5 calendar days before Tue 3 Dec = Thu 28 Nov (a holiday does not matter)
    assert action(det, "follow_up").due_date == dt.date(2024, 11, 28)


def test_count_back_across_juneteenth_observed_on_friday() -> None:
    # Juneteenth 2027 is a Saturday, observed Friday 18 June 2027. Panel Fri 25 June 2027:
    # Thu 24 (1), Wed 23 (2), Tue 22 (3), Mon 21 (4), Fri 18 skipped, Thu 17 June (5)
    cal = PlanCalendar(Calendar(timezone="America/Chicago", holidays=HolidaySource(country="US")))
    meeting = dt.datetime(2027, 6, 25, 9, tzinfo=cal.tz)
    assert cal.before(meeting, "business_days", 5).due_date == dt.date(2027, 6, 17)


def test_count_back_without_a_schedule_has_no_due_date_and_says_why(forms: gr.Policy) -> None:
    det = forms.evaluate(facts("2024-11-01T10:00:00-05:00"), as_of="2025-06-01T00:00:00-05:00")
    packet = action(det, "provider_response")
    assert packet.due_date is None and packet.due_at is None
    assert packet.status == "pending"  # never overdue while the meeting is not scheduled
    assert packet.basis == "5 business days before the panel_meeting (not yet scheduled)"


def test_the_last_listed_schedule_of_a_type_is_in_force(forms: gr.Policy) -> None:
    # rescheduled from Tue 3 Dec to Tue 10 Dec 2024: 5 business days before Tue 10 Dec:
    # Mon 9 (1), Fri 6 (2), Thu 5 (3), Wed 4 (4), Tue 3 Dec (5)
    det = forms.evaluate(
        facts(
            "2024-11-01T10:00:00-05:00",
            schedule=[
                {"type": "panel_meeting", "at": "2024-12-03T14:00:00-06:00"},
                {"type": "panel_meeting", "at": "2024-12-10T14:00:00-06:00"},
            ],
        )
    )
    assert action(det, "provider_response").due_date == dt.date(2024, 12, 3)


def test_undeclared_schedule_type_is_a_facts_error(forms: gr.Policy) -> None:
    with pytest.raises(gr.FactsError) as err:
        forms.evaluate(
            facts("2024-11-01T10:00:00-05:00", schedule=[{"type": "panel_meting", "at": "2024-12-03T14:00:00-06:00"}])
        )
    assert err.value.field == "schedule[0].type"
    assert "did you mean 'panel_meeting'" in str(err.value)
    assert err.value.allowed == "panel_meeting"


def test_schedule_entry_needs_a_date_time(forms: gr.Policy) -> None:
    with pytest.raises(gr.FactsError) as err:
        forms.evaluate(facts("2024-11-01T10:00:00-05:00", schedule=[{"type": "panel_meeting", "at": "2024-12-03"}]))
    assert err.value.field == "schedule[0].at"


# ------------------------------------------------------------------ months, years, leap day


def test_29_february_plus_one_year_feb_28() -> None:
    cal = PlanCalendar(Calendar(timezone="UTC", leap_day="feb_28"))
    assert cal.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    # the third anniversary (Tex. Ins. Code 843.260(b) reading): 2027 is a common year
    assert cal.add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 2, 28)
    # the fourth falls in a leap year again: 29 February 2028
    assert cal.add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)


def test_29_february_plus_one_year_mar_1() -> None:
    cal = PlanCalendar(Calendar(timezone="UTC", leap_day="mar_1"))
    assert cal.add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 3, 1)
    assert cal.add_months(dt.date(2024, 2, 29), 36) == dt.date(2027, 3, 1)
    assert cal.add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)


def test_a_months_missing_day_follows_the_leap_day_reading() -> None:
    # 31 January + 1 month: February has no 31st
    feb_28 = PlanCalendar(Calendar(timezone="UTC", leap_day="feb_28"))
    mar_1 = PlanCalendar(Calendar(timezone="UTC", leap_day="mar_1"))
    assert feb_28.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 2, 28)
    assert mar_1.add_months(dt.date(2025, 1, 31), 1) == dt.date(2025, 3, 1)
    assert feb_28.add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)  # leap year: exists
    assert feb_28.add_months(dt.date(2024, 8, 31), 1) == dt.date(2024, 9, 30)
    assert feb_28.add_months(dt.date(2024, 11, 15), 3) == dt.date(2025, 2, 15)  # across the year


def test_months_deadline_from_receipt(forms: gr.Policy) -> None:
    # Thu 29 February 2024 + 1 month = Fri 29 March 2024
    det = forms.evaluate(facts("2024-02-29T10:00:00-06:00"))
    review = action(det, "corrective_action_plan")
    assert review.due_date == dt.date(2024, 3, 29)
    assert review.basis == "1 month after receipt"


def test_keep_until_third_anniversary_both_readings(forms: gr.Policy, forms_mar_1: gr.Policy) -> None:
    received = facts("2024-02-29T10:00:00-06:00")
    assert action(forms.evaluate(received), "retain_records").due_date == dt.date(2027, 2, 28)
    kept = action(forms_mar_1.evaluate(received), "retain_records")
    assert kept.due_date == dt.date(2027, 3, 1)
    assert kept.basis == "keep until 3 years after receipt"


def test_keep_until_is_never_overdue(forms: gr.Policy) -> None:
    received = facts("2024-02-29T10:00:00-06:00")
    before = forms.evaluate(received, as_of="2026-01-01T00:00:00-06:00")
    after = forms.evaluate(received, as_of="2027-03-01T00:00:00-06:00")
    assert action(before, "retain_records").status == "pending"
    assert action(after, "retain_records").status == "done"
    assert action(after, "acknowledge").status == "overdue"  # an ordinary deadline does go overdue


# ------------------------------------------------------------------ extensions


def test_extension_moves_the_deadline_and_says_so(forms: gr.Policy) -> None:
    # Thu 29 Feb 2024 + 30 = Sat 30 March; +14 = Sat 13 April -> rolled to Mon 15 April 2024
    det = forms.evaluate(
        facts(
            "2024-02-29T10:00:00-06:00",
            events=[{"type": "extension_taken", "at": "2024-03-05T10:00:00-06:00"}],
        )
    )
    resolve = action(det, "resolve")
    assert resolve.due_date == dt.date(2024, 4, 15)
    assert resolve.basis == (
        "30 calendar days after receipt; +14 calendar days: resolution_extension taken on 2024-03-05; "
        "2024-04-13 is not a business day, so it rolls to 2024-04-15"
    )
    assert action(det, "notify_management").due_date == dt.date(2024, 3, 5)
    assert det.warnings == ()


def test_without_the_event_no_extension(forms: gr.Policy) -> None:
    # Thu 29 Feb 2024 + 30 = Sat 30 March -> Mon 1 April 2024
    det = forms.evaluate(facts("2024-02-29T10:00:00-06:00"))
    assert action(det, "resolve").due_date == dt.date(2024, 4, 1)
    assert "notify_management" not in [a.code for a in det.actions]


# ------------------------------------------------------------------ deemed receipt, removed holidays


def _cal(after_close: str, non_business: str, remove: list[Any] | None = None) -> PlanCalendar:
    return PlanCalendar(
        Calendar(
            timezone="America/Chicago",
            holidays=HolidaySource(country="US", remove=remove or []),
            deemed_receipt=DeemedReceipt(after_close=after_close, non_business_day=non_business),  # type: ignore[arg-type]
        )
    )


def test_non_business_day_receipt_deemed_apart_from_after_close() -> None:
    cal = _cal("none", "next_business_day")
    saturday = dt.datetime(2024, 11, 23, 10, tzinfo=cal.tz)
    # Saturday receipt counts from Mon 25 Nov: Tue 26 (1), Wed 27 (2), Thanksgiving skipped,
    # Fri 29 (3), Mon 2 Dec (4), Tue 3 Dec (5)
    assert cal.due(saturday, "business_days", 5, from_receipt=True).due_date == dt.date(2024, 12, 3)
    friday_evening = dt.datetime(2024, 11, 22, 18, tzinfo=cal.tz)
    # after close on Fri 22 Nov is not deemed: Mon 25 (1), Tue 26 (2), Wed 27 (3), Fri 29 (4), Mon 2 Dec (5)
    assert cal.due(friday_evening, "business_days", 5, from_receipt=True).due_date == dt.date(2024, 12, 2)


def test_after_close_receipt_deemed_apart_from_non_business_day() -> None:
    cal = _cal("next_business_day", "none")
    friday_evening = dt.datetime(2024, 11, 22, 18, tzinfo=cal.tz)
    assert cal.due(friday_evening, "business_days", 5, from_receipt=True).due_date == dt.date(2024, 12, 3)
    saturday = dt.datetime(2024, 11, 23, 10, tzinfo=cal.tz)
    assert cal.due(saturday, "business_days", 5, from_receipt=True).due_date == dt.date(2024, 12, 2)


def test_after_hours_receipt_equals_deeming_both() -> None:
    both = _cal("next_business_day", "next_business_day")
    legacy = PlanCalendar(
        Calendar(
            timezone="America/Chicago",
            holidays=HolidaySource(country="US"),
            after_hours_receipt="next_business_day",
        )
    )
    for moment in (dt.datetime(2024, 11, 22, 18), dt.datetime(2024, 11, 23, 10), dt.datetime(2024, 11, 25, 9)):
        at = moment.replace(tzinfo=both.tz)
        assert both.business_day_zero(at) == legacy.business_day_zero(at)


def test_removed_holiday_name_and_its_observed_day() -> None:
    plain = _cal("none", "none")
    removed = _cal("none", "none", ["Columbus Day", "Juneteenth National Independence Day"])
    friday = dt.datetime(2024, 10, 11, 10, tzinfo=plain.tz)
    # Columbus Day Mon 14 Oct 2024: counted as a holiday -> Tue 15; removed -> Mon 14
    assert plain.due(friday, "business_days", 1, from_receipt=True).due_date == dt.date(2024, 10, 15)
    assert removed.due(friday, "business_days", 1, from_receipt=True).due_date == dt.date(2024, 10, 14)
    # the observed Friday 18 June 2027 goes with the removed name
    assert plain.holiday_name(dt.date(2027, 6, 18)) is not None
    assert removed.holiday_name(dt.date(2027, 6, 18)) is None


def test_removed_holiday_date(forms: gr.Policy) -> None:
    # base.yaml removes 2024-11-11 (Veterans Day) but not Veterans Day 2025
    assert forms.calendar.holiday_name(dt.date(2024, 11, 11)) is None
    assert forms.calendar.holiday_name(dt.date(2025, 11, 11)) == "Veterans Day"
    assert forms.calendar.holiday_name(dt.date(2024, 10, 14)) is None  # Columbus Day removed by name


def test_removing_one_of_two_holidays_on_a_day_keeps_the_other() -> None:
    cal = PlanCalendar(
        Calendar(
            timezone="America/Chicago", holidays=HolidaySource(country="US", subdivision="TX", remove=["Christmas Eve"])
        )
    )
    # 24 December 2027 is "Christmas Day (observed); Christmas Eve" in the Texas calendar
    assert cal.holiday_name(dt.date(2027, 12, 24)) == "Christmas Day (observed)"


def test_explain_shows_the_roll_the_anniversary_and_the_extension(forms: gr.Policy) -> None:
    from grievance_rules.explain import explain, render_explanation

    rolled = render_explanation(explain(forms, facts("2024-04-05T10:00:00-05:00")))
    assert "Sun 5 May 2024 is not a business day (weekend): rolls to Mon 6 May 2024" in rolled
    leap = render_explanation(explain(forms, facts("2024-02-29T10:00:00-06:00")))
    assert "3 years after Thu 29 Feb 2024 = Sun 28 Feb 2027" in leap
    extended = render_explanation(
        explain(
            forms,
            facts(
                "2024-02-29T10:00:00-06:00",
                events=[{"type": "extension_taken", "at": "2024-03-05T10:00:00-06:00"}],
            ),
        )
    )
    assert "extended: +14 calendar days: resolution_extension taken on 2024-03-05" in extended


def test_a_timer_counts_back_from_the_schedule() -> None:
    policy = gr.load_policy(FIXTURES / "forms" / "timer.yaml")
    planned = [{"type": "panel_meeting", "at": "2024-12-03T14:00:00-06:00"}]
    # due Mon 25 Nov 2024 (5 business days before Tue 3 Dec across Thanksgiving); sent Tue 26 Nov: missed
    late = policy.evaluate(
        facts(
            "2024-11-01T10:00:00-05:00",
            schedule=planned,
            events=[{"type": "packet_sent", "at": "2024-11-26T09:00:00-06:00"}],
        )
    )
    assert late.warnings == ("The panel packet was not sent five business days before the meeting",)
    on_time = policy.evaluate(
        facts(
            "2024-11-01T10:00:00-05:00",
            schedule=planned,
            events=[{"type": "packet_sent", "at": "2024-11-25T16:00:00-06:00"}],
        )
    )
    assert on_time.warnings == ()
    # not yet scheduled: the timer stays open, even long after receipt
    unscheduled = policy.evaluate(facts("2024-11-01T10:00:00-05:00"), as_of="2025-06-01T00:00:00-05:00")
    assert unscheduled.warnings == ()
