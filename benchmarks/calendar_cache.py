"""Memory of the calendar's per-date caches when receipts span two centuries (1900-2099).

Run: python benchmarks/calendar_cache.py [N]   (default N = 200000 evaluations per pack).
Each evaluation gets a receipt on a different day, cycling through every day of 1900-2099, so
every per-date cache sees far more distinct days than it keeps. Prints peak RSS, the Python heap
held by the caches (tracemalloc, sampled on a separate sweep) and each cache's size. Not a test.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import resource
import sys
import time
import tracemalloc

sys.path.insert(0, os.path.dirname(__file__))

from generate import grievances

import grievance_rules as gr
from grievance_rules.calendar import DAY_CACHE_SIZE

FIRST, LAST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
SPAN = (LAST - FIRST).days + 1


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def spread(policy: gr.Policy, n: int) -> list[dict[str, object]]:
    """``n`` generated grievances moved onto successive days of 1900-2099 (events and resolution dropped)."""
    out = []
    for i, record in enumerate(grievances(policy, n)):
        day = FIRST + dt.timedelta(days=(i * 37) % SPAN)  # 37 is prime to the span: every day is visited
        record["received_at"] = f"{day.isoformat()}T{str(record['received_at'])[11:]}"
        record["incident_date"] = (day - dt.timedelta(days=30)).isoformat() if day.year > 1900 else day.isoformat()
        record.pop("resolved_at", None)
        record.pop("events", None)
        out.append(record)
    return out


def heap_of_caches(policy: gr.Policy) -> float:
    """MiB of Python heap a fresh calendar holds after asking about every day of the span."""
    calendar = gr.load_policy(policy.file).calendar
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    day = FIRST
    while day <= LAST:
        calendar.add_business_days(day, 5)
        calendar.end_of_day(day)
        calendar.close_of_business(day)
        day += dt.timedelta(days=1)
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / 2**20


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    print(f"{SPAN} distinct days in 1900-2099; cache limit {DAY_CACHE_SIZE} entries each")
    print(f"{'pack':8} {'N':>7} {'det/s':>7} {'peak RSS MiB':>12} {'heap MiB (sweep)':>16}  cache sizes")
    for pack in gr.available_policies():
        policy = gr.load_policy(pack)
        records = spread(policy, n)
        start = time.perf_counter()
        count = sum(1 for _ in policy.evaluate_many(records))
        rate = count / (time.perf_counter() - start)
        del records
        sizes_of = getattr(policy.calendar, "cache_sizes", None)  # absent before the caches were bounded
        sizes = sizes_of() if sizes_of is not None else "unbounded dicts"
        print(f"{pack:8} {count:>7} {rate:>7.0f} {rss_mib():>12.1f} {heap_of_caches(policy):>16.1f}  {sizes}")


if __name__ == "__main__":
    main()
