"""Reporting periods as users write them: a quarter, a month, a day or an inclusive range.

Reports (contract section 7) and the audit export (section 8) select grievances by their
*local* receipt date; this module only turns the text a user gives into the first and last
calendar day it covers. The policy decides which timezone those days are read in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from grievance_rules.errors import GrievanceRulesError

__all__ = ["Period", "PeriodError", "parse_period"]

_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")

_ALLOWED = "a quarter like 2014Q4, a month like 2014-12, a day like 2014-12-03 or a range like 2014-10-01..2014-12-31"


class PeriodError(GrievanceRulesError, ValueError):
    """A period could not be read. ``allowed`` says which forms are accepted."""

    def __init__(self, message: str) -> None:
        self.allowed = _ALLOWED
        super().__init__(f"{message}; write {_ALLOWED}")

    def __reduce__(self) -> tuple[type[PeriodError], tuple[str]]:
        text = str(self)
        return (PeriodError, (text[: text.rfind("; write ")],))


@dataclass(frozen=True)
class Period:
    """The first and last local calendar day of a period, both included."""

    start: date
    end: date
    label: str

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end

    @property
    def days(self) -> int:
        """How many calendar days the period spans."""
        return (self.end - self.start).days + 1


def _day(text: str) -> date:
    if not _DAY.match(text):
        raise PeriodError(f"period day {text[:40]!r} is not a date like 2014-12-03")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PeriodError(f"period day {text[:40]!r} is not a real calendar date") from None


def _month_end(year: int, month: int) -> date:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def parse_period(text: str | Period) -> Period:
    """Read ``2014Q4``, ``2014-12``, ``2014-12-03`` or ``2014-10-01..2014-12-31`` into a :class:`Period`."""
    if isinstance(text, Period):
        return text
    if not isinstance(text, str):
        raise PeriodError(f"a period must be text, not {type(text).__name__}")
    value = text.strip()
    if match := _QUARTER.match(value):
        year, quarter = int(match[1]), int(match[2])
        first_month = 3 * (quarter - 1) + 1
        return Period(date(year, first_month, 1), _month_end(year, first_month + 2), value)
    if match := _MONTH.match(value):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise PeriodError(f"period month {value!r} has no month {month}")
        return Period(date(year, month, 1), _month_end(year, month), value)
    if ".." in value:
        first, _, last = value.partition("..")
        start, end = _day(first.strip()), _day(last.strip())
        if end < start:
            raise PeriodError(f"period {value[:40]!r} ends before it starts")
        return Period(start, end, value)
    if _DAY.match(value):
        day = _day(value)
        return Period(day, day, value)
    raise PeriodError(f"period {value[:40]!r} is not understood")
