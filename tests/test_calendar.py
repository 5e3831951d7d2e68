"""Hand-worked deadline cases for grievance_rules.calendar.PlanCalendar (contract section 4).

Every expected date below was worked out by hand from a printed calendar; the comment on each
case shows the count. Nothing here computes an expected value with the code under test or with
pendulum/holidays helpers. Reference: US federal holidays (observed dates) --
2021: Christmas Sat 25 Dec -> observed Fri 24 Dec; New Year 2022 Sat 1 Jan -> observed Fri 31 Dec 2021.
2022: Juneteenth Sun 19 Jun -> Mon 20 Jun; Christmas Sun 25 Dec -> Mon 26 Dec; New Year 2023 Sun -> Mon 2 Jan 2023.
2024: Presidents Day Mon 19 Feb; Juneteenth Wed 19 Jun; July 4 Thu; Thanksgiving Thu 28 Nov; Christmas Wed 25 Dec.
2025: New Year Wed 1 Jan.  2026: July 4 Sat -> observed Fri 3 Jul.
US DST 2024: spring forward Sun 10 Mar 02:00 -> 03:00; fall back Sun 3 Nov 02:00 -> 01:00.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pendulum
import pytest

from grievance_rules.calendar import Due, PlanCalendar
from grievance_rules.schema import Calendar, ExtraHoliday, HolidaySource

D = dt.date
UTC = dt.UTC
CST = dt.timedelta(hours=-6)  # America/Chicago, winter
CDT = dt.timedelta(hours=-5)  # America/Chicago, summer
EST = dt.timedelta(hours=-5)  # America/New_York, winter
EDT = dt.timedelta(hours=-4)  # America/New_York, summer


def make_cal(
    tz: str = "America/Chicago",
    after: str = "same_day",
    cob: str = "17:00",
    *,
    us_holidays: bool = True,
    extra: list[ExtraHoliday] | None = None,
    workweek: list[str] | None = None,
) -> PlanCalendar:
    kwargs: dict[str, object] = {
        "timezone": tz,
        "holidays": HolidaySource(country="US") if us_holidays else None,
        "close_of_business": cob,
        "after_hours_receipt": after,
        "extra_holidays": extra or [],
    }
    if workweek is not None:
        kwargs["workweek"] = workweek
    return PlanCalendar(Calendar(**kwargs))


def at(cal: PlanCalendar, iso: str) -> pendulum.DateTime:
    """An ISO 8601 moment with an explicit offset, converted with the calendar's localize()."""
    return cal.localize(dt.datetime.fromisoformat(iso))


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def foreign(iso: str) -> pendulum.DateTime:
    """A pendulum DateTime with the ISO string's own fixed offset (NOT converted to the plan's zone)."""
    return pendulum.instance(dt.datetime.fromisoformat(iso))


def assert_end_of_day(due: Due, day: dt.date, offset: dt.timedelta, tz: str) -> None:
    assert due.due_date == day
    at_ = due.due_at
    assert (at_.year, at_.month, at_.day) == (day.year, day.month, day.day)
    assert (at_.hour, at_.minute, at_.second) == (23, 59, 59)
    assert at_.utcoffset() == offset
    assert at_.timezone_name == tz


# --------------------------------------------------------------------------- business days


BUSINESS_DAY_CASES = [
    # Thanksgiving 2024
    # Fri 22 Nov 2024 + 5: Mon25=1 Tue26=2 Wed27=3 Thu28 Thanksgiving skipped Fri29=4 Mon2Dec=5
    (D(2024, 11, 22), 5, D(2024, 12, 2)),
    # Wed 27 Nov 2024 + 1: Thu28 Thanksgiving skipped, Fri29=1
    (D(2024, 11, 27), 1, D(2024, 11, 29)),
    # Thu 28 Nov 2024 (the holiday itself is day 0) + 1: Fri29=1
    (D(2024, 11, 28), 1, D(2024, 11, 29)),
    # Mon 25 Nov 2024 + 3: Tue26=1 Wed27=2 Thu28 skipped Fri29=3
    (D(2024, 11, 25), 3, D(2024, 11, 29)),
    # Christmas / New Year 2024-25
    # Fri 20 Dec 2024 + 5: Mon23=1 Tue24=2 (Christmas Eve is not federal) Wed25 skipped Thu26=3 Fri27=4 Mon30=5
    (D(2024, 12, 20), 5, D(2024, 12, 30)),
    # Mon 23 Dec 2024 + 10: Tue24=1 Wed25 skip Thu26=2 Fri27=3 Mon30=4 Tue31=5 Wed1Jan skip
    #   Thu2=6 Fri3=7 Mon6=8 Tue7=9 Wed8=10
    (D(2024, 12, 23), 10, D(2025, 1, 8)),
    # Tue 31 Dec 2024 + 1: Wed 1 Jan 2025 New Year skipped, Thu2=1
    (D(2024, 12, 31), 1, D(2025, 1, 2)),
    # Christmas on Saturday: 2021 (observed Fri 24 Dec), New Year 2022 on Saturday (observed Fri 31 Dec 2021)
    # Thu 23 Dec 2021 + 1: Fri24 observed Christmas skipped, Sat25, Sun26, Mon27=1
    (D(2021, 12, 23), 1, D(2021, 12, 27)),
    # Wed 22 Dec 2021 + 5: Thu23=1 Fri24 skip Mon27=2 Tue28=3 Wed29=4 Thu30=5
    (D(2021, 12, 22), 5, D(2021, 12, 30)),
    # Wed 22 Dec 2021 + 6: ... Thu30=5 Fri31 observed New Year skipped, Sat1, Sun2, Mon3Jan=6
    (D(2021, 12, 22), 6, D(2022, 1, 3)),
    # Thu 30 Dec 2021 + 1: Fri31 skipped (observed New Year 2022), Mon 3 Jan 2022=1
    (D(2021, 12, 30), 1, D(2022, 1, 3)),
    # Sunday holiday observed Monday
    # Fri 17 Jun 2022 + 1: Sat18, Sun19 Juneteenth, Mon20 observed skipped, Tue21=1
    (D(2022, 6, 17), 1, D(2022, 6, 21)),
    # Fri 23 Dec 2022 + 1: Sat24, Sun25 Christmas, Mon26 observed skipped, Tue27=1
    (D(2022, 12, 23), 1, D(2022, 12, 27)),
    # Fri 30 Dec 2022 + 1: Sat31, Sun1Jan New Year, Mon2Jan observed skipped, Tue3Jan=1
    (D(2022, 12, 30), 1, D(2023, 1, 3)),
    # Juneteenth 2024 (Wednesday)
    # Tue 18 Jun 2024 + 1: Wed19 Juneteenth skipped, Thu20=1
    (D(2024, 6, 18), 1, D(2024, 6, 20)),
    # Tue 18 Jun 2024 + 3: Thu20=1 Fri21=2 Mon24=3
    (D(2024, 6, 18), 3, D(2024, 6, 24)),
    # Saturday holiday observed Friday: July 4 2026
    # Thu 2 Jul 2026 + 1: Fri3 observed Independence Day skipped, Sat4, Sun5, Mon6=1
    (D(2026, 7, 2), 1, D(2026, 7, 6)),
    # Wed 1 Jul 2026 + 2: Thu2=1 Fri3 skipped Mon6=2
    (D(2026, 7, 1), 2, D(2026, 7, 6)),
    # Leap day 2024 (Presidents Day Mon 19 Feb on the way)
    # Fri 16 Feb 2024 + 10: Mon19 skip Tue20=1 Wed21=2 Thu22=3 Fri23=4 Mon26=5 Tue27=6 Wed28=7
    #   Thu29Feb=8 Fri1Mar=9 Mon4Mar=10
    (D(2024, 2, 16), 10, D(2024, 3, 4)),
    # Wed 28 Feb 2024 + 1: Thu 29 Feb=1 (the leap day is a business day)
    (D(2024, 2, 28), 1, D(2024, 2, 29)),
    # Thu 29 Feb 2024 + 1: Fri 1 Mar=1
    (D(2024, 2, 29), 1, D(2024, 3, 1)),
    # Thu 29 Feb 2024 + 5: Fri1=1 Mon4=2 Tue5=3 Wed6=4 Thu7=5
    (D(2024, 2, 29), 5, D(2024, 3, 7)),
    # n = 0 is day 0 itself, even a Saturday
    (D(2024, 11, 23), 0, D(2024, 11, 23)),
]


@pytest.mark.parametrize(("start", "n", "expected"), BUSINESS_DAY_CASES)
def test_add_business_days(start: dt.date, n: int, expected: dt.date) -> None:
    assert make_cal().add_business_days(start, n) == expected


# day 0 must be a business day here (Thanksgiving and weekend starts are covered by the after-hours cases)
@pytest.mark.parametrize(
    ("start", "n", "expected"), [c for c in BUSINESS_DAY_CASES if c[1] > 0 and c[0] != D(2024, 11, 28)]
)
def test_business_days_through_due(start: dt.date, n: int, expected: dt.date) -> None:
    """The same counts through due(): received 10:00 Chicago on day 0, before close of business."""
    cal = make_cal(after="next_business_day")
    anchor = cal.localize(dt.datetime(start.year, start.month, start.day, 10, 0, tzinfo=ZoneInfo("America/Chicago")))
    due = cal.due(anchor, "business_days", n, from_receipt=True)
    # every date in the table is in Nov-Mar (CST) or Jun-Jul (CDT)
    assert_end_of_day(due, expected, CDT if expected.month in (6, 7) else CST, "America/Chicago")


IS_BUSINESS_DAY_CASES = [
    (D(2024, 11, 28), False),  # Thanksgiving
    (D(2024, 11, 29), True),  # Friday after Thanksgiving is not a federal holiday
    (D(2024, 12, 24), True),  # Christmas Eve is not federal
    (D(2024, 12, 25), False),  # Christmas, Wednesday
    (D(2025, 1, 1), False),  # New Year, Wednesday
    (D(2021, 12, 24), False),  # Christmas 2021 (Sat) observed Fri 24 Dec
    (D(2021, 12, 31), False),  # New Year 2022 (Sat) observed Fri 31 Dec 2021
    (D(2021, 12, 27), True),  # Monday after Christmas 2021 is NOT observed (Sat holiday -> Fri)
    (D(2022, 6, 20), False),  # Juneteenth 2022 (Sun) observed Mon 20 Jun
    (D(2022, 12, 26), False),  # Christmas 2022 (Sun) observed Mon 26 Dec
    (D(2023, 1, 2), False),  # New Year 2023 (Sun) observed Mon 2 Jan
    (D(2024, 6, 19), False),  # Juneteenth 2024, Wednesday
    (D(2026, 7, 3), False),  # July 4 2026 (Sat) observed Fri 3 Jul
    (D(2026, 7, 2), True),  # Thursday before
    (D(2024, 2, 29), True),  # leap day, Thursday
    (D(2024, 11, 23), False),  # Saturday
    (D(2024, 11, 24), False),  # Sunday
    (D(2024, 11, 25), True),  # Monday
]


@pytest.mark.parametrize(("day", "expected"), IS_BUSINESS_DAY_CASES)
def test_is_business_day(day: dt.date, expected: bool) -> None:
    cal = make_cal()
    assert cal.is_business_day(day) is expected
    # asked twice (the second answer comes from the cache)
    assert cal.is_business_day(day) is expected


@pytest.mark.parametrize(
    "day",
    [D(2024, 11, 28), D(2021, 12, 24), D(2021, 12, 31), D(2022, 6, 20), D(2026, 7, 3), D(2024, 6, 19)],
)
def test_observed_holidays_have_names(day: dt.date) -> None:
    assert make_cal().holiday_name(day)


def test_new_year_observed_in_previous_year_on_a_fresh_calendar() -> None:
    # Asked first (no other 2022 date loaded): Fri 31 Dec 2021 is New Year 2022 observed.
    # Thu 30 Dec 2021 + 1 -> Mon 3 Jan 2022.
    assert make_cal().next_business_day(D(2021, 12, 30)) == D(2022, 1, 3)


# --------------------------------------------------------------------------- after-hours receipt

AFTER_HOURS_CASES = [
    # (receipt, n, expected with same_day, expected with next_business_day)
    # Fri 22 Nov 2024 17:30 CST (after close):
    #   same_day: day0 Fri22 -> Mon25=1 Tue26=2 Wed27=3 Fri29=4 Mon2Dec=5
    #   next_business_day: day0 Mon25 -> Tue26=1 Wed27=2 (Thu28 skip) Fri29=3 Mon2=4 Tue3=5
    ("2024-11-22T17:30:00-06:00", 5, D(2024, 12, 2), D(2024, 12, 3)),
    # Exactly 17:00 is NOT after close: both settings count from Fri 22 -> Mon 2 Dec
    ("2024-11-22T17:00:00-06:00", 5, D(2024, 12, 2), D(2024, 12, 2)),
    # One second after close is after close: next_business_day -> day0 Mon25 -> Tue 3 Dec
    ("2024-11-22T17:00:01-06:00", 5, D(2024, 12, 2), D(2024, 12, 3)),
    # 16:59 before close: both from Fri22
    ("2024-11-22T16:59:00-06:00", 5, D(2024, 12, 2), D(2024, 12, 2)),
    # Sat 23 Nov 2024 10:00 (non-business day):
    #   same_day: day0 Sat23 -> Mon25=1 Tue26=2 Wed27=3 Fri29=4 Mon2=5
    #   next_business_day: day0 Mon25 -> ... Tue3Dec=5
    ("2024-11-23T10:00:00-06:00", 5, D(2024, 12, 2), D(2024, 12, 3)),
    # Sat 23 Nov + 1: same_day Mon25; next_business_day day0 Mon25 -> Tue26
    ("2024-11-23T10:00:00-06:00", 1, D(2024, 11, 25), D(2024, 11, 26)),
    # Tue 26 Nov 2024 17:30 + 1: same_day Wed27; next_business_day day0 Wed27 -> Thu28 skip -> Fri29
    ("2024-11-26T17:30:00-06:00", 1, D(2024, 11, 27), D(2024, 11, 29)),
    # Thanksgiving Thu 28 Nov 10:00 (holiday) + 1: same_day Fri29; next_business_day day0 Fri29 -> Mon2Dec
    ("2024-11-28T10:00:00-06:00", 1, D(2024, 11, 29), D(2024, 12, 2)),
    # Wed 27 Nov 2024 18:00 + 1: same_day: Thu skip Fri29; next_business_day: day0 Fri29 -> Mon2Dec
    ("2024-11-27T18:00:00-06:00", 1, D(2024, 11, 29), D(2024, 12, 2)),
    # Summer receipt Thu 2 Jul 2026 17:30 CDT + 1: same_day: Fri3 observed skip -> Mon6;
    #   next_business_day: day0 Mon6 -> Tue7
    ("2026-07-02T17:30:00-05:00", 1, D(2026, 7, 6), D(2026, 7, 7)),
]


@pytest.mark.parametrize(("receipt", "n", "same_day", "next_bd"), AFTER_HOURS_CASES)
@pytest.mark.parametrize("setting", ["same_day", "next_business_day"])
def test_after_hours_receipt(receipt: str, n: int, same_day: dt.date, next_bd: dt.date, setting: str) -> None:
    cal = make_cal(after=setting)
    due = cal.due(at(cal, receipt), "business_days", n, from_receipt=True)
    expected = same_day if setting == "same_day" else next_bd
    assert due.due_date == expected
    assert (due.due_at.hour, due.due_at.minute, due.due_at.second) == (23, 59, 59)


@pytest.mark.parametrize(
    ("receipt", "day0"),
    [
        ("2024-11-22T17:00:00-06:00", D(2024, 11, 22)),  # exactly close of business: not after
        ("2024-11-22T17:00:01-06:00", D(2024, 11, 25)),  # after close Fri -> Mon 25
        ("2024-11-22T08:00:00-06:00", D(2024, 11, 22)),  # during the day
        ("2024-11-23T10:00:00-06:00", D(2024, 11, 25)),  # Saturday -> Mon 25
        ("2024-11-28T09:00:00-06:00", D(2024, 11, 29)),  # Thanksgiving -> Fri 29
        ("2024-11-27T17:30:00-06:00", D(2024, 11, 29)),  # Wed after close -> Thu holiday -> Fri 29
    ],
)
def test_business_day_zero_next_business_day(receipt: str, day0: dt.date) -> None:
    cal = make_cal(after="next_business_day")
    assert cal.business_day_zero(at(cal, receipt)) == day0


def test_custom_close_of_business() -> None:
    # close of business 16:30: 16:45 on Fri 22 Nov 2024 is after close -> day0 Mon 25 -> +1 Tue 26;
    # 16:30 exactly is not after close -> day0 Fri 22 -> +1 Mon 25
    cal = make_cal(after="next_business_day", cob="16:30")
    assert cal.due(at(cal, "2024-11-22T16:45:00-06:00"), "business_days", 1, from_receipt=True).due_date == D(
        2024, 11, 26
    )
    assert cal.due(at(cal, "2024-11-22T16:30:00-06:00"), "business_days", 1, from_receipt=True).due_date == D(
        2024, 11, 25
    )


def test_after_hours_rule_ignored_when_not_from_receipt() -> None:
    # Fri 22 Nov 17:30 with next_business_day but from_receipt=False: day0 stays Fri22 -> +5 Mon 2 Dec
    cal = make_cal(after="next_business_day")
    due = cal.due(at(cal, "2024-11-22T17:30:00-06:00"), "business_days", 5, from_receipt=False)
    assert due.due_date == D(2024, 12, 2)


def test_after_hours_does_not_move_calendar_days() -> None:
    # Fri 22 Nov 17:30 + 5 calendar days = Wed 27 Nov, under next_business_day too
    cal = make_cal(after="next_business_day")
    due = cal.due(at(cal, "2024-11-22T17:30:00-06:00"), "calendar_days", 5, from_receipt=True)
    assert due.due_date == D(2024, 11, 27)


# --------------------------------------------------------------------------- calendar days

CALENDAR_DAY_CASES = [
    # (receipt, n, due date, offset of due_at, UTC instant of due_at)
    # Mon 18 Nov 2024 + 10 = Thu 28 Nov (Thanksgiving): does not move; 23:59:59 CST = 05:59:59Z on the 29th
    ("2024-11-18T10:00:00-06:00", 10, D(2024, 11, 28), CST, utc(2024, 11, 29, 5, 59, 59)),
    # Wed 20 Nov 2024 + 3 = Sat 23 Nov: does not move
    ("2024-11-20T10:00:00-06:00", 3, D(2024, 11, 23), CST, utc(2024, 11, 24, 5, 59, 59)),
    # Wed 18 Dec 2024 + 7 = Wed 25 Dec (Christmas): does not move
    ("2024-12-18T10:00:00-06:00", 7, D(2024, 12, 25), CST, utc(2024, 12, 26, 5, 59, 59)),
    # Summer: Mon 1 Jul 2024 + 3 = Thu 4 Jul (holiday), 23:59:59 CDT = 04:59:59Z on the 5th
    ("2024-07-01T10:00:00-05:00", 3, D(2024, 7, 4), CDT, utc(2024, 7, 5, 4, 59, 59)),
    # Summer: Mon 1 Jul 2024 + 5 = Sat 6 Jul
    ("2024-07-01T10:00:00-05:00", 5, D(2024, 7, 6), CDT, utc(2024, 7, 7, 4, 59, 59)),
    # Across spring-forward: Fri 8 Mar 2024 (CST) + 3 = Mon 11 Mar, now CDT
    ("2024-03-08T10:00:00-06:00", 3, D(2024, 3, 11), CDT, utc(2024, 3, 12, 4, 59, 59)),
    # Across fall-back: Fri 1 Nov 2024 (CDT) + 3 = Mon 4 Nov, now CST
    ("2024-11-01T10:00:00-05:00", 3, D(2024, 11, 4), CST, utc(2024, 11, 5, 5, 59, 59)),
    # Leap day: Wed 28 Feb 2024 + 1 = Thu 29 Feb; + 2 = Fri 1 Mar; Mon 26 Feb + 7 = 33 - 29 = Mon 4 Mar
    ("2024-02-28T10:00:00-06:00", 1, D(2024, 2, 29), CST, utc(2024, 3, 1, 5, 59, 59)),
    ("2024-02-28T10:00:00-06:00", 2, D(2024, 3, 1), CST, utc(2024, 3, 2, 5, 59, 59)),
    ("2024-02-26T10:00:00-06:00", 7, D(2024, 3, 4), CST, utc(2024, 3, 5, 5, 59, 59)),
    # Non-leap: Tue 28 Feb 2023 + 1 = Wed 1 Mar 2023
    ("2023-02-28T10:00:00-06:00", 1, D(2023, 3, 1), CST, utc(2023, 3, 2, 5, 59, 59)),
    # Across year end: Mon 23 Dec 2024 + 10 = 33 Dec = 2 Jan 2025
    ("2024-12-23T10:00:00-06:00", 10, D(2025, 1, 2), CST, utc(2025, 1, 3, 5, 59, 59)),
    # n = 0: the receipt date itself
    ("2024-11-22T10:00:00-06:00", 0, D(2024, 11, 22), CST, utc(2024, 11, 23, 5, 59, 59)),
]


@pytest.mark.parametrize(("receipt", "n", "day", "offset", "instant"), CALENDAR_DAY_CASES)
def test_calendar_days(receipt: str, n: int, day: dt.date, offset: dt.timedelta, instant: dt.datetime) -> None:
    cal = make_cal()
    due = cal.due(at(cal, receipt), "calendar_days", n, from_receipt=True)
    assert_end_of_day(due, day, offset, "America/Chicago")
    assert due.due_at == instant


def test_end_of_day_new_york_summer_and_winter() -> None:
    cal = make_cal("America/New_York")
    summer = cal.end_of_day(D(2024, 6, 19))  # 23:59:59 EDT = 03:59:59Z on the 20th
    winter = cal.end_of_day(D(2024, 12, 25))  # 23:59:59 EST = 04:59:59Z on the 26th
    assert summer.utcoffset() == EDT
    assert summer == utc(2024, 6, 20, 3, 59, 59)
    assert winter.utcoffset() == EST
    assert winter == utc(2024, 12, 26, 4, 59, 59)


# --------------------------------------------------------------------------- filing window (180 days)

FILING_CASES = [
    # (incident, last timely day, first late day)
    # 1 Aug 2024 + 180: to 31 Aug = 30, 30 Sep = 60, 31 Oct = 91, 30 Nov = 121, 31 Dec = 152, +28 -> 28 Jan 2025
    (D(2024, 8, 1), D(2025, 1, 28), D(2025, 1, 29)),
    # 22 Nov 2024 + 180 (contract example): to 30 Nov = 8, 31 Dec = 39, 31 Jan = 70, 28 Feb 2025 = 98,
    #   31 Mar = 129, 30 Apr = 159, +21 -> 21 May 2025
    (D(2024, 11, 22), D(2025, 5, 21), D(2025, 5, 22)),
    # Across 29 Feb 2024 (leap): 1 Dec 2023 + 180: 31 Dec = 30, 31 Jan = 61, 29 Feb = 90, 31 Mar = 121,
    #   30 Apr = 151, +29 -> 29 May 2024
    (D(2023, 12, 1), D(2024, 5, 29), D(2024, 5, 30)),
    # Same in a non-leap year: 1 Dec 2022 + 180: 31 Dec = 30, 31 Jan = 61, 28 Feb = 89, 31 Mar = 120,
    #   30 Apr = 150, +30 -> 30 May 2023 (one day later than the leap-year case)
    (D(2022, 12, 1), D(2023, 5, 30), D(2023, 5, 31)),
    # From the leap day itself: 29 Feb 2024 + 180: 31 Mar = 31, 30 Apr = 61, 31 May = 92, 30 Jun = 122,
    #   31 Jul = 153, +27 -> 27 Aug 2024
    (D(2024, 2, 29), D(2024, 8, 27), D(2024, 8, 28)),
    # Lands on a Saturday and does not move: 30 Jun 2025 + 180: 31 Jul = 31, 31 Aug = 62, 30 Sep = 92,
    #   31 Oct = 123, 30 Nov = 153, +27 -> Sat 27 Dec 2025
    (D(2025, 6, 30), D(2025, 12, 27), D(2025, 12, 28)),
]


@pytest.mark.parametrize(("incident", "last_timely", "first_late"), FILING_CASES)
def test_filing_deadline_180_days(incident: dt.date, last_timely: dt.date, first_late: dt.date) -> None:
    deadline = make_cal().filing_deadline(incident, 180)
    assert deadline == last_timely
    # contract: timely when receipt date <= incident + N days
    assert last_timely <= deadline
    assert not first_late <= deadline


# --------------------------------------------------------------------------- hours across DST

HOUR_CASES = [
    # (tz, receipt, hours, UTC instant, local (y, m, d, h, min), offset)
    # Spring forward 2024-03-10, New York: Sat 9 Mar 10:00 EST = 15:00Z; +24h = 15:00Z Sun 10 = 11:00 EDT
    ("America/New_York", "2024-03-09T10:00:00-05:00", 24, utc(2024, 3, 10, 15), (2024, 3, 10, 11, 0), EDT),
    # Chicago: Sat 9 Mar 10:00 CST = 16:00Z; +24h = 16:00Z = 11:00 CDT
    ("America/Chicago", "2024-03-09T10:00:00-06:00", 24, utc(2024, 3, 10, 16), (2024, 3, 10, 11, 0), CDT),
    # 72h New York: Fri 8 Mar 09:00 EST = 14:00Z; +72h = Mon 11 Mar 14:00Z = 10:00 EDT
    ("America/New_York", "2024-03-08T09:00:00-05:00", 72, utc(2024, 3, 11, 14), (2024, 3, 11, 10, 0), EDT),
    # Across the gap: Sat 9 Mar 23:30 EST = 04:30Z Sun; +3h = 07:30Z = 03:30 EDT (02:00-03:00 does not exist)
    ("America/New_York", "2024-03-09T23:30:00-05:00", 3, utc(2024, 3, 10, 7, 30), (2024, 3, 10, 3, 30), EDT),
    # Fall back 2024-11-03, New York: Sat 2 Nov 10:00 EDT = 14:00Z; +24h = Sun 14:00Z = 09:00 EST
    ("America/New_York", "2024-11-02T10:00:00-04:00", 24, utc(2024, 11, 3, 14), (2024, 11, 3, 9, 0), EST),
    # Chicago: Sat 2 Nov 10:00 CDT = 15:00Z; +24h = 15:00Z = 09:00 CST
    ("America/Chicago", "2024-11-02T10:00:00-05:00", 24, utc(2024, 11, 3, 15), (2024, 11, 3, 9, 0), CST),
    # 72h Chicago: Fri 1 Nov 16:00 CDT = 21:00Z; +72h = Mon 4 Nov 21:00Z = 15:00 CST
    ("America/Chicago", "2024-11-01T16:00:00-05:00", 72, utc(2024, 11, 4, 21), (2024, 11, 4, 15, 0), CST),
    # Repeated hour, Chicago: Sun 3 Nov 00:30 CDT = 05:30Z; +1h = 06:30Z = 01:30 CDT; +2h = 07:30Z = 01:30 CST
    ("America/Chicago", "2024-11-03T00:30:00-05:00", 1, utc(2024, 11, 3, 6, 30), (2024, 11, 3, 1, 30), CDT),
    ("America/Chicago", "2024-11-03T00:30:00-05:00", 2, utc(2024, 11, 3, 7, 30), (2024, 11, 3, 1, 30), CST),
    # No DST change: Wed 20 Nov 2024 10:00 CST + 48h = Fri 22 Nov 10:00 CST = 16:00Z
    ("America/Chicago", "2024-11-20T10:00:00-06:00", 48, utc(2024, 11, 22, 16), (2024, 11, 22, 10, 0), CST),
    # Receipt given in UTC, 72h, crossing the date line of the plan: 2024-03-08T05:00Z = Thu 7 Mar 23:00 CST;
    #   +72h = 2024-03-11T05:00Z = Mon 11 Mar 00:00 CDT
    ("America/Chicago", "2024-03-08T05:00:00+00:00", 72, utc(2024, 3, 11, 5), (2024, 3, 11, 0, 0), CDT),
]


@pytest.mark.parametrize(("tz", "receipt", "hours", "instant", "local", "offset"), HOUR_CASES)
def test_hours_are_elapsed_time(
    tz: str, receipt: str, hours: int, instant: dt.datetime, local: tuple[int, ...], offset: dt.timedelta
) -> None:
    cal = make_cal(tz)
    anchor = at(cal, receipt)
    due = cal.due(anchor, "hours", hours, from_receipt=True)
    # Compare instants in UTC: by PEP 495 a datetime in the repeated hour (01:30 on 3 Nov) never compares
    # equal (==) to a datetime in another zone, even for the same instant.
    assert due.due_at.astimezone(UTC) == instant
    assert due.due_at.timestamp() - anchor.timestamp() == hours * 3600
    at_ = due.due_at
    assert (at_.year, at_.month, at_.day, at_.hour, at_.minute) == local
    assert at_.utcoffset() == offset
    assert at_.timezone_name == tz
    assert due.due_date == D(*local[:3])


# --------------------------------------------------------------------------- close of next business day

CLOSE_NEXT_CASES = [
    # (tz, receipt, due date, UTC instant of close of business, offset)
    # Fri 22 Nov 2024 10:00 -> Mon 25 Nov 17:00 CST = 23:00Z
    ("America/Chicago", "2024-11-22T10:00:00-06:00", D(2024, 11, 25), utc(2024, 11, 25, 23), CST),
    # Fri 22 Nov 2024 17:30 (after hours) -> still Mon 25 Nov 17:00
    ("America/Chicago", "2024-11-22T17:30:00-06:00", D(2024, 11, 25), utc(2024, 11, 25, 23), CST),
    # Sat 23 Nov 2024 -> Mon 25 Nov 17:00
    ("America/Chicago", "2024-11-23T12:00:00-06:00", D(2024, 11, 25), utc(2024, 11, 25, 23), CST),
    # Wed 27 Nov 2024 (day before Thanksgiving) -> Thu28 skipped -> Fri 29 Nov 17:00 CST = 23:00Z
    ("America/Chicago", "2024-11-27T10:00:00-06:00", D(2024, 11, 29), utc(2024, 11, 29, 23), CST),
    # Thu 23 Dec 2021 -> Fri24 observed Christmas -> Mon 27 Dec 17:00 CST
    ("America/Chicago", "2021-12-23T10:00:00-06:00", D(2021, 12, 27), utc(2021, 12, 27, 23), CST),
    # Summer: Thu 2 Jul 2026 -> Fri3 observed July 4 -> Mon 6 Jul 17:00 CDT = 22:00Z
    ("America/Chicago", "2026-07-02T10:00:00-05:00", D(2026, 7, 6), utc(2026, 7, 6, 22), CDT),
    # Across spring-forward, New York: Fri 8 Mar 2024 (EST) -> Mon 11 Mar 17:00 EDT = 21:00Z
    ("America/New_York", "2024-03-08T10:00:00-05:00", D(2024, 3, 11), utc(2024, 3, 11, 21), EDT),
    # Los Angeles, Wed 27 Nov 2024 -> Fri 29 Nov 17:00 PST (-08:00) = Sat 30 Nov 01:00Z
    (
        "America/Los_Angeles",
        "2024-11-27T10:00:00-08:00",
        D(2024, 11, 29),
        utc(2024, 11, 30, 1),
        dt.timedelta(hours=-8),
    ),
]


@pytest.mark.parametrize(("tz", "receipt", "day", "instant", "offset"), CLOSE_NEXT_CASES)
def test_close_of_next_business_day(
    tz: str, receipt: str, day: dt.date, instant: dt.datetime, offset: dt.timedelta
) -> None:
    cal = make_cal(tz)
    due = cal.due(at(cal, receipt), "close_of_next_business_day", None, from_receipt=True)
    assert due.due_date == day
    assert due.due_at == instant
    at_ = due.due_at
    assert (at_.year, at_.month, at_.day, at_.hour, at_.minute, at_.second) == (
        day.year,
        day.month,
        day.day,
        17,
        0,
        0,
    )
    assert at_.utcoffset() == offset
    assert at_.timezone_name == tz


def test_close_of_next_business_day_custom_close() -> None:
    # close of business 16:30 Chicago: Fri 22 Nov 2024 -> Mon 25 Nov 16:30 CST = 22:30Z
    cal = make_cal(cob="16:30")
    due = cal.due(at(cal, "2024-11-22T10:00:00-06:00"), "close_of_next_business_day", None, from_receipt=True)
    assert due.due_at == utc(2024, 11, 25, 22, 30)
    assert (due.due_at.hour, due.due_at.minute) == (16, 30)


# --------------------------------------------------------------------------- immediately


@pytest.mark.parametrize(
    ("receipt", "day", "local_hm", "offset"),
    [
        # 2024-11-22T23:30-05:00 = 04:30Z on the 23rd = 22:30 CST on Fri 22
        ("2024-11-22T23:30:00-05:00", D(2024, 11, 22), (22, 30), CST),
        # 2024-07-04T12:00Z = 07:00 CDT
        ("2024-07-04T12:00:00+00:00", D(2024, 7, 4), (7, 0), CDT),
    ],
)
def test_immediately_is_the_anchor(receipt: str, day: dt.date, local_hm: tuple[int, int], offset: dt.timedelta) -> None:
    cal = make_cal()
    anchor = at(cal, receipt)
    due = cal.due(anchor, "immediately", None, from_receipt=True)
    assert due.due_at == dt.datetime.fromisoformat(receipt)
    assert due.due_at == anchor
    assert due.due_date == day
    assert (due.due_at.hour, due.due_at.minute) == local_hm
    assert due.due_at.utcoffset() == offset


# --------------------------------------------------------------------------- receipt in another offset

OFFSET_CASES = [
    # (receipt, unit, n, after, expected due date)
    # 2024-11-22T23:30-05:00 is 22:30 Fri 22 Nov in Chicago (same local date):
    #   0 calendar days -> Fri 22
    ("2024-11-22T23:30:00-05:00", "calendar_days", 0, "same_day", D(2024, 11, 22)),
    #   5 business days, same_day -> Mon25=1 Tue26=2 Wed27=3 Fri29=4 Mon2Dec=5
    ("2024-11-22T23:30:00-05:00", "business_days", 5, "same_day", D(2024, 12, 2)),
    #   22:30 is after 17:00 close -> next_business_day day0 Mon25 -> ... Tue 3 Dec
    ("2024-11-22T23:30:00-05:00", "business_days", 5, "next_business_day", D(2024, 12, 3)),
    # 2024-11-22T01:30Z is 19:30 Thu 21 Nov in Chicago:
    #   1 calendar day -> Fri 22
    ("2024-11-22T01:30:00+00:00", "calendar_days", 1, "same_day", D(2024, 11, 22)),
    #   5 business days from Thu 21: Fri22=1 Mon25=2 Tue26=3 Wed27=4 (Thu28 skip) Fri29=5
    ("2024-11-22T01:30:00+00:00", "business_days", 5, "same_day", D(2024, 11, 29)),
    #   19:30 Thu is after close -> next_business_day day0 Fri22 -> Mon2Dec=5
    ("2024-11-22T01:30:00+00:00", "business_days", 5, "next_business_day", D(2024, 12, 2)),
    #   close of next business day from Thu 21 -> Fri 22
    ("2024-11-22T01:30:00+00:00", "close_of_next_business_day", None, "same_day", D(2024, 11, 22)),
    # 2024-11-23T01:30Z is Fri 22 19:30 in Chicago (Saturday in UTC): 0 calendar days -> Fri 22
    ("2024-11-23T01:30:00+00:00", "calendar_days", 0, "same_day", D(2024, 11, 22)),
    # 2024-11-22T08:30+09:00 (Tokyo) = 2024-11-21T23:30Z = Thu 21 17:30 CST: + 1 calendar day -> Fri 22
    ("2024-11-22T08:30:00+09:00", "calendar_days", 1, "same_day", D(2024, 11, 22)),
]


@pytest.mark.parametrize(("receipt", "unit", "n", "after", "expected"), OFFSET_CASES)
def test_local_date_of_receipt_is_in_plan_timezone(
    receipt: str, unit: str, n: int | None, after: str, expected: dt.date
) -> None:
    cal = make_cal(after=after)
    assert cal.due(at(cal, receipt), unit, n, from_receipt=True).due_date == expected


@pytest.mark.parametrize(
    ("receipt", "local"),
    [
        ("2024-11-22T23:30:00-05:00", (2024, 11, 22, 22, 30)),
        ("2024-11-22T01:30:00+00:00", (2024, 11, 21, 19, 30)),
        ("2024-07-01T00:30:00+00:00", (2024, 6, 30, 19, 30)),  # CDT in summer
    ],
)
def test_localize_converts_to_plan_timezone(receipt: str, local: tuple[int, ...]) -> None:
    cal = make_cal()
    value = at(cal, receipt)
    assert (value.year, value.month, value.day, value.hour, value.minute) == local
    assert value.timezone_name == "America/Chicago"
    assert value == dt.datetime.fromisoformat(receipt)


# due() and business_day_zero() given a pendulum DateTime that is NOT in the plan's zone (no localize()):
# they must still take the local date and clock time in America/Chicago.
FOREIGN_ANCHOR_CASES = [
    # 2024-11-22T01:30Z = Thu 21 Nov 19:30 CST: 0 calendar days -> Thu 21 (not Fri 22 as in UTC)
    ("2024-11-22T01:30:00+00:00", "calendar_days", 0, "same_day", D(2024, 11, 21)),
    # same receipt, 1 business day from Thu 21 -> Fri 22
    ("2024-11-22T01:30:00+00:00", "business_days", 1, "same_day", D(2024, 11, 22)),
    # same receipt, close of next business day after Thu 21 -> Fri 22
    ("2024-11-22T01:30:00+00:00", "close_of_next_business_day", None, "same_day", D(2024, 11, 22)),
    # 2024-11-22T22:30Z = Fri 22 Nov 16:30 CST, before the 17:00 close (22:30 would be after close in UTC):
    #   next_business_day: day0 stays Fri 22 -> 1 business day = Mon 25
    ("2024-11-22T22:30:00+00:00", "business_days", 1, "next_business_day", D(2024, 11, 25)),
    # 2024-11-23T04:30+03:00 = 2024-11-23T01:30Z = Fri 22 Nov 19:30 CST, after close:
    #   next_business_day: day0 Mon 25 -> 1 business day = Tue 26
    ("2024-11-23T04:30:00+03:00", "business_days", 1, "next_business_day", D(2024, 11, 26)),
]


@pytest.mark.parametrize(("iso", "unit", "n", "after", "expected"), FOREIGN_ANCHOR_CASES)
def test_due_converts_an_anchor_in_another_zone(
    iso: str, unit: str, n: int | None, after: str, expected: dt.date
) -> None:
    cal = make_cal(after=after)
    anchor = foreign(iso)
    due = cal.due(anchor, unit, n, from_receipt=True)
    assert due.due_date == expected
    assert due.due_at.timezone_name == "America/Chicago"
    assert due.due_at.utcoffset() == CST


@pytest.mark.parametrize(
    ("iso", "day0"),
    [
        ("2024-11-22T22:30:00+00:00", D(2024, 11, 22)),  # Fri 16:30 CST, before close
        ("2024-11-22T23:30:00+00:00", D(2024, 11, 25)),  # Fri 17:30 CST, after close -> Mon 25
        ("2024-11-23T05:30:00+00:00", D(2024, 11, 25)),  # Fri 23:30 CST (Saturday in UTC) -> Mon 25
        ("2024-11-25T03:00:00+00:00", D(2024, 11, 25)),  # Sun 24 21:00 CST (Monday in UTC) -> Mon 25
        ("2024-11-26T03:00:00+00:00", D(2024, 11, 26)),  # Mon 25 21:00 CST, after close -> Tue 26
    ],
)
def test_business_day_zero_of_an_anchor_in_another_zone(iso: str, day0: dt.date) -> None:
    cal = make_cal(after="next_business_day")
    assert cal.business_day_zero(foreign(iso)) == day0


def test_business_day_zero_late_close_anchor_in_another_zone() -> None:
    # close of business 23:00: 2024-11-23T04:00Z is Fri 22 Nov 22:00 CST, before close -> day 0 is Fri 22
    # (in UTC it is already Saturday the 23rd)
    cal = make_cal(after="next_business_day", cob="23:00")
    assert cal.business_day_zero(foreign("2024-11-23T04:00:00+00:00")) == D(2024, 11, 22)
    # 23:30 CST (05:30Z) is after that close -> Mon 25
    assert cal.business_day_zero(foreign("2024-11-23T05:30:00+00:00")) == D(2024, 11, 25)


def test_hours_with_an_anchor_in_another_zone() -> None:
    # 2024-03-09T15:00Z (10:00 EST) + 24h = 2024-03-10T15:00Z = 11:00 EDT in New York, due date Sun 10 Mar
    cal = make_cal("America/New_York")
    due = cal.due(foreign("2024-03-09T15:00:00+00:00"), "hours", 24, from_receipt=True)
    assert due.due_at.astimezone(UTC) == utc(2024, 3, 10, 15)
    assert (due.due_at.hour, due.due_at.minute) == (11, 0)
    assert due.due_at.utcoffset() == EDT
    assert due.due_at.timezone_name == "America/New_York"
    assert due.due_date == D(2024, 3, 10)
    # 2024-11-22T03:30Z + 1h = 04:30Z = 23:30 EST on Thu 21 Nov: the due date is the local date, not UTC's 22nd
    due = cal.due(foreign("2024-11-22T03:30:00+00:00"), "hours", 1, from_receipt=True)
    assert due.due_date == D(2024, 11, 21)
    assert (due.due_at.hour, due.due_at.minute) == (23, 30)


@pytest.mark.parametrize(
    ("iso", "local_hm", "offset"),
    [
        ("2024-11-22T23:30:00+00:00", (17, 30), CST),  # 17:30 CST
        ("2024-07-04T12:00:00+00:00", (7, 0), CDT),  # 07:00 CDT
    ],
)
def test_immediately_with_an_anchor_in_another_zone(iso: str, local_hm: tuple[int, int], offset: dt.timedelta) -> None:
    cal = make_cal()
    due = cal.due(foreign(iso), "immediately", None, from_receipt=True)
    assert due.due_at.timestamp() == dt.datetime.fromisoformat(iso).timestamp()
    assert (due.due_at.hour, due.due_at.minute) == local_hm
    assert due.due_at.utcoffset() == offset


CHICAGO = ZoneInfo("America/Chicago")


@pytest.mark.parametrize(
    ("value", "instant", "offset"),
    [
        # 01:30 on Sun 3 Nov 2024 happens twice in Chicago: fold=0 is the first (CDT, -05:00) = 06:30Z,
        # fold=1 the second (CST, -06:00) = 07:30Z
        (dt.datetime(2024, 11, 3, 1, 30, tzinfo=CHICAGO), utc(2024, 11, 3, 6, 30), CDT),
        (dt.datetime(2024, 11, 3, 1, 30, fold=1, tzinfo=CHICAGO), utc(2024, 11, 3, 7, 30), CST),
        # an ordinary zoneinfo time: Fri 22 Nov 2024 10:00 CST = 16:00Z
        (dt.datetime(2024, 11, 22, 10, 0, tzinfo=CHICAGO), utc(2024, 11, 22, 16), CST),
    ],
)
def test_localize_keeps_the_instant_of_a_zoneinfo_datetime(
    value: dt.datetime, instant: dt.datetime, offset: dt.timedelta
) -> None:
    local = make_cal().localize(value)
    assert local.astimezone(UTC) == instant
    assert local.utcoffset() == offset
    assert (local.hour, local.minute) == (value.hour, value.minute)


@pytest.mark.parametrize(
    ("value", "instant"),
    [
        # 02:30 on Sun 10 Mar 2024 does not exist in Chicago (02:00 CST -> 03:00 CDT). Python (PEP 495) gives it
        # the offset before the change when fold=0: value.utcoffset() == -06:00, so the instant is 08:30Z
        # (= 03:30 CDT); with fold=1 the offset after the change: -05:00, so 07:30Z (= 01:30 CST).
        # localize() returns 07:30Z and 08:30Z respectively (the two swapped).
        (dt.datetime(2024, 3, 10, 2, 30, tzinfo=CHICAGO), utc(2024, 3, 10, 8, 30)),
        (dt.datetime(2024, 3, 10, 2, 30, fold=1, tzinfo=CHICAGO), utc(2024, 3, 10, 7, 30)),
    ],
)
def test_localize_keeps_the_instant_of_a_nonexistent_local_time(value: dt.datetime, instant: dt.datetime) -> None:
    assert value.astimezone(UTC) == instant  # what Python itself says the instant is
    assert make_cal().localize(value).astimezone(UTC) == instant


def test_localize_of_naive_datetime_raises() -> None:
    with pytest.raises(ValueError):
        make_cal().localize(dt.datetime(2024, 11, 22, 10, 0))


def test_unknown_unit_raises() -> None:
    cal = make_cal()
    with pytest.raises(ValueError):
        cal.due(at(cal, "2024-11-22T10:00:00-06:00"), "fortnights", 1, from_receipt=True)


# --------------------------------------------------------------------------- extra holidays, workweek

EXTRA_CASES = [
    # Day after Thanksgiving closed: Wed 27 Nov 2024 + 1: Thu28 Thanksgiving, Fri29 extra, Sat, Sun, Mon2Dec=1
    ([ExtraHoliday(date=D(2024, 11, 29), name="Day after Thanksgiving")], True, D(2024, 11, 27), 1, D(2024, 12, 2)),
    # Christmas Eve closed: Mon 23 Dec 2024 + 1: Tue24 extra, Wed25 Christmas, Thu26=1
    ([ExtraHoliday(date=D(2024, 12, 24), name="Christmas Eve")], True, D(2024, 12, 23), 1, D(2024, 12, 26)),
    # Only extra holidays (no holidays source): Mon 23 Dec + 1: Tue24 extra, Wed25 is a plain workday=1
    ([ExtraHoliday(date=D(2024, 12, 24), name="Christmas Eve")], False, D(2024, 12, 23), 1, D(2024, 12, 25)),
    # No holidays at all: Wed 27 Nov 2024 + 1 = Thu 28 Nov (Thanksgiving is not known)
    ([], False, D(2024, 11, 27), 1, D(2024, 11, 28)),
    # Two extra days: Fri 22 Nov 2024 + 5: Mon25=1 Tue26=2 Wed27 extra, Thu28 holiday, Fri29 extra,
    #   Mon2=3 Tue3=4 Wed4=5
    (
        [ExtraHoliday(date=D(2024, 11, 27), name="Closure"), ExtraHoliday(date=D(2024, 11, 29), name="Closure")],
        True,
        D(2024, 11, 22),
        5,
        D(2024, 12, 4),
    ),
]


@pytest.mark.parametrize(("extra", "us", "start", "n", "expected"), EXTRA_CASES)
def test_extra_holidays_are_skipped(
    extra: list[ExtraHoliday], us: bool, start: dt.date, n: int, expected: dt.date
) -> None:
    cal = make_cal(extra=extra, us_holidays=us)
    assert cal.add_business_days(start, n) == expected
    for holiday in extra:
        assert cal.holiday_name(holiday.date) == holiday.name
        assert not cal.is_business_day(holiday.date)


MON_THU = ["mon", "tue", "wed", "thu"]
WORKWEEK_CASES = [
    # Mon-Thu week, no holidays: Thu 21 Nov 2024 + 1: Fri22 not a workday, Sat, Sun, Mon25=1
    (MON_THU, False, D(2024, 11, 21), 1, D(2024, 11, 25)),
    # Mon-Thu, no holidays: Thu 14 Nov 2024 + 3: Mon18=1 Tue19=2 Wed20=3
    (MON_THU, False, D(2024, 11, 14), 3, D(2024, 11, 20)),
    # Mon-Thu, no holidays: Wed 13 Nov 2024 + 2: Thu14=1 (Fri15 skip) Mon18=2
    (MON_THU, False, D(2024, 11, 13), 2, D(2024, 11, 18)),
    # Mon-Thu with US holidays: Tue 26 Nov 2024 + 2: Wed27=1 Thu28 Thanksgiving, Fri29 not a workday, Mon2Dec=2
    (MON_THU, True, D(2024, 11, 26), 2, D(2024, 12, 2)),
    # Mon-Sat, no holidays: Fri 22 Nov 2024 + 1 = Sat 23 Nov
    (["mon", "tue", "wed", "thu", "fri", "sat"], False, D(2024, 11, 22), 1, D(2024, 11, 23)),
]


@pytest.mark.parametrize(("workweek", "us", "start", "n", "expected"), WORKWEEK_CASES)
def test_workweek(workweek: list[str], us: bool, start: dt.date, n: int, expected: dt.date) -> None:
    cal = make_cal(workweek=workweek, us_holidays=us)
    assert cal.add_business_days(start, n) == expected


def test_workweek_without_friday_has_no_friday_business_day() -> None:
    cal = make_cal(workweek=MON_THU, us_holidays=False)
    assert not cal.is_business_day(D(2024, 11, 22))  # Friday
    assert cal.is_business_day(D(2024, 11, 21))  # Thursday


@pytest.mark.parametrize("pack", ["ctdhp", "liberty", "luxor"])
def test_fast_moments_equal_pendulums_on_dst_switch_days(pack: str) -> None:
    """calendar.wall / calendar.localize build DateTimes field by field outside DST-switch hours;
    every minute of both 2024 switch days (10 March, 3 November) must equal pendulum's own reading."""
    import datetime as dt

    import pendulum

    import grievance_rules as gr

    cal = gr.load_policy(pack).calendar
    for day in (dt.datetime(2024, 3, 10), dt.datetime(2024, 11, 3)):
        for minute in range(24 * 60):
            wall = day + dt.timedelta(minutes=minute, seconds=30)
            fast, slow = cal.wall(wall), pendulum.instance(wall, tz=cal.tz)
            assert (fast.isoformat(), fast.fold, fast.timestamp()) == (slow.isoformat(), slow.fold, slow.timestamp())
            utc = wall.replace(tzinfo=dt.UTC)
            fast, slow = cal.localize(utc), pendulum.instance(utc).in_timezone(cal.tz)
            assert (fast.isoformat(), fast.fold, fast.timestamp()) == (slow.isoformat(), slow.fold, slow.timestamp())


@pytest.mark.parametrize("pack", ["ctdhp", "liberty", "luxor"])
def test_whole_day_offset_check_agrees_with_every_hour(pack: str) -> None:
    """calendar.wall trusts a day whose first and last instants share one offset: every hour of it
    must then be plain too (no zone of ours switches twice in one day). Checked hour by hour over
    2000-2040, and the days it calls switch days must be exactly the days some hour switches."""
    import datetime as dt

    import grievance_rules as gr

    cal = gr.load_policy(pack).calendar
    whole_day = dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)
    hour = dt.timedelta(minutes=59, seconds=59, microseconds=999999)
    day = dt.datetime(2000, 1, 1)
    switch_days = 0
    while day.year <= 2040:
        plain_day = cal._one_offset(day, whole_day)
        plain_hours = [cal._one_offset(day + dt.timedelta(hours=h), hour) for h in range(24)]
        assert plain_day == all(plain_hours), day.date().isoformat()
        switch_days += not plain_day
        day += dt.timedelta(days=1)
    assert switch_days == 2 * 41  # two DST switches a year in each of these zones


def test_no_zone_switches_twice_within_a_day() -> None:
    """calendar.wall's day-level check holds for any pack's zone: in the tz database every two
    consecutive offset transitions since 1900 are more than a day apart (the rules beyond the
    listed transitions switch twice a year at most). Read from the pure-Python zoneinfo reader's
    transition list; skipped where that private attribute is missing."""
    import itertools
    import zoneinfo
    from zoneinfo._zoneinfo import ZoneInfo as PyZoneInfo

    since_1900 = -2_208_988_800
    checked = 0
    for name in sorted(zoneinfo.available_timezones()):
        zone = PyZoneInfo.no_cache(name)
        transitions = getattr(zone, "_trans_utc", None)
        if transitions is None:
            pytest.skip("this Python's zoneinfo keeps its transitions elsewhere")
        later = [t for t in transitions if t > since_1900]
        assert all(b - a > 86_400 for a, b in itertools.pairwise(later)), name
        checked += 1
    assert checked > 300  # the whole database, not an empty one


def _instant_by_offset(value: dt.datetime) -> int:
    """instant_us the plain way: the moment's own utcoffset (the reference for the per-day table)."""
    offset = value.utcoffset()
    assert offset is not None
    wall = dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
    return (wall - dt.datetime(1970, 1, 1) - offset) // dt.timedelta(microseconds=1)


@pytest.mark.parametrize(
    "zone",
    [
        pendulum.timezone("America/New_York"),
        ZoneInfo("America/Chicago"),
        pendulum.timezone("Australia/Lord_Howe"),  # a half-hour DST switch
        ZoneInfo("Asia/Kathmandu"),  # +05:45, no DST
        ZoneInfo("Europe/Dublin"),  # negative DST in the tz database
        dt.timezone(dt.timedelta(hours=-5, minutes=-30)),  # a fixed offset: not a tz-database zone
    ],
    ids=str,
)
def test_instant_us_equals_the_moments_own_offset(zone: dt.tzinfo) -> None:
    """instant_us reads the offset of a day without a DST switch from a per-day table; every 13
    minutes (and a few microseconds) of 2023-2025, both folds, pendulum and plain datetimes,
    must give the same instant as the moment's own utcoffset, and so must moments before 1901
    (where the table is not used) and far in the future."""
    from grievance_rules.calendar import instant_us

    moment = dt.datetime(2023, 1, 1)
    checked = 0
    while moment < dt.datetime(2026, 1, 1):
        for fold in (0, 1):
            fields = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
            for value in (
                pendulum.DateTime(*fields, moment.microsecond, tzinfo=zone, fold=fold),
                dt.datetime(*fields, moment.microsecond, tzinfo=zone, fold=fold),
            ):
                assert instant_us(value) == _instant_by_offset(value), value.isoformat()
                checked += 1
        moment += dt.timedelta(minutes=13, microseconds=7)
    for early in (dt.datetime(1883, 11, 18, 12, 5), dt.datetime(1900, 12, 31, 23, 59), dt.datetime(2099, 12, 31, 23)):
        value = early.replace(tzinfo=zone)
        assert instant_us(value) == _instant_by_offset(value)
    assert checked > 400_000


@pytest.mark.parametrize("pack", ["ctdhp", "liberty", "luxor"])
def test_hours_deadlines_equal_elapsed_time_around_every_switch(pack: str) -> None:
    """A deadline in hours is read off the wall clock when the anchor's day and the due day share
    one offset and hold no switch; otherwise it goes through the UTC instant. Every 7 minutes
    around the 2024 switches (a week either side), both folds, for 1 to 100 hours and 30 days,
    must equal the instant's own local reading: same wall time, same fold, same offset."""
    import grievance_rules as gr

    cal = gr.load_policy(pack).calendar
    for switch in (dt.datetime(2024, 3, 10), dt.datetime(2024, 11, 3)):
        moment = switch - dt.timedelta(days=7)
        while moment < switch + dt.timedelta(days=7):
            for fold in (0, 1):
                anchor = pendulum.DateTime(
                    moment.year, moment.month, moment.day, moment.hour, moment.minute, tzinfo=cal.tz, fold=fold
                )
                for hours in (1, 2, 23, 24, 25, 48, 72, 100, 720):
                    due = cal.due(anchor, "hours", hours, from_receipt=True)
                    expected = dt.datetime.fromtimestamp(anchor.timestamp() + hours * 3600, tz=cal.tz)
                    got = due.due_at
                    assert (got.isoformat(), got.fold) == (expected.isoformat(), expected.fold), (anchor, hours)
                    assert due.due_date == expected.date()
                    assert got.timestamp() - anchor.timestamp() == hours * 3600
            moment += dt.timedelta(minutes=7)


@pytest.mark.parametrize("tz", ["America/New_York", "America/Chicago", "Europe/Dublin", "Australia/Lord_Howe"])
def test_moment_equals_wall_and_localize_served(tz: str) -> None:
    """PlanCalendar.moment (and moment_us, with the instant) works out the common cases inline (a
    naive wall time on a day without a DST switch; a fixed offset); every 17 minutes of the weeks
    around the 2024 switches, and the ends of the span served, it must give what serves() with
    wall(), and localize_served(), give: same wall time, same fold, same offset, same type, or
    None both; moment_us's instant is the moment's own offset taken from its wall time."""
    cal = make_cal(tz)
    switches = [dt.datetime(2024, m, d) for m, d in ((3, 10), (3, 31), (4, 7), (10, 6), (10, 27), (11, 3))]
    naive: list[dt.datetime] = []
    for switch in switches:
        moment = switch - dt.timedelta(days=2)
        while moment < switch + dt.timedelta(days=2):
            naive.append(moment)
            moment += dt.timedelta(minutes=17, seconds=3)
    first = dt.datetime.combine(cal.first_day, dt.time())
    last = dt.datetime.combine(cal.last_day, dt.time(23, 59))
    naive += [first, first - dt.timedelta(minutes=1), last, last + dt.timedelta(minutes=1), dt.datetime(1, 1, 1)]
    naive.append(dt.datetime(9999, 12, 31, 23, 59))

    def same(value: dt.datetime, expected: dt.datetime | None) -> None:
        got = cal.moment(value)
        with_instant = cal.moment_us(value)  # the same moment, with its instant worked out beside it
        if expected is None:
            assert got is None and with_instant is None
            return
        assert got is not None and with_instant is not None
        assert type(got) is type(expected)
        assert (got.isoformat(), got.fold, got.tzinfo) == (expected.isoformat(), expected.fold, expected.tzinfo)
        assert with_instant[0] == got and with_instant[1] == _instant_by_offset(expected)

    for value in naive:
        same(value, cal.wall(value) if cal.serves(value.date()) else None)
        for offset in (dt.timedelta(0), dt.timedelta(hours=-5), dt.timedelta(hours=9, minutes=30)):
            aware = value.replace(tzinfo=dt.timezone(offset))
            same(aware, cal.localize_served(aware))
        if dt.datetime(1900, 1, 2) < value < dt.datetime(2099, 12, 30):  # a tz-database tzinfo: the general path
            zoned = value.replace(tzinfo=ZoneInfo("Asia/Tokyo"))
            same(zoned, cal.localize_served(zoned))


_ISO_ZONES: list[dt.tzinfo] = [
    ZoneInfo("America/New_York"),
    pendulum.timezone("America/Chicago"),
    ZoneInfo("Australia/Lord_Howe"),  # a 30-minute DST shift
    ZoneInfo("Asia/Kolkata"),  # a half-hour offset, no DST
    ZoneInfo("Pacific/Kiritimati"),  # +14:00: in the evening the local day is never the UTC day
    dt.timezone(dt.timedelta(hours=5, minutes=45, seconds=30)),  # seconds in the offset; no table
]


@pytest.mark.parametrize("zone", _ISO_ZONES, ids=str)
def test_iso_text_equals_isoformat(zone: dt.tzinfo) -> None:
    """iso_text writes the wall time and the day's offset from the per-day table; every 11 minutes
    (and a few microseconds) of 2024, both folds, pendulum and plain datetimes, and moments
    before 1901 (no table), must give isoformat()'s very text."""
    from grievance_rules.calendar import iso_text

    moment = dt.datetime(2024, 1, 1)
    checked = 0
    while moment < dt.datetime(2025, 1, 1):
        for fold in (0, 1):
            fields = (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
            for value in (
                pendulum.DateTime(*fields, moment.microsecond, tzinfo=zone, fold=fold),
                dt.datetime(*fields, moment.microsecond, tzinfo=zone, fold=fold),
                dt.datetime(*fields, tzinfo=zone, fold=fold),
            ):
                assert iso_text(value) == value.isoformat()
                checked += 1
        moment += dt.timedelta(minutes=11, microseconds=3)
    for early in (dt.datetime(1883, 11, 18, 12, 5), dt.datetime(1900, 12, 31, 23, 59, 1)):
        value = early.replace(tzinfo=zone)
        assert iso_text(value) == value.isoformat()
    assert checked > 250_000


@pytest.mark.parametrize("zone", _ISO_ZONES, ids=str)
def test_iso_at_equals_isoformat_of_the_instant(zone: dt.tzinfo) -> None:
    """iso_at writes an instant (UTC microseconds) in a zone: every 7 minutes (and a few
    microseconds) of 2024, which crosses every switch of these zones, and instants before 1901
    (no table) must give the text of ``isoformat()`` of that instant converted to the zone; the
    instant it writes is the instant it was given (both passes of a repeated hour)."""
    from grievance_rules.calendar import instant_us, iso_at

    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    at = dt.datetime(2023, 12, 31, 12, tzinfo=dt.UTC)
    checked = 0
    while at < dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC):
        us = (at - epoch) // dt.timedelta(microseconds=1)
        local = at.astimezone(zone)
        text = iso_at(zone, us)
        assert text == local.isoformat()
        assert instant_us(dt.datetime.fromisoformat(text)) == us
        checked += 1
        at += dt.timedelta(minutes=7, microseconds=3)
    for early in (dt.datetime(1883, 11, 18, 17, 5, tzinfo=dt.UTC), dt.datetime(1900, 12, 31, 23, 59, 1, tzinfo=dt.UTC)):
        assert iso_at(zone, (early - epoch) // dt.timedelta(microseconds=1)) == early.astimezone(zone).isoformat()
    assert checked > 75_000


def test_due_built_directly_equals_the_dataclass() -> None:
    """Deadlines in hours build their Due without the frozen dataclass's __init__; it must be the
    same value: equal, same hash, repr, fields in order, still frozen, and it pickles."""
    import dataclasses
    import pickle

    from grievance_rules.calendar import _due_of

    cal = make_cal()
    anchor = at(cal, "2024-11-01T10:00:00-05:00")
    for unit in ("hours", "immediately", "close_of_next_business_day"):
        got = cal.due(anchor, unit, 72, from_receipt=True)
        expected = Due(got.due_date, got.due_at)
        assert (got, hash(got), repr(got)) == (expected, hash(expected), repr(expected))
        assert list(vars(got).items()) == list(vars(expected).items())
        assert pickle.loads(pickle.dumps(got)) == expected
        with pytest.raises(dataclasses.FrozenInstanceError):
            got.due_date = dt.date(2024, 1, 1)  # type: ignore[misc]
    assert _due_of(dt.date(2024, 1, 2), anchor) == Due(dt.date(2024, 1, 2), anchor)
