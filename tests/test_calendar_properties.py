"""Property tests for grievance_rules.calendar.PlanCalendar (contract section 4).

The oracle is independent of the code under test: the local date comes from the standard library's
zoneinfo, and US federal holidays (observed dates) from holidays.country_holidays('US', years=...).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import holidays
from hypothesis import given, settings
from hypothesis import strategies as st

from grievance_rules.calendar import PlanCalendar
from grievance_rules.schema import Calendar, HolidaySource

TIMEZONES = ["America/New_York", "America/Chicago", "America/Los_Angeles", "America/Phoenix", "Pacific/Honolulu"]
SETTINGS = ["same_day", "next_business_day"]
CLOSE = dt.time(17, 0)
# Receipts fall in 2020-2030 (local dates may be 31 Dec 2019); 40 business days reach into early 2031.
US_HOLIDAYS = holidays.country_holidays("US", years=range(2019, 2033))

PROPS = settings(max_examples=200, deadline=None, database=None)

_CALENDARS: dict[tuple[str, str], PlanCalendar] = {}


def calendar(tz: str, after: str) -> PlanCalendar:
    key = (tz, after)
    if key not in _CALENDARS:
        _CALENDARS[key] = PlanCalendar(
            Calendar(
                timezone=tz,
                holidays=HolidaySource(country="US"),
                close_of_business="17:00",
                after_hours_receipt=after,
            )
        )
    return _CALENDARS[key]


def oracle_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in US_HOLIDAYS


def oracle_next_business_day(day: dt.date) -> dt.date:
    day += dt.timedelta(days=1)
    while not oracle_business_day(day):
        day += dt.timedelta(days=1)
    return day


# An instant in 2020-2030 given with an arbitrary fixed offset (quarter hours, -12:00 .. +14:00).
offsets = st.integers(min_value=-12 * 4, max_value=14 * 4).map(lambda q: dt.timezone(dt.timedelta(minutes=15 * q)))
receipts = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2030, 12, 31, 23, 59, 59)),
    offsets,
)


def _us_dst_sunday(year: int, month: int) -> dt.date:
    """2nd Sunday of March (spring forward) or 1st Sunday of November (fall back)."""
    first = dt.date(year, month, 1)
    sunday = first + dt.timedelta(days=(6 - first.weekday()) % 7)
    return sunday + dt.timedelta(days=7) if month == 3 else sunday


# Receipts within three days of a US DST change (08:00Z on the Sunday is around 02:00-03:00 local).
near_dst = st.builds(
    lambda year, month, minutes, tz: (
        dt.datetime.combine(_us_dst_sunday(year, month), dt.time(8), dt.UTC) + dt.timedelta(minutes=minutes)
    ).astimezone(tz),
    st.integers(2020, 2030),
    st.sampled_from([3, 11]),
    st.integers(min_value=-72 * 60, max_value=72 * 60),
    offsets,
)
receipts = st.one_of(receipts, near_dst)
timezones = st.sampled_from(TIMEZONES)
after_settings = st.sampled_from(SETTINGS)
amounts = st.integers(min_value=0, max_value=40)


@PROPS
@given(received=receipts, tz=timezones, after=after_settings, n=amounts, from_receipt=st.booleans())
def test_business_day_deadline_is_the_nth_business_day(
    received: dt.datetime, tz: str, after: str, n: int, from_receipt: bool
) -> None:
    cal = calendar(tz, after)
    due = cal.due(cal.localize(received), "business_days", n, from_receipt=from_receipt)

    local = received.astimezone(ZoneInfo(tz))
    day0 = local.date()
    start = day0
    if from_receipt and after == "next_business_day" and (not oracle_business_day(day0) or local.time() > CLOSE):
        start = oracle_next_business_day(day0)

    if n == 0:
        assert due.due_date == start
    else:
        # never a weekend or a holiday
        assert due.due_date.weekday() < 5
        assert due.due_date not in US_HOLIDAYS
        # exactly n business days in (start, due_date]
        count = 0
        day = start
        while day < due.due_date:
            day += dt.timedelta(days=1)
            count += oracle_business_day(day)
        assert count == n

    # due at the end of the due day, local
    local_due = due.due_at.astimezone(ZoneInfo(tz))
    assert local_due.date() == due.due_date
    assert local_due.time() == dt.time(23, 59, 59)


@PROPS
@given(received=receipts, tz=timezones, after=after_settings, n=amounts, m=amounts, from_receipt=st.booleans())
def test_deadlines_are_monotone_in_n(
    received: dt.datetime, tz: str, after: str, n: int, m: int, from_receipt: bool
) -> None:
    n, m = min(n, m), max(n, m)
    cal = calendar(tz, after)
    anchor = cal.localize(received)
    for unit in ("business_days", "calendar_days", "hours"):
        small = cal.due(anchor, unit, n, from_receipt=from_receipt)
        large = cal.due(anchor, unit, m, from_receipt=from_receipt)
        assert small.due_date <= large.due_date
        assert small.due_at.timestamp() <= large.due_at.timestamp()
        if n < m and unit != "business_days":
            assert small.due_at.timestamp() < large.due_at.timestamp()
        if n < m and unit == "business_days":
            assert small.due_date < large.due_date


@PROPS
@given(received=receipts, tz=timezones, after=after_settings, n=amounts, from_receipt=st.booleans())
def test_business_days_never_before_calendar_days(
    received: dt.datetime, tz: str, after: str, n: int, from_receipt: bool
) -> None:
    cal = calendar(tz, after)
    anchor = cal.localize(received)
    business = cal.due(anchor, "business_days", n, from_receipt=from_receipt)
    calendar_ = cal.due(anchor, "calendar_days", n, from_receipt=from_receipt)
    assert business.due_date >= calendar_.due_date
    assert business.due_at.timestamp() >= calendar_.due_at.timestamp()


@PROPS
@given(received=receipts, tz=timezones, after=after_settings, n=amounts)
def test_calendar_deadline_is_day0_plus_n(received: dt.datetime, tz: str, after: str, n: int) -> None:
    cal = calendar(tz, after)
    due = cal.due(cal.localize(received), "calendar_days", n, from_receipt=True)
    day0 = received.astimezone(ZoneInfo(tz)).date()
    assert due.due_date - day0 == dt.timedelta(days=n)
    local_due = due.due_at.astimezone(ZoneInfo(tz))
    assert local_due.date() == due.due_date
    assert local_due.time() == dt.time(23, 59, 59)
    assert local_due.utcoffset() == due.due_at.utcoffset()


@PROPS
@given(received=receipts, tz=timezones, n=amounts)
def test_hours_are_elapsed_time(received: dt.datetime, tz: str, n: int) -> None:
    cal = calendar(tz, "same_day")
    due = cal.due(cal.localize(received), "hours", n, from_receipt=True)
    assert due.due_at.timestamp() - received.timestamp() == n * 3600
    local_due = due.due_at.astimezone(ZoneInfo(tz))
    assert (local_due.utcoffset(), local_due.date()) == (due.due_at.utcoffset(), due.due_date)


@PROPS
@given(received=receipts, tz=timezones, after=after_settings)
def test_close_of_next_business_day(received: dt.datetime, tz: str, after: str) -> None:
    cal = calendar(tz, after)
    due = cal.due(cal.localize(received), "close_of_next_business_day", None, from_receipt=True)
    day0 = received.astimezone(ZoneInfo(tz)).date()
    assert due.due_date == oracle_next_business_day(day0)
    local_due = due.due_at.astimezone(ZoneInfo(tz))
    assert (local_due.date(), local_due.time()) == (due.due_date, CLOSE)


# ------------------------------------------------------------------ roll: next_business_day

units = st.sampled_from(["calendar_days", "business_days", "months", "years"])
# ten years after a 2030 receipt: the oracle's holidays reach 2045
WIDE_HOLIDAYS = holidays.country_holidays("US", years=range(2019, 2046))


def wide_business_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in WIDE_HOLIDAYS


@PROPS
@given(receipts, st.sampled_from(TIMEZONES), units, st.integers(min_value=0, max_value=400))
def test_roll_never_lands_on_a_non_business_day_and_never_moves_earlier(
    received: dt.datetime, tz: str, unit: str, amount: int
) -> None:
    """roll: next_business_day gives a business day (the independent oracle's), on or after the
    unrolled due date, and the first such day: no business day lies between the two."""
    amount = amount if unit in ("calendar_days", "business_days") else amount % 11
    cal = PlanCalendar(
        Calendar(timezone=tz, holidays=HolidaySource(country="US"), close_of_business="17:00", leap_day="feb_28")
    )
    plain = cal.due(received, unit, amount, from_receipt=True)
    rolled = cal.due(received, unit, amount, from_receipt=True, roll="next_business_day")
    assert wide_business_day(rolled.due_date)
    assert rolled.due_date >= plain.due_date
    assert rolled.due_at >= plain.due_at
    day = plain.due_date
    while day < rolled.due_date:
        assert not wide_business_day(day)
        day += dt.timedelta(days=1)
