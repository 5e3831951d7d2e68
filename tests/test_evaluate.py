"""Evaluating facts against a policy: validation, engine decisions, trace, statuses, threads."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import threading
from collections.abc import Iterator
from typing import Any

import holidays
import pytest
from helpers import FIXTURES

import grievance_rules as gr
from grievance_rules.loader import load_spec_text

BASE: dict[str, Any] = {"id": "C-1", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"}
SECRET = "Jane Q. Secretname"


def facts(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(BASE)
    out.update(changes)
    return out


def actions(det: gr.Determination) -> dict[str, gr.ActionResult]:
    return {a.rule.split(".", 1)[1]: a for a in det.actions}


# ------------------------------------------------------------------ facts errors


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"received_at": None}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        ({"received_at": "2024-11-22"}, "received_at"),
        ({"channel": "pigeon"}, "channel"),
        ({"concerns": ["unsafe", "unsaef"]}, "concerns[1]"),
        ({"type": "biling"}, "type"),
        ({"colour": "red"}, "colour"),
        ({"incident_date": "2024-11-23"}, "incident_date"),
        ({"wants_formal_grievance": "yes"}, "wants_formal_grievance"),
        ({"events": [{"type": "visited", "at": "2024-11-21T09:00:00-06:00"}]}, "events[0].at"),
        ({"events": [{"type": "teleported", "at": "2024-11-23T09:00:00-06:00"}]}, "events[0].type"),
        ({"resolved_at": "2024-11-21T09:00:00-06:00"}, "resolved_at"),
    ],
)
def test_bad_facts_raise_facts_error_naming_the_field(mini: gr.Policy, bad: dict[str, Any], field: str) -> None:
    record = facts(**bad)
    if record.get("received_at") is None:
        del record["received_at"]
    with pytest.raises(gr.FactsError) as info:
        mini.evaluate(record)
    assert info.value.field == field
    assert info.value.allowed
    assert isinstance(info.value, gr.GrievanceRulesError)


def test_naive_datetime_object_is_refused(mini: gr.Policy) -> None:
    with pytest.raises(gr.FactsError) as info:
        mini.evaluate(facts(received_at=dt.datetime(2024, 11, 22, 10)))
    assert info.value.field == "received_at"


def test_offsetless_string_is_read_in_the_plan_timezone(mini: gr.Policy) -> None:
    det = mini.evaluate(facts(received_at="2024-11-22T10:00:00"))
    assert det.received_at.isoformat() == "2024-11-22T10:00:00-06:00"


def test_unknown_tag_suggests_the_near_miss(mini: gr.Policy) -> None:
    with pytest.raises(gr.FactsError, match="did you mean 'unsafe'"):
        mini.evaluate(facts(concerns=["unsaef"]))


def test_errors_never_echo_personal_data(mini: gr.Policy) -> None:
    bad_records = [
        facts(narrative=SECRET, member={"name": SECRET, "id": SECRET}, colour=SECRET),
        facts(narrative=SECRET, concerns=[SECRET]),
        facts(id=SECRET, received_at=SECRET),
        facts(member={"name": SECRET, "nickname": SECRET}),
        facts(events=[{"type": "visited", "at": SECRET, "note": SECRET}]),
        facts(narrative=123),
    ]
    for record in bad_records:
        with pytest.raises(gr.FactsError) as info:
            mini.evaluate(record)
        assert SECRET not in str(info.value) and SECRET not in repr(info.value.problems)


def test_evaluate_does_not_mutate_its_input(mini: gr.Policy) -> None:
    record = facts(concerns=["unsafe"], events=[{"type": "visited", "at": "2024-11-25T09:00:00-06:00"}])
    before = copy.deepcopy(record)
    mini.evaluate(record, as_of="2024-12-01T00:00:00-06:00")
    assert record == before


# ------------------------------------------------------------------ decisions


def test_first_match_choice_and_level_precedence(mini: gr.Policy) -> None:
    assert mini.evaluate(facts(concerns=["rude"])).level == "I"
    assert mini.evaluate(facts(concerns=["unsafe", "rude"])).level == "II"
    assert mini.evaluate(facts(concerns=["unsafe", "harm"])).level == "III"


def test_engine_decides_classification_from_derived_timer(mini: gr.Policy) -> None:
    # Fri 22 Nov 2024 10:00; close of next business day = Mon 25 Nov 17:00 Chicago
    on_time = mini.evaluate(facts(channel="phone", resolved_at="2024-11-25T17:00:00-06:00"))
    late = mini.evaluate(facts(channel="phone", resolved_at="2024-11-25T17:00:01-06:00"))
    assert on_time.classification == "quick"
    assert late.classification == "formal"
    assert "acknowledge" not in actions(on_time) and "acknowledge" in actions(late)


def test_trace_lists_every_rule_with_a_reason(mini: gr.Policy) -> None:
    det = mini.evaluate(facts(channel="phone", concerns=["harm", "unsafe"]))
    names = [t.rule for t in det.trace]
    assert names == [r.name for r in mini.compiled.rules]
    by = {t.rule: t for t in det.trace}
    assert by["mini.level_iii"].fired and "harm" in by["mini.level_iii"].because
    assert not by["mini.level_ii"].fired
    assert "earlier level rule" in by["mini.level_ii"].because
    assert by["mini.quick_phone"].because.startswith("does not apply")
    assert all(t.citation for t in det.trace)


def test_action_due_dates_basis_and_citation(mini: gr.Policy) -> None:
    det = mini.evaluate(facts(concerns=["unsafe"]))
    ack = actions(det)["acknowledge"]
    # Fri 22 Nov + 5 business days: 25, 26, 27, (28 Thanksgiving), 29, Mon 2 Dec
    assert ack.due_date == dt.date(2024, 12, 2)
    assert ack.due_at is not None and ack.due_at.isoformat() == "2024-12-02T23:59:59-06:00"
    assert ack.basis == "5 business days after receipt"
    assert ack.citation == "mini.yaml, ack" and ack.rule == "mini.acknowledge" and ack.responsible == "qa"
    follow = actions(det)["follow_up"]
    # not yet visited: 30 days after the visit's own due date (22 Nov + 5 = 27 Nov) -> 27 Dec
    assert follow.due_date == dt.date(2024, 12, 27)
    assert "due date of visit" in follow.basis


def test_anchor_on_the_real_event_when_it_happened(mini: gr.Policy) -> None:
    det = mini.evaluate(facts(concerns=["unsafe"], events=[{"type": "visited", "at": "2024-11-26T09:00:00-06:00"}]))
    follow = actions(det)["follow_up"]
    assert follow.due_date == dt.date(2024, 12, 26)
    assert "visit done (2024-11-26)" in follow.basis
    assert actions(det)["visit"].status == "done"


def test_status_pending_overdue_done(mini: gr.Policy) -> None:
    record = facts()
    assert actions(mini.evaluate(record, as_of="2024-12-02T23:59:59-06:00"))["acknowledge"].status == "pending"
    assert actions(mini.evaluate(record, as_of="2024-12-03T00:00:00-06:00"))["acknowledge"].status == "overdue"
    done = facts(events=[{"type": "acknowledged", "at": "2024-11-26T09:00:00-06:00"}])
    assert actions(mini.evaluate(done, as_of="2024-12-20"))["acknowledge"].status == "done"
    assert actions(mini.evaluate(record))["acknowledge"].status == "pending"


def test_event_after_as_of_is_refused(mini: gr.Policy) -> None:
    record = facts(events=[{"type": "acknowledged", "at": "2024-11-26T09:00:00-06:00"}])
    with pytest.raises(gr.FactsError) as info:
        mini.evaluate(record, as_of="2024-11-25T00:00:00-06:00")
    assert info.value.field == "events[0].at"


def test_events_out_of_order_are_refused(mini: gr.Policy) -> None:
    record = facts(
        events=[
            {"type": "visited", "at": "2024-11-26T09:00:00-06:00"},
            {"type": "acknowledged", "at": "2024-11-25T09:00:00-06:00"},
        ]
    )
    with pytest.raises(gr.FactsError) as info:
        mini.evaluate(record)
    assert info.value.field == "events[1].at"


def test_count_condition_and_immediate_deadline(mini: gr.Policy) -> None:
    attempts = [{"type": "contact_attempt", "at": f"2024-11-2{d}T09:00:00-06:00"} for d in (3, 4, 5)]
    det = mini.evaluate(facts(events=attempts))
    escalate = actions(det)["escalate"]
    assert escalate.due_at is not None and escalate.due_at.isoformat() == "2024-11-23T09:00:00-06:00"
    assert "escalate" not in actions(mini.evaluate(facts(events=attempts[:2])))


def test_filing_window_and_warnings(mini: gr.Policy) -> None:
    det = mini.evaluate(facts(incident_date="2024-05-26"))  # + 180 days = 22 Nov 2024
    assert det.timely_filed is True and det.filing_deadline == dt.date(2024, 11, 22)
    late = mini.evaluate(facts(incident_date="2024-05-25"))
    assert late.timely_filed is False and "filed after the filing window" in late.warnings
    assert mini.evaluate(facts()).timely_filed is None


def test_missing_record_field_is_a_warning(mini: gr.Policy) -> None:
    assert any("provider" in w for w in mini.evaluate(facts()).warnings)
    assert not mini.evaluate(facts(provider={"name": "Dr X"})).warnings


def test_as_of_must_be_aware_or_parsable(mini: gr.Policy) -> None:
    with pytest.raises(gr.FactsError):
        mini.evaluate(facts(), as_of="someday")
    with pytest.raises(gr.FactsError):
        mini.evaluate(facts(), as_of=dt.datetime(2024, 12, 1))


def test_determination_json_shape(mini: gr.Policy) -> None:
    data = mini.evaluate(facts()).model_dump(mode="json")
    assert set(data) >= {
        "grievance_id",
        "policy",
        "received_at",
        "as_of",
        "timely_filed",
        "filing_deadline",
        "classification",
        "level",
        "type",
        "handled_by",
        "actions",
        "warnings",
        "trace",
    }
    # sha256 of the pack file's bytes, checkable with sha256sum; effective_from from effective_date;
    # calendar_data: the holiday data used, shown with the pack identity (docs/contract-notes.md)
    digest = hashlib.sha256((FIXTURES / "mini.yaml").read_bytes()).hexdigest()
    assert data["policy"] == {
        "id": "mini",
        "version": "1.0",
        "sha256": digest,
        "effective_from": "2024-01-01",
        "calendar_data": f"holidays {holidays.__version__}",
    }
    json.dumps(data)


# ------------------------------------------------------------------ batches and threads


def generated(n: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    tags = ["rude", "unsafe", "harm"]
    for i in range(n):
        k = (i * 7919 + seed) % 1000
        day = 1 + k % 28
        yield {
            "id": f"G-{i}",
            "received_at": f"2024-{1 + k % 12:02d}-{day:02d}T{8 + k % 12:02d}:{k % 60:02d}:00-06:00",
            "channel": ["mail", "phone"][k % 2],
            "concerns": [tags[k % 3]] if k % 4 else [],
            "incident_date": f"2023-{1 + k % 12:02d}-{day:02d}",
            **({"resolved_at": f"2024-{1 + k % 12:02d}-{day:02d}T23:00:00-06:00"} if k % 5 == 0 else {}),
        }


def test_evaluate_many_streams_lazily(mini: gr.Policy) -> None:
    consumed = []

    def source() -> Iterator[dict[str, Any]]:
        for record in generated(5):
            consumed.append(record["id"])
            yield record

    stream = mini.evaluate_many(source())
    first = next(stream)
    assert first.grievance_id == "G-0" and consumed == ["G-0"]


def test_evaluate_many_collects_errors_in_place(mini: gr.Policy) -> None:
    records = [facts(id="a"), facts(id="b", channel="pigeon"), facts(id="c")]
    out = list(mini.evaluate_many(records, errors="collect"))
    assert isinstance(out[0], gr.Determination) and isinstance(out[2], gr.Determination)
    assert isinstance(out[1], gr.FactsError) and out[1].field == "channel"
    with pytest.raises(gr.FactsError):
        list(mini.evaluate_many(records))


def test_same_input_same_output_in_any_order(mini: gr.Policy) -> None:
    records = list(generated(300))
    forward = {d.grievance_id: d.model_dump_json() for d in mini.evaluate_many(records)}
    backward = {d.grievance_id: d.model_dump_json() for d in mini.evaluate_many(list(reversed(records)))}
    assert forward == backward


def test_eight_threads_match_a_serial_run(mini: gr.Policy) -> None:
    records = list(generated(10_000, seed=3))
    serial = [d.model_dump_json() for d in mini.evaluate_many(records)]
    results: list[list[str]] = [[] for _ in range(8)]

    def work(slot: int) -> None:
        results[slot] = [d.model_dump_json() for d in mini.evaluate_many(records)]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for result in results:
        assert result == serial


def test_two_versions_of_one_pack_side_by_side(mini: gr.Policy) -> None:
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    v2_text = text.replace('version: "1.0"', 'version: "2.0"').replace(
        "deadline: {amount: 5, unit: business_days}", "deadline: {amount: 10, unit: business_days}"
    )
    v2 = gr.Policy(load_spec_text(v2_text, "mini-v2.yaml"))
    again = gr.load_policy(FIXTURES / "mini.yaml")
    assert v2.compiled.ruleset_name != mini.compiled.ruleset_name
    assert again.compiled.ruleset_name == mini.compiled.ruleset_name
    record = facts()
    assert actions(mini.evaluate(record))["acknowledge"].due_date == dt.date(2024, 12, 2)
    # 10 business days: ..., Mon 2 Dec = 5, 3, 4, 5, 6, Mon 9 Dec = 10
    assert actions(v2.evaluate(record))["acknowledge"].due_date == dt.date(2024, 12, 9)
    assert actions(again.evaluate(record))["acknowledge"].due_date == dt.date(2024, 12, 2)


def test_no_session_state_is_left_behind(mini: gr.Policy) -> None:
    from grievance_rules import engine

    list(mini.evaluate_many(generated(50)))
    assert engine._host().fired == {}


def test_present_reads_a_party_field_as_is_present_does() -> None:
    """``present.<party>.<field>`` has its own reader (the dotted name split once, at load); it must
    say what is_present says of the record: absent party, missing, null, empty or given field."""
    import grievance_rules as gr
    from grievance_rules.facts import parse_grievance, prepare
    from grievance_rules.registry import is_present

    policy = gr.load_policy("luxor")
    names = [f for f in policy._registry if f.startswith("present.") and f.count(".") == 2]
    assert {"present.member.name", "present.provider.location"} <= set(names)
    base = {"id": "P-1", "received_at": "2024-05-06T10:00:00", "channel": "phone"}
    parties: list[dict[str, Any]] = [
        base,
        {**base, "member": {}},
        {**base, "member": {"name": None, "id": ""}, "provider": {"location": "Site"}},
        {**base, "member": {"name": "A", "address": "B", "phone": "C", "patient_name": "D", "id": "E"}},
        {**base, "provider": {"name": "", "location": None}},
    ]
    seen = set()
    for record in parties:
        grievance = parse_grievance(record)
        ctx = policy._context(prepare(grievance, policy.spec, policy.calendar, None), None)
        for name in names:
            read = policy._registry[name].read
            assert read is not None
            got = read(ctx)
            assert got is is_present(grievance, name.removeprefix("present.")), (name, record)
            seen.add(got)
    assert seen == {True, False}
