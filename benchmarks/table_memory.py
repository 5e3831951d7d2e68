"""Memory of evaluate_table over a Parquet file streamed in batches: peak RSS after 10% and 100%.

Run: python benchmarks/table_memory.py [ROWS] [PACK]   (default 10,000,000 luxor rows). The Parquet
file is generated into /tmp (benchmarks/realistic.py records, written in row groups, never kept in
memory whole) and deleted afterwards; it is never committed. The rows are then read back
batch by batch (pyarrow ``iter_batches``) and each batch goes through ``policy.evaluate_table``;
nothing is kept but counters. Flat means the peak at 100% is within 10% of the peak at 10%.
Prints figures; not a test.
"""

from __future__ import annotations

import os
import resource
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import pyarrow as pa
import pyarrow.parquet as pq
from realistic import realistic

import grievance_rules as gr

BATCH = 65_536


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write(policy: gr.Policy, rows: int, path: str) -> None:
    fields = [
        "id",
        "received_at",
        "channel",
        "concerns",
        "incident_date",
        "type",
        "group",
        "wants_formal_grievance",
        "urgent",
        "complainant",
        "assistance_needs",
        "events",
        "resolved_at",
    ]
    schema = pa.schema(
        [
            pa.field("id", pa.string()),
            pa.field("received_at", pa.string()),
            pa.field("channel", pa.string()),
            pa.field("concerns", pa.list_(pa.string())),
            pa.field("incident_date", pa.string()),
            pa.field("type", pa.string()),
            pa.field("group", pa.string()),
            pa.field("wants_formal_grievance", pa.bool_()),
            pa.field("urgent", pa.bool_()),
            pa.field("complainant", pa.string()),
            pa.field("assistance_needs", pa.list_(pa.string())),
            pa.field("events", pa.list_(pa.struct([("type", pa.string()), ("at", pa.string())]))),
            pa.field("resolved_at", pa.string()),
        ]
    )
    with pq.ParquetWriter(path, schema) as writer:
        buffer = []
        for record in realistic(policy, rows, seed=3):
            buffer.append({f: record.get(f) for f in fields})
            if len(buffer) == BATCH:
                writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
                buffer = []
        if buffer:
            writer.write_table(pa.Table.from_pylist(buffer, schema=schema))


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    pack = sys.argv[2] if len(sys.argv) > 2 else "luxor"
    policy = gr.load_policy(pack)
    path = f"/tmp/grievance-rules-{pack}-{rows}.parquet"
    try:
        write(policy, rows, path)
        done = errors = 0
        early = 0.0
        start = time.perf_counter()
        for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH):
            out = policy.evaluate_table(pa.Table.from_batches([batch]))
            done += out.num_rows
            errors += out.num_rows - out.column("error").null_count
            if not early and done >= rows // 10:
                early = rss_mib()
        wall = time.perf_counter() - start
        end = rss_mib()
        print(
            f"{'pack':8} {'rows':>10} {'errors':>7} {'wall s':>8} "
            f"{'peak MiB @10%':>13} {'peak MiB @100%':>14} {'growth':>7}"
        )
        print(f"{pack:8} {done:>10} {errors:>7} {wall:>8.0f} {early:>13.1f} {end:>14.1f} {end / early - 1:>7.1%}")
    finally:
        if os.path.exists(path):
            os.remove(path)


if __name__ == "__main__":
    main()
