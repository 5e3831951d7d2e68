"""evaluate_many on two checkouts of the library, alternated, same records, same machine.

Run: python benchmarks/compare.py BASELINE_CHECKOUT [N] [ROUNDS]   (default N = 10000, 3 rounds)

Each round runs, for each bundled pack, one fresh process per checkout (baseline first, then this
one, alternating) over the same N records of benchmarks/realistic.py (trace on, as
``evaluate_many`` defaults). The rate is records per CPU second of the evaluation alone; the
table shows each side's median over the rounds and the ratio. Prints figures; not a test.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

CHILD = """
import sys, time
sys.path.insert(0, {bench!r})
import grievance_rules as gr
from realistic import realistic
policy = gr.load_policy({pack!r})
records = list(realistic(policy, {n}))
for _ in policy.evaluate_many(records[:500]):
    pass
start = time.process_time()
for _ in policy.evaluate_many(records):
    pass
print({n} / (time.process_time() - start))
"""


def rate(checkout: Path, pack: str, n: int) -> float:
    code = CHILD.format(bench=str(HERE), pack=pack, n=n)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=checkout, capture_output=True, text=True, check=True
    )
    return float(done.stdout.strip())


def main() -> None:
    base = Path(sys.argv[1]).resolve()
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print(f"{'pack':8} {'N':>6} {'baseline/s':>11} {'this/s':>8} {'ratio':>6}   (median of {rounds} alternated rounds)")
    for pack in ("ctdhp", "liberty", "luxor"):
        a: list[float] = []
        b: list[float] = []
        for _ in range(rounds):
            a.append(rate(base, pack, n))
            b.append(rate(ROOT, pack, n))
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{pack:8} {n:>6} {ma:>11.0f} {mb:>8.0f} {mb / ma:>6.2f}")


if __name__ == "__main__":
    main()
