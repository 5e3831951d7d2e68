"""Generated grievances for the table path: every channel, concern, event, naive and offset
timestamps, DST-change days, holidays and their neighbours, and a share of bad rows.

Used by tests/test_table.py (evaluate_table against evaluate, field by field) and by
benchmarks/table_equivalence.py. Deterministic for a seed. Records are plain dicts with no
``None`` values (an absent field is left out), so the same list builds an Arrow table
(:func:`to_table`) and feeds ``evaluate`` record by record.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import grievance_rules as gr

CHANNELS = ("phone", "mail", "fax", "email", "online", "in_person")
COMPLAINANTS = ("member", "representative", "provider")
OFFSETS = ("-04:00", "-05:00", "-06:00", "-07:00", "-08:00", "+00:00", "Z", "+05:30")

# local dates worth hitting on purpose: DST changes (US, 2023-2026), holidays and their eves,
# weekends before a Monday holiday, and the New Year observed on the Friday before
SPECIAL_DAYS = (
    "2023-03-12", "2023-11-05", "2024-03-10", "2024-11-03", "2025-03-09", "2025-11-02", "2026-03-08",
    "2026-11-01", "2023-07-04", "2023-07-03", "2023-11-23", "2023-11-22", "2023-12-22", "2023-12-25",
    "2024-01-15", "2024-01-13", "2024-05-27", "2024-05-25", "2024-06-19", "2024-07-04", "2024-09-02",
    "2024-11-11", "2024-11-28", "2024-11-29", "2024-12-24", "2024-12-25", "2024-12-31", "2025-01-01",
    "2025-01-20", "2025-06-19", "2025-11-27", "2025-12-25", "2026-01-01", "2026-07-03", "2026-12-25",
    "2021-12-31", "2022-12-26", "2027-12-31",
)  # fmt: skip

START = dt.datetime(2023, 1, 1)
SPAN_MINUTES = 4 * 365 * 24 * 60


def _stamp(rng: random.Random, moment: dt.datetime, suffix: str | None = None) -> str:
    """``moment`` (naive local wall time) as text: usually offset-less, else with an offset
    (``suffix``: the receipt's, so later moments mostly stay later; sometimes another one)."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if suffix is not None and rng.random() < 0.9:
        return text + suffix
    if rng.random() < 0.7:
        return text
    return text + rng.choice(OFFSETS)


def records(policy: gr.Policy, n: int, seed: int = 14, bad_share: float = 0.02) -> Iterator[dict[str, Any]]:
    """``n`` generated grievance records for ``policy``; about ``bad_share`` of them invalid."""
    rng = random.Random(seed)
    vocab = policy.spec.vocabulary
    tags = list(vocab.concerns)
    types = list(vocab.types)
    assistance = list(vocab.assistance)
    events = list(vocab.events)
    groups = [r.group for r in policy.spec.delegation.rows] + ["Unknown Group"] if policy.spec.delegation else []
    for i in range(n):
        if rng.random() < 0.25:
            day = dt.datetime.fromisoformat(rng.choice(SPECIAL_DAYS))
            received = day + dt.timedelta(minutes=rng.randrange(24 * 60))
        else:
            received = START + dt.timedelta(minutes=rng.randrange(SPAN_MINUTES))
        record: dict[str, Any] = {"id": f"T-{i}", "received_at": _stamp(rng, received)}
        suffix = record["received_at"][19:]
        if rng.random() < 0.95:
            record["channel"] = rng.choice(CHANNELS)
        record["concerns"] = rng.sample(tags, k=rng.choice((0, 1, 1, 1, 2, 3)))
        if rng.random() < 0.7:
            before = dt.timedelta(days=rng.choice((0, 1, 30, 59, 60, 61, 89, 90, 91, 180, 365, 400)))
            record["incident_date"] = (received - before).date().isoformat()
        if rng.random() < 0.3:
            record["complainant"] = rng.choice(COMPLAINANTS)
        if groups:
            record["group"] = rng.choice(groups)
        if types and rng.random() < 0.8:
            record["type"] = rng.choice(types)
        if rng.random() < 0.3:
            record["wants_formal_grievance"] = rng.random() < 0.5
        if rng.random() < 0.2:
            record["urgent"] = rng.random() < 0.5
        if assistance and rng.random() < 0.2:
            record["assistance_needs"] = rng.sample(assistance, k=1)
        if rng.random() < 0.4:
            later = received + dt.timedelta(minutes=rng.choice((5, 60, 8 * 60, 20 * 60, 26 * 60, 3 * 1440, 40 * 1440)))
            record["resolved_at"] = _stamp(rng, later, suffix)
        if events and rng.random() < 0.6:
            picked = []
            gaps = sorted(rng.randrange(1, 45 * 1440) for _ in range(rng.randint(1, 4)))
            for gap in gaps:  # in time order, as the facts require (an offset may still disorder them)
                later = received + dt.timedelta(minutes=gap)
                picked.append({"type": rng.choice(events), "at": _stamp(rng, later, suffix)})
            record["events"] = picked
        if rng.random() < 0.5:
            record["narrative"] = "generated narrative"
        if rng.random() < 0.5:
            member = {"name": "A Member", "id": f"M{i}", "phone": "555-0100", "address": "1 Main St"}
            record["member"] = {k: v for k, v in member.items() if rng.random() < 0.8}
        if rng.random() < 0.5:
            record["provider"] = {
                k: v for k, v in {"name": "A Dentist", "location": "Town"}.items() if rng.random() < 0.8
            }
        if rng.random() < 0.1:
            record["representative_name"] = "A Representative"
        if rng.random() < 0.1:
            record["resolution_summary"] = "generated summary"
        if rng.random() < bad_share:
            _spoil(rng, record)
        yield record


def _spoil(rng: random.Random, record: dict[str, Any]) -> None:
    """Make one record invalid in one of the ways real data is."""
    kind = rng.randrange(6)
    if kind == 0:
        del record["received_at"]
    elif kind == 1:
        record["received_at"] = "2024-02-30T10:00:00"
    elif kind == 2:
        record["channel"] = "carrier_pigeon"
    elif kind == 3:
        record["concerns"] = [*record["concerns"], "not_a_known_concern"]
    elif kind == 4:
        record["incident_date"] = "2031-01-01"
    else:
        record["events"] = [{"type": "not_an_event", "at": "2024-01-01T00:00:00"}]


def to_table(rows: list[dict[str, Any]]) -> Any:
    """The records as a pyarrow Table (absent fields are nulls).

    Columns are the union of every record's fields (``Table.from_pylist`` would take only the
    first record's), in first-seen order.
    """
    import pyarrow as pa

    names = list(dict.fromkeys(k for r in rows for k in r))
    return pa.table({k: pa.array([r.get(k) for r in rows]) for k in names})
