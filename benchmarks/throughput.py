"""Throughput of each bundled pack: determinations per second, the raw durable-rules rate, memory.

Run: python benchmarks/throughput.py [N]   (default N = 100000). Prints figures; not a test.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

from generate import grievances

import grievance_rules as gr
from grievance_rules.facts import parse_grievance, prepare


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{'pack':8} {'N':>7} {'det/s':>9} {'raw post/s':>11} {'ratio':>6} {'distinct':>8} "
        f"{'peak MiB @10%':>13} {'peak MiB @100%':>14}"
    )
    for pack in gr.available_policies():
        policy = gr.load_policy(pack)
        start = time.perf_counter()
        count = 0
        peak_early = 0.0
        for _det in policy.evaluate_many(grievances(policy, n)):
            count += 1
            if count == n // 10:
                peak_early = rss_mib()
        elapsed = time.perf_counter() - start
        peak_end = rss_mib()
        # raw durable-rules rate: the same compiled ruleset, the same properties, no memo
        sample = min(n, 20_000)
        props = []
        for record in grievances(policy, sample):
            prepared = prepare(parse_grievance(record), policy.spec, policy.calendar, None)
            props.append(policy.properties(prepared, None))
        distinct = len({tuple(sorted(p.items())) for p in props})
        start = time.perf_counter()
        for p in props:
            policy.engine.fire_uncached(p)
        raw = sample / (time.perf_counter() - start)
        rate = count / elapsed
        print(
            f"{pack:8} {count:>7} {rate:>9.0f} {raw:>11.0f} {rate / raw:>6.2f} {distinct:>8} "
            f"{peak_early:>13.1f} {peak_end:>14.1f}"
        )


if __name__ == "__main__":
    main()
