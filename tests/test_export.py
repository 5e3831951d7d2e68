"""The audit export (contract section 8): columns, all_timely, the period filter, personal data,
the CSV and Parquet writers, the ``export`` command, and progress/summary on long runs."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from helpers import ROOT

import grievance_rules as gr
from grievance_rules import cli
from grievance_rules.export import ExportError, all_timely, export_row, write_csv, write_parquet
from grievance_rules.facts import parse_grievance, prepare

BASE = [
    "grievance_id",
    "policy_id",
    "policy_version",
    "received_date",
    "received_time",
    "channel",
    "oral_or_written",
    "type",
    "concerns",
    "urgent",
    "classification",
    "level",
    "handled_by",
    "timely_filed",
    "filing_deadline",
    "resolved_at",
]
# the distinct action codes of each bundled pack, in the order of its actions: section (written out by hand
# from policies/*.yaml; a code used by two rules, such as ctdhp's contact, appears once, where it first occurs)
CODES = {
    "ctdhp": [
        "log",
        "offer_complaint_form",
        "contact",
        "review_repeated_complaints",
        "visit_office",
        "corrective_action_plan",
        "follow_up",
        "refer_to_state",
        "notify_management",
    ],
    "liberty": [
        "resolve",
        "log",
        "contact",
        "return_to_ga",
        "refer_to_health_plan",
        "recommend_determination",
        "acknowledge",
        "request_records",
        "respond_to_provider",
        "provider_response",
        "provider_appeal_to_ga",
        "provider_reorientation",
    ],
    "luxor": ["acknowledge", "resolve", "log", "assist_licensing_agency", "provide_assistance", "retain_records"],
}
RECEIVED = {
    "ctdhp": "2024-11-22T10:00:00-05:00",
    "liberty": "2024-11-22T10:00:00-08:00",
    "luxor": "2024-11-22T10:00:00-06:00",
}

# Planted personal data: none of it may reach an export unless named in include.
PLANTED = {
    "narrative": "PLANTED-NARRATIVE-7731 the dentist shouted",
    "member": {"id": "MBR-PLANTED-0042", "name": "Zebediah Plantedname", "phone": "555-0199-PLANTED"},
    "provider": {"name": "Dr PlantedProvider", "location": "PLANTED-STREET 9"},
    "representative_name": "Rep Plantedrep",
}
SECRETS = [
    "PLANTED-NARRATIVE-7731",
    "MBR-PLANTED-0042",
    "Zebediah Plantedname",
    "555-0199-PLANTED",
    "Dr PlantedProvider",
    "PLANTED-STREET",
    "Rep Plantedrep",
]


def luxor_mail(gid: str = "G-1", **extra: Any) -> dict[str, Any]:
    """A formal Luxor grievance by mail, received Friday 2024-11-22 10:00 Houston time.

    By hand: acknowledge = 5 business days: Mon 25, Tue 26, Wed 27, (Thu 28 Thanksgiving), Fri 29,
    Mon Dec 2 -> due 2024-12-02 23:59:59 CST. resolve = 30 business days -> 2025-01-08 23:59:59 CST
    (Thanksgiving, Christmas and New Year's Day skipped). retain_records has no due date.
    """
    return {"id": gid, "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail", **extra}


@pytest.fixture(scope="module")
def luxor() -> gr.Policy:
    return gr.load_policy("luxor")


# ------------------------------------------------------------------ columns


@pytest.mark.parametrize("pack", sorted(CODES))
def test_columns_and_order_are_the_contracts(pack: str) -> None:
    policy = gr.load_policy(pack)
    expected = [*BASE]
    for code in CODES[pack]:
        expected += [f"{code}_due_at", f"{code}_done_at", f"{code}_status"]
    expected.append("all_timely")
    assert list(policy.export_layout().names) == expected
    (row,) = policy.export([{"id": "X", "received_at": RECEIVED[pack], "channel": "mail"}])
    assert list(row) == expected  # the row dict itself is in column order
    out = io.StringIO(newline="")
    write_csv([row], policy.export_layout(), out)
    assert out.getvalue().splitlines()[0].split(",") == expected


@pytest.mark.parametrize("pack", sorted(CODES))
def test_column_dictionary_lists_each_packs_codes(pack: str) -> None:
    # docs/export.md names each bundled pack's action columns; it must follow the packs
    text = " ".join((ROOT / "docs" / "export.md").read_text(encoding="utf-8").split())
    layout = gr.load_policy(pack).export_layout()
    codes = ", ".join(f"`{c}`" for c in layout.action_codes)
    assert f"- {pack} ({len(layout.columns)} columns): {codes}" in text


def test_row_values_for_a_late_acknowledgement(luxor: gr.Policy) -> None:
    # acknowledged Tue 2024-12-03 09:00, the day after its due day (Mon 2024-12-02): late
    facts = luxor_mail(
        incident_date="2024-11-20",
        concerns=["pricing_or_billing", "sales_process"],
        events=[{"type": "acknowledged", "at": "2024-12-03T09:00:00-06:00"}],
    )
    (row,) = luxor.export([facts], as_of="2024-12-10T12:00:00-06:00")
    chicago = dt.timezone(dt.timedelta(hours=-6))
    assert row["grievance_id"] == "G-1" and row["policy_id"] == "luxor"
    assert row["received_date"] == dt.date(2024, 11, 22) and row["received_time"] == dt.time(10, 0)
    assert row["channel"] == "mail" and row["oral_or_written"] == "written"
    assert row["concerns"] == "pricing_or_billing;sales_process" and row["urgent"] is False
    assert row["classification"] == "formal" and row["level"] is None and row["handled_by"] == "plan"
    # filing window 180 calendar days: 2024-11-20 + 180 days = 2025-05-19 (Nov 10 + Dec 31 + ... by hand)
    assert row["timely_filed"] is True and row["filing_deadline"] == dt.date(2025, 5, 19)
    assert row["acknowledge_due_at"] == dt.datetime(2024, 12, 2, 23, 59, 59, tzinfo=chicago)
    assert row["acknowledge_done_at"] == dt.datetime(2024, 12, 3, 9, 0, tzinfo=chicago)
    assert row["acknowledge_status"] == "late"
    assert row["resolve_due_at"] == dt.datetime(2025, 1, 8, 23, 59, 59, tzinfo=chicago)
    assert row["resolve_status"] == "pending"
    assert row["retain_records_due_at"] is None and row["retain_records_status"] == "pending"
    assert row["log_status"] is None  # log is for exempt (telephone) grievances: not required here
    assert row["all_timely"] == "N"


def test_pending_dated_action_leaves_all_timely_empty(luxor: gr.Policy) -> None:
    # acknowledged on its due day, resolve not due until 2025-01-08: the verdict is still open
    facts = luxor_mail(events=[{"type": "acknowledged", "at": "2024-12-02T23:59:00-06:00"}])
    (row,) = luxor.export([facts], as_of="2024-12-10T12:00:00-06:00")
    assert row["acknowledge_status"] == "done" and row["resolve_status"] == "pending"
    assert row["all_timely"] is None
    out = io.StringIO(newline="")
    write_csv([row], luxor.export_layout(), out)
    assert out.getvalue().splitlines()[1].endswith(",")  # empty last cell


def test_all_done_in_time_is_y_even_with_an_undated_action(luxor: gr.Policy) -> None:
    facts = luxor_mail(
        resolved_at="2025-01-08T16:00:00-06:00",  # the last business day of the 30
        events=[{"type": "acknowledged", "at": "2024-11-25T09:00:00-06:00"}],
    )
    (row,) = luxor.export([facts], as_of="2025-02-01T00:00:00-06:00")
    assert (row["acknowledge_status"], row["resolve_status"]) == ("done", "done")
    assert row["retain_records_status"] == "pending"  # undated: it can never be late, so it does not hold Y back
    assert row["all_timely"] == "Y"


def test_overdue_action_gives_n(luxor: gr.Policy) -> None:
    # no acknowledgement and as_of one second after its due moment (2024-12-02 23:59:59 CST)
    (row,) = luxor.export([luxor_mail()], as_of="2024-12-03T00:00:00-06:00")
    assert row["acknowledge_status"] == "overdue" and row["acknowledge_done_at"] is None
    assert row["all_timely"] == "N"


def test_a_code_occurring_twice_shows_the_worst_then_the_earliest(luxor: gr.Policy) -> None:
    facts = luxor_mail(events=[{"type": "acknowledged", "at": "2024-12-03T09:00:00-06:00"}])
    prepared = prepare(parse_grievance(facts), luxor.spec, luxor.calendar, None)
    det = luxor.evaluate(facts)
    ack = det.actions[0]
    assert ack.code == "acknowledge" and ack.status == "late"
    early_done = ack.model_copy(update={"status": "done", "due_at": ack.due_at - dt.timedelta(days=3)})
    later_late = ack.model_copy(update={"due_at": ack.due_at + dt.timedelta(days=1)})
    twice = det.model_copy(update={"actions": (early_done, later_late, ack)})
    row = export_row(luxor.export_layout(), prepared, twice)
    assert row["acknowledge_status"] == "late" and row["acknowledge_due_at"] == ack.due_at  # worst, then earliest


def test_all_timely_readings() -> None:
    det = gr.load_policy("luxor").evaluate(luxor_mail())
    ack = det.actions[0]
    undated = ack.model_copy(update={"due_at": None, "due_date": None, "status": "pending"})
    assert all_timely([]) == "Y"
    assert all_timely([undated]) == "Y"
    assert all_timely([ack]) is None  # dated and pending
    assert all_timely([ack, ack.model_copy(update={"status": "overdue"})]) == "N"
    assert all_timely([ack.model_copy(update={"status": "done"}), undated]) == "Y"


def test_received_time_is_local_to_the_pack(luxor: gr.Policy) -> None:
    # 2024-11-23T03:30:00Z is 2024-11-22 21:30 in Chicago (CST, UTC-6)
    (row,) = luxor.export([{"id": "Z", "received_at": "2024-11-23T03:30:00+00:00", "channel": "phone"}])
    assert row["received_date"] == dt.date(2024, 11, 22) and row["received_time"] == dt.time(21, 30)
    assert row["oral_or_written"] == "oral"


# ------------------------------------------------------------------ period


def test_period_selects_by_local_receipt_date(luxor: gr.Policy) -> None:
    # 2024Q4 in Chicago: 2024-10-01 00:00:00 CDT (UTC-5) to 2024-12-31 23:59:59 CST (UTC-6)
    records = [
        {"id": "before", "received_at": "2024-09-30T23:59:59-05:00", "channel": "mail"},  # 1 s before the start
        {"id": "utc-oct-1", "received_at": "2024-10-01T04:59:59+00:00", "channel": "mail"},  # = Sep 30 23:59:59 CDT
        {"id": "first", "received_at": "2024-10-01T00:00:00-05:00", "channel": "mail"},
        {"id": "offsetless", "received_at": "2024-10-01T00:00:00", "channel": "mail"},  # read in Chicago
        {"id": "last", "received_at": "2024-12-31T23:59:59-06:00", "channel": "mail"},
        {"id": "after", "received_at": "2025-01-01T00:00:00-06:00", "channel": "mail"},
    ]
    ids = [r["grievance_id"] for r in luxor.export(records, period="2024Q4")]
    assert ids == ["first", "offsetless", "last"]
    assert [r["grievance_id"] for r in luxor.export(records, period="2024-09-30")] == ["before", "utc-oct-1"]
    assert len(list(luxor.export(records))) == 6


def test_bad_period_fails_at_the_call(luxor: gr.Policy) -> None:
    with pytest.raises(gr.GrievanceRulesError, match="quarter like 2014Q4"):
        luxor.export([], period="2014Q5")


# ------------------------------------------------------------------ errors


def test_errors_raise_or_collect_like_evaluate_many(luxor: gr.Policy) -> None:
    records = [luxor_mail("A"), {"id": "B", "received_at": "2024-11-22T10:00:00-06:00", "channel": "pigeon"}]
    with pytest.raises(gr.FactsError):
        list(luxor.export(records))
    out = list(luxor.export(records, period="2030Q1", errors="collect"))
    assert len(out) == 1 and isinstance(out[0], gr.FactsError) and out[0].field == "channel"
    with pytest.raises(gr.GrievanceRulesError):
        luxor.export(records, errors="ignore")  # type: ignore[call-overload]


# ------------------------------------------------------------------ personal data


def test_personal_data_never_exported_unless_named(luxor: gr.Policy, tmp_path: Path) -> None:
    facts = luxor_mail(**PLANTED, events=[{"type": "acknowledged", "at": "2024-11-25T09:00:00-06:00"}])
    layout = luxor.export_layout()
    rows = list(luxor.export([facts]))
    csv_file, parquet_file = tmp_path / "a.csv", tmp_path / "a.parquet"
    with open(csv_file, "w", encoding="utf-8", newline="") as handle:
        write_csv(rows, layout, handle)
    write_parquet(rows, layout, parquet_file)
    for data in (csv_file.read_bytes(), parquet_file.read_bytes(), repr(rows).encode()):
        for secret in SECRETS:
            assert secret.encode() not in data

    # the check can fail: named, the narrative and the member's name do reach both files
    named = list(luxor.export([facts], include=("narrative", "member.name")))
    named_layout = luxor.export_layout(("narrative", "member.name"))
    assert named_layout.names[-3:] == ("all_timely", "narrative", "member_name")
    with open(csv_file, "w", encoding="utf-8", newline="") as handle:
        write_csv(named, named_layout, handle)
    write_parquet(named, named_layout, parquet_file)
    for data in (csv_file.read_bytes(), parquet_file.read_bytes()):
        assert b"PLANTED-NARRATIVE-7731" in data and b"Zebediah Plantedname" in data
        assert b"MBR-PLANTED-0042" not in data  # the member id was not named


def test_include_party_expands_and_unknown_names_are_refused(luxor: gr.Policy) -> None:
    names = luxor.export_layout("member").names
    assert names[-6:] == ("member_id", "member_name", "member_address", "member_phone", "member_patient_name",
                          "member_location")  # fmt: skip
    with pytest.raises(ExportError, match="did you mean 'narrative'"):
        luxor.export([], include=("narative",))


def test_export_error_survives_pickling(luxor: gr.Policy) -> None:
    import pickle

    with pytest.raises(ExportError) as info:
        luxor.export_layout(("narative",))
    again = pickle.loads(pickle.dumps(info.value))
    assert isinstance(again, gr.GrievanceRulesError) and str(again) == str(info.value)


# ------------------------------------------------------------------ writers


def test_parquet_round_trip_typed_and_in_row_groups(luxor: gr.Policy, tmp_path: Path) -> None:
    records = [
        luxor_mail(f"G-{i}", events=[{"type": "acknowledged", "at": f"2024-12-0{1 + i % 5}T10:00:00-06:00"}])
        for i in range(25)
    ]
    rows = list(luxor.export(records, as_of="2024-12-20T00:00:00-06:00"))
    target = tmp_path / "u.parquet"
    assert write_parquet(rows, luxor.export_layout(), target, row_group_size=10) == 25
    meta = pq.ParquetFile(target).metadata
    assert meta.num_row_groups == 3 and meta.num_rows == 25  # 10 + 10 + 5
    table = pq.read_table(target)
    assert table.column_names == list(luxor.export_layout().names)
    assert str(table.schema.field("acknowledge_due_at").type) == "timestamp[us, tz=America/Chicago]"
    assert str(table.schema.field("received_date").type) == "date32[day]"
    assert str(table.schema.field("urgent").type) == "bool"
    assert table.to_pylist() == rows  # aware datetimes compare as instants
    # acknowledged Dec 1..5 at 10:00 against a due day of Dec 2: Dec 1 and 2 are done, the rest late
    assert sorted({r["acknowledge_status"] for r in table.to_pylist()}) == ["done", "late"]


def test_csv_cells(luxor: gr.Policy) -> None:
    facts = luxor_mail(incident_date="2024-11-20", urgent=True, resolved_at="2024-12-01T08:00:00-06:00")
    out = io.StringIO(newline="")
    write_csv(luxor.export([facts]), luxor.export_layout(), out)
    header, line = out.getvalue().split("\r\n")[:2]
    row = dict(zip(header.split(","), line.split(","), strict=True))
    assert row["received_date"] == "2024-11-22" and row["received_time"] == "10:00:00"
    assert row["urgent"] == "Y" and row["timely_filed"] == "Y" and row["level"] == ""
    assert row["resolved_at"] == "2024-12-01T08:00:00-06:00"
    assert row["resolve_status"] == "done" and row["resolve_done_at"] == "2024-12-01T08:00:00-06:00"


def test_parquet_without_pyarrow_is_a_clear_error(
    luxor: gr.Policy, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib

    real = importlib.import_module

    def missing(name: str, package: str | None = None) -> Any:
        if name.startswith("pyarrow"):
            raise ImportError(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", missing)
    with pytest.raises(ExportError, match=r"grievance-rules\[table\]"):
        write_parquet([], luxor.export_layout(), tmp_path / "x.parquet")
    src = write_jsonl(tmp_path / "in.jsonl", [luxor_mail()])
    argv = ["export", "--policy", "luxor", "--format", "parquet", "--output", str(tmp_path / "x.parquet"), str(src)]
    assert cli.main(argv) == 2
    assert "pip install 'grievance-rules[table]'" in capsys.readouterr().err
    assert not (tmp_path / "x.parquet").exists()


# ------------------------------------------------------------------ command line


def write_jsonl(path: Path, records: list[Any], bad_line: bool = False) -> Path:
    lines = [json.dumps(r) for r in records]
    if bad_line:
        lines.append("{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_export_csv_and_parquet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = {"id": "B", "received_at": "2024-11-22T10:00:00-06:00", "channel": "pigeon", **PLANTED}
    src = write_jsonl(tmp_path / "in.jsonl", [luxor_mail("A", **PLANTED), bad, luxor_mail("C")], bad_line=True)
    csv_out = tmp_path / "u.csv"
    code = cli.main(["export", "--policy", "luxor", "--format", "csv", "--output", str(csv_out), str(src)])
    out, err = capsys.readouterr()
    assert code == 1  # two bad records: reported, counted, the good ones still written
    lines = csv_out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 3 and lines[0].startswith("grievance_id,policy_id,") and lines[0].endswith(",all_timely")
    assert [line.split(",")[0] for line in lines[1:]] == ["A", "C"]
    assert "in.jsonl: record 2: invalid grievance facts: channel" in err
    assert "in.jsonl: record 4: line 4 is not valid JSON" in err
    assert err.rstrip().splitlines()[-1] == "4 records, 2 errors; 2 rows written"
    assert out == ""
    for secret in SECRETS:
        assert secret not in err and secret not in csv_out.read_text(encoding="utf-8")

    pq_out = tmp_path / "u.parquet"
    args = ["export", "--policy", "luxor", "--period", "2024Q4", "--as-of", "2024-12-20T00:00:00-06:00"]
    code = cli.main([*args, "--format", "parquet", "--output", str(pq_out), str(src)])
    capsys.readouterr()
    table = pq.read_table(pq_out)
    assert code == 1 and table.column("grievance_id").to_pylist() == ["A", "C"]
    assert table.column("acknowledge_status").to_pylist() == ["overdue", "overdue"]
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was moved into place


def test_cli_export_include_and_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [luxor_mail("A", **PLANTED)])
    target = tmp_path / "u.csv"
    base = ["export", "--policy", "luxor", "--format", "csv", "--output", str(target)]
    assert cli.main([*base, "--include", "narrative", str(src)]) == 0
    assert "PLANTED-NARRATIVE-7731" in target.read_text(encoding="utf-8")
    capsys.readouterr()
    for extra, message in (
        (["--period", "2024Q9"], "--period:"),
        (["--as-of", "yesterday"], "--as-of:"),
        (["--include", "member.ssn"], "include: no personal field"),
    ):
        assert cli.main([*base, *extra, str(src)]) == 2
        assert message in capsys.readouterr().err
    assert cli.main(["export", "--policy", "luxor", "--format", "parquet", "--output", "-", str(src)]) == 2
    assert "only --format csv" in capsys.readouterr().err


def test_cli_export_csv_to_stdout_subprocess(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [luxor_mail("A"), luxor_mail("B")])
    result = subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", "export", "--policy", "luxor", "--format", "csv"]
        + ["--output", "-", str(src)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3
    assert result.stderr == "2 records, 0 errors; 2 rows written\n"  # a pipe: no progress bar, only the summary


# ------------------------------------------------------------------ progress and summary


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


BAR = "━"  # rich draws its bar with this character


def run_command(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, stderr: io.StringIO) -> tuple[int, str]:
    src = write_jsonl(tmp_path / "in.jsonl", [luxor_mail(f"G-{i}") for i in range(200)], bad_line=True)
    argv = {
        "evaluate": ["evaluate", "--policy", "luxor", str(src)],
        "export": ["export", "--policy", "luxor", "--format", "csv", "--output", str(tmp_path / "o.csv"), str(src)],
        "worklist": ["worklist", "--policy", "luxor", "--as-of", "2024-12-02", str(src)],
        "report": ["report", "--policy", "luxor", "--report", "quarterly", "--period", "2024Q4", str(src)],
    }[command]
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    monkeypatch.setattr(sys, "stderr", stderr)
    code = cli.main(argv)
    return code, stderr.getvalue()


@pytest.mark.parametrize("command", ["evaluate", "export", "worklist", "report"])
def test_progress_bar_only_on_a_terminal_with_large_input(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 1_000)  # the 200-record file is some 20 kB
    code, err = run_command(command, tmp_path, monkeypatch, FakeTTY())
    assert code == 1 and BAR in err and command in err
    last = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", err.rstrip().splitlines()[-1])  # after the bar is erased
    assert last.startswith("201 records, 1 error")

    _, err = run_command(command, tmp_path, monkeypatch, io.StringIO())  # not a terminal
    assert BAR not in err and err.rstrip().splitlines()[-1].startswith("201 records, 1 error")


@pytest.mark.parametrize("command", ["evaluate", "export", "worklist", "report"])
def test_no_progress_bar_in_ci_or_for_small_input(
    command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", "true")
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 1_000)
    _, err = run_command(command, tmp_path, monkeypatch, FakeTTY())
    assert BAR not in err and "201 records, 1 error" in err

    monkeypatch.delenv("CI")
    monkeypatch.setattr(cli, "PROGRESS_MIN_BYTES", 8 * 1024 * 1024)  # the default: 20 kB is below it
    _, err = run_command(command, tmp_path, monkeypatch, FakeTTY())
    assert BAR not in err and "201 records, 1 error" in err


def test_ci_values_that_mean_not_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    for value, expected in (("true", True), ("1", True), ("", False), ("false", False), ("0", False)):
        monkeypatch.setenv("CI", value)
        assert cli._in_ci() is expected
    monkeypatch.delenv("CI")
    assert cli._in_ci() is False
