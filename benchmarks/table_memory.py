"""Memory of evaluate_table over a Parquet file streamed in batches, 1,000,000 against 10,000,000 rows.

Run: python benchmarks/table_memory.py [--pack luxor] [--keep] [--tracemalloc] [ROWS ...]
(default ROWS: 1000000 10000000). Prints one table; not a test.

1. The Parquet file is generated once, for the largest ROWS, into /tmp (benchmarks/realistic.py
   records, seed 3, written in row groups of 65,536, never held in memory whole). It is deleted
   afterwards unless ``--keep`` is given; an existing file of the same name is reused. It is
   never committed.
2. Each ROWS is measured in a **fresh process** (peak RSS is per process): the first ROWS rows
   are read back batch by batch (pyarrow ``iter_batches``, 65,536 rows, ``pre_buffer=False``:
   with pyarrow's default pre-buffering the reader alone grows by about 33 MiB per million rows,
   docs/performance.md) and each batch goes
   through ``policy.evaluate_table``; nothing is kept but counters. The 1,000,000-row run reads
   the first million rows of the same file, so both runs see the same rows up to there.
3. Distinct inputs: "engine inputs" is what durable-rules was asked over the run (distinct
   inputs of the rule groups, less those it had answered before: ``evaluate_table_stats``'s
   ``group_inputs``), in all and in the last batch; and the distinct decision inputs (tuples of
   every property the rules read) over the first 100,000 rows of the file, counted record by
   record as benchmarks/realistic.py ``distinct_inputs`` does (counting all 10,000,000 that way
   would take longer than the run).

Flat means: the peak RSS of the 10,000,000-row run is within 10% of the 1,000,000-row run's
(and, inside each run, the peak at 100% within 10% of the peak after 10% of the rows).
``--tracemalloc`` adds, per run, the 10 source lines whose Python allocations grew most between
10% and 100% of the rows (on standard error; slows the run down), to find where memory grows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from typing import Any

sys.path.insert(0, os.path.dirname(__file__))

import pyarrow as pa
import pyarrow.parquet as pq
from realistic import realistic

import grievance_rules as gr

BATCH = 65_536
SEED = 3
SAMPLE = 100_000

FIELDS = [
    ("id", pa.string()),
    ("received_at", pa.string()),
    ("channel", pa.string()),
    ("concerns", pa.list_(pa.string())),
    ("incident_date", pa.string()),
    ("type", pa.string()),
    ("group", pa.string()),
    ("wants_formal_grievance", pa.bool_()),
    ("urgent", pa.bool_()),
    ("complainant", pa.string()),
    ("assistance_needs", pa.list_(pa.string())),
    ("events", pa.list_(pa.struct([("type", pa.string()), ("at", pa.string())]))),
    ("resolved_at", pa.string()),
]


def peak_mib() -> float:
    """Peak resident memory of this process so far (MiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_mib() -> float:
    """Resident memory of this process now (MiB)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write(pack: str, rows: int, path: str) -> None:
    policy = gr.load_policy(pack)
    schema = pa.schema([pa.field(name, kind) for name, kind in FIELDS])
    names = [name for name, _ in FIELDS]
    tmp = path + ".part"
    with pq.ParquetWriter(tmp, schema) as writer:
        buffer = []
        for record in realistic(policy, rows, seed=SEED):
            buffer.append({f: record.get(f) for f in names})
            if len(buffer) == BATCH:
                writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
                buffer = []
        if buffer:
            writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
    os.replace(tmp, path)


def measure(pack: str, path: str, rows: int, trace: bool) -> dict[str, Any]:
    """Stream the first ``rows`` rows of ``path`` through evaluate_table (in this fresh process)."""
    from grievance_rules import table as tables

    policy = gr.load_policy(pack)
    stats_of = getattr(tables, "evaluate_table_stats", None)
    done = errors = per_record = batches = 0
    asked: list[int] = []
    early_peak = early_now = 0.0
    early_blocks = early_arrow = 0
    snapshot = None
    if trace:
        import tracemalloc

        tracemalloc.start(5)
    start, cpu = time.perf_counter(), time.process_time()
    # pre_buffer=False, as grievance_rules.recordio reads: pyarrow's default pre-buffering keeps
    # memory growing with every row group read (about 33 MiB per million rows with pyarrow 26)
    for batch in pq.ParquetFile(path, pre_buffer=False).iter_batches(batch_size=BATCH):
        if done >= rows:
            break
        if done + batch.num_rows > rows:
            batch = batch.slice(0, rows - done)
        table = pa.Table.from_batches([batch])
        if stats_of is not None:
            # evaluate_table itself, with its counts of how rows were decided (no extra distinct pass)
            out, stats = stats_of(policy, table, count=False)
            asked.append(int(stats.get("group_inputs", 0)))
            per_record += int(stats.get("per_record", 0))
        else:
            out = policy.evaluate_table(table)
        done += out.num_rows
        batches += 1
        errors += out.num_rows - out.column("error").null_count
        del out, table, batch
        if not early_peak and done >= rows // 10:
            early_peak, early_now = peak_mib(), current_mib()
            early_blocks, early_arrow = sys.getallocatedblocks(), pa.total_allocated_bytes()
            if trace:
                snapshot = tracemalloc.take_snapshot()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    if trace and snapshot is not None:
        top = tracemalloc.take_snapshot().compare_to(snapshot, "lineno")[:10]
        print(f"tracemalloc, {rows:,} rows: growth from 10% to 100% by source line", file=sys.stderr)
        for stat in top:
            print(f"  {stat}", file=sys.stderr)
    return {
        "rows": done,
        "errors": errors,
        "per_record": per_record if stats_of is not None else None,
        "wall": wall,
        "cpu": cpu,
        "batches": batches,
        "asked": sum(asked) if asked else None,
        "asked_last": asked[-1] if asked else None,
        "peak_10": early_peak,
        "peak_100": peak_mib(),
        "now_10": early_now,
        "now_100": current_mib(),
        # where memory lives: Python's allocated blocks (objects) and Arrow's memory pool, at 10% and 100%
        "blocks_10": early_blocks,
        "blocks_100": sys.getallocatedblocks(),
        "arrow_10": early_arrow,
        "arrow_100": pa.total_allocated_bytes(),
    }


def sample_distinct(pack: str, path: str, n: int) -> tuple[int, int, int]:
    """(distinct records without id, distinct decision inputs, bad records) among the first ``n`` rows,
    record by record as benchmarks/realistic.py counts them; a bad row (evaluate_table's error) is skipped."""
    from grievance_rules.facts import parse_grievance, prepare

    policy = gr.load_policy(pack)
    plain: set[str] = set()
    props: set[tuple[Any, ...]] = set()
    bad = seen = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH):
        for row in batch.to_pylist():
            if seen == n:
                return len(plain), len(props), bad
            seen += 1
            record = {k: v for k, v in row.items() if v is not None and v != []}
            try:
                grievance = parse_grievance(record)
                version = policy.version_for(grievance)
                prepared = prepare(grievance, version.spec, version.calendar, None)
                props.add(tuple(sorted(version.properties(prepared, None).items())))
            except gr.GrievanceRulesError:
                bad += 1
                continue
            plain.add(repr(sorted((k, v) for k, v in record.items() if k != "id")))
    return len(plain), len(props), bad


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rows", nargs="*", type=int, default=[1_000_000, 10_000_000])
    parser.add_argument("--pack", default="luxor")
    parser.add_argument("--keep", action="store_true", help="keep the generated Parquet file in /tmp")
    parser.add_argument("--tracemalloc", action="store_true", help="where Python memory grows (slow)")
    parser.add_argument("--source", metavar="PATH", help="read this Parquet file (at least max(ROWS) rows; kept)")
    parser.add_argument("--measure", metavar="PATH", help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.pack, args.measure, args.rows[0], args.tracemalloc)))
        return
    largest = max(args.rows)
    path = args.source or f"/tmp/grievance-rules-{args.pack}-{largest}-seed{SEED}.parquet"
    keep = args.keep or bool(args.source)
    started = time.perf_counter()
    if not os.path.exists(path):
        write(args.pack, largest, path)
    generated = time.perf_counter() - started
    file_rows = pq.ParquetFile(path).metadata.num_rows
    results = []
    try:
        for rows in sorted(args.rows):
            command = [sys.executable, __file__, "--pack", args.pack, "--measure", path, str(rows)]
            if args.tracemalloc:
                command.append("--tracemalloc")
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            sys.stderr.write(done.stderr)
            results.append(json.loads(done.stdout.splitlines()[-1]))
        plain, inputs, bad = sample_distinct(args.pack, path, SAMPLE)
    finally:
        if not keep and os.path.exists(path):
            os.remove(path)
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, pyarrow {pa.__version__}; "
        f"pack {args.pack}; Parquet file of {file_rows:,} rows "
        f"({'given' if args.source else f'generated in {generated:.0f} s'}); batches of {BATCH:,}"
    )
    print(
        f"{'rows':>11} {'errors':>7} {'per-rec':>8} {'wall s':>7} {'cpu s':>7} {'rows/cpu s':>10} "
        f"{'engine inputs':>13} {'last batch':>10} {'peak MiB @10%':>13} {'peak MiB @100%':>14} {'in-run':>7} "
        f"{'RSS MiB @100%':>13} {'vs first':>8}"
    )
    base = results[0]["peak_100"]
    for r in results:
        mean = "-" if r["asked"] is None else f"{r['asked']:,}"
        top = "-" if r["asked_last"] is None else f"{r['asked_last']:,}"
        per = "-" if r["per_record"] is None else f"{r['per_record']:,}"
        print(
            f"{r['rows']:>11,} {r['errors']:>7,} {per:>8} {r['wall']:>7.0f} {r['cpu']:>7.0f} "
            f"{r['rows'] / r['cpu']:>10,.0f} {mean:>13} {top:>10} {r['peak_10']:>13.1f} {r['peak_100']:>14.1f} "
            f"{r['peak_100'] / r['peak_10'] - 1:>7.1%} {r['now_100']:>13.1f} {r['peak_100'] / base - 1:>8.1%}"
        )
    for r in results:
        print(
            f"{r['rows']:>11,} rows: Python allocated blocks {r['blocks_10']:,} @10% -> {r['blocks_100']:,} @100%; "
            f"Arrow pool {r['arrow_10'] / 2**20:.1f} -> {r['arrow_100'] / 2**20:.1f} MiB"
        )
    growth = results[-1]["peak_100"] / base - 1
    print(
        f"distinct decision inputs in the first {SAMPLE:,} rows: {inputs:,} ({plain:,} distinct records without id, "
        f"{bad:,} bad rows); "
        f"peak RSS {results[-1]['rows']:,} vs {results[0]['rows']:,} rows: {growth:+.1%} "
        f"({'flat' if abs(growth) <= 0.10 else 'NOT flat'}: target within 10%)"
    )


if __name__ == "__main__":
    main()
