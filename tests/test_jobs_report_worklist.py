"""``report`` and ``worklist`` with --jobs N (the same bytes as one process, bad records in place)
and their table formats (worklist jsonl/csv/parquet, report parquet), issue 14 point 3."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_jobs_tables import records, run, write_jsonl

import grievance_rules as gr
from grievance_rules.parallel import chunked

# 2,600 realistic luxor records (three chunks of 1,000, so --jobs 2 really splits them), three bad
# ones (an unknown channel at record 6, no received_at at 1501, an unknown concern at 2401) and a
# line that is not JSON inserted at line 1001
N = 2600


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("jobs") / "in.jsonl"
    write_jsonl(src, records(N), broken_line=1000)
    return src


REPORTS = (
    ("quarterly", "2024Q2"),
    ("telephone_log", "2023-01-01..2024-12-31"),  # a log: one row per counted grievance, in input order
)


@pytest.mark.parametrize(("name", "period"), REPORTS)
def test_report_jobs_2_is_identical_to_jobs_1(source: Path, name: str, period: str) -> None:
    base = ("report", "--policy", "luxor", "--report", name, "--period", period, str(source))
    one = run(*base, "--jobs", "1")
    two = run(*base, "--jobs", "2")
    assert one.returncode == two.returncode == 1  # the bad records fail the run, the rest is counted
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    rep = json.loads(one.stdout)
    # every bad record is listed at its place among all records read (the broken line is record 1001)
    # (the unknown concern is a pack's word, found only for a record received in the period)
    expected = [(6, "channel"), (1001, None), (1502, "received_at")]
    if name == "telephone_log":
        expected.append((2402, "concerns[0]"))
    assert [(e["record"], e["field"]) for e in rep["errors"]] == expected
    assert rep["records_read"] == N  # every record given to the count; the line that is not JSON is not one
    assert rep["total"] > 30
    if name == "telephone_log":
        assert len(rep["rows"]) == rep["total"]


def test_report_parts_added_in_order_equal_one_pass() -> None:
    """Counting is addition: parts of 37 records, added in order, give exactly the one-pass report,
    log rows and median included (the median of the merged whole-minute histogram)."""
    policy = gr.load_policy("luxor")
    recs = records(N)
    for name, period in REPORTS:
        whole = policy.report(name, recs, period=period, errors="collect")
        counting = gr.ReportPass(policy, name, period, errors="collect")
        for chunk in chunked(enumerate(recs, start=1), 37):
            counting.add(gr.ReportPass(policy, name, period, errors="collect").count(chunk))
        parts = counting.report()
        assert parts.model_dump(mode="json") == whole.model_dump(mode="json")
        assert whole.resolved > 0 and whole.errors


def test_report_parquet_numbers_equal_the_json_report(source: Path, tmp_path: Path) -> None:
    base = ("report", "--policy", "luxor", "--report", "quarterly", "--period", "2024Q2", str(source))
    rep = json.loads(run(*base).stdout)
    out = tmp_path / "q.parquet"
    done = run(*base, "--format", "parquet", "--output", str(out), "--jobs", "2")
    assert done.returncode == 1 and out.exists()
    table = pq.read_table(out)
    assert table.schema.names == ["section", "item", "value", "number"]
    assert table.schema.field("number").type == pa.float64()
    rows = {(r["section"], r["item"]): r for r in table.to_pylist()}
    checked = 0
    for dim, values in rep["counts"].items():
        for value, n in values.items():
            assert rows[(f"counts.{dim}", value)]["number"] == n
            checked += 1
    for code, statuses in rep["timeliness"].items():
        for status, n in statuses.items():
            assert rows[(f"timeliness.{code}", status)]["number"] == n
            checked += 1
    for label, n in rep["open_ageing"].items():
        assert rows[("open_ageing", label)]["number"] == n
    assert rows[("total", "")]["number"] == rep["total"]
    assert rows[("open", "")]["number"] == rep["open"]
    assert rows[("open_after", "30 days")]["number"] == rep["open_after"]["count"]
    assert rows[("resolved", "")]["number"] == rep["resolved"]
    assert rows[("median_days_to_resolution", "")]["number"] == rep["median_days_to_resolution"]
    assert rows[("errors", "")]["number"] == len(rep["errors"]) == 3
    assert rows[("policy", "id")] == {"section": "policy", "item": "id", "value": "luxor", "number": None}
    assert checked > 20
    # the text cells are those of the CSV form, row for row
    text = run(*base, "--format", "csv").stdout
    assert [[r["section"], r["item"], r["value"]] for r in table.to_pylist()] == list(csv.reader(io.StringIO(text)))[1:]


def test_report_parquet_of_a_log_is_typed_rows(source: Path, tmp_path: Path) -> None:
    base = ("report", "--policy", "luxor", "--report", "telephone_log", "--period", "2023-01-01..2024-12-31")
    rep = json.loads(run(*base, str(source)).stdout)
    out = tmp_path / "log.parquet"
    assert run(*base, "--format", "parquet", "--output", str(out), str(source)).returncode == 1
    table = pq.read_table(out)
    assert table.schema.field("received_at").type == pa.timestamp("us", tz="America/Chicago")
    assert table.schema.field("concerns").type == pa.list_(pa.string())
    got = table.to_pylist()
    assert len(got) == len(rep["rows"]) > 0
    for mine, theirs in zip(got, rep["rows"], strict=True):
        assert mine["id"] == theirs["id"] and mine["concerns"] == theirs["concerns"]
        assert mine["received_at"].isoformat() == theirs["received_at"]
        assert mine["received_date"].isoformat() == theirs["received_date"]
        assert mine["days_to_resolution"] == theirs["days_to_resolution"]


def test_report_parquet_needs_an_output_and_jobs_must_be_positive(source: Path) -> None:
    base = ("report", "--policy", "luxor", "--report", "quarterly", "--period", "2024Q2", str(source))
    done = run(*base, "--format", "parquet")
    assert done.returncode == 2 and "--format parquet needs --output" in done.stderr and not done.stdout
    done = run(*base, "--jobs", "0")
    assert done.returncode == 2 and "--jobs" in done.stderr and not done.stdout


WORKLIST = ("worklist", "--policy", "luxor", "--as-of", "2025-03-03", "--within", "10")


@pytest.mark.parametrize("fmt", ["text", "json", "jsonl", "csv"])
def test_worklist_jobs_2_is_identical_to_jobs_1(source: Path, fmt: str) -> None:
    one = run(*WORKLIST, "--format", fmt, "--jobs", "1", str(source))
    two = run(*WORKLIST, "--format", fmt, "--jobs", "2", str(source))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert one.stderr == two.stderr
    assert "record 6: " in one.stderr or '"record": 6' in one.stdout
    assert one.stdout.count("\n") > 100


def test_worklist_jobs_in_the_library_gives_the_same_items_and_errors(source: Path) -> None:
    policy = gr.load_policy("luxor")
    recs = records(N)
    day = dt.date(2025, 3, 3)
    one = gr.WorklistPass(recs, day, within=10, policy=policy)
    two = gr.WorklistPass(recs, day, within=10, policy=policy, jobs=2)
    assert list(one) == list(two)
    assert one.errors == two.errors and [e.record for e in one.errors] == [6, 1501, 2401]
    assert one.cases == two.cases == N
    with pytest.raises(gr.GrievanceRulesError, match="jobs"):
        gr.WorklistPass(recs, day, policy=policy, jobs=0)


def test_worklist_tables_hold_the_json_items(source: Path, tmp_path: Path) -> None:
    items = json.loads(run(*WORKLIST, "--json", str(source)).stdout)["items"]
    assert len(items) > 100
    lines = run(*WORKLIST, "--format", "jsonl", str(source))
    assert [json.loads(line) for line in lines.stdout.splitlines()] == items
    assert lines.stderr.splitlines()[-1].endswith(f"{N} cases, {len(items)} open actions listed")
    rows = list(csv.DictReader(io.StringIO(run(*WORKLIST, "--format", "csv", str(source)).stdout)))
    assert rows == [{k: ("" if v is None else str(v)) for k, v in item.items()} for item in items]
    out = tmp_path / "wl.parquet"
    done = run(*WORKLIST, "--format", "parquet", "--output", str(out), "--jobs", "2", str(source))
    assert done.returncode == 1 and "record 1502: " in done.stderr
    table = pq.read_table(out)
    assert table.schema.field("due_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("due_date").type == pa.date32()
    for mine, theirs in zip(table.to_pylist(), items, strict=True):
        assert mine["due_at"] == dt.datetime.fromisoformat(theirs["due_at"])  # the same instant
        assert mine["due_date"].isoformat() == theirs["due_date"]
        assert _rest(mine) == _rest(theirs)


def _rest(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in ("due_at", "due_date")}


def test_worklist_usage_errors_for_formats_and_jobs(source: Path) -> None:
    for extra, says in (
        (("--format", "parquet"), "--format parquet needs --output"),
        (("--json", "--format", "csv"), "--json and --format csv"),
        (("--jobs", "0"), "--jobs"),
    ):
        done = run(*WORKLIST, *extra, str(source))
        assert done.returncode == 2 and says in done.stderr and not done.stdout


def test_parquet_records_are_read_without_pre_buffering(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pyarrow's pre-buffering keeps the reader's memory growing with every row group read (about
    33 MiB per million rows, docs/performance.md); the record reader turns it off."""
    from grievance_rules.recordio import read_parquet

    path = tmp_path / "in.parquet"
    rows = [{"id": f"R-{i}", "received_at": "2024-11-15T10:00:00-06:00", "channel": "mail"} for i in range(10)]
    pq.write_table(pa.Table.from_pylist(rows), path)
    opened: list[dict[str, Any]] = []
    real = pq.ParquetFile

    def spy(*args: Any, **kwargs: Any) -> Any:
        opened.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(pq, "ParquetFile", spy)
    assert [rec["id"] for _, rec, _ in read_parquet(str(path))] == [f"R-{i}" for i in range(10)]
    assert opened == [{"pre_buffer": False}]


def test_a_subject_report_takes_jobs_and_is_counted_in_one_process() -> None:
    from helpers import ROOT

    base = ("report", "--policy", "liberty-utilization", "--report", "nonreporting", "--format", "md")
    data = str(ROOT / "examples" / "liberty-nonreporting-2011Q4.csv")
    one, two = run(*base, data), run(*base, "--jobs", "2", data)
    assert one.returncode == two.returncode == 0 and one.stdout == two.stdout and one.stdout
    bad = run(*base, "--jobs", "0", data)
    assert bad.returncode == 2 and "--jobs" in bad.stderr and not bad.stdout
