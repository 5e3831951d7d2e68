"""The daily worklist: buckets, order, errors in place, the command and its table."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES

import grievance_rules as gr
from grievance_rules.cli import main

MINI = str(FIXTURES / "mini.yaml")


def case(gid: str, received: str, **extra: Any) -> dict[str, Any]:
    return {"id": gid, "received_at": received, "channel": "mail", **extra}


# Mini pack: acknowledgement due 5 business days after receipt (Chicago, US holidays).
CASES = [
    case("late", "2024-11-15T10:00:00-06:00"),  # Fri 15 Nov + 5 bd = Fri 22 Nov: overdue on 2 Dec
    case("today", "2024-11-22T10:00:00-06:00"),  # Fri 22 Nov + 5 bd (Thanksgiving skipped) = Mon 2 Dec
    case("soon", "2024-11-25T09:00:00-06:00"),  # Mon 25 Nov + 5 bd = 26, 27, 29, 2, Tue 3 Dec
    case("later", "2024-11-29T09:00:00-06:00"),  # Fri 29 Nov + 5 bd = Fri 6 Dec: beyond 3 days
    case("done", "2024-11-15T10:00:00-06:00", events=[{"type": "acknowledged", "at": "2024-11-18T09:00:00-06:00"}]),
]


def test_buckets_and_order(mini: gr.Policy) -> None:
    wl = gr.build_worklist(CASES, dt.date(2024, 12, 2), within=3, policy=mini)
    assert wl.cases == 5 and wl.errors == ()
    assert [(i.grievance_id, i.bucket, i.due_date.isoformat()) for i in wl.items] == [
        ("late", "overdue", "2024-11-22"),
        ("today", "due_today", "2024-12-02"),
        ("soon", "due_soon", "2024-12-03"),
    ]
    assert [i.grievance_id for i in wl.bucket("overdue")] == ["late"]
    assert wl.items[0].rule == "mini.acknowledge" and wl.items[0].citation


def test_within_zero_lists_overdue_and_today_only(mini: gr.Policy) -> None:
    wl = gr.build_worklist(CASES, dt.date(2024, 12, 2), policy=mini)
    assert [i.grievance_id for i in wl.items] == ["late", "today"]


def test_events_of_the_day_itself_count(mini: gr.Policy) -> None:
    acked_today = case(
        "today", "2024-11-22T10:00:00-06:00", events=[{"type": "acknowledged", "at": "2024-12-02T16:00:00-06:00"}]
    )
    wl = gr.build_worklist([acked_today], dt.date(2024, 12, 2), policy=mini)
    assert wl.items == ()


def test_bad_records_are_kept_in_place_and_the_pass_goes_on(mini: gr.Policy) -> None:
    records = [CASES[0], {"id": "broken", "received_at": "never", "narrative": "secret words"}, CASES[1]]
    wl = gr.build_worklist(records, dt.date(2024, 12, 2), policy=mini)
    assert [i.grievance_id for i in wl.items] == ["late", "today"]
    (error,) = wl.errors
    assert (error.record, error.id, error.field) == (2, "broken", "received_at")
    assert "secret" not in error.error


def test_mixed_packs_by_wrapped_records() -> None:
    records = [
        {"policy": "luxor", "facts": case("L", "2024-11-22T10:00:00-06:00")},
        {"policy": "ctdhp", "facts": {**case("C", "2024-11-27T10:00:00-05:00"), "concerns": ["poor_quality_work"]}},
    ]
    wl = gr.build_worklist(records, dt.date(2024, 12, 2))
    # Luxor ack due Mon 2 Dec 23:59 CST (05:59Z on 3 Dec); CTDHP visit: Wed 27 Nov + 5 = Mon 2 Dec 23:59 EST (04:59Z)
    assert [(i.grievance_id, i.code) for i in wl.items] == [("C", "visit_office"), ("L", "acknowledge")]


def test_plain_facts_need_a_policy() -> None:
    wl = gr.build_worklist([CASES[0]], dt.date(2024, 12, 2))
    assert wl.errors[0].field == "policy"


def test_worklist_command_table_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cases.jsonl"
    f.write_text("\n".join(json.dumps(c) for c in CASES) + "\n{broken\n")
    code = main(["worklist", str(f), "--as-of", "2024-12-02", "--within", "3", "--policy", MINI])
    out, err = capsys.readouterr()
    assert code == 1 and "record 6" in err
    lines = out.splitlines()
    assert lines[0].startswith("Worklist for 2024-12-02") and lines[1].split()[:3] == ["DUE", "WHEN", "CASE"]
    assert "2024-11-22 23:59 CST  overdue" in lines[2] and "late" in lines[2]
    assert "due today" in lines[3] and "due soon" in lines[4]
    assert lines[5] == "5 cases, 3 open actions listed" and len(lines) == 6
    code = main(["worklist", str(f), "--as-of", "2024-12-02", "--policy", MINI, "--json"])
    data = json.loads(capsys.readouterr().out)
    assert [i["grievance_id"] for i in data["items"]] == ["late", "today"]
    assert data["errors"][0]["record"] == 6


def test_worklist_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "cases.jsonl"
    f.write_text(json.dumps(CASES[0]) + "\n")
    assert main(["worklist", str(f), "--as-of", "December", "--policy", MINI]) == 2
    assert main(["worklist", str(tmp_path / "none.jsonl"), "--as-of", "2024-12-02"]) == 2
    assert "no such file" in capsys.readouterr().err


def test_spilled_chunks_merge_in_the_same_order(mini: gr.Policy) -> None:
    many = [case(f"g{i:03d}", f"2024-11-{1 + i % 28:02d}T{8 + i % 9:02d}:00:00-06:00") for i in range(200)]
    in_memory = list(gr.WorklistPass(many, dt.date(2024, 12, 2), within=5, policy=mini, chunk_size=10_000))
    spilled = list(gr.WorklistPass(many, dt.date(2024, 12, 2), within=5, policy=mini, chunk_size=7))
    assert spilled == in_memory and len(in_memory) > 100
    keys = [(i.due_at.timestamp(), i.grievance_id, i.rule) for i in in_memory]
    assert keys == sorted(keys)


def test_a_record_the_calendar_cannot_serve_is_an_error_in_place(mini: gr.Policy) -> None:
    # year 1 overflowed the calendar and ended the whole worklist (issue 10, point 3)
    year_one = case("old", "0001-01-01T00:00:00+00:00", narrative="secret words")
    wl = gr.build_worklist([CASES[0], year_one, CASES[1]], dt.date(2024, 12, 2), policy=mini)
    assert [i.grievance_id for i in wl.items] == ["late", "today"]
    (error,) = wl.errors
    assert (error.record, error.id) == (2, "old") and "secret" not in error.error
