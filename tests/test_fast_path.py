"""The per-record fast paths of evaluate_many give exactly what the full path gives.

``evaluate_many`` takes shortcuts (docs/performance.md): plain records are checked by hand
instead of by pydantic (``facts._FAST``), trace entries, decisions and day-based due dates are
shared across records. The reference here is the full path: pydantic validation for every record
and a policy that forgets every cache before each record (``Policy._forget``). Both run over
realistic records (benchmarks/realistic.py), the table generator's records (DST-change days,
holidays, naive and offset timestamps, bad rows: benchmarks/table_data.py) and hand-made odd
ones, per bundled pack, with the trace on; results are compared field by field, with the fields
set and after pickling, and FactsError messages must be identical.
"""

from __future__ import annotations

import collections
import datetime as dt
import pickle
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from realistic import realistic
from table_data import records as table_records

import grievance_rules as gr
from grievance_rules import facts as facts_module

PACKS = ("ctdhp", "liberty", "luxor")
N = 2_000  # per generator, per pack
AS_OFS = (None, "2025-02-01T12:00:00")  # no statuses judged; overdue ones (and events after as_of)


class _Text(str):
    """A str subclass: the fast path leaves it to the model."""


class _Facts(Mapping[str, Any]):
    """A mapping that is no dict: the fast path leaves it to the model."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def odd_records() -> list[Any]:
    """Records at the edges of the fast path: each either takes it or leaves it for the model."""
    base = {"id": "odd", "received_at": "2024-03-10T02:30:00", "channel": "phone"}  # a time DST skips
    utc = dt.datetime(2024, 11, 3, 6, 30, tzinfo=dt.UTC)  # 01:30 CDT, the repeated hour
    return [
        base,
        {**base, "received_at": "2024-11-03T01:30:00"},
        {**base, "received_at": utc},
        {**base, "received_at": dt.datetime(2024, 11, 3, 1, 30)},  # naive datetime object: refused
        {**base, "received_at": "2024-07-04T18:00:00-05:00", "incident_date": dt.date(2024, 7, 1)},
        {**base, "received_at": "2024-12-24T17:30:00", "incident_date": "20241220"},
        {**base, "id": _Text("sub")},
        {**base, "concerns": ("a", "b")},
        {**base, "concerns": [1]},
        {**base, "group": None, "channel": None, "member": None},
        {**base, "complainant": None},
        {**base, "urgent": 1},
        {**base, "urgent": "true"},
        {**base, "narrative": "bad \ud800 text"},
        {**base, "narrative": "x" * 100_001},
        {**base, "id": ""},
        {**base, "id": "x" * 257},
        {**base, "member": {"id": "M1", "nickname": "n"}},
        {**base, "member": {"id": 5}},
        {**base, "provider": collections.OrderedDict(name="Clinic")},
        {**base, "events": [{"type": "resolved", "at": "2024-03-10T09:00:00", "note": None}]},
        {**base, "events": [{"type": "resolved"}]},
        {**base, "events": [{"type": "resolved", "at": 1710000000}]},
        {**base, "events": ({"type": "resolved", "at": "2024-03-10T09:00:00"},)},
        {**base, "schedule": [{"type": "panel", "at": "2024-04-01T10:00:00"}]},
        {**base, "resolved_at": "2024-03-09T10:00:00"},
        {**base, "resolved_at": "not a time at all"},
        {**base, "received_at": "2024-03-10"},
        {**base, "facts": {}},
        {**base, "wants_formal_grievance": True, "representative_name": "Rep", "complainant": "representative"},
        {**base, 3: "x"},
        {**base, "unknown": 1},
        _Facts(dict(base)),
        ["not", "a", "mapping"],
    ]


def outcomes(policy: gr.Policy, records: list[Any], as_of: str | None, *, full: bool) -> list[Any]:
    if not full:
        return list(policy.evaluate_many(records, as_of, errors="collect"))
    out: list[Any] = []
    for record in records:
        policy._forget()
        try:
            out.append(policy.evaluate(record, as_of))
        except gr.FactsError as exc:
            out.append(exc)
    return out


def same(fast: Any, full: Any) -> None:
    assert type(fast) is type(full)
    if isinstance(full, gr.FactsError):
        assert str(fast) == str(full)
        assert fast.problems == full.problems
        return
    assert fast == full
    assert fast.model_dump() == full.model_dump()
    assert fast.model_fields_set == full.model_fields_set
    for a, b in zip(fast.actions, full.actions, strict=True):
        assert a.model_fields_set == b.model_fields_set
    for a, b in zip(fast.trace, full.trace, strict=True):
        assert a.model_fields_set == b.model_fields_set
    assert pickle.loads(pickle.dumps(fast)) == full
    # the instances built without validation are what validation builds from the same values
    # (compared dumped: a moment in the hour DST repeats never equals one in another zone, PEP 495)
    validated = gr.Determination.model_validate(full.model_dump())
    assert validated.model_dump() == full.model_dump()
    assert validated.model_fields_set == full.model_fields_set
    assert list(validated.__dict__) == list(full.__dict__)


@pytest.mark.parametrize("as_of", AS_OFS)
@pytest.mark.parametrize("pack", PACKS)
def test_fast_path_equals_full_path(pack: str, as_of: str | None, monkeypatch: pytest.MonkeyPatch) -> None:
    policy = gr.load_policy(pack)
    records: list[Any] = [*realistic(policy, N, seed=15), *table_records(policy, N, seed=16), *odd_records()]
    fast = outcomes(policy, records, as_of, full=False)
    monkeypatch.setattr(facts_module, "_FAST", False)
    full = outcomes(policy, records, as_of, full=True)
    kinds = collections.Counter(type(r).__name__ for r in full)
    assert kinds["FactsError"] >= 20 and kinds["Determination"] >= N  # bad rows are in it
    for fast_one, full_one in zip(fast, full, strict=True):
        same(fast_one, full_one)


@pytest.mark.parametrize("pack", PACKS)
def test_plain_records_take_the_fast_path(pack: str) -> None:
    """The shortcut is taken: every realistic record is plain, and built as the model builds it."""
    policy = gr.load_policy(pack)
    for record in realistic(policy, 500, seed=17):
        plain = facts_module._plain_grievance(record)
        assert plain is not None
        full = facts_module._validated(record)
        assert plain == full
        assert plain.model_fields_set == full.model_fields_set
        assert plain.model_dump(exclude_unset=True) == full.model_dump(exclude_unset=True)  # parties, events
        assert plain.concerns is not record.get("concerns", plain.concerns) or not plain.concerns


def test_odd_records_leave_the_fast_path() -> None:
    """Anything the hand check is not sure of goes to the model (and is accepted or refused there)."""
    left = [r for r in odd_records() if isinstance(r, dict) and facts_module._plain_grievance(r) is None]
    assert len(left) >= 20


@pytest.mark.parametrize("pack", PACKS)
def test_stages_asked_by_rule_groups_fire_as_whole_stages(pack: str) -> None:
    """A stage's new input asked group by group (memoised per group) fires exactly the rules the
    whole stage fires (``fire_uncached`` asks each stage whole, without any memo)."""
    from grievance_rules.facts import parse_grievance, prepare

    policy = gr.load_policy(pack)
    seen: set[frozenset[str]] = set()
    for record in [*realistic(policy, 1_000, seed=18), *table_records(policy, 1_000, seed=19, bad_share=0.0)]:
        try:
            grievance = parse_grievance(record)
            version = policy.version_for(grievance)
            prepared = prepare(grievance, version.spec, version.calendar, None)
        except gr.FactsError:
            continue
        props = version.properties(prepared, None)
        fired = version.engine.fire(props)
        assert fired == version.engine.fire_uncached(props)
        seen.add(fired)
    assert len(seen) >= 20  # many distinct decisions, not one answer over and over


def test_traces_stay_right_when_the_decision_cache_empties() -> None:
    """Shared traces are keyed by their decision's id; when the decision cache fills and empties
    (4,096 distinct fired sets), the trace cache empties with it, so a new decision that happens
    to get a dropped decision's id can never pick up that decision's trace."""
    policy = gr.load_policy("luxor")
    records = list(realistic(policy, 300, seed=21))
    first = list(policy.evaluate_many(records))
    version = next(v for v in policy.versions if v._decisions)
    assert version._trace_cache
    fired, decision = next(iter(version._decisions.items()))
    del version._decisions[fired]
    for i in range(4096 - len(version._decisions)):
        version._decisions[frozenset({f"placeholder {i}"})] = decision
    version._decision(fired)  # a new decision: the cache is full, so it empties (and the traces with it)
    assert list(version._decisions) == [fired]
    assert not version._trace_cache
    again = list(policy.evaluate_many(records))
    assert again == first
    policy._forget()
    assert [policy.evaluate(r) for r in records] == first


def _cases_and_realistic(policy: gr.Policy, pack: str) -> list[Any]:
    """The facts of the pack's own cases and, for a grievance pack, 300 realistic records."""
    from pathlib import Path

    from grievance_rules.testing import load_cases

    cases = load_cases(Path(__file__).parent.parent / "policies" / f"{pack}.cases.yaml")
    records: list[Any] = [case.facts for case in cases.model.cases]
    if policy.spec.subject is None:
        records += list(realistic(policy, 300, seed=17))
    return records


@pytest.mark.parametrize(
    "pack", ["ctdhp", "liberty", "luxor", "liberty-access", "liberty-p4p", "liberty-referrals", "liberty-utilization"]
)
def test_generated_property_reader_equals_the_getters(pack: str) -> None:
    """The engine's properties come from one function generated at load (tag lists read once,
    one dict literal); it must give what the per-property getters give, in the same order, for
    the pack's own cases and, for grievance packs, realistic records."""
    policy = gr.load_policy(pack)
    records = _cases_and_realistic(policy, pack)
    checked = 0
    for record in records:
        try:
            version, prepared = policy.prepare_record(record, None)
        except gr.FactsError:
            continue
        ctx = version._context(prepared, None)
        generated = version._properties(ctx)
        by_getters = {prop: get(ctx) for prop, get in version._getters.items()}
        assert list(generated.items()) == list(by_getters.items())
        checked += 1
    assert checked >= 2  # some cases are bad records, refused before any property is read


@pytest.mark.parametrize(
    "pack", ["ctdhp", "liberty", "luxor", "liberty-access", "liberty-p4p", "liberty-referrals", "liberty-utilization"]
)
def test_generated_trace_values_equal_fact_values(pack: str) -> None:
    """The trace's values come from one function generated at load; for every record, with and
    without an as_of (timers then open or missed), it must give what Policy._fact_values gives:
    the same keys, in the same order, with the same values."""
    policy = gr.load_policy(pack)
    records = _cases_and_realistic(policy, pack)
    checked = 0
    for record in records:
        for as_of in (None, policy.parse_as_of("2025-02-01T12:00:00")):
            try:
                version, prepared = policy.prepare_record(record, as_of)
            except gr.FactsError:
                continue
            ctx = version._context(prepared, as_of)
            props = version._properties(ctx)
            decision = version._decision(version.engine.fire(props))
            generated = version._read_values(ctx, decision.choice, props, decision.flags)
            by_kind = version._fact_values(ctx, decision.choice, props, decision.flags)
            assert list(generated.items()) == list(by_kind.items())
            checked += 1
    assert checked >= 2


def test_generated_trace_values_equal_fact_values_for_declared_facts_and_flags() -> None:
    """The same, on the declared-facts fixture: flags, declared dates and date-times, a text fact
    shown only when named, tag lists and a business-day timer met, missed or open."""
    from helpers import FIXTURES

    policy = gr.load_policy(FIXTURES / "declared.yaml")
    base = {"id": "D-1", "received_at": "2024-05-28T10:00:00-05:00", "channel": "mail"}
    records: list[dict[str, Any]] = []
    for product in ("standard", "premium", "another line"):
        for emergency, drug in ((True, False), (False, True)):
            for events in ([], [{"type": "notice_sent", "at": "2024-05-30T09:00:00-05:00"}]):
                declared = {
                    "priority": "expedited" if drug else "routine",
                    "product": product,
                    "emergency_care": emergency,
                    "drug_received": drug,
                    "services": ["crown", "filling"] if emergency else [],
                    "service_date": "2024-05-01",
                    "panel_at": "2024-06-03T15:30:00-05:00",
                }
                records.append({**base, "events": events, "facts": declared})
    shown = set()
    for record in records:
        for as_of in (None, policy.parse_as_of("2024-07-01T12:00:00")):
            version, prepared = policy.prepare_record(record, as_of)
            ctx = version._context(prepared, as_of)
            props = version._properties(ctx)
            decision = version._decision(version.engine.fire(props))
            generated = version._read_values(ctx, decision.choice, props, decision.flags)
            assert list(generated.items()) == list(
                version._fact_values(ctx, decision.choice, props, decision.flags).items()
            )
            shown.add(
                (generated["facts.product"], generated["timers.notice_on_time"], generated["flags.deemed_exhausted"])
            )
    assert {p for p, _, _ in shown} == {"premium", "(a value the pack does not name)"}  # standard: not named
    assert {t for _, t, _ in shown} == {"met", "missed", "open"}


@pytest.mark.parametrize("pack", ["ctdhp", "liberty", "luxor"])
def test_prepared_instants_equal_instant_us_of_the_moments(pack: str) -> None:
    """prepare reads each moment with its instant (PlanCalendar.moment_us) and keeps the first
    instant of each event type; they must be instant_us of the moments kept, and what
    PreparedFacts builds for itself (dataclasses.replace runs its __post_init__), for the pack's
    own cases and 300 realistic records (naive and UTC receipts, DST days, resolutions)."""
    import dataclasses

    from grievance_rules.calendar import instant_us

    policy = gr.load_policy(pack)
    checked = 0
    for record in _cases_and_realistic(policy, pack):
        try:
            _, prepared = policy.prepare_record(record, None)
        except gr.FactsError:
            continue
        assert prepared.received_us() == instant_us(prepared.received_at)
        kinds = {kind for kind, _ in prepared.events} | {"resolved", "never_listed"}
        for kind in kinds:
            first = prepared.first(kind)
            assert prepared.first_us(kind) == (None if first is None else instant_us(first))
        rebuilt = dataclasses.replace(prepared)
        assert rebuilt.__dict__ == prepared.__dict__
        checked += 1
    assert checked > 300
