"""Reading a large JSON Lines batch with bad lines: every line kept in place, at flat memory.

Run: python benchmarks/reader.py [N]   (default N = 1000000). Writes a temporary file of N lines
whose first line is broken and about 1% of the others are bad JSON or invalid UTF-8, reads it with
``grievance_rules.read_records`` and prints the time, the counts and the peak memory. Not a test.
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import sys
import tempfile
import time

import grievance_rules as gr

BAD = [b'{"id": "x", \xff}', b"{nope", b"[1,"]


def main(n: int) -> None:
    rng = random.Random(1)
    with tempfile.NamedTemporaryFile("wb", suffix=".jsonl", delete=False) as f:
        f.write(b"{broken first line\n")
        for i in range(2, n + 1):
            if rng.random() < 0.01:
                f.write(rng.choice(BAD) + b"\n")
            else:
                record = {"id": f"G{i}", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"}
                f.write(json.dumps({**record, "narrative": "x" * 100}).encode() + b"\n")
        path = f.name
    try:
        size = os.path.getsize(path)
        start = time.perf_counter()
        count = bad = 0
        in_order = True
        for position, record in gr.read_records(path):
            count += 1
            bad += isinstance(record, gr.UnreadableRecord)
            in_order &= position == count
        elapsed = time.perf_counter() - start
    finally:
        os.unlink(path)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"python {platform.python_version()} on {platform.machine()}")
    print(f"{n:,} lines ({size / 2**20:.0f} MiB), first line broken: {count:,} records, {bad:,} unreadable,")
    rate = count / elapsed
    print(f"every line at its position: {in_order}; {elapsed:.1f} s ({rate:,.0f} lines/s), peak {peak:.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
