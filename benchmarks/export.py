"""The audit export: rows per second and peak memory for CSV and Parquet over generated grievances.

Run: python benchmarks/export.py [N]   (default N = 100000 grievances per pack). Prints figures; not a test.

Each (pack, mode) run is a fresh process, so its peak RSS is its own: ``evaluate`` is the baseline
(``evaluate_many`` over the same grievances, no rows), ``rows`` builds the rows (``Policy.export``,
no file), ``csv`` and ``parquet`` also write them (Parquet in row groups of 10,000). Peak RSS is
read after 30% (three Parquet row groups written) and after 100% of the rows: equal figures mean
memory is flat in the number of rows. The grievances come from ``benchmarks/generate.py`` (seeded, drawn
from each pack's vocabulary); the parent process counts how many of them are distinct records and
how many distinct inputs the rules engine sees.
"""

from __future__ import annotations

import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from generate import grievances

import grievance_rules as gr
from grievance_rules.export import write_csv, write_parquet
from grievance_rules.facts import parse_grievance, prepare

AS_OF = "2025-01-15T12:00:00"  # after every generated receipt (2024): statuses include overdue and late


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(pack: str, fmt: str, n: int, folder: str) -> None:
    """One measurement in this process; prints a single result line for the parent."""
    policy = gr.load_policy(pack)
    layout = policy.export_layout()
    early = [0.0]

    def rows() -> Iterator[dict[str, Any]]:
        for count, row in enumerate(policy.export(grievances(policy, n), as_of=AS_OF), start=1):
            if count == 3 * n // 10:
                early[0] = rss_mib()
            yield row

    target = Path(folder) / f"{pack}.{fmt}"
    start = time.perf_counter()
    if fmt == "csv":
        with open(target, "w", encoding="utf-8", newline="") as handle:
            written = write_csv(rows(), layout, handle)
    elif fmt == "parquet":
        written = write_parquet(rows(), layout, target)
    elif fmt == "rows":
        written = sum(1 for _ in rows())
    else:
        written = 0
        for written, _det in enumerate(policy.evaluate_many(grievances(policy, n), as_of=AS_OF), start=1):
            if written == 3 * n // 10:
                early[0] = rss_mib()
    elapsed = time.perf_counter() - start
    size = target.stat().st_size / 2**20 if target.exists() else 0.0
    print(f"{written} {elapsed:.3f} {early[0]:.1f} {rss_mib():.1f} {size:.1f} {len(layout.columns)}")


def distinct(pack: str, n: int) -> tuple[int, int]:
    """How many distinct records (facts without their id) and distinct engine inputs among the n."""
    policy = gr.load_policy(pack)
    records: set[int] = set()
    inputs: set[int] = set()
    for record in grievances(policy, n):
        records.add(hash(repr(sorted((k, repr(v)) for k, v in record.items() if k != "id"))))
        prepared = prepare(parse_grievance(record), policy.spec, policy.calendar, policy.parse_as_of(AS_OF))
        inputs.add(hash(tuple(sorted(policy.properties(prepared, policy.parse_as_of(AS_OF)).items()))))
    return len(records), len(inputs)


def writers_only(pack: str, n: int, folder: str) -> tuple[float, float]:
    """Rows per second of the two writers alone, over n rows built beforehand (held in memory)."""
    policy = gr.load_policy(pack)
    layout = policy.export_layout()
    rows = list(policy.export(grievances(policy, n), as_of=AS_OF))
    start = time.perf_counter()
    with open(Path(folder) / "w.csv", "w", encoding="utf-8", newline="") as handle:
        write_csv(rows, layout, handle)
    csv_rate = n / (time.perf_counter() - start)
    start = time.perf_counter()
    write_parquet(rows, layout, Path(folder) / "w.parquet")
    return csv_rate, n / (time.perf_counter() - start)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{n} generated grievances per pack, as of {AS_OF} (plan-local)")
    print(
        f"{'pack':8} {'format':8} {'rows':>7} {'s':>6} {'rows/s':>7} {'MiB@30%':>8} {'MiB@100%':>9} "
        f"{'file MiB':>8} {'cols':>4} {'distinct records':>16} {'distinct engine inputs':>22}"
    )
    with tempfile.TemporaryDirectory() as folder:
        for pack in ("ctdhp", "liberty", "luxor"):
            records, inputs = distinct(pack, n)
            for fmt in ("evaluate", "rows", "csv", "parquet"):
                out = subprocess.run(
                    [sys.executable, __file__, "--run", pack, fmt, str(n), folder],
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout.split()
                rows, secs, early, peak, size, cols = int(out[0]), float(out[1]), out[2], out[3], out[4], out[5]
                print(
                    f"{pack:8} {fmt:8} {rows:>7} {secs:>6.1f} {rows / secs:>7.0f} {early:>8} {peak:>9} "
                    f"{size:>8} {cols:>4} {records:>16} {inputs:>22}"
                )
        sample = min(n, 20_000)
        for pack in ("ctdhp", "liberty", "luxor"):
            csv_rate, parquet_rate = writers_only(pack, sample, folder)
            print(
                f"writers alone, {pack}, {sample} rows built first: "
                f"csv {csv_rate:.0f} rows/s, parquet {parquet_rate:.0f} rows/s"
            )


if __name__ == "__main__":
    main()
