"""Machine instructions per record of evaluate_many on two checkouts: a comparison noise cannot move.

Run: python benchmarks/instructions.py BASELINE_CHECKOUT [N] [--packs=a,b] [--trace=off] [--warm=W]
     (default N = 2000, trace on; needs valgrind; e.g. ``git worktree add /tmp/base-7c1809a
     7c1809a`` and give /tmp/base-7c1809a)

On this project's shared machine two timings of the same code differ by a third from one run to
the next (docs/performance.md), so a side-by-side ratio of rates (benchmarks/compare.py) needs
many rounds and still moves. Counting instructions does not move: each process runs under
valgrind's callgrind, which counts every instruction the CPU executes (the Python interpreter's
included) whatever else the machine is doing. Instructions are not time (a cache miss costs more
than an add), but for interpreted Python they track it closely, and they tell whether a change
does less work.

For each pack and checkout, three processes load the pack and evaluate the same W warm-up
records (default 500), then 0 records, N records once (a first pass: every record new to the
process) and N records twice (the second pass: every cache warm); the differences give
instructions per record of each pass. With a large W (``--warm=18000``) the first pass is what a
long batch job does with each new record: the decision cache as full as such a run keeps it (the
table says how many of the N records' decision inputs the warm-up already showed the engine).
Every process runs with ``PYTHONHASHSEED=0``, so a count repeats exactly.
Records come from this checkout's benchmarks/realistic.py (N to count and W to
warm up with), written once to a temporary JSON file so both sides read identical records. Runs
two processes at a time (counts do not depend on what runs beside them). Each process takes about
a minute (about four with ``--warm=18000``). Prints one table; not a test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WARM = 500

CHILD = """
import json, sys
import grievance_rules as gr
records = json.load(open({data!r}))
policy = gr.load_policy({pack!r})
for _ in policy.evaluate_many(records[{n}:], trace={trace}):
    pass
for _ in range({passes}):
    for _ in policy.evaluate_many(records[:{count}], trace={trace}):
        pass
"""


def instructions(checkout: Path, data: Path, pack: str, n: int, count: int, passes: int, trace: bool) -> int:
    """Instructions callgrind counts for one process at ``checkout`` (load, warm-up, ``passes`` passes)."""
    code = CHILD.format(data=str(data), pack=pack, n=n, count=count, passes=passes, trace=trace)
    # one hash seed for every process: set and dict layouts, and so the count, are then the same each run
    env = {**os.environ, "PYTHONPATH": str(checkout), "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", code],
        env=env,
        cwd=checkout,
        capture_output=True,
        text=True,
        check=True,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise SystemExit(f"callgrind printed no count for {checkout} {pack}:\n{done.stderr[-2000:]}")
    return int(found.group(1))


def _seen_inputs(policy: Any, warm: list[dict[str, Any]], counted: list[dict[str, Any]]) -> int:
    """How many of ``counted`` show the rules engine a decision input that ``warm`` showed it."""
    from grievance_rules.facts import parse_grievance, prepare

    def key(record: dict[str, Any]) -> tuple[Any, ...]:
        grievance = parse_grievance(record)
        version = policy.version_for(grievance)
        prepared = prepare(grievance, version.spec, version.calendar, None)
        return tuple(sorted(version.properties(prepared, None).items()))

    shown = {key(r) for r in warm}
    return sum(key(r) in shown for r in counted)


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    packs = ("ctdhp", "liberty", "luxor")
    trace = True
    warm = WARM
    for flag in sys.argv[1:]:
        if flag.startswith("--packs="):
            packs = tuple(flag.removeprefix("--packs=").split(","))
        elif flag == "--trace=off":
            trace = False
        elif flag.startswith("--warm="):
            warm = int(flag.removeprefix("--warm="))
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed: apt-get install valgrind")
    base = Path(args[0]).resolve()
    n = int(args[1]) if len(args) > 1 else 2_000
    sys.path.insert(0, str(HERE))
    from realistic import distinct_inputs, realistic

    import grievance_rules as gr

    print(
        f"baseline {base}; this checkout {ROOT}; {n} records per pack after {warm} warm-up records, "
        f"trace {'on' if trace else 'off'}"
    )
    print(f"{'pack':8} {'pass':6} {'baseline instr/record':>22} {'this instr/record':>18} {'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp, ThreadPoolExecutor(max_workers=2) as pool:
        for pack in packs:
            policy = gr.load_policy(pack)
            records = list(realistic(policy, n + warm))
            plain, inputs = distinct_inputs(policy, records[:n])
            seen = _seen_inputs(policy, records[n:], records[:n])
            data = Path(tmp) / f"{pack}.json"
            data.write_text(json.dumps(records))
            jobs = {
                (side, count, passes): pool.submit(instructions, checkout, data, pack, n, count, passes, trace)
                for side, checkout in (("base", base), ("this", ROOT))
                for count, passes in ((0, 1), (n, 1), (n, 2))
            }
            got = {key: job.result() for key, job in jobs.items()}
            for name, (low, high) in (("first", ((0, 1), (n, 1))), ("second", ((n, 1), (n, 2)))):
                a = (got[("base", *high)] - got[("base", *low)]) / n
                b = (got[("this", *high)] - got[("this", *low)]) / n
                print(f"{pack:8} {name:6} {a:>22,.0f} {b:>18,.0f} {a / b:>6.2f}", flush=True)
            print(
                f"{pack}: {n} records, {plain} distinct records, {inputs} distinct decision inputs; "
                f"{seen} of the {n} records show the engine an input the {warm} warm-up records showed it",
                flush=True,
            )


if __name__ == "__main__":
    main()
