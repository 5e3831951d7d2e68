"""A report over many grievances: peak memory (and time) of one streaming pass.

Run: python benchmarks/report_memory.py [N] [PACK REPORT PERIOD]
     (default: 1000000 ctdhp quarterly 2014Q4). Prints figures; not a test.

The grievances are generated lazily (nothing is kept): received at times to the minute spread
over the period (in the plan's timezone, some written in UTC), with channels, types, concern
tags, groups, events (timely and late) and resolutions drawn from the pack's own vocabulary, plus
a few records outside the period. Peak RSS is read from ``getrusage`` (the process's high-water
mark) after 10% and after 100% of the records: flat memory means the two are close. The number
of distinct inputs is counted afterwards, in a second pass, so the counting does not weigh on the
measured peak.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import random
import resource
import sys
import time
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import grievance_rules as gr

TARGET_MIB = 200


def grievances(policy: gr.Policy, period: gr.Period, n: int, seed: int = 8) -> Iterator[dict[str, Any]]:
    """``n`` varied, valid grievances received in (and, 1 in 100, just outside) ``period``."""
    rng = random.Random(seed)
    spec = policy.spec
    vocab = spec.vocabulary
    tz = ZoneInfo(spec.calendar.timezone)
    start = dt.datetime.combine(period.start, dt.time(), tz)
    minutes = period.days * 1440
    tags = list(vocab.concerns)
    types = list(vocab.types) or [None]
    groups = [r.group for r in spec.delegation.rows] + ["Unknown Group"] if spec.delegation else [None]
    events = [e for e in vocab.events if e != "resolved"]
    utc = dt.UTC
    for i in range(n):
        offset = rng.randrange(-1440, minutes + 1440) if rng.random() < 0.01 else rng.randrange(minutes)
        received = start + dt.timedelta(minutes=offset)
        received = received.astimezone(tz)  # a real wall time across DST changes
        written = received.astimezone(utc) if rng.random() < 0.2 else received
        record: dict[str, Any] = {
            "id": f"G-{i}",
            "received_at": written.isoformat(timespec="minutes"),
            "channel": rng.choice(vocab.channels),
            "concerns": rng.sample(tags, k=rng.choice((0, 1, 1, 1, 2))),
            "wants_formal_grievance": rng.random() < 0.2,
        }
        gtype = rng.choice(types)
        if gtype is not None:
            record["type"] = gtype
        group = rng.choice(groups)
        if group is not None:
            record["group"] = group
        if events and rng.random() < 0.5:
            chosen = sorted(rng.sample(events, k=rng.randint(1, min(3, len(events)))))
            moments = sorted(rng.randint(10, 60 * 24 * 12) for _ in chosen)
            record["events"] = [
                {"type": kind, "at": (received + dt.timedelta(minutes=m)).isoformat(timespec="minutes")}
                for kind, m in zip(chosen, moments, strict=True)
            ]
        if rng.random() < 0.7:
            last = max(
                [0]
                + [
                    int((dt.datetime.fromisoformat(e["at"]) - received).total_seconds() // 60)
                    for e in record.get("events", [])
                ]
            )
            record["resolved_at"] = (received + dt.timedelta(minutes=last + rng.randint(30, 60 * 24 * 40))).isoformat(
                timespec="minutes"
            )
        yield record


def rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    args = sys.argv[1:]
    n = int(args[0]) if args else 1_000_000
    pack, name, label = args[1:4] if len(args) >= 4 else ("ctdhp", "quarterly", "2014Q4")
    policy = gr.load_policy(pack)
    period = gr.parse_period(label)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"report {pack}.{name} over {n:,} generated grievances, period {label}")
    print(f"peak RSS after loading the pack: {rss_mib():.1f} MiB")
    marks: dict[str, float] = {}

    def counted() -> Iterator[dict[str, Any]]:
        for i, record in enumerate(grievances(policy, period, n), start=1):
            if i == n // 10:
                marks["10%"] = rss_mib()
            yield record

    began = time.perf_counter()
    cpu = time.process_time()
    report = policy.report(name, counted(), period=label, member_months=max(n * 10, 1), errors="collect")
    took = time.perf_counter() - began
    cpu = time.process_time() - cpu
    peak = rss_mib()
    print(f"records read {report.records_read:,}; counted {report.total:,}; errors {len(report.errors)}")
    print(
        f"time {took:.1f} s wall, {cpu:.1f} s CPU ({report.records_read / cpu:,.0f} records per CPU second, "
        "generation included)"
    )
    print(
        f"peak RSS after 10%: {marks.get('10%', peak):.1f} MiB; after 100%: {peak:.1f} MiB (target < {TARGET_MIB} MiB)"
    )
    print(
        f"open {report.open:,}; resolved {report.resolved:,}; median days to resolution "
        f"{report.median_days_to_resolution}"
    )
    # distinct inputs, counted after the measurement
    shapes: set[tuple[Any, ...]] = set()
    minutes: set[float] = set()
    for record in grievances(policy, period, n):
        minutes.add(dt.datetime.fromisoformat(record["received_at"]).timestamp())
        shapes.add(
            (
                record["channel"],
                record.get("type"),
                record.get("group"),
                tuple(record["concerns"]),
                record["wants_formal_grievance"],
                tuple(e["type"] for e in record.get("events", ())),
                "resolved_at" in record,
            )
        )
    print(
        f"distinct inputs: {len(shapes):,} combinations of channel/type/group/concerns/events/resolution; "
        f"{len(minutes):,} distinct receipt instants (to the minute)"
    )
    print("within target" if peak < TARGET_MIB else "OVER TARGET")


if __name__ == "__main__":
    main()
