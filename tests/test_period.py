"""Reporting periods: each form, its first and last day, and the errors."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from grievance_rules.period import PeriodError, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2014Q4", date(2014, 10, 1), date(2014, 12, 31)),
        ("2024Q1", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),  # leap February
        ("2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        ("2014-12", date(2014, 12, 1), date(2014, 12, 31)),
        ("2014-12-03", date(2014, 12, 3), date(2014, 12, 3)),
        ("2014-10-01..2014-12-31", date(2014, 10, 1), date(2014, 12, 31)),
    ],
)
def test_each_form_gives_its_first_and_last_day(text: str, start: date, end: date) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert start in period and end in period


@pytest.mark.parametrize("text", ["2014Q5", "2014-13", "2014-02-30", "2014-12-31..2014-10-01", "last quarter", ""])
def test_bad_periods_are_period_errors_that_say_what_is_allowed(text: str) -> None:
    with pytest.raises(PeriodError, match="write a quarter like 2014Q4") as info:
        parse_period(text)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value)
