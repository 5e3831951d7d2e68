"""Determinations per second per core: evaluate, evaluate_many and evaluate_table on each bundled
pack, and the same Luxor job done with GoRules ZEN plus the ``holidays`` package, side by side.

Run: python benchmarks/scale.py [N] [PACK,...]   (default N = 20000 records per pack, the three
bundled grievance packs; evaluate_table gets 10 x N other rows as one Arrow table). Records come
from benchmarks/realistic.py; the table prints how many distinct decision inputs (tuples of the
properties the rules read) they hold, how many distinct inputs of the rule groups durable-rules
was asked about, and how many rows evaluate_table left to the per-record path. Rates are CPU
seconds of this one process (per core), so other jobs on a shared machine weigh on them less
than on wall time. Needs the ``table`` extra; the ZEN column needs the ``bench`` extra
(``pip install -e '.[bench]'``). Prints one Markdown table; not a test.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, os.path.dirname(__file__))

import pyarrow as pa
from realistic import distinct_inputs, realistic

import grievance_rules as gr
from grievance_rules.table import evaluate_table_stats

PACKS = ("ctdhp", "liberty", "luxor")
"""The three bundled grievance packs (subject packs are evaluated per record by evaluate_table)."""

HERE = Path(__file__).resolve().parent


def cpu_rate(n: int, work: Callable[..., Any]) -> float:
    """Records per CPU second of ``work`` (which handles ``n`` records)."""
    start = time.process_time()
    work()
    return n / (time.process_time() - start)


def as_table(records: list[dict[str, Any]]) -> pa.Table:
    fields = sorted({k for r in records for k in r})
    return pa.Table.from_pylist([{f: r.get(f) for f in fields} for r in records])


class ZenLuxor:
    """The Luxor job as a user would write it with ZEN: a decision table (benchmarks/luxor_zen.json)
    decides the classification and the letters/actions, evaluated with ZEN's batch API; the dates
    come from the ``holidays`` package's working-day helpers (US federal holidays, observed)."""

    def __init__(self) -> None:
        import holidays
        import zen

        content = (HERE / "luxor_zen.json").read_text(encoding="utf-8")
        self.engine = zen.ZenEngine({"loader": lambda key: content})
        self.cal = holidays.US(observed=True, years=range(2022, 2027))
        self.tz = ZoneInfo("America/Chicago")

    def local(self, text: str) -> dt.datetime:
        moment = dt.datetime.fromisoformat(text)
        return moment.replace(tzinfo=self.tz) if moment.tzinfo is None else moment.astimezone(self.tz)

    def run(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        contexts = []
        days = []
        for r in records:
            received = self.local(r["received_at"])
            day = received.date()
            cob_day = self.cal.get_nth_working_day(day, 1)
            cob = dt.datetime.combine(cob_day, dt.time(17, 0), self.tz)
            resolved = r.get("resolved_at")
            timer = "open" if resolved is None else ("met" if self.local(resolved) <= cob else "missed")
            concerns = r.get("concerns", [])
            contexts.append(
                {
                    "key": "luxor",
                    "context": {
                        "channel": r.get("channel"),
                        "misinformation_only": concerns == ["misinformation"],
                        "timer": timer,
                        "quality_of_care": "quality_of_care" in concerns,
                    },
                }
            )
            days.append((day, r.get("incident_date")))
        out = []
        for (day, incident), res in zip(days, self.engine.evaluate_batch(contexts), strict=True):
            result = res["data"]["result"]
            actions = []
            for a in result["actions"]:
                due = None
                if a["unit"] == "business_days":
                    due_day = self.cal.get_nth_working_day(day, a["amount"])
                    due = dt.datetime.combine(due_day, dt.time(23, 59, 59), self.tz)
                actions.append((a["code"], due))
            timely = None if incident is None else day <= dt.date.fromisoformat(incident) + dt.timedelta(days=180)
            out.append({"classification": result["classification"], "timely_filed": timely, "actions": actions})
        return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {dt.date.today()}"
    )
    print(
        "| pack | records | distinct inputs | evaluate/s | evaluate_many/s | table rows | distinct inputs (table) "
        "| rule-group inputs | rows per record | evaluate_table/s | ZEN+holidays/s | table/ZEN |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pack in sys.argv[2].split(",") if len(sys.argv) > 2 else PACKS:
        policy = gr.load_policy(pack)
        records = list(realistic(policy, n))
        _, distinct = distinct_inputs(policy, records)
        one = cpu_rate(n, lambda p=policy, rs=records: [p.evaluate(r) for r in rs])
        many = cpu_rate(n, lambda p=policy, rs=records: sum(1 for _ in p.evaluate_many(rs)))
        big = list(realistic(policy, 10 * n, seed=11))
        table = as_table(big)
        rows = table.num_rows
        tab = cpu_rate(rows, lambda p=policy, t=table: p.evaluate_table(t))
        stats = evaluate_table_stats(policy, table)[1]  # counted apart, as evaluate_table does not count
        big_distinct = stats["distinct"]
        zen_rate = ratio = ""
        if pack == "luxor":
            try:
                zen = ZenLuxor()
            except ImportError as exc:
                zen_rate = f"({exc.name} missing)"
            else:
                z = cpu_rate(rows, lambda z=zen, rs=big: z.run(rs))
                zen_rate, ratio = f"{z:,.0f}", f"{tab / z:.1f}"
        print(
            f"| {pack} | {n:,} | {distinct:,} | {one:,.0f} | {many:,.0f} | {rows:,} | {big_distinct:,} | "
            f"{stats['group_inputs']:,} | {stats['per_record']:,} | {tab:,.0f} | {zen_rate} | {ratio} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
