"""Generated grievances with realistic variety, for the throughput benchmarks.

Receipt times to the minute over two years (2023-01-01 .. 2024-12-31, so every weekday, weekend,
federal holiday and both DST switches occur), 20% of them written in UTC and the rest as local
wall times; every channel of the pack's vocabulary, 0-3 concern tags, types where the pack has
them, groups of the delegation matrix (and one not in it), wants-formal and urgent flags,
incident dates up to 18 months back (so some are filed late), 0-3 events of the pack's types in
order after receipt, resolutions in 60% (a third of them within the hour, some days later),
complainants (member, representative, provider), assistance needs, and the parties, narrative
and resolution summary that record requirements look for, present in some records and not others
(fake values).

Run ``python benchmarks/realistic.py [N]`` to print, per bundled pack, how many distinct records
and how many distinct decision inputs (the properties the rules read) N records hold.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import sys
from collections.abc import Iterator
from typing import Any

import grievance_rules as gr

_START = dt.datetime(2023, 1, 1)
_MINUTES = 2 * 365 * 24 * 60
_UTC = dt.UTC


def realistic(policy: gr.Policy, n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """``n`` valid grievances for ``policy`` with realistic variety (a generator; seeded)."""
    rng = random.Random(seed)
    spec = policy.spec
    vocab = spec.vocabulary
    tz = policy.calendar.tz
    tags = list(vocab.concerns)
    types = list(vocab.types)
    groups: list[str | None] = [None]
    if spec.delegation is not None:
        groups = [r.group for r in spec.delegation.rows] + ["Unknown Group", None]
    events = [e for e in vocab.events if e != "resolved"]
    channels = list(vocab.channels)
    assistance = list(vocab.assistance)
    for i in range(n):
        local = _START + dt.timedelta(minutes=rng.randrange(_MINUTES))
        # skew receipts into office hours, as a plan's intake is
        if rng.random() < 0.7:
            local = local.replace(hour=rng.randint(8, 17))
        if rng.random() < 0.2:
            aware = local.replace(tzinfo=tz).astimezone(_UTC)
            received_at = aware.isoformat().replace("+00:00", "Z")
            base = aware.astimezone(tz).replace(tzinfo=None)
        else:
            received_at = local.isoformat(timespec="minutes") + ":00"
            base = local
        record: dict[str, Any] = {
            "id": f"R-{i}",
            "received_at": received_at,
            "channel": rng.choice(channels),
            "concerns": rng.sample(tags, k=min(len(tags), rng.choice((0, 1, 1, 1, 2, 2, 3)))),
        }
        if rng.random() < 0.8:
            record["incident_date"] = (base.date() - dt.timedelta(days=rng.randrange(0, 540))).isoformat()
        if types and rng.random() < 0.9:
            record["type"] = rng.choice(types)
        group = rng.choice(groups)
        if group is not None:
            record["group"] = group
        if rng.random() < 0.25:
            record["wants_formal_grievance"] = True
        who = rng.random()
        if who < 0.15:
            record["complainant"] = "representative"
            if rng.random() < 0.7:
                record["representative_name"] = f"Rep {i % 97}"
        elif who < 0.25:
            record["complainant"] = "provider"
        if assistance and rng.random() < 0.15:
            record["assistance_needs"] = rng.sample(assistance, k=rng.randint(1, min(2, len(assistance))))
        # parties and narrative as intake systems fill them: often, not always (fake values)
        member = {k: v for k, v in (("id", f"M{i % 1009}"), ("name", f"Member {i % 211}")) if rng.random() < 0.8}
        if member:
            record["member"] = member
        if rng.random() < 0.6:
            record["provider"] = {"name": f"Clinic {i % 53}"}
        if rng.random() < 0.7:
            record["narrative"] = "synthetic narrative"
        if rng.random() < 0.3:
            record["resolution_summary"] = "synthetic summary"
        if rng.random() < 0.05:
            record["urgent"] = True
        at = base
        evs = []
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3)) if events else 0):
            at = _clear(at + dt.timedelta(minutes=rng.randrange(5, 60 * 24 * 12)), tz)
            evs.append({"type": rng.choice(events), "at": at.isoformat(timespec="seconds")})
        if evs:
            record["events"] = evs
        if rng.random() < 0.6:
            delay = rng.randrange(5, 60) if rng.random() < 0.33 else rng.randrange(60, 60 * 24 * 40)
            record["resolved_at"] = _clear(at + dt.timedelta(minutes=delay), tz).isoformat(timespec="seconds")
        yield record


def _clear(wall: dt.datetime, tz: Any) -> dt.datetime:
    """``wall``, moved two hours on when it is not one clear moment in ``tz`` (a DST gap or fold):
    a later wall time read as an earlier instant would put an event before the receipt."""
    if wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset():
        return wall + dt.timedelta(hours=2)
    return wall


def distinct_inputs(policy: gr.Policy, records: list[dict[str, Any]]) -> tuple[int, int]:
    """(distinct records without their id, distinct decision inputs the rules engine is shown)."""
    from grievance_rules.facts import parse_grievance, prepare

    plain = set()
    props = set()
    for record in records:
        plain.add(repr(sorted((k, v) for k, v in record.items() if k != "id")))
        grievance = parse_grievance(record)
        version = policy.version_for(grievance)
        prepared = prepare(grievance, version.spec, version.calendar, None)
        props.add(tuple(sorted(version.properties(prepared, None).items())))
    return len(plain), len(props)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(f"{'pack':8} {'records':>8} {'distinct records':>16} {'distinct decision inputs':>24}")
    for pack in gr.available_policies():
        policy = gr.load_policy(pack)
        records = list(realistic(policy, n))
        plain, props = distinct_inputs(policy, records)
        print(f"{pack:8} {n:>8} {plain:>16} {props:>24}")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()
