"""Scaling of ``grievance-rules evaluate --jobs N``: wall time for --jobs 1 and --jobs 2.

Run: python benchmarks/jobs.py [N] [PACK] [TABLE_ROWS]   (default 20000 luxor records of
benchmarks/realistic.py as JSON Lines, evaluated record by record, and 1,000,000 other rows as a
Parquet file evaluated into Parquet, the command's table path; files in a temporary folder,
removed afterwards). Each command runs three times per --jobs value, alternated; the table shows
the median wall seconds, rows/s and the speed-up over --jobs 1. Wall time: on a machine other
jobs are using, the speed-up says little. Prints one Markdown table; not a test.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

import pyarrow as pa
import pyarrow.parquet as pq
from realistic import realistic

import grievance_rules as gr

ROOT = Path(__file__).resolve().parent.parent
ROUNDS = 3


def wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    pack = sys.argv[2] if len(sys.argv) > 2 else "luxor"
    rows = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}")
    print("| pack | input | rows | jobs | wall s (median of 3) | rows/s | speed-up |")
    print("|---|---|---:|---:|---:|---:|---:|")
    policy = gr.load_policy(pack)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with open(src, "w", encoding="utf-8") as handle:
            for record in realistic(policy, n):
                handle.write(json.dumps(record) + "\n")
        table_src = Path(tmp) / "in.parquet"
        records = list(realistic(policy, rows, seed=12))
        fields = sorted({k for r in records for k in r})
        pq.write_table(pa.Table.from_pylist([{f: r.get(f) for f in fields} for r in records]), table_src)
        del records
        out = str(Path(tmp) / "out.parquet")
        runs = {
            ("JSON Lines, record by record", n): lambda j: ["evaluate", "--policy", pack, "--jobs", str(j), str(src)],
            ("Parquet to Parquet (evaluate_table)", rows): lambda j: [
                "evaluate", "--policy", pack, "--jobs", str(j), "--format", "parquet", "--output", out, str(table_src)
            ],
        }  # fmt: skip
        for (label, count), command in runs.items():
            times: dict[int, list[float]] = {1: [], 2: []}
            for _ in range(ROUNDS):
                for jobs in (1, 2):
                    times[jobs].append(wall(command(jobs)))
            base = statistics.median(times[1])
            for jobs in (1, 2):
                median = statistics.median(times[jobs])
                rate, speed = count / median, base / median
                print(f"| {pack} | {label} | {count:,} | {jobs} | {median:.1f} | {rate:,.0f} | {speed:.2f} |")


if __name__ == "__main__":
    main()
