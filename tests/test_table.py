"""evaluate_table (contract section 10): the same values as evaluate, row by row, field by field.

The generated records (benchmarks/table_data.py) cover every channel, concern and event of each
pack, naive and offset timestamps, DST-change days, holidays and bad rows. ``evaluate`` is the
reference: each table row must equal the Determination ``evaluate`` gives for its record (or carry
its FactsError message).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT
from table_data import records, to_table

import grievance_rules as gr
from grievance_rules.export import _pick
from grievance_rules.table import BASE_COLUMNS, TableError, evaluate_table_stats, table_columns

pa = pytest.importorskip("pyarrow")
pytest.importorskip("numpy")

PACKS = ("ctdhp", "liberty", "luxor")
N = 20_000  # the size, per pack; the per-record side runs with trace=False
AS_OF = "2027-01-15T12:00:00"


def expected_row(policy: gr.Policy, record: dict[str, Any], as_of: str | None) -> dict[str, Any]:
    """What evaluate says about one record, in the table's columns."""
    row: dict[str, Any] = dict.fromkeys(table_columns(policy))
    row["id"] = record.get("id")
    try:
        det = policy.evaluate(record, as_of=as_of, trace=False)
    except gr.FactsError as exc:
        row["error"] = str(exc)
        return row
    row.update(
        classification=det.classification,
        level=det.level,
        handled_by=det.handled_by,
        timely_filed=det.timely_filed,
        filing_deadline=det.filing_deadline,
    )
    by_code: dict[str, list[Any]] = {}
    for action in det.actions:
        by_code.setdefault(action.code, []).append(action)
    for code, actions in by_code.items():
        chosen = _pick(actions)
        row[f"{code}_due_at"] = chosen.due_at
        row[f"{code}_status"] = chosen.status
    return row


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, dt.datetime) and isinstance(b, dt.datetime):
        # the same instant, shown with the same offset; == is not used: PEP 495 makes an aware
        # datetime in a DST fold unequal to any datetime of another tzinfo class
        return a.timestamp() == b.timestamp() and a.isoformat() == b.isoformat()
    if isinstance(a, dt.date) and isinstance(b, dt.date):
        return a.isoformat() == b.isoformat()
    return bool(a == b) and type(a) is type(b)


def compare(policy: gr.Policy, rows: list[dict[str, Any]], as_of: str | None, columnar: float = 0.9) -> None:
    out, stats = evaluate_table_stats(policy, to_table(rows), as_of=as_of)
    # the columnar path decided nearly every row (the rest: bad rows, DST folds, mixed offsets)
    assert stats["columnar"] >= columnar * len(rows), stats
    assert out.num_rows == len(rows)
    assert tuple(out.schema.names) == table_columns(policy)
    got = out.to_pylist()
    mismatches = []
    for record, actual in zip(rows, got, strict=True):
        want = expected_row(policy, record, as_of)
        for column, value in want.items():
            if not _same(actual[column], value) and not (value is None and actual[column] is None):
                mismatches.append((record["id"], column, value, actual[column]))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[:5]}"


@pytest.mark.parametrize("pack", PACKS)
def test_table_equals_evaluate_on_generated_records(pack: str) -> None:
    policy = gr.load_policy(pack)
    rows = list(records(policy, N, seed=14))
    assert sum(1 for r in rows if "received_at" not in r) > 0  # bad rows are in the data
    compare(policy, rows, AS_OF)


@pytest.mark.parametrize("pack", PACKS)
def test_table_equals_evaluate_without_as_of(pack: str) -> None:
    policy = gr.load_policy(pack)
    compare(policy, list(records(policy, 2_000, seed=7)), None)


def test_columns_follow_the_contract() -> None:
    policy = gr.load_policy("luxor")
    out = policy.evaluate_table(to_table(list(records(policy, 50))))
    assert tuple(out.schema.names[: len(BASE_COLUMNS)]) == (
        "id",
        "classification",
        "level",
        "handled_by",
        "timely_filed",
        "filing_deadline",
        "error",
    )
    codes = list(dict.fromkeys(a.code for a in policy.spec.actions))
    assert list(out.schema.names[len(BASE_COLUMNS) :]) == [f"{c}_{s}" for c in codes for s in ("due_at", "status")]
    due = out.schema.field(f"{codes[0]}_due_at").type
    assert pa.types.is_timestamp(due) and due.tz == "America/Chicago"
    assert out.schema.field("filing_deadline").type == pa.date32()


def test_rows_in_order_and_bad_rows_carry_their_error() -> None:
    policy = gr.load_policy("luxor")
    rows = [
        {"id": "A", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"},
        {"id": "B", "channel": "mail"},
        {"id": "C", "received_at": "2024-11-23T10:00:00", "channel": "fax"},
    ]
    out = policy.evaluate_table(pa.Table.from_pylist(rows)).to_pylist()
    assert [r["id"] for r in out] == ["A", "B", "C"]
    assert out[1]["error"] == "invalid grievance facts: received_at: is required"
    assert out[1]["classification"] is None
    assert out[0]["error"] is None and out[2]["error"] is None
    # Fri 22 Nov 2024 + 5 business days, Thanksgiving (Thu 28 Nov) skipped: Mon 2 Dec, 23:59:59 CST
    assert out[0]["acknowledge_due_at"].isoformat() == "2024-12-02T23:59:59-06:00"
    # Sat 23 Nov: the 5th business day after is again Mon 2 Dec (counting from the Saturday)
    assert out[2]["acknowledge_due_at"].isoformat() == "2024-12-02T23:59:59-06:00"


def test_pandas_dataframe_through_the_arrow_stream() -> None:
    pd = pytest.importorskip("pandas")
    policy = gr.load_policy("luxor")
    rows = [{"id": "A", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail", "concerns": ["sales_process"]}]
    frame = pd.DataFrame(rows)
    got = policy.evaluate_table(frame).to_pylist()
    assert got == policy.evaluate_table(pa.Table.from_pylist(rows)).to_pylist()
    assert got[0]["classification"] == "formal"


def test_a_table_of_the_wrong_kind_is_a_clear_error() -> None:
    with pytest.raises(TableError, match="pyarrow Table or an object with __arrow_c_stream__"):
        gr.load_policy("luxor").evaluate_table([{"id": "A"}])


def test_empty_table_gives_the_columns_and_no_rows() -> None:
    policy = gr.load_policy("ctdhp")
    out = policy.evaluate_table(pa.table({"id": pa.array([], pa.string()), "received_at": pa.array([], pa.string())}))
    assert out.num_rows == 0
    assert tuple(out.schema.names) == table_columns(policy)


def test_deemed_receipt_extra_holidays_and_another_workweek(tmp_path: Path) -> None:
    """The bundled packs count receipt on the day it happens; a pack that deems after-hours and
    weekend receipt to be the next business day, closes on extra days and works Saturdays must
    still give evaluate's dates (numpy calendar: weekmask and holidays from the pack)."""
    text = (ROOT / "policies" / "luxor.yaml").read_text(encoding="utf-8")
    text = text.replace("after_hours_receipt: same_day", "after_hours_receipt: next_business_day")
    text = text.replace(
        '  close_of_business: "17:00"\n',
        '  close_of_business: "17:00"\n  extra_holidays:\n'
        "    - {date: 2024-12-24, name: Christmas Eve closure}\n"
        "    - {date: 2025-04-18, name: Good Friday closure}\n",
    )
    text = text.replace("workweek: [mon, tue, wed, thu, fri]", "workweek: [mon, tue, wed, thu, fri, sat]")
    path = tmp_path / "luxor.yaml"
    path.write_text(text, encoding="utf-8")
    policy = gr.load_policy(str(path))
    assert policy.spec.calendar.after_hours_receipt == "next_business_day"
    compare(policy, list(records(policy, 3_000, seed=21)), AS_OF)
    # Tue 24 Dec 2024 17:30 (after close, and a closure): deemed Thu 26 Dec (25th a holiday);
    # 5 business days Mon-Sat after it: Fri 27, Sat 28, Mon 30, Tue 31 Dec, Thu 2 Jan (1 Jan holiday)
    row = policy.evaluate_table(
        pa.Table.from_pylist([{"id": "A", "received_at": "2024-12-24T17:30:00", "channel": "mail"}])
    ).to_pylist()[0]
    assert row["acknowledge_due_at"].isoformat() == "2025-01-02T23:59:59-06:00"


@pytest.mark.parametrize("path", sorted((ROOT / "examples" / "packs").glob("*.yaml")), ids=lambda p: p.stem)
def test_example_packs_equal_evaluate(path: Path) -> None:
    """Packs with rolls, months, schedules and extensions (issue 11): values still equal
    evaluate's (the columnar path takes what it computes; the rest goes per record)."""
    if path.name.endswith(".cases.yaml"):
        pytest.skip("a cases file, not a pack")
    policy = gr.load_policy(str(path))
    rows = list(records(policy, 1_000, seed=11))
    out, _ = evaluate_table_stats(policy, to_table(rows), as_of=AS_OF)
    got = out.to_pylist()
    for record, actual in zip(rows, got, strict=True):
        want = expected_row(policy, record, AS_OF)
        for column, value in want.items():
            assert (value is None and actual[column] is None) or _same(actual[column], value), (record["id"], column)


MOMENTS = [
    "2024-02-29T10:00:00",  # a leap day
    "2023-02-29T10:00:00",  # no such day
    "2024-04-31T10:00:00",
    "2024-13-01T10:00:00",
    "2024-00-10T10:00:00",
    "2024-01-00T10:00:00",
    "2024-01-01T24:00:00",
    "2024-01-01T23:60:00",
    "2024-01-01T23:59:60",
    "2024-01-01T10:00:00Z",
    "2024-01-01T10:00:00z",
    "2024-01-01T10:00:00+14:00",
    "2024-01-01T10:00:00-00:00",
    "2024-01-01T10:00:00+05:30",
    "2024-01-01T10:00:00+24:00",
    "2024-01-01T10:00:00+0530",
    "2024-01-01T10:00:00 ",
    "2024-01-01 10:00:00",
    "2024-01-01T10:00",
    "2024-01-01T10:00:00.500",
    "2024-1-01T10:00:00",
    "2024-01-01T1O:00:00",
    "\uff12\uff10\uff12\uff14-01-01T10:00:00",  # full-width digits
    "2024-03-10T02:30:00",  # in the spring-forward gap (America/Chicago)
    "2024-11-03T01:30:00",  # in the fall-back fold
    "2024-11-03T01:30:00-05:00",
    "2024-11-03T01:30:00-06:00",
    "1899-12-31T10:00:00",
    "1901-01-02T10:00:00",
    "2098-12-30T10:00:00",
    "",
]
INCIDENTS = ["2023-12-01", "2023-02-29", "2024-02-29", "2023-12-1", "20231201", "2023-12-01T00:00:00", "", "2024-01-02"]


@pytest.mark.parametrize("pack", PACKS)
def test_every_spelling_of_a_moment_or_date_reads_as_evaluate_reads_it(pack: str) -> None:
    """The columnar reader parses ISO texts from the Arrow buffers itself: each spelling it takes
    must mean what evaluate reads, and each it does not take must go through evaluate."""
    policy = gr.load_policy(pack)
    event = next(e for e in policy.spec.vocabulary.events if e != "resolved")
    rows: list[dict[str, Any]] = []
    for i, moment in enumerate(MOMENTS):
        rows.append({"id": f"R{i}", "received_at": moment, "channel": "mail"})
        rows.append(
            {
                "id": f"S{i}",
                "received_at": "2023-12-29T16:00:00",
                "channel": "mail",
                "resolved_at": moment,
                "events": [{"type": event, "at": moment}],
            }
        )
    for i, day in enumerate(INCIDENTS):
        rows.append({"id": f"I{i}", "received_at": "2024-01-02T09:00:00", "channel": "mail", "incident_date": day})
    compare(policy, rows, AS_OF, columnar=0.2)


@pytest.mark.parametrize("leap_day", ["feb_28", "mar_1"])
def test_months_and_years_on_arrays_equal_evaluate(tmp_path: Path, leap_day: str) -> None:
    """Anniversaries (months, years) are computed on arrays too, with the pack's leap-day reading."""
    text = (ROOT / "policies" / "luxor.yaml").read_text(encoding="utf-8")
    one_month = "deadline: {amount: 1, unit: months, from: receipt}"
    text = text.replace("deadline: {amount: 5, unit: business_days, from: receipt}", one_month)
    text = text.replace(
        "deadline: {amount: 30, unit: business_days, from: receipt}",
        "deadline: {amount: 1, unit: years, from: receipt, roll: next_business_day}",
    )
    text = text.replace("  timezone: America/Chicago\n", f"  timezone: America/Chicago\n  leap_day: {leap_day}\n")
    path = tmp_path / "luxor.yaml"
    path.write_text(text, encoding="utf-8")
    policy = gr.load_policy(str(path))
    units = {a.deadline.unit for a in policy.spec.actions if a.deadline is not None}
    assert {"months", "years"} <= units
    rows = list(records(policy, 3_000, seed=22))
    # month ends and leap days on purpose
    for i, day in enumerate(["2024-01-31", "2024-02-29", "2023-01-29", "2024-03-31", "2023-12-31", "2024-08-31"]):
        rows.append({"id": f"M{i}", "received_at": f"{day}T10:00:00", "channel": "mail"})
    compare(policy, rows, AS_OF)
    out = {r["id"]: r for r in policy.evaluate_table(to_table(rows[-6:]), as_of=AS_OF).to_pylist()}
    # 31 Jan 2024 + 1 month: February 2024 has no 31st -> 29 Feb (feb_28) or 1 Mar (mar_1)
    ack = out["M0"]["acknowledge_due_at"].date().isoformat()
    assert ack == ("2024-02-29" if leap_day == "feb_28" else "2024-03-01")
    # 29 Feb 2024 + 1 year: 28 Feb 2025 (a Friday) or 1 Mar 2025 (a Saturday, rolled to Monday 3 March)
    assert out["M1"]["resolve_due_at"].date().isoformat() == ("2025-02-28" if leap_day == "feb_28" else "2025-03-03")


def test_a_table_larger_than_a_slice_is_worked_in_slices_with_the_same_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables over SLICE_ROWS are evaluated slice by slice and concatenated: same rows, same order,
    stats summed and distinct inputs counted across slices."""
    import grievance_rules.table as table

    policy = gr.load_policy("liberty")
    rows = list(records(policy, 2_500, seed=31))
    whole, whole_stats = evaluate_table_stats(policy, to_table(rows), as_of=AS_OF)
    monkeypatch.setattr(table, "SLICE_ROWS", 400)
    sliced, sliced_stats = evaluate_table_stats(policy, to_table(rows), as_of=AS_OF)
    assert sliced.num_rows == len(rows)
    assert sliced.to_pylist() == whole.to_pylist()
    assert sliced.schema == whole.schema
    for key in ("rows", "columnar", "per_record", "distinct"):
        assert sliced_stats[key] == whole_stats[key], key
    compare(policy, rows[:1_000], AS_OF)  # and, sliced, still what evaluate says
