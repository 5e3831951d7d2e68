"""The command line's --jobs N (output in input order, identical to one process) and its
Parquet and CSV input and output (issue 14 point 3)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from helpers import ROOT
from realistic import realistic

import grievance_rules as gr
from grievance_rules.parallel import chunked, ordered_map
from grievance_rules.recordio import read_csv, read_parquet


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        check=False,
    )


def records(n: int) -> list[dict[str, Any]]:
    """Realistic luxor records (over 2,500, so several chunks) with bad ones in between."""
    recs: list[dict[str, Any]] = list(realistic(gr.load_policy("luxor"), n))
    recs[5] = {**recs[5], "channel": "pigeon"}  # an unknown channel
    recs[1500] = {"id": "X-1"}  # no received_at
    recs[2400] = {**recs[2400], "concerns": ["nonsense"]}
    return recs


def write_jsonl(path: Path, recs: list[dict[str, Any]], broken_line: int | None = None) -> None:
    lines = [json.dumps(r) for r in recs]
    if broken_line is not None:
        lines.insert(broken_line, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_ordered_map_keeps_order_across_processes() -> None:
    chunks = list(chunked(range(10_000), 7))
    one = [x for c in ordered_map(_double, chunks, 1, _noop, ()) for x in c]
    two = [x for c in ordered_map(_double, chunks, 2, _noop, ()) for x in c]
    assert one == two == [2 * x for x in range(10_000)]


def _noop() -> None:
    pass


def _double(chunk: list[int]) -> list[int]:
    return [2 * x for x in chunk]


def test_evaluate_jobs_2_is_identical_to_jobs_1_bad_records_in_place(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, records(2600), broken_line=1000)
    one = run("evaluate", "--policy", "luxor", "--as-of", "2026-06-01T12:00:00", "--jobs", "1", str(src))
    two = run("evaluate", "--policy", "luxor", "--as-of", "2026-06-01T12:00:00", "--jobs", "2", str(src))
    assert one.returncode == two.returncode == 1  # bad records fail the run; nothing is dropped
    assert one.stdout == two.stdout
    lines = one.stdout.splitlines()
    assert len(lines) == 2601
    assert json.loads(lines[5])["field"] == "channel" and json.loads(lines[5])["record"] == 6
    assert json.loads(lines[1000])["error"].startswith("line 1001 is not valid JSON")
    assert json.loads(lines[1501])["id"] == "X-1"
    assert json.loads(lines[7])["grievance_id"] == "R-7"
    assert one.stderr.splitlines()[-1] == two.stderr.splitlines()[-1] == "2601 records, 4 errors"


def test_export_jobs_2_is_identical_to_jobs_1(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, records(2600))
    out1, out2 = tmp_path / "one.csv", tmp_path / "two.csv"
    base = ("export", "--policy", "luxor", "--format", "csv", "--period", "2024-01-01..2024-12-31")
    one = run(*base, "--output", str(out1), "--jobs", "1", str(src))
    two = run(*base, "--output", str(out2), "--jobs", "2", str(src))
    assert one.returncode == two.returncode == 1
    assert out1.read_bytes() == out2.read_bytes()
    assert one.stderr == two.stderr
    assert 1000 < out1.read_text().count("\n") < 2000  # the period keeps about half of two years


def test_parquet_and_csv_records_read_as_the_json_ones(tmp_path: Path) -> None:
    recs = list(realistic(gr.load_policy("luxor"), 300))
    src = tmp_path / "in.jsonl"
    write_jsonl(src, recs)
    # Parquet: native lists and structs; CSV: tags joined with ';', events as JSON text
    fields = sorted({k for r in recs for k in r})
    pq.write_table(pa.Table.from_pylist([{f: r.get(f) for f in fields} for r in recs]), tmp_path / "in.parquet")
    with open(tmp_path / "in.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fields)
        writer.writeheader()
        for r in recs:
            writer.writerow({k: _cell(v) for k, v in r.items()})
    from_parquet = [rec for _, rec, _ in read_parquet(str(tmp_path / "in.parquet"))]
    with open(tmp_path / "in.csv", encoding="utf-8") as handle:
        from_csv = [rec for _, rec, _ in read_csv(handle)]
    normal = [_normal(r) for r in recs]
    assert [_normal(r) for r in from_parquet] == normal
    assert [_normal(r) for r in from_csv] == normal
    outs = [
        run("evaluate", "--policy", "luxor", "--as-of", "2026-06-01T12:00:00", str(tmp_path / f"in.{ext}")).stdout
        for ext in ("jsonl", "parquet", "csv")
    ]
    assert outs[0] == outs[1] == outs[2] and outs[0].count("\n") == len(recs)


def _cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ";".join(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)


def _normal(record: dict[str, Any]) -> dict[str, Any]:
    """A record without empty tag lists and false flags (an absent field means the same)."""
    return {k: v for k, v in record.items() if v not in ([], False)}


def test_evaluate_writes_parquet_and_csv_rows_round_trip(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    write_jsonl(src, records(2600))
    args = ("evaluate", "--policy", "luxor", "--as-of", "2026-06-01T12:00:00")
    pq_out, csv_out = tmp_path / "out.parquet", tmp_path / "out.csv"
    a = run(*args, "--format", "parquet", "--output", str(pq_out), "--jobs", "2", str(src))
    b = run(*args, "--format", "csv", "--output", str(csv_out), str(src))
    lines = run(*args, str(src)).stdout.splitlines()
    assert a.returncode == b.returncode == 1
    table = pq.read_table(pq_out)
    assert table.num_rows == 2600
    assert table.schema.field("acknowledge_due_at").type == pa.timestamp("us", tz="America/Chicago")
    with open(csv_out, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2600
    for i in (0, 5, 7, 1500, 2599):
        data = json.loads(lines[i])
        prow, crow = table.slice(i, 1).to_pylist()[0], rows[i]
        if "error" in data:
            assert prow["error"] == crow["error"] == data["error"] and prow["classification"] is None
            continue
        assert prow["id"] == crow["id"] == data["grievance_id"]
        assert prow["classification"] == crow["classification"] == data["classification"]
        ack = next(x for x in data["actions"] if x["code"] == "acknowledge")
        assert prow["acknowledge_due_at"].isoformat() == crow["acknowledge_due_at"] == ack["due_at"]
        assert prow["acknowledge_status"] == crow["acknowledge_status"] == ack["status"]


def test_jobs_must_be_positive() -> None:
    done = run("evaluate", "--policy", "luxor", "--jobs", "0", "-")
    assert done.returncode == 2 and "--jobs" in done.stderr


def test_parquet_in_table_out_goes_through_evaluate_table_with_the_same_rows(tmp_path: Path) -> None:
    """Parquet in, CSV or Parquet out: evaluate works the file as Arrow tables (evaluate_table),
    and writes byte for byte the rows the per-record path writes for the same records (read from
    JSON Lines), bad records and DST-fold moments included, with --jobs 1 and 2."""
    policy = gr.load_policy("liberty")
    recs = list(realistic(policy, 3000))
    recs[7] = {**recs[7], "channel": "pigeon"}
    recs[8] = {"id": "X" * 300, "received_at": "2024-01-01T10:00:00", "channel": "pigeon"}  # id too long to show
    recs[9] = {
        "id": "fold",
        "received_at": "2023-11-05T01:51:00-07:00",
        "channel": "online",
        "events": [{"type": "transfer_declined", "at": "2023-11-05T01:19:00-08:00"}],
    }
    fields = sorted({k for r in recs for k in r})
    pq.write_table(
        pa.Table.from_pylist([{f: r.get(f) for f in fields} for r in recs]), tmp_path / "in.parquet", row_group_size=700
    )
    write_jsonl(tmp_path / "in.jsonl", recs)
    args = ("evaluate", "--policy", "liberty", "--as-of", "2026-06-01T12:00:00")
    by_record = run(*args, "--format", "csv", str(tmp_path / "in.jsonl"))
    by_table = run(*args, "--format", "csv", str(tmp_path / "in.parquet"))
    assert by_table.returncode == by_record.returncode == 1
    assert by_table.stdout == by_record.stdout
    assert by_table.stderr.splitlines()[-1] == by_record.stderr.splitlines()[-1] == "3000 records, 2 errors"
    two = run(
        *args,
        "--format",
        "parquet",
        "--jobs",
        "2",
        "--output",
        str(tmp_path / "t.parquet"),
        str(tmp_path / "in.parquet"),
    )
    one = run(*args, "--format", "parquet", "--output", str(tmp_path / "r.parquet"), str(tmp_path / "in.jsonl"))
    assert two.returncode == one.returncode == 1
    assert pq.read_table(tmp_path / "t.parquet").equals(pq.read_table(tmp_path / "r.parquet"))
    rows = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert rows[8]["id"] is None and rows[8]["error"] is not None
    assert rows[9]["error"] is None


def test_the_table_path_is_the_one_taken(tmp_path: Path, monkeypatch: Any) -> None:
    """Parquet in and a table out take evaluate_table; JSON Lines in does not."""
    from grievance_rules import cli
    from grievance_rules.policy import Policy

    calls: list[int] = []
    real = Policy.evaluate_table

    def counting(self: Policy, table: Any, as_of: Any = None) -> Any:
        calls.append(table.num_rows)
        return real(self, table, as_of)

    monkeypatch.setattr(Policy, "evaluate_table", counting)
    recs = list(realistic(gr.load_policy("luxor"), 50))
    fields = sorted({k for r in recs for k in r})
    pq.write_table(pa.Table.from_pylist([{f: r.get(f) for f in fields} for r in recs]), tmp_path / "in.parquet")
    out = tmp_path / "out.csv"
    assert (
        cli.main(
            ["evaluate", "--policy", "luxor", "--format", "csv", "--output", str(out), str(tmp_path / "in.parquet")]
        )
        == 0
    )
    assert calls == [50]
    write_jsonl(tmp_path / "in.jsonl", recs)
    assert (
        cli.main(["evaluate", "--policy", "luxor", "--format", "csv", "--output", str(out), str(tmp_path / "in.jsonl")])
        == 0
    )
    assert calls == [50]
