"""evaluate_table against evaluate on many generated records: mismatches and rates.

    python benchmarks/table_equivalence.py [--rows 1000000] [--chunk 100000] [--packs ctdhp,liberty,luxor]

For each pack, generated records (benchmarks/table_data.py: every channel, concern and event,
naive and offset timestamps, DST days, holidays, bad rows) go through ``evaluate_table`` in
chunks and through ``evaluate`` (trace off) record by record; every field of every row is
compared. Prints one table: rows, rows decided on arrays, distinct decision inputs, both rates
and the number of mismatching fields (0 expected).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))

from table_data import records, to_table

import grievance_rules as gr
from grievance_rules.table import evaluate_table_stats

AS_OF = "2027-01-15T12:00:00"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--packs", default="ctdhp,liberty,luxor")
    parser.add_argument("--show", type=int, default=5, help="print this many mismatches (id, column, values)")
    args = parser.parse_args()
    from test_table import _same, expected_row  # the test's own comparison

    print("| pack | rows | columnar rows | distinct inputs | table rows/s | evaluate rows/s | mismatches |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for pack in args.packs.split(","):
        policy = gr.load_policy(pack)
        stream = records(policy, args.rows, seed=2024)
        table_time = record_time = 0.0
        columnar = distinct = mismatches = done = 0
        while done < args.rows:
            rows = [next(stream) for _ in range(min(args.chunk, args.rows - done))]
            table = to_table(rows)
            start = time.perf_counter()
            out, stats = evaluate_table_stats(policy, table, as_of=AS_OF)
            table_time += time.perf_counter() - start
            columnar += stats["columnar"]
            distinct = max(distinct, stats["distinct"])
            got = out.to_pylist()
            start = time.perf_counter()
            wanted = [expected_row(policy, r, AS_OF) for r in rows]
            record_time += time.perf_counter() - start
            for record, want, actual in zip(rows, wanted, got, strict=True):
                for column, value in want.items():
                    if not (value is None and actual[column] is None) and not _same(actual[column], value):
                        mismatches += 1
                        if mismatches <= args.show:
                            print(f"  mismatch {record}: {column}: evaluate {value!r}, table {actual[column]!r}")
            done += len(rows)
        print(
            f"| {pack} | {done:,} | {columnar:,} | {distinct:,} (largest chunk) | {done / table_time:,.0f} | "
            f"{done / record_time:,.0f} | {mismatches} |"
        )


if __name__ == "__main__":
    main()
