"""`grievance-rules explain` and the trace's values: deadlines worked out day by day, conditions with the
values they read, rules that did not fire; `evaluate` leaves the trace out unless --trace."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from helpers import FIXTURES

import grievance_rules as gr
from grievance_rules.cli import main
from grievance_rules.explain import explain, render_explanation

# Luxor, mail, received Tue 26 Nov 2024 10:00 Houston time (Thanksgiving week). Acknowledgement:
# 5 business days after receipt (day 0 = Tue 26 Nov), counted by hand:
#   Wed 27 Nov (1), Thu 28 Nov Thanksgiving Day - skipped, Fri 29 Nov (2),
#   Sat 30 Nov and Sun 1 Dec weekend - skipped, Mon 2 Dec (3), Tue 3 Dec (4), Wed 4 Dec (5)
#   -> due Wed 4 Dec 2024 23:59:59 CST.
THANKSGIVING_WEEK = {
    "id": "G-TG",
    "received_at": "2024-11-26T10:00:00-06:00",
    "channel": "mail",
    "narrative": "private words",
    "member": {"name": "Pat Example"},
}


@pytest.fixture(scope="module")
def luxor() -> gr.Policy:
    return gr.load_policy("luxor")


def test_thanksgiving_week_deadline_lists_the_skipped_days(luxor: gr.Policy) -> None:
    ex = explain(luxor, THANKSGIVING_WEEK)
    ack = next(a for a in ex.actions if a.action.code == "acknowledge")
    assert ack.deadline is not None
    assert ack.deadline.start == dt.date(2024, 11, 26)
    assert ack.deadline.counted == tuple(
        dt.date(2024, m, d) for m, d in ((11, 27), (11, 29), (12, 2), (12, 3), (12, 4))
    )
    assert ack.deadline.skipped == (
        (dt.date(2024, 11, 28), "Thanksgiving Day"),
        (dt.date(2024, 11, 30), "weekend"),
        (dt.date(2024, 12, 1), "weekend"),
    )
    assert ack.action.due_date == dt.date(2024, 12, 4)
    text = render_explanation(ex)
    assert "      received: Tue 26 Nov 2024 10:00:00 CST\n" in text
    assert "      5 business days after Tue 26 Nov 2024 (day 0)\n" in text
    assert "      counted: Wed 27 Nov (1), Fri 29 Nov (2), Mon 2 Dec (3), Tue 3 Dec (4), Wed 4 Dec (5)\n" in text
    assert "      skipped: Thu 28 Nov Thanksgiving Day, Sat 30 Nov weekend, Sun 1 Dec weekend\n" in text
    assert "      due: Wed 4 Dec 2024 23:59:59 CST\n" in text
    # the rule, its citation and reading, and the value that made its condition true
    assert "1. acknowledge: Written acknowledgement to the enrollee (rule luxor.acknowledge)\n" in text
    assert "      ✓ classification is formal  (classification = formal)\n" in text
    assert "    citation: 004_ef56c9d8f10067a0.txt, Response & Resolution 1\n" in text
    assert "    reading: The 5 business days count from the date of receipt (day 0)" in text
    assert "private words" not in text and "Pat Example" not in text


def test_rules_that_did_not_fire_say_which_value_failed(luxor: gr.Policy) -> None:
    text = render_explanation(explain(luxor, THANKSGIVING_WEEK))
    not_fired = text.split("Rules that did not fire\n", 1)[1]
    assert (
        "- luxor.telephone_resolved_next_business_day: does not apply: needs channel is phone and "
        "timers.resolved_by_next_business_day is met\n"
        "    ✗ channel is phone  (channel = mail)\n"
        # close of the next business day after Tue 26 Nov: Wed 27 Nov 17:00; not resolved
        "    ✗ timers.resolved_by_next_business_day is met  (timers.resolved_by_next_business_day = open; "
        "due Wed 27 Nov 2024 17:00:00 CST; event not yet)\n"
    ) in not_fired
    assert "    ✗ present.member.name is false  (present.member.name = true)\n" in not_fired


def test_after_hours_receipt_says_where_counting_starts() -> None:
    # tests/fixtures/diff/new.yaml: after_hours_receipt next_business_day, acknowledgement 7 business days.
    # Received Wed 27 Nov 18:00 (after 17:00 close): day 0 is the next business day, Thu 28 is
    # Thanksgiving, so Fri 29 Nov. Then Sat 30, Sun 1 skipped; Mon 2 (1), Tue 3 (2), Wed 4 (3),
    # Thu 5 (4), Fri 6 (5); Sat 7, Sun 8 skipped; Mon 9 (6), Tue 10 (7) -> due Tue 10 Dec.
    policy = gr.load_policy(FIXTURES / "diff" / "new.yaml")
    ex = explain(policy, {"id": "N1", "received_at": "2024-11-27T18:00:00-06:00", "channel": "mail"})
    ack = ex.actions[0]
    assert ack.action.code == "acknowledge" and ack.action.due_date == dt.date(2024, 12, 10)
    assert ack.deadline is not None and ack.deadline.start == dt.date(2024, 11, 29)
    assert [d for d, _ in ack.deadline.skipped] == [
        dt.date(2024, 11, 30),
        dt.date(2024, 12, 1),
        dt.date(2024, 12, 7),
        dt.date(2024, 12, 8),
    ]
    assert (
        "received after close of business or on a non-business day: counting starts Fri 29 Nov 2024"
        in ack.deadline.steps
    )


def test_business_day_walk_is_the_one_deadlines_use(luxor: gr.Policy) -> None:
    cal = luxor.calendar
    day = dt.date(2024, 11, 1)
    for offset in range(70):  # Nov 2024 - Jan 2025: Thanksgiving, Christmas, New Year, weekends
        start = day + dt.timedelta(days=offset)
        for n in (1, 5, 30):
            walk = cal.count_business_days(start, n)
            assert walk.due_date == cal.add_business_days(start, n)
            assert len(walk.counted) == n and all(cal.is_business_day(d) for d in walk.counted)
            assert all(not cal.is_business_day(d) for d, _ in walk.skipped)


def test_trace_carries_values_anchor_and_due(luxor: gr.Policy) -> None:
    det = luxor.evaluate(
        {**THANKSGIVING_WEEK, "channel": "phone", "resolved_at": "2024-11-27T09:00:00-06:00"}, trace=True
    )
    by = {t.rule: t for t in det.trace}
    timer = by["luxor.telephone_resolved_next_business_day"]
    assert timer.fired and timer.values == {
        "channel": "phone",
        "timers.resolved_by_next_business_day": "met",
        "timers.resolved_by_next_business_day.due_at": "2024-11-27T17:00:00-06:00",
        "timers.resolved_by_next_business_day.event_at": "2024-11-27T09:00:00-06:00",
    }
    det = luxor.evaluate(THANKSGIVING_WEEK)
    ack = {t.rule: t for t in det.trace}["luxor.acknowledge"]
    assert ack.values == {"classification": "formal"}
    assert (ack.anchor, ack.anchor_at, ack.due_at) == (
        "receipt",
        dt.datetime(2024, 11, 26, 10, tzinfo=dt.timezone(dt.timedelta(hours=-6))),
        dt.datetime(2024, 12, 4, 23, 59, 59, tzinfo=dt.timezone(dt.timedelta(hours=-6))),
    )
    dumped = json.dumps(det.model_dump(mode="json"))
    assert "private words" not in dumped and "Pat Example" not in dumped
    assert luxor.evaluate(THANKSGIVING_WEEK, trace=False).trace == ()


def test_trace_values_differ_per_grievance_even_with_one_fired_set(luxor: gr.Policy) -> None:
    # two grievances firing the same rules share trace entries except their own moments
    a = luxor.evaluate({**THANKSGIVING_WEEK, "id": "A"})
    b = luxor.evaluate({**THANKSGIVING_WEEK, "id": "B", "received_at": "2024-12-20T10:00:00-06:00"})
    ta = {t.rule: t for t in a.trace}["luxor.acknowledge"]
    tb = {t.rule: t for t in b.trace}["luxor.acknowledge"]
    assert ta.due_at is not None and tb.due_at is not None and ta.due_at != tb.due_at
    # Fri 20 Dec + 5 business days: Mon 23, Tue 24, (Wed 25 Christmas), Thu 26, Fri 27, Mon 30
    assert tb.due_at.date() == dt.date(2024, 12, 30)


def test_cli_explain_text_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cases.jsonl"
    f.write_text(json.dumps(THANKSGIVING_WEEK) + "\n" + json.dumps({**THANKSGIVING_WEEK, "channel": "pigeon"}) + "\n")
    code = main(["explain", "--policy", "luxor", str(f)])
    out, err = capsys.readouterr()
    assert code == 1 and out.startswith("Grievance G-TG under luxor")
    assert "skipped: Thu 28 Nov Thanksgiving Day, Sat 30 Nov weekend, Sun 1 Dec weekend" in out
    assert err.startswith("record 2: ") and "private words" not in out + err
    code = main(["explain", "--policy", "luxor", "--format", "json", str(f)])
    first = json.loads(capsys.readouterr().out.splitlines()[0])
    ack = first["actions"][0]
    assert ack["deadline"]["skipped"] == [
        ["2024-11-28", "Thanksgiving Day"],
        ["2024-11-30", "weekend"],
        ["2024-12-01", "weekend"],
    ]


def test_cli_evaluate_leaves_the_trace_out_unless_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "one.json"
    f.write_text(json.dumps(THANKSGIVING_WEEK))
    assert main(["evaluate", "--policy", "luxor", str(f)]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert "trace" not in plain and plain["actions"][0]["due_date"] == "2024-12-04"
    assert main(["evaluate", "--policy", "luxor", "--trace", str(f)]) == 0
    traced = json.loads(capsys.readouterr().out)
    ack = next(t for t in traced["trace"] if t["rule"] == "luxor.acknowledge")
    assert ack["values"] == {"classification": "formal"} and ack["due_at"] == "2024-12-04T23:59:59-06:00"
    assert {k: v for k, v in traced.items() if k != "trace"} == plain


def test_every_bundled_pack_explains_its_generated_cases() -> None:
    # the benchmark generator draws channels, concerns, groups, events and resolutions from each
    # pack's vocabulary; explain raises if a worked-out deadline disagreed with the due date

    from generate import grievances

    for pack in gr.available_policies():
        policy = gr.load_policy(pack)
        if policy.spec.subject is not None:
            continue  # the generator draws grievances; subject packs are explained in test_subjects.py
        for record in grievances(policy, 150, seed=5):
            ex = explain(policy, record, as_of="2025-06-30T12:00:00")
            for account in ex.actions:
                has_anchor = next(t for t in ex.determination.trace if t.rule == account.action.rule).anchor is not None
                assert (account.deadline is not None) == has_anchor
                if account.deadline is not None:
                    assert account.deadline.due_at == account.action.due_at
            assert render_explanation(ex).startswith(f"Grievance {record['id']} under {pack}")


def test_a_text_fact_shows_only_values_the_pack_names(tmp_path: Path) -> None:
    # group is caller text: the trace shows it only when the pack's own condition names that value
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    pack = tmp_path / "mini.yaml"
    pack.write_text(
        text.replace(
            "warnings:\n",
            "warnings:\n  - id: acme\n    when: {fact: group, is: Acme}\n    message: an Acme member\n"
            "    citation: {file: mini.yaml, section: groups}\n",
        ),
        encoding="utf-8",
    )
    policy = gr.load_policy(pack)
    base = {"id": "T", "received_at": "2024-11-26T10:00:00-06:00", "channel": "mail"}
    acme = {t.rule: t for t in policy.evaluate({**base, "group": "Acme"}).trace}["mini.acme"]
    other = {t.rule: t for t in policy.evaluate({**base, "group": "Secret Corp"}).trace}["mini.acme"]
    assert acme.fired and acme.values == {"group": "Acme"}
    assert not other.fired and other.values == {"group": "(a value the pack does not name)"}
