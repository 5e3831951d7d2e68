"""Replay: the bundled Luxor pack against a copy whose acknowledgement is 7 business days, not 5.

Run: python benchmarks/replay.py [N]   (default N = 20000). Prints what changes, the rate and the
peak memory after 10% and 100% of the records (flat memory: counters and bounded example lists).
Not a test.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from generate import grievances

import grievance_rules as gr
from grievance_rules.packs import bundled_dir
from grievance_rules.replay import ReplayCounter, render_replay


def rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    text = (bundled_dir() / "luxor.yaml").read_text(encoding="utf-8")
    edited = text.replace(
        "deadline: {amount: 5, unit: business_days, from: receipt}",
        "deadline: {amount: 7, unit: business_days, from: receipt}",
        1,
    )
    assert edited != text, "the Luxor acknowledgement deadline moved; update this benchmark"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "luxor.yaml"
        path.write_text(edited, encoding="utf-8")
        old, new = gr.load_policy("luxor"), gr.load_policy(path)
        counter = ReplayCounter(old, new)
        start = time.perf_counter()
        early = 0.0
        for i, record in enumerate(grievances(old, n), 1):
            counter.add(record)
            if i == n // 10:
                early = rss_mib()
        elapsed = time.perf_counter() - start
        print(render_replay(counter.report()))
        print(
            f"{n} records in {elapsed:.1f} s ({n / elapsed:.0f} records/s, two evaluations each); "
            f"peak RSS {early:.1f} MiB after 10%, {rss_mib():.1f} MiB after 100%"
        )


if __name__ == "__main__":
    main()
