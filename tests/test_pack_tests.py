"""``grievance-rules test``: a pack's own YAML test cases, found beside the pack, run natively."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.cli import main
from grievance_rules.testing import cases_for, load_cases, run_tests

MINI_CASES = """\
cases:
  - name: formal by mail, acknowledged in 5 business days
    facts: {id: C-1, received_at: "2024-11-22T10:00:00-06:00", channel: mail}
    expect:
      classification: formal
      policy: {id: mini, version: "1.0"}
      # Mon 25, Tue 26, Wed 27, (Thanksgiving), Fri 29, Mon 2 Dec
      actions: {acknowledge: {due_date: "2024-12-02", status: pending}}
      absent_actions: [visit_office]
  - name: a bare date is refused
    facts: {id: C-2, received_at: "2024-11-22"}
    expect: {error: {field: received_at}}
  - name: wrong due date on purpose
    facts: {id: C-3, received_at: "2024-11-22T10:00:00-06:00", channel: mail}
    expect:
      actions: {acknowledge: {due_date: "2024-11-29"}}
  - name: wrong classification and an action that is not required
    facts: {id: C-4, received_at: "2024-11-22T10:00:00-06:00", channel: mail}
    expect:
      classification: quick
      actions: {visit_office: {due_date: null}}
  - name: expects an error that does not happen
    facts: {id: C-5, received_at: "2024-11-22T10:00:00-06:00", channel: mail}
    expect: {error: {field: received_at}}
"""


@pytest.fixture()
def third_party(tmp_path: Path) -> Path:
    """A pack outside the project with its cases beside it: 2 cases pass, 3 fail."""
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "mini.yaml")
    (tmp_path / "mini.cases.yaml").write_text(MINI_CASES, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "pack",
    ["ctdhp", "liberty", "liberty-access", "liberty-p4p", "liberty-referrals", "liberty-utilization", "luxor"],
)
def test_every_bundled_pack_has_cases_that_pass(pack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cases_for(pack) == [ROOT / "policies" / f"{pack}.cases.yaml"]
    assert main(["test", pack]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    count = len(load_cases(ROOT / "policies" / f"{pack}.cases.yaml").model.cases)
    assert out == [f"{count} passed, 0 failed"]


def test_pass_and_fail_counts_and_exit_status(third_party: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(third_party / "mini.yaml")]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "2 passed, 3 failed"
    failures = out[:-1]
    cases_file = third_party / "mini.cases.yaml"
    # the third case starts on line 13 of MINI_CASES
    assert f"{cases_file}:13: FAILED wrong due date on purpose: actions.acknowledge.due_date: " in failures[0]
    assert 'expected "2024-11-29", got "2024-12-02"' in failures[0]
    assert any('classification: expected "quick", got "formal"' in line for line in failures)
    assert any("actions.visit_office: expected, but not required" in line for line in failures)
    assert any("expected a FactsError on field 'received_at', got none" in line for line in failures)


def test_the_api_reports_each_case(third_party: Path) -> None:
    run = run_tests([str(third_party)])
    assert (run.passed, run.failed) == (2, 3)
    assert [r.passed for r in run.results] == [True, True, False, False, False]
    assert run.results[3].failures == (
        'classification: expected "quick", got "formal"',
        "actions.visit_office: expected, but not required (required: acknowledge)",
    )


def test_a_cases_file_can_be_run_directly_and_pin_a_version(
    third_party: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    only = third_party / "only.cases.yaml"
    only.write_text(
        "policy: mini.yaml\ncases:\n  - name: pinned\n    version: '1.0'\n"
        "    facts: {id: C-1, received_at: '2024-11-22T10:00:00-06:00', channel: mail}\n"
        "    expect: {policy: {version: '1.0'}}\n",
        encoding="utf-8",
    )
    assert main(["test", str(only)]) == 0
    assert capsys.readouterr().out.strip() == "1 passed, 0 failed"


def test_a_bad_cases_file_is_located_with_did_you_mean(third_party: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = third_party / "mini.cases.yaml"
    bad.write_text(MINI_CASES.replace("    expect:\n      classification: formal", "    expct:\n      x: 1", 1))
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4:5: GR101: cases[0].expct: unknown key 'expct' (did you mean 'expect'?)" in out
    with pytest.raises(gr.PolicyError):
        run_tests([str(third_party)])


def test_validate_accepts_the_bundled_cases_files(capsys: pytest.CaptureFixture[str]) -> None:
    files = sorted(str(p) for p in (ROOT / "policies").glob("*.cases.yaml"))
    assert len(files) == 7  # ctdhp, liberty, luxor and the four LIBERTY subject packs
    assert main(["validate", *files]) == 0


def test_a_pack_without_cases_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copy(FIXTURES / "mini.yaml", tmp_path / "mini.yaml")
    assert main(["test", str(tmp_path / "mini.yaml")]) == 2
    assert "no test cases" in capsys.readouterr().err
