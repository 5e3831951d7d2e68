"""The daily worklist over many cases: time and peak memory for one streaming pass.

Run: python benchmarks/worklist.py [N]   (default N = 100000). Prints figures; not a test.
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

import grievance_rules as gr

DAY = dt.date(2024, 12, 2)


def cases(n: int, seed: int = 5) -> Iterator[dict[str, Any]]:
    """Cases of the three bundled packs received in the 60 days before DAY (a generator)."""
    rng = random.Random(seed)
    packs = {name: gr.load_policy(name) for name in ("ctdhp", "liberty", "luxor")}
    names = sorted(packs)
    for i in range(n):
        name = names[i % 3]
        vocab = packs[name].spec.vocabulary
        received = dt.datetime(2024, 12, 2, 12) - dt.timedelta(minutes=rng.randint(60, 60 * 24 * 60))
        facts: dict[str, Any] = {
            "id": f"{name}-{i}",
            "received_at": received.isoformat(timespec="minutes"),
            "channel": rng.choice(vocab.channels),
            "concerns": rng.sample(list(vocab.concerns), k=rng.randint(0, 2)),
        }
        if name == "liberty":
            facts["group"] = rng.choice(["Sacramento GMC", "Health Net", "OneCare"])
        yield {"policy": name, "facts": facts}


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for size in (n // 10, n):
        start = time.perf_counter()
        run = gr.WorklistPass(cases(size), DAY, within=7)  # what the command streams
        listed = sum(1 for _ in run)
        elapsed = time.perf_counter() - start
        print(
            f"cases {size:>7}: {elapsed:6.1f} s, {size / elapsed:8.0f} cases/s, {listed:>6} items listed, "
            f"peak RSS so far {rss_mib():6.1f} MiB"
        )


if __name__ == "__main__":
    main()
