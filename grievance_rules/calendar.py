"""Deadline arithmetic on a plan's calendar (contract section 4), on pendulum and holidays.

Nothing here reads the clock: every moment is passed in. All results are timezone-aware in the
plan's timezone.

- Day 0 is the local date of the anchor in the plan's timezone.
- N calendar days: day 0 + N days (a weekend or holiday due date does not move).
- N business days: the N-th business day after day 0, skipping the pack's weekend days and
  holidays. With ``after_hours_receipt: next_business_day``, a receipt after close of business or
  on a non-business day counts as received on the next business day (``deemed_receipt`` says
  each of the two separately).
- N months or years: the anniversary of day 0 (same day of the month); a day the target month
  lacks (29 February in a common year, the 31st of a 30-day month) is read per
  ``calendar.leap_day``: the month's last day (``feb_28``) or the next month's first (``mar_1``).
- ``roll: next_business_day``: a day-based due date on a weekend or holiday moves to the next
  business day; it never moves earlier.
- N days before a scheduled moment: the date of the moment minus N calendar days, or the N-th
  business day before it (the moment's own day not counted).
- A day-based deadline is due at the end of its due day (23:59:59 local).
- N hours: the anchor + N hours of elapsed time (so across a DST change the local clock shifts).
- Immediately: the anchor itself.
- Close of the next business day: the first business day after day 0, at close of business.

The calendar serves dates from :data:`FIRST_DAY` through :data:`LAST_DAY` (1900-01-01 through
2099-12-31): the ``holidays`` package lists US holidays only up to 2100, and deadlines counted
from a receipt late in 2099 still need the holidays of 2100. Facts outside that span are refused
(:class:`~grievance_rules.errors.FactsError`), never answered with holidays silently missing.

Per-date answers are cached in bounded LRU caches (:data:`DAY_CACHE_SIZE` entries each), so a
process evaluating receipts spread over two centuries keeps a flat memory.
"""

from __future__ import annotations

import calendar as stdlib_calendar
import datetime as dt
import functools
import threading
import zoneinfo
from dataclasses import dataclass
from typing import Any

import holidays as holidays_pkg
import pendulum

from grievance_rules.errors import GrievanceRulesError
from grievance_rules.schema import WEEKDAYS
from grievance_rules.schema import Calendar as CalendarSpec

__all__ = ["DAY_CACHE_SIZE", "FIRST_DAY", "LAST_DAY", "BusinessCount", "Due", "PlanCalendar", "calendar_data"]

_ONE_DAY = dt.timedelta(days=1)
_BY_DAY = frozenset(("calendar_days", "business_days", "months", "years", "close_of_next_business_day"))

FIRST_DAY = dt.date(1900, 1, 1)
"""The first local date the calendar serves (a receipt, an event, an incident, ``as_of``)."""

LAST_DAY = dt.date(2099, 12, 31)
"""The last local date the calendar serves: the ``holidays`` package covers 2100 as well, which
leaves a year for deadlines counted from a receipt at the end of the span."""

DAY_CACHE_SIZE = 4096
"""Entries kept in each per-date cache of a calendar (about 11 years of days; least recently used
answers are dropped first)."""

_HOLIDAYS_VERSION = getattr(holidays_pkg, "__version__", "unknown")


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DateTime = pendulum.DateTime
date_of = dt.datetime.date
"""``date_of(moment)``: the wall date of a datetime as a plain ``datetime.date`` (the C method;
a pendulum DateTime's own ``date()`` is Python code building a pendulum Date, several times slower)."""


def instant_us(value: dt.datetime) -> int:
    """UTC microseconds since 1970 of an aware moment: the key to compare moments by.

    Python compares two datetimes that share a tzinfo by their wall clocks and ignores ``fold``
    (PEP 495), so in the hour a DST change repeats, 01:19 of the second pass sorts before 01:51 of
    the first although it comes 28 minutes later. Comparing these keys never does that. (Wall time
    minus the moment's own offset, in integers: exact to the microsecond.)

    The offset of a moment in a tz-database zone is read from :func:`_day_offset` (one offset
    per local day that has no DST switch): asking a pendulum DateTime for ``utcoffset()`` costs
    several times more than this whole function, and moments are compared for every grievance.
    """
    day = value.toordinal()
    tz = value.tzinfo
    zone = _ZONE_DAYS.get(id(tz))
    offset_s: int | None = zone[1].get(day, _UNSET) if zone is not None and zone[0] is tz else _UNSET
    if offset_s is _UNSET:
        offset_s = _plain_offset(tz, day)
    if offset_s is None:
        offset = value.utcoffset()
        if offset is None:
            raise ValueError("instant_us needs an aware moment")
        seconds = (day - _EPOCH_ORDINAL) * 86400 + value.hour * 3600 + value.minute * 60 + value.second
        return (seconds - offset.days * 86400 - offset.seconds) * 1_000_000 + value.microsecond - offset.microseconds
    seconds = (day - _EPOCH_ORDINAL) * 86400 + value.hour * 3600 + value.minute * 60 + value.second - offset_s
    return seconds * 1_000_000 + value.microsecond


def iso_text(value: dt.datetime) -> str:
    """``value.isoformat()`` of an aware moment, the same text, cheaper for moments in a
    tz-database zone on a day without a DST switch: the wall time's ISO text and the day's offset
    (from the table :func:`instant_us` reads). A pendulum DateTime's own ``isoformat`` asks its
    zone for the offset the slow way, and traces show several moments per grievance."""
    offset_s = _plain_offset(value.tzinfo, value.toordinal())
    if offset_s is None:
        return value.isoformat()
    naive = _Naive(value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond)
    return naive.isoformat() + (_OFFSET_TEXT.get(offset_s) or _offset_text(offset_s))


def iso_at(tz: Any, us: int) -> str:
    """The ISO text, in zone ``tz``, of the instant ``us`` (UTC microseconds since 1970, as
    :func:`instant_us` gives): ``isoformat()`` of that instant converted to ``tz``, the same text.

    For a deadline decided in integers (a timer's ``72 hours`` is the anchor's instant plus
    72 x 3,600 seconds), so that the moment itself is never built unless a trace shows it. The
    local day is first taken to be the UTC day; its offset from the per-day table is kept when the
    wall time it gives falls on a day with that same offset (a day without a DST switch); any
    other instant is converted by the zone itself."""
    offset_s = _plain_offset(tz, us // _DAY_US + _EPOCH_ORDINAL)
    if offset_s is not None:
        local_us = us + offset_s * 1_000_000
        if _plain_offset(tz, local_us // _DAY_US + _EPOCH_ORDINAL) == offset_s:
            wall = _EPOCH_NAIVE + dt.timedelta(microseconds=local_us)
            return wall.isoformat() + (_OFFSET_TEXT.get(offset_s) or _offset_text(offset_s))
    return (_EPOCH_UTC + dt.timedelta(microseconds=us)).astimezone(tz).isoformat()


def _offset_text(offset_s: int) -> str:
    """How ``isoformat()`` writes a UTC offset of ``offset_s`` seconds (``-05:00``), kept in _OFFSET_TEXT."""
    offset = dt.timezone(dt.timedelta(seconds=offset_s))
    text = _OFFSET_TEXT[offset_s] = dt.datetime(2000, 1, 1, tzinfo=offset).isoformat()[19:]
    return text


_OFFSET_TEXT: dict[int, str] = {}  # offset in seconds -> how isoformat() writes it (``-05:00``)
_Naive = dt.datetime
_DAY_US = 86_400_000_000
_ONE_US = dt.timedelta(microseconds=1)
_EPOCH_NAIVE = dt.datetime(1970, 1, 1)
_EPOCH_UTC = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


_ZONE_TYPES: frozenset[type] = frozenset({zoneinfo.ZoneInfo, type(pendulum.timezone("UTC"))})
"""The tzinfo types whose days :func:`_day_offset` may read (tz-database zones: their offset
changes only at transitions, and no two transitions since 1900 fall within one day)."""

_ZONE_DAYS: dict[int, tuple[Any, dict[int, int | None]]] = {}
"""Per zone (by id, the zone kept beside its days): local day ordinal -> :func:`_day_offset`."""


def _day_offset(tz: Any, day: int, days: dict[int, int | None]) -> int | None:
    """The UTC offset in whole seconds of every wall time of local day ``day`` (an ordinal) in
    zone ``tz``, or None when that day is not plain: it holds a DST switch (a gap or a repeated
    hour), its offset is not whole seconds, or it is before 1901 (where the check that no day
    holds two switches was not made). Kept in ``days``, the zone's entry in ``_ZONE_DAYS``."""
    found: int | None = None
    if day >= _FIRST_CHECKED:
        start = dt.datetime.fromordinal(day)
        end = start + dt.timedelta(hours=23, minutes=59, seconds=59, microseconds=999999)
        offsets = {tz.utcoffset(m.replace(fold=f)) for m in (start, end) for f in (0, 1)}
        if len(offsets) == 1:
            offset = offsets.pop()
            if offset is not None and not offset.microseconds:
                found = offset.days * 86400 + offset.seconds
    if len(days) >= 65536:
        days.clear()
    days[day] = found
    return found


_FIRST_CHECKED = dt.date(1901, 1, 1).toordinal()
_UNSET: Any = object()  # a day not looked at yet (None is an answer: not plain)


def _plain_offset(tz: Any, day: int) -> int | None:
    """:func:`_day_offset` of local day ``day`` in zone ``tz`` (None for a zone of another type)."""
    zone = _ZONE_DAYS.get(id(tz))
    if zone is None or zone[0] is not tz:
        if type(tz) not in _ZONE_TYPES:
            return None
        if len(_ZONE_DAYS) >= 64:
            _ZONE_DAYS.clear()
        zone = _ZONE_DAYS[id(tz)] = (tz, {})
    days = zone[1]
    found = days.get(day, _UNSET)
    return _day_offset(tz, day, days) if found is _UNSET else found


def calendar_data() -> str:
    """The holiday data deadlines are computed with, e.g. ``holidays 0.109`` (part of a pack's identity)."""
    return f"holidays {_HOLIDAYS_VERSION}"


@dataclass(frozen=True)
class Due:
    """A computed deadline: the local due date and the exact due moment."""

    due_date: dt.date
    due_at: dt.datetime


def _due_of(day: dt.date, at: dt.datetime) -> Due:
    """``Due(day, at)``, built without the frozen dataclass's per-field ``object.__setattr__`` (an
    hours deadline makes one per grievance): the same instance, fields in the same order."""
    due = _new_object(Due)
    due.__dict__.update(due_date=day, due_at=at)
    return due


_new_object = object.__new__


@dataclass(frozen=True)
class BusinessCount:
    """How a count of N business days after ``start`` was worked out, day by day.

    ``days`` lists every date walked, in order, from the day after ``start`` to the due date, each
    with the reason it was skipped (``weekend``, ``not a working day`` or the holiday's name) or
    None when it counted. The due date is the last of them (``start`` itself for N = 0).
    """

    start: dt.date
    n: int
    days: tuple[tuple[dt.date, str | None], ...]

    @property
    def due_date(self) -> dt.date:
        """The N-th business day after ``start``."""
        return self.days[-1][0] if self.days else self.start

    @property
    def counted(self) -> tuple[dt.date, ...]:
        """The business days counted, 1 to N."""
        return tuple(day for day, reason in self.days if reason is None)

    @property
    def skipped(self) -> tuple[tuple[dt.date, str], ...]:
        """The days passed over, each with why."""
        return tuple((day, reason) for day, reason in self.days if reason is not None)


class PlanCalendar:
    """A plan's working calendar: timezone, workweek, holidays and close of business.

    Thread-safe: the holidays lookup (which expands years lazily) runs behind a lock; per-date
    answers are cached in thread-safe LRU caches of :data:`DAY_CACHE_SIZE` entries each.
    """

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self.tz = pendulum.timezone(spec.timezone)
        self._workdays = frozenset(WEEKDAYS.index(d) for d in spec.workweek)
        hour, minute = (int(x) for x in spec.close_of_business.split(":"))
        self._cob = (hour, minute)
        self._extra = {h.date: h.name for h in spec.extra_holidays}
        self._holidays: holidays_pkg.HolidayBase | None = None
        self._removed_dates: frozenset[dt.date] = frozenset()
        self._removed_names: frozenset[str] = frozenset()
        self._after_close, self._non_business = spec.deems()
        if spec.holidays is not None:
            src = spec.holidays
            self._removed_dates = frozenset(r for r in src.remove if isinstance(r, dt.date))
            self._removed_names = frozenset(r for r in src.remove if isinstance(r, str))
            try:
                self._holidays = holidays_pkg.country_holidays(
                    src.country, subdiv=src.subdivision, observed=src.observed, categories=tuple(src.categories)
                )
            except NotImplementedError as exc:
                raise GrievanceRulesError(
                    f"the holidays package has no calendar for {src.country}/{src.subdivision}: {exc}"
                ) from None
        self._lock = threading.Lock()
        # the last day whose holidays are known: a business-day count may not run past it
        self.covered_until = dt.date(2100, 12, 31)
        if self._holidays is not None:
            end_year = int(getattr(self._holidays, "end_year", 2100))
            self.covered_until = min(self.covered_until, dt.date(end_year, 12, 31))
        self.first_day = FIRST_DAY
        self.last_day = min(LAST_DAY, self.covered_until - dt.timedelta(days=365))
        self._span = (self.first_day.toordinal(), self.last_day.toordinal())  # what serves() compares, as ordinals
        # bounded per-instance caches (lru_cache is thread-safe and written in C)
        self.is_business_day = functools.lru_cache(maxsize=DAY_CACHE_SIZE)(self._is_business_day)
        self._nth = functools.lru_cache(maxsize=DAY_CACHE_SIZE)(self._add_business_days)
        self.end_of_day = functools.lru_cache(maxsize=DAY_CACHE_SIZE)(self._end_of_day)
        self.close_of_business = functools.lru_cache(maxsize=DAY_CACHE_SIZE)(self._close_of_business)
        self._plain_hours: dict[tuple[int, int, int, int], bool] = {}
        self._by_day: dict[tuple[Any, ...], Due] = {}  # see due()

    @property
    def calendar_data(self) -> str | None:
        """The holiday data this calendar uses (``holidays X.Y``), or None when it uses none."""
        return None if self._holidays is None else calendar_data()

    @property
    def span(self) -> str:
        """The dates served, as users read them: ``1900-01-01 through 2099-12-31``."""
        return f"{self.first_day.isoformat()} through {self.last_day.isoformat()}"

    def cache_sizes(self) -> dict[str, int]:
        """How many entries each per-date cache holds now (each at most :data:`DAY_CACHE_SIZE`)."""
        caches = {
            "business_day": self.is_business_day,
            "nth_business_day": self._nth,
            "end_of_day": self.end_of_day,
            "close_of_business": self.close_of_business,
        }
        return {name: cache.cache_info().currsize for name, cache in caches.items()}

    def forget(self) -> None:
        """Empty the per-date caches (what :meth:`cache_sizes` counts, and the due dates kept)."""
        for cache in (self.is_business_day, self._nth, self.end_of_day, self.close_of_business):
            cache.cache_clear()
        self._plain_hours.clear()
        self._by_day.clear()

    def serves(self, day: dt.date) -> bool:
        """Whether ``day`` (a local date) is within the span this calendar serves."""
        return self.first_day <= day <= self.last_day

    def moment(self, value: dt.datetime) -> pendulum.DateTime | None:
        """A moment of the facts in the plan's timezone, or None when its local date is outside the
        span served: a naive ``value`` is a wall time there (:meth:`wall`), an aware one is converted
        (:meth:`localize_served`). The moment :meth:`moment_us` gives."""
        found = self.moment_us(value)
        return None if found is None else found[0]

    def moment_us(self, value: dt.datetime) -> tuple[pendulum.DateTime, int] | None:
        """:meth:`moment` and its instant (:func:`instant_us`) together, or None outside the span.

        What :meth:`wall` and :meth:`localize_served` give, with the common cases worked out
        inline (moments are read for every grievance, and compared as instants): a naive wall time
        on a day without a DST switch, whose offset the per-day table gives, and a moment with a
        fixed offset (what an ISO string with ``Z`` or ``+hh:mm`` parses to), whose instant is its
        own wall time minus that offset.
        """
        tz = self.tz
        first, last = self._span
        if value.tzinfo is None:
            day = value.toordinal()
            if not first <= day <= last:
                return None
            offset_s = _plain_offset(tz, day)
            if offset_s is None:  # a day holding a DST switch (or a zone without the table)
                wall = self.wall(value)
                return wall, instant_us(wall)
            seconds = (day - _EPOCH_ORDINAL) * 86400 + value.hour * 3600 + value.minute * 60 + value.second
            return _DateTime(
                value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, tzinfo=tz
            ), (seconds - offset_s) * 1_000_000 + value.microsecond
        if type(value.tzinfo) is not dt.timezone:  # any other tzinfo: the general path
            served = self.localize_served(value)
            return None if served is None else (served, instant_us(served))
        day = value.toordinal()
        if not first - 2 <= day <= last + 2:  # converting year 1 or 9999 would overflow
            return None
        at = value.astimezone(tz)
        if not first <= at.toordinal() <= last:
            return None
        return _DateTime(
            at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond, tzinfo=tz, fold=at.fold
        ), (value - _EPOCH_UTC) // _ONE_US

    def localize_served(self, value: dt.datetime) -> pendulum.DateTime | None:
        """``value`` (aware) in the plan's timezone, or None when it is outside the span served.

        The value's own wall date is checked first, so that converting year 1 or 9999 never
        overflows; then the local date is checked exactly.
        """
        wall = value.date()
        if not (self.first_day - 2 * _ONE_DAY <= wall <= self.last_day + 2 * _ONE_DAY):
            return None
        local = self.localize(value)
        return local if self.serves(local.date()) else None

    # ------------------------------------------------------------------ days

    def holiday_name(self, day: dt.date) -> str | None:
        """The name of the holiday on ``day``, or None."""
        if day in self._extra:
            return self._extra[day]
        if self._holidays is None or day in self._removed_dates:
            return None
        with self._lock:
            name = self._holidays.get(day)
        if name is None:
            return None
        if not self._removed_names:
            return str(name)
        # the package joins two holidays on one day with "; "; a removed name takes its observed day along
        kept = [n for n in str(name).split("; ") if n.removesuffix(" (observed)") not in self._removed_names]
        return "; ".join(kept) or None

    def skip_reason(self, day: dt.date) -> str | None:
        """Why ``day`` is not a business day (``weekend``, ``not a working day``, a holiday's
        name), or None when it is one. The one test every business-day count uses."""
        if day.weekday() not in self._workdays:
            return "weekend" if day.weekday() >= 5 else "not a working day"
        return self.holiday_name(day)

    def _is_business_day(self, day: dt.date) -> bool:
        """True when ``day`` is a workweek day and not a holiday (``is_business_day``, cached)."""
        return self.skip_reason(day) is None

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day strictly after ``day``."""
        return self.add_business_days(day, 1)

    def add_business_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th business day after ``day`` (``day`` itself for n = 0). Cached per (day, n)."""
        found: dt.date = self._nth(day.toordinal(), n)
        return found

    def _add_business_days(self, ordinal: int, n: int) -> dt.date:
        return self.count_business_days(dt.date.fromordinal(ordinal), n).due_date

    def count_business_days(self, start: dt.date, n: int) -> BusinessCount:
        """Walk ``n`` business days after ``start``, saying why each passed-over day was skipped.

        :meth:`add_business_days` (every deadline) takes its answer from this walk, so an
        explanation built from it lists exactly the days the deadline skipped.
        """
        current = dt.date.fromordinal(start.toordinal())  # a plain date: pendulum's Date arithmetic is slow
        days: list[tuple[dt.date, str | None]] = []
        remaining = n
        while remaining > 0:
            current += _ONE_DAY
            if len(days) >= 3660:
                raise GrievanceRulesError("the calendar has no business day within ten years; check the workweek")
            if current > self.covered_until:
                raise GrievanceRulesError(
                    f"a business-day count runs past {self.covered_until.isoformat()}, the last day whose "
                    f"holidays are known; the calendar serves receipts through {self.last_day.isoformat()}"
                )
            reason = None if self.is_business_day(current) else (self.skip_reason(current) or "not a business day")
            days.append((current, reason))
            if reason is None:
                remaining -= 1
        return BusinessCount(dt.date.fromordinal(start.toordinal()), n, tuple(days))

    # ------------------------------------------------------------------ moments

    def localize(self, value: dt.datetime) -> pendulum.DateTime:
        """``value`` (aware) as a pendulum DateTime in the plan's timezone."""
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime has no offset")
        # the instant in the plan's zone (fromutc sets fold on a repeated hour), rebuilt as a pendulum
        # DateTime field by field: what pendulum.instance(...).in_timezone(tz) gives, a third of the cost
        at = value.astimezone(self.tz)
        return pendulum.DateTime(
            at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond, tzinfo=self.tz, fold=at.fold
        )

    def wall(self, value: dt.datetime) -> pendulum.DateTime:
        """A naive wall time read in the plan's timezone, as ``pendulum.instance(value, tz=tz)`` reads it
        (a time a DST gap skips moves forward; a repeated time is its first occurrence).

        Most hours of a year are plain (one offset for the whole hour, neither skipped nor repeated):
        there the DateTime is built directly; the hours around a DST switch go through pendulum.
        Whole days are checked first (one offset from the day's first instant to its last: in the
        tz database no two transitions since 1900 are within a day of each other, see
        tests/test_calendar.py), so a year's moments cost a check per day, not per hour: the same
        per-(zone, day) table :func:`instant_us` reads offsets from.
        """
        plain = _plain_offset(self.tz, value.toordinal()) is not None
        if not plain:
            plain = self._plain_hour(value)
        if not plain:
            return pendulum.instance(value, tz=self.tz)
        return pendulum.DateTime(
            value.year,
            value.month,
            value.day,
            value.hour,
            value.minute,
            value.second,
            value.microsecond,
            tzinfo=self.tz,
        )

    def _one_offset(self, start: dt.datetime, length: dt.timedelta) -> bool:
        """Whether the wall times from ``start`` to ``start + length`` have one offset (none skipped, none repeated)."""
        return all(
            self.tz.utcoffset(moment.replace(fold=f)) == self.tz.utcoffset(start)
            for moment in (start, start + length)
            for f in (0, 1)
        )

    def _plain_hour(self, value: dt.datetime) -> bool:
        """Whether the hour of ``value`` (on a day the zone switches) has one offset throughout."""
        key = (value.year, value.month, value.day, value.hour)
        plain = self._plain_hours.get(key)
        if plain is None:
            if len(self._plain_hours) >= 65536:
                self._plain_hours.clear()
            plain = self._plain_hours[key] = self._one_offset(
                dt.datetime(*key), dt.timedelta(minutes=59, seconds=59, microseconds=999999)
            )
        return plain

    def _end_of_day(self, day: dt.date) -> pendulum.DateTime:
        """23:59:59 local on ``day`` (``end_of_day``, cached)."""
        return pendulum.datetime(day.year, day.month, day.day, 23, 59, 59, tz=self.tz)

    def _close_of_business(self, day: dt.date) -> pendulum.DateTime:
        """Close of business local on ``day`` (``close_of_business``, cached)."""
        return pendulum.datetime(day.year, day.month, day.day, self._cob[0], self._cob[1], tz=self.tz)

    def business_day_zero(self, received: dt.datetime) -> dt.date:
        """Day 0 for business-day deadlines counted from a receipt, per the after-hours setting."""
        local = received.astimezone(self.tz)
        day: dt.date = date_of(local)
        if not self.is_business_day(day):
            return self.next_business_day(day) if self._non_business else day
        if self._after_close and local > self.close_of_business(day):
            return self.next_business_day(day)
        return day

    def add_months(self, day: dt.date, months: int) -> dt.date:
        """The anniversary ``months`` months after ``day``, per the pack's ``leap_day`` reading."""
        total = day.year * 12 + (day.month - 1) + months
        year, month = divmod(total, 12)
        month += 1
        last = stdlib_calendar.monthrange(year, month)[1]
        if day.day <= last:
            return dt.date(year, month, day.day)
        if self.spec.leap_day == "mar_1":
            return dt.date(year, month, last) + _ONE_DAY
        return dt.date(year, month, last)

    def roll_forward(self, day: dt.date) -> dt.date:
        """``day`` when it is a business day, else the next business day (never earlier)."""
        return day if self.is_business_day(day) else self.next_business_day(day)

    def subtract_business_days(self, day: dt.date, n: int) -> dt.date:
        """The ``n``-th business day before ``day`` (``day`` itself for n = 0; ``day`` is not counted)."""
        current = dt.date.fromordinal(day.toordinal())
        remaining, walked = n, 0
        while remaining > 0:
            current -= _ONE_DAY
            walked += 1
            if walked > 3660:
                raise GrievanceRulesError("the calendar has no business day within ten years; check the workweek")
            if self.is_business_day(current):
                remaining -= 1
        return current

    def before(self, moment: dt.datetime, unit: str, amount: int) -> Due:
        """The last day ``amount`` ``unit`` before the local date of ``moment`` (a scheduled moment)."""
        local = moment if moment.tzinfo is self.tz else moment.astimezone(self.tz)
        day0: dt.date = date_of(local)
        if unit == "calendar_days":
            day = dt.date.fromordinal(day0.toordinal() - amount)
        elif unit == "business_days":
            day = self.subtract_business_days(day0, amount)
        else:
            raise ValueError(f"cannot count back in {unit!r}")
        return Due(day, self.end_of_day(day))

    def due(self, anchor: dt.datetime, unit: str, amount: int | None, *, from_receipt: bool, roll: str = "none") -> Due:
        """The deadline ``amount`` ``unit`` after ``anchor`` (an aware moment).

        ``from_receipt`` applies the pack's deemed-receipt rule to business-day counts;
        ``roll="next_business_day"`` moves a day-based due date off a weekend or holiday.
        """
        local = anchor if anchor.tzinfo is self.tz else anchor.astimezone(self.tz)
        day0: dt.date = date_of(local)
        if unit in _BY_DAY:
            # a day-based due date depends on the anchor's local date alone (and, for a business-day
            # count from receipt after close of business, on that): worked out once per key
            late = (
                unit == "business_days" and from_receipt and self._after_close and local > self.close_of_business(day0)
            )
            key = (day0, unit, amount, from_receipt, roll, late)
            found = self._by_day.get(key)
            if found is None:
                if len(self._by_day) >= DAY_CACHE_SIZE * 4:
                    self._by_day.clear()
                found = self._by_day[key] = self._due(local, day0, unit, amount, from_receipt=from_receipt, roll=roll)
            return found
        return self._due(local, day0, unit, amount, from_receipt=from_receipt, roll=roll)

    def _due(
        self, local: dt.datetime, day0: dt.date, unit: str, amount: int | None, *, from_receipt: bool, roll: str
    ) -> Due:
        """:meth:`due` worked out (``local`` is the anchor in the plan's timezone, ``day0`` its date)."""
        n = amount or 0
        day: dt.date | None = None
        if unit == "calendar_days":
            day = dt.date.fromordinal(day0.toordinal() + n)
        elif unit == "business_days":
            start = self.business_day_zero(local) if from_receipt else day0
            day = self.add_business_days(start, n)
        elif unit in ("months", "years"):
            day = self.add_months(day0, n * (12 if unit == "years" else 1))
        if day is not None:
            if roll == "next_business_day":
                day = self.roll_forward(day)
            return Due(day, self.end_of_day(day))
        if unit == "hours":  # elapsed time: from the instant, then back to local wall time
            if n < 24 * 365:
                # the wall time n hours on, when the zone has one offset on the anchor's day and on
                # that wall time's day, and the same one: then no switch moved the clock between
                naive = dt.datetime(
                    local.year, local.month, local.day, local.hour, local.minute, local.second, local.microsecond
                ) + dt.timedelta(hours=n)
                start_offset = _plain_offset(self.tz, day0.toordinal())
                if start_offset is not None and start_offset == _plain_offset(self.tz, naive.toordinal()):
                    wall = pendulum.DateTime(
                        naive.year,
                        naive.month,
                        naive.day,
                        naive.hour,
                        naive.minute,
                        naive.second,
                        naive.microsecond,
                        tzinfo=self.tz,
                    )
                    return _due_of(date_of(wall), wall)
            at = dt.datetime.fromtimestamp(local.timestamp() + n * 3600, tz=self.tz)
            wall = pendulum.DateTime(
                at.year, at.month, at.day, at.hour, at.minute, at.second, at.microsecond, tzinfo=self.tz, fold=at.fold
            )
            return _due_of(date_of(wall), wall)
        if unit == "immediately":
            return _due_of(day0, local)
        if unit == "close_of_next_business_day":
            day = self.next_business_day(day0)
            return _due_of(day, self.close_of_business(day))
        raise ValueError(f"unknown deadline unit {unit!r}")

    def extend(self, due: dt.date, unit: str, amount: int, *, roll: str = "none") -> Due:
        """A due date moved by an extension: ``amount`` ``unit`` after ``due`` (then rolled)."""
        if unit == "business_days":
            day = self.add_business_days(due, amount)
        else:
            day = dt.date.fromordinal(due.toordinal() + amount)
        if roll == "next_business_day":
            day = self.roll_forward(day)
        return Due(day, self.end_of_day(day))

    def filing_deadline(self, incident: dt.date, days: int) -> dt.date:
        """The last day a grievance about ``incident`` may be received: incident + ``days`` days."""
        return dt.date.fromordinal(incident.toordinal() + days)
