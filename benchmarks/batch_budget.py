"""What a columnar ``evaluate_many`` would spend per record: the budget behind docs/performance.md.

Run: python benchmarks/batch_budget.py [N]   (default N = 20000; needs the ``table`` extra)

Per bundled pack, on N realistic records (benchmarks/realistic.py, seed 7; the count of distinct
decision inputs is printed), CPU microseconds per record of:

- **per record**: ``evaluate_many`` as it is, trace on, first pass, results streamed and
  dropped (a fresh policy, 500 other records evaluated first to warm up);
- **columns**: turning the records (Python dicts, as ``evaluate_many`` receives them) into one
  Arrow table, a ``pa.array`` per field (benchmarks/table_data.py ``to_table``; after one warm-up
  call: pyarrow's first conversion in a process pays a one-off start-up);
- **decide**: ``evaluate_table`` on that table (classification, level, handler, timeliness and
  every action's due moment and status, on arrays);
- **assemble**: building the Determinations ``evaluate_many`` returns from values already at
  hand, which is the least any path must do per record. It copies each result of the per-record
  run: one ``ActionResult`` per action, one trace entry per action, and the Determination, all
  built as the library builds them (``build_model``, no validation), with new due moments (the
  Determinations copied from are frozen out of the garbage collector's scans meanwhile: a
  columnar path would hold arrays, not 20,000 models).

columns + decide + assemble is the floor of a columnar ``evaluate_many``. The remaining work of
such a path is basis text, anchors and trace values per record, and it is not measured here.
Prints one table; not a test.
"""

from __future__ import annotations

import gc
import sys
import time
from pathlib import Path
from typing import Any

import pendulum

import grievance_rules as gr
from grievance_rules.determination import ActionResult, Determination, TraceEntry
from grievance_rules.facts import build_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from realistic import distinct_inputs, realistic
from table_data import to_table


def assemble(dets: list[Determination], tz: Any) -> None:
    """Each Determination built again from its parts, with new due moments (see the docstring)."""
    action_fields = set(ActionResult.model_fields)
    entry_fields = set(TraceEntry.model_fields)
    det_fields = set(Determination.model_fields)
    for d in dets:
        # each due moment a new DateTime, as a columnar path would make it from an array value
        actions = tuple(
            build_model(
                ActionResult, {**a.__dict__, "due_at": pendulum.DateTime(2024, 1, 1, 17, i, tzinfo=tz)}, action_fields
            )
            for i, a in enumerate(d.actions)
        )
        trace = list(d.trace)
        for i in range(min(len(actions), len(trace))):
            trace[i] = build_model(TraceEntry, {**trace[i].__dict__, "due_at": actions[i].due_at}, entry_fields)
        received = pendulum.DateTime(2024, 1, 1, 9, 30, tzinfo=tz)
        build_model(
            Determination,
            {**d.__dict__, "actions": actions, "trace": tuple(trace), "received_at": received},
            det_fields,
        )


def main() -> None:
    import pyarrow as pa

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    pa.array(["warm up"], pa.string())  # pyarrow's one-off start-up, not a per-record cost
    print(f"{n} realistic records per pack; CPU microseconds per record")
    print(f"{'pack':8} {'distinct':>8} {'per record':>10} {'columns':>8} {'decide':>7} {'assemble':>8} {'floor':>6}")
    for pack in ("ctdhp", "liberty", "luxor"):
        policy = gr.load_policy(pack)
        records = list(realistic(policy, n + 500))
        warm, timed = records[n:], records[:n]
        _plain, distinct = distinct_inputs(policy, timed)
        for _ in policy.evaluate_many(warm):
            pass
        start = time.process_time()
        for _ in policy.evaluate_many(timed):  # streamed, as compare.py times it
            pass
        per_record = time.process_time() - start
        dets = list(policy.evaluate_many(timed))
        start = time.process_time()
        table = to_table(timed)
        built = time.process_time() - start
        start = time.process_time()
        policy.evaluate_table(table)
        decided = time.process_time() - start
        # the Determinations held here are this benchmark's input, not a columnar path's: kept out
        # of the garbage collector's scans (a columnar path would hold arrays, not models)
        gc.freeze()
        start = time.process_time()
        assemble(dets, policy.calendar.tz)
        assembled = time.process_time() - start
        gc.unfreeze()
        del dets
        us = [x / n * 1e6 for x in (per_record, built, decided, assembled)]
        print(
            f"{pack:8} {distinct:>8} {us[0]:>10.1f} {us[1]:>8.1f} {us[2]:>7.1f} {us[3]:>8.1f} {sum(us[1:]):>6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
