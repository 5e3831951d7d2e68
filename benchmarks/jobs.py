"""Scaling of ``grievance-rules evaluate --jobs N``: wall time for --jobs 1 and --jobs 2.

Run: python benchmarks/jobs.py [N] [PACK]   (default 20000 luxor records of benchmarks/realistic.py,
written as JSON Lines into a temporary folder and removed afterwards). Output goes to /dev/null;
the table shows wall seconds, records/s and the speed-up over --jobs 1. Prints figures; not a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from realistic import realistic

import grievance_rules as gr

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    pack = sys.argv[2] if len(sys.argv) > 2 else "luxor"
    print(
        f"{'pack':8} {'records':>8} {'jobs':>4} {'wall s':>7} {'records/s':>9} {'speed-up':>8}"
        f"   (cores: {os.cpu_count()})"
    )
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in.jsonl"
        with open(src, "w", encoding="utf-8") as handle:
            for record in realistic(gr.load_policy(pack), n):
                handle.write(json.dumps(record) + "\n")
        first = None
        for jobs in (1, 2):
            start = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "grievance_rules.cli",
                    "evaluate",
                    "--policy",
                    pack,
                    "--jobs",
                    str(jobs),
                    str(src),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                env={**os.environ, "PYTHONPATH": str(ROOT)},
                check=False,
            )
            wall = time.perf_counter() - start
            first = first or wall
            print(f"{pack:8} {n:>8} {jobs:>4} {wall:>7.1f} {n / wall:>9.0f} {first / wall:>8.2f}")


if __name__ == "__main__":
    main()
