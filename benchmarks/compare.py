"""evaluate_many on two checkouts of the library, alternated, same records, same machine.

Run: python benchmarks/compare.py BASELINE_CHECKOUT [N] [ROUNDS] [--packs a,b]
     (default N = 20000, 3 rounds; e.g. ``git worktree add /tmp/base-7c1809a 7c1809a`` and give
     /tmp/base-7c1809a; nothing is installed there, each child runs with PYTHONPATH at its checkout)

The records are generated once by this checkout's benchmarks/realistic.py (N to time and 500 more
to warm up with) and written to a temporary JSON file, so both sides read identical records. Each
round runs, for each bundled pack and for trace on and off, one fresh process per checkout
(baseline first, then this one, alternating). A process loads the pack, evaluates the 500 warm-up
records, then times two passes over the N records with ``time.process_time`` (CPU seconds of the
evaluation alone; the machine is shared):

- **first pass**: every record new to the process, as a batch job meets them (the rules engine's
  memo, the trace and due-date caches fill as it goes);
- **second pass**: the same records again, every cache warm: what is left is the Python work per
  record that the issue is about (validating facts, properties, dates, building the Determination).

The table shows, per pack and trace setting, each side's median rate over the rounds (records per
CPU second) and the ratio, then each side's best round and their ratio (on a shared machine a
round is only ever slowed down by other load, so the best rounds are the steadiest comparison);
it also prints how many distinct records and distinct decision inputs
(the properties the rules read) the N records hold. Prints figures; not a test.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARM = 500

CHILD = """
import json, sys, time
import grievance_rules as gr
records = json.load(open({data!r}))
policy = gr.load_policy({pack!r})
warm, timed = records[{n}:], records[:{n}]
for _ in policy.evaluate_many(warm, trace={trace}):
    pass
rates = []
for _ in range(2):
    start = time.process_time()
    for _ in policy.evaluate_many(timed, trace={trace}):
        pass
    rates.append({n} / (time.process_time() - start))
print(json.dumps(rates))
"""


def rates(checkout: Path, data: Path, pack: str, n: int, trace: bool) -> list[float]:
    """(first pass, second pass) records per CPU second of one fresh process at ``checkout``."""
    code = CHILD.format(data=str(data), pack=pack, n=n, trace=trace)
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=checkout, capture_output=True, text=True, check=True
    )
    found: list[float] = json.loads(done.stdout)
    return found


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    packs = ("ctdhp", "liberty", "luxor")
    for flag in sys.argv[1:]:
        if flag.startswith("--packs="):
            packs = tuple(flag.removeprefix("--packs=").split(","))
    base = Path(args[0]).resolve()
    n = int(args[1]) if len(args) > 1 else 20_000
    rounds = int(args[2]) if len(args) > 2 else 3
    sys.path.insert(0, str(HERE))
    from realistic import distinct_inputs, realistic

    import grievance_rules as gr

    print(f"baseline {base}; this checkout {ROOT}; {n} records per pack, median of {rounds} alternated rounds")
    print(
        f"{'pack':8} {'trace':5} {'pass':6} {'baseline/s':>11} {'this/s':>8} {'ratio':>6}"
        f" {'best base':>10} {'best this':>10} {'ratio':>6}"
    )
    inputs: dict[str, tuple[int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for pack in packs:
            policy = gr.load_policy(pack)
            records = list(realistic(policy, n + WARM))
            inputs[pack] = distinct_inputs(policy, records[:n])
            data = Path(tmp) / f"{pack}.json"
            data.write_text(json.dumps(records))
            for trace in (True, False):
                got: dict[str, list[list[float]]] = {"base": [], "this": []}
                for _ in range(rounds):
                    got["base"].append(rates(base, data, pack, n, trace))
                    got["this"].append(rates(ROOT, data, pack, n, trace))
                for index, name in enumerate(("first", "second")):
                    a = statistics.median(r[index] for r in got["base"])
                    b = statistics.median(r[index] for r in got["this"])
                    best_a = max(r[index] for r in got["base"])
                    best_b = max(r[index] for r in got["this"])
                    shown = "on" if trace else "off"
                    print(
                        f"{pack:8} {shown:5} {name:6} {a:>11.0f} {b:>8.0f} {b / a:>6.2f}"
                        f" {best_a:>10.0f} {best_b:>10.0f} {best_b / best_a:>6.2f}",
                        flush=True,
                    )
    for pack, (plain, props) in inputs.items():
        print(f"{pack}: {n} records, {plain} distinct records, {props} distinct decision inputs")


if __name__ == "__main__":
    main()
