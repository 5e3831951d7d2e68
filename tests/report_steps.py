"""Step definitions for features/reports.feature: a grievance log, a report run over it, its figures.

Imported (with ``*``, so the step fixtures pytest-bdd registers come along: no ``__all__``) by
tests/steps.py, so every feature module that takes the generic steps has these too.
Nothing here knows a plan: the pack, the report, the period and every grievance come from the
step text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from pytest_bdd import given, parsers, then, when

import grievance_rules as gr


@dataclass
class Reporting:
    """The scenario's grievance log and the report run over it."""

    records: list[dict[str, Any]] = field(default_factory=list)
    report: gr.Report | None = None

    def result(self) -> gr.Report:
        assert self.report is not None, "run the report first (When the ... report is run ...)"
        return self.report


@pytest.fixture
def reporting() -> Reporting:
    """The scenario's log and report."""
    return Reporting()


def _words(text: str) -> str:
    return "_".join(text.strip().lower().replace("-", " ").split())


@given("the grievance log:")
def given_log(reporting: Reporting, datatable: list[list[str]]) -> None:
    """One grievance per row: "id" and "received" (ISO 8601, as a record would give it), and
    optionally "channel", "type", "concerns" (comma-separated), "resolved", "events"
    ("office_visited 2014-11-07T15:00:00-05:00; ...")."""
    header = [h.strip().lower() for h in datatable[0]]
    known = {"id", "received", "channel", "type", "concerns", "resolved", "events", "group"}
    assert {"id", "received"} <= set(header) <= known, f"columns {header}; known: {sorted(known)}"
    for raw in datatable[1:]:
        row = dict(zip(header, (c.strip() for c in raw), strict=True))
        record: dict[str, Any] = {"id": row["id"], "received_at": row["received"]}
        if row.get("channel"):
            record["channel"] = row["channel"]
        if row.get("type"):
            record["type"] = _words(row["type"])
        if row.get("group"):
            record["group"] = row["group"]
        if row.get("concerns"):
            record["concerns"] = [_words(c) for c in row["concerns"].split(",")]
        if row.get("resolved"):
            record["resolved_at"] = row["resolved"]
        if row.get("events"):
            record["events"] = [
                {"type": kind, "at": at}
                for kind, at in (part.split() for part in row["events"].split(";") if part.strip())
            ]
        reporting.records.append(record)


@when(
    parsers.re(
        r'the "(?P<name>[^"]+)" report of "(?P<pack>[^"]+)" is run for (?P<period>\S+)'
        r"(?: with (?P<mm>[\d,]+) member months)?"
    )
)
def when_report(reporting: Reporting, name: str, pack: str, period: str, mm: str | None) -> None:
    member_months = int(mm.replace(",", "")) if mm else None
    reporting.report = gr.load_policy(pack).report(
        name, iter(reporting.records), period=period, member_months=member_months
    )


@then(parsers.re(r"the report counts (?P<n>\d+) grievances?$"))
def then_total(reporting: Reporting, n: str) -> None:
    assert reporting.result().total == int(n)


@then(parsers.re(r'the report counts (?P<n>\d+) grievances? of (?P<dim>[a-z_ ]+?) "(?P<value>[^"]+)"'))
def then_count_of(reporting: Reporting, n: str, dim: str, value: str) -> None:
    counts = reporting.result().counts
    key = _words(dim)
    assert key in counts, f"the report does not count by {key}; it counts by {', '.join(counts)}"
    values = counts[key]
    assert value in values, f"{value!r} is not listed under {key}: {values}"
    assert values[value] == int(n), f"{key} {value}: {values[value]}, expected {n}"


@then(parsers.re(r"the rate per 1000 member months is (?P<shown>[\d.]+) when rounded to 3 significant digits"))
def then_rate(reporting: Reporting, shown: str) -> None:
    rate = reporting.result().rate_per_1000_member_months
    assert rate is not None and f"{rate:.3g}" == shown, f"rate {rate}"


@then("the report gives no rate per 1000 member months")
def then_no_rate(reporting: Reporting) -> None:
    assert reporting.result().rate_per_1000_member_months is None


@then(
    parsers.re(
        r'the "(?P<code>[^"]+)" actions are (?P<on_time>\d+) on time, (?P<late>\d+) late, '
        r"(?P<overdue>\d+) overdue and (?P<pending>\d+) pending"
    )
)
def then_timeliness(reporting: Reporting, code: str, on_time: str, late: str, overdue: str, pending: str) -> None:
    t = reporting.result().timeliness[code]
    assert (t.on_time, t.late, t.overdue, t.pending) == (int(on_time), int(late), int(overdue), int(pending)), t


@then(parsers.re(r'a note of the report says "(?P<text>[^"]+)"'))
def then_note(reporting: Reporting, text: str) -> None:
    notes = reporting.result().notes
    assert any(text in n for n in notes), f"no note says {text!r}: {notes}"
