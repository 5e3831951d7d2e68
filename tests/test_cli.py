"""The command line: evaluate, validate, list, schema; exit codes; no tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES

from grievance_rules.cli import main

MINI = str(FIXTURES / "mini.yaml")
GOOD = {"id": "A", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"}
BAD = {"id": "B", "received_at": "2024-11-22T10:00:00-06:00", "channel": "pigeon", "narrative": "private words"}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_evaluate_one_object(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "one.json"
    f.write_text(json.dumps(GOOD))
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, str(f))
    assert code == 0
    (line,) = out.splitlines()
    assert json.loads(line)["classification"] == "formal"


def test_evaluate_array_keeps_bad_records_in_place(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "many.json"
    f.write_text(json.dumps([GOOD, BAD, {**GOOD, "id": "C"}]))
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, str(f))
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("grievance_id") or r.get("id") for r in rows] == ["A", "B", "C"]
    assert rows[1]["record"] == 2 and rows[1]["field"] == "channel" and "error" in rows[1]
    assert "private words" not in out


def test_evaluate_json_lines_reports_line_numbers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "many.jsonl"
    f.write_text(json.dumps(GOOD) + "\n\n{not json\n" + json.dumps(BAD) + "\n")
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, str(f))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and len(rows) == 3
    assert rows[1]["record"] == 3 and rows[2]["record"] == 4 and rows[2]["id"] == "B"


def test_evaluate_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(GOOD)))
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, "-")
    assert code == 0 and json.loads(out)["grievance_id"] == "A"


def test_as_of_sets_statuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "one.json"
    f.write_text(json.dumps(GOOD))
    code, out, _ = run(capsys, "evaluate", "--policy", MINI, "--as-of", "2024-12-10T00:00:00-06:00", str(f))
    assert code == 0 and json.loads(out)["actions"][0]["status"] == "overdue"
    code, _, err = run(capsys, "evaluate", "--policy", MINI, "--as-of", "whenever", str(f))
    assert code == 2 and "--as-of" in err


def test_usage_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "evaluate", "--policy", "no-such-pack", str(tmp_path / "x.json"))
    assert code == 2 and "no policy pack 'no-such-pack'" in err
    code, _, err = run(capsys, "evaluate", "--policy", MINI, str(tmp_path / "missing.json"))
    assert code == 2 and "no such file" in err
    with pytest.raises(SystemExit) as info:
        main(["evaluate"])
    assert info.value.code == 2


def test_validate_reports_every_problem(capsys: pytest.CaptureFixture[str]) -> None:
    bad = str(FIXTURES / "invalid" / "seven_mistakes.yaml")
    code, out, _ = run(capsys, "validate", MINI, bad)
    assert code == 1
    lines = out.splitlines()
    assert lines[0] == f"{MINI}: ok"
    assert len(lines) == 8 and all(line.startswith(f"{bad}:") for line in lines[1:])
    code, _, _ = run(capsys, "validate", MINI)
    assert code == 0


def test_installed_command_help_lists_subcommands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", "--help"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0
    for name in ("evaluate", "validate", "worklist", "list", "schema", "docs", "diff", "replay", "explain"):
        assert name in result.stdout


def test_no_traceback_for_a_broken_policy(tmp_path: Path) -> None:
    bad = FIXTURES / "invalid" / "seven_mistakes.yaml"
    f = tmp_path / "one.json"
    f.write_text(json.dumps(GOOD))
    result = subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", "evaluate", "--policy", str(bad), str(f)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "seven_mistakes.yaml:8:13" in result.stderr
