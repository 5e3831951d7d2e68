"""Case books: patterns across grievances in one durable-rules session (CTDHP repeated Level I)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

import grievance_rules as gr


@pytest.fixture(scope="module")
def ctdhp() -> gr.Policy:
    return gr.load_policy("ctdhp")


def complaint(gid: str, day: str, provider: str | None = "Dr A", concerns: tuple[str, ...] = ("staff_rude",)) -> dict:
    out: dict[str, Any] = {"id": gid, "received_at": f"{day}T10:00:00", "channel": "phone", "concerns": list(concerns)}
    if provider is not None:
        out["provider"] = {"name": provider}
    return out


def levels(result: gr.CaseBookResult) -> dict[str, str | None]:
    return {d.grievance_id: d.level for d in result.determinations}


def run(policy: gr.Policy, records: list[dict[str, Any]]) -> gr.CaseBookResult:
    book = gr.CaseBook(policy)
    book.extend(records)
    return book.evaluate()


def test_third_level_i_complaint_within_90_days_requires_a_review_naming_the_others(ctdhp: gr.Policy) -> None:
    # 2 Jan + 90 days = 1 Apr 2024 (2024 is a leap year: Jan 29 left + Feb 29 + Mar 31 = 89, +1)
    result = run(ctdhp, [complaint("a", "2024-01-02"), complaint("b", "2024-02-15"), complaint("c", "2024-04-01")])
    # "may result in Level II escalation": the pattern changes no level by itself
    assert levels(result) == {"a": "I", "b": "I", "c": "I"}
    (esc,) = result.escalations
    assert (esc.rule, esc.grievance_id, esc.related) == ("ctdhp.repeated_level_i", "c", ("a", "b"))
    assert esc.citation.startswith("000_aa41c7bbf3b6f886.txt") and esc.reading
    completing = result.determinations[2]
    review = {a.code: a for a in completing.actions}["review_repeated_complaints"]
    assert review.due_at is None and review.status == "pending"
    assert "a, b" in review.basis and "Related grievances (repeated_level_i): a, b" in review.details
    assert "visit_office" not in {a.code for a in completing.actions}


def test_day_91_is_outside_the_window(ctdhp: gr.Policy) -> None:
    result = run(ctdhp, [complaint("a", "2024-01-02"), complaint("b", "2024-02-15"), complaint("c", "2024-04-02")])
    assert levels(result) == {"a": "I", "b": "I", "c": "I"} and result.escalations == ()


def test_other_providers_missing_providers_and_level_ii_do_not_count(ctdhp: gr.Policy) -> None:
    records = [
        complaint("a", "2024-01-02"),
        complaint("b", "2024-01-03", provider="Dr B"),
        complaint("c", "2024-01-04", provider=None),
        complaint("d", "2024-01-05", concerns=("poor_quality_work",)),
        complaint("e", "2024-01-06", provider="  dr   a "),  # same provider, spelled differently
    ]
    result = run(ctdhp, records)
    assert levels(result)["d"] == "II" and result.escalations == ()
    result = run(ctdhp, [*records, complaint("f", "2024-01-07")])
    assert [e.grievance_id for e in result.escalations] == ["f"]
    assert result.escalations[0].related == ("a", "e")


def test_result_does_not_depend_on_the_order_grievances_are_added(ctdhp: gr.Policy) -> None:
    records = [complaint(f"g{i}", (dt.date(2024, 1, 1) + dt.timedelta(days=7 * i)).isoformat()) for i in range(12)]
    baseline = run(ctdhp, records)
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    other = run(ctdhp, shuffled)
    assert levels(baseline) == levels(other)
    assert baseline.escalations == tuple(sorted(other.escalations, key=lambda e: int(e.grievance_id[1:])))


def test_case_books_are_isolated(ctdhp: gr.Policy) -> None:
    one = gr.CaseBook(ctdhp)
    two = gr.CaseBook(ctdhp)
    one.extend([complaint("a", "2024-01-02"), complaint("b", "2024-01-03")])
    two.extend([complaint("c", "2024-01-04")])
    assert one.evaluate().escalations == () and two.evaluate().escalations == ()
    one.add(complaint("d", "2024-01-05"))
    assert [e.grievance_id for e in one.evaluate().escalations] == ["d"]
    assert two.evaluate().escalations == ()


def test_single_evaluation_never_sees_other_grievances(ctdhp: gr.Policy) -> None:
    for gid, day in (("a", "2024-01-02"), ("b", "2024-01-03"), ("c", "2024-01-04")):
        det = ctdhp.evaluate(complaint(gid, day))
        assert det.level == "I"
        assert {t.rule: t.fired for t in det.trace}["ctdhp.repeated_level_i"] is True


def test_bad_facts_are_refused_when_added(ctdhp: gr.Policy) -> None:
    book = gr.CaseBook(ctdhp)
    with pytest.raises(gr.FactsError):
        book.add({"id": "x", "received_at": "nope"})
    assert len(book) == 0


def test_a_pack_without_patterns_returns_plain_determinations(mini: gr.Policy) -> None:
    result = run(mini, [{"id": "a", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"}])
    assert result.escalations == () and result.determinations[0].classification == "formal"
