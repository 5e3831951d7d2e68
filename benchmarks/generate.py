"""Deterministic synthetic grievances for any pack, built from the pack's own vocabulary."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import grievance_rules as gr


def grievances(policy: gr.Policy, n: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    """``n`` varied, valid grievances for ``policy`` (a generator: nothing is kept)."""
    rng = random.Random(seed)
    vocab = policy.spec.vocabulary
    tags = list(vocab.concerns)
    groups = [r.group for r in policy.spec.delegation.rows] + ["Unknown Group"] if policy.spec.delegation else [None]
    events = [e for e in vocab.events if e != "resolved"]
    for i in range(n):
        month, day, hour = rng.randint(1, 12), rng.randint(1, 28), rng.randint(6, 21)
        received = f"2024-{month:02d}-{day:02d}T{hour:02d}:{rng.randint(0, 59):02d}:00"
        record: dict[str, Any] = {
            "id": f"G-{i}",
            "received_at": received,
            "channel": rng.choice(vocab.channels),
            "concerns": rng.sample(tags, k=rng.randint(0, min(2, len(tags)))),
            "incident_date": f"2023-{rng.randint(1, 12):02d}-{day:02d}",
            "wants_formal_grievance": rng.random() < 0.2,
        }
        if groups[0] is not None:
            record["group"] = rng.choice(groups)
        if rng.random() < 0.3:
            record["resolved_at"] = f"2024-{month:02d}-{day:02d}T{min(hour + 2, 23):02d}:00:00"
        if events and rng.random() < 0.3:
            record["events"] = [{"type": rng.choice(events), "at": f"2024-{month:02d}-{day:02d}T23:30:00"}]
        yield record
