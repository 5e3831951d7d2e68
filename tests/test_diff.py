"""`grievance-rules diff`: what changed between two packs, in words (tests/fixtures/diff/old.yaml -> new.yaml).

new.yaml is old.yaml with one change of each kind; each test asserts the sentence a compliance
officer reads for it.
"""

from __future__ import annotations

import json

import pytest
from helpers import FIXTURES

from grievance_rules import load_policy
from grievance_rules.cli import main
from grievance_rules.diff import PolicyDiff, diff_policies, render_diff

OLD = str(FIXTURES / "diff" / "old.yaml")
NEW = str(FIXTURES / "diff" / "new.yaml")


@pytest.fixture(scope="module")
def diff() -> PolicyDiff:
    return diff_policies(load_policy(OLD), load_policy(NEW))


@pytest.fixture(scope="module")
def lines(diff: PolicyDiff) -> list[str]:
    return [c.text for c in diff.changes]


def test_a_pack_against_itself_has_no_changes() -> None:
    same = diff_policies(load_policy(OLD), load_policy(OLD))
    assert same.identical and same.changes == ()
    assert "No differences" in render_diff(same)


def test_deadline_before_and_after_in_words(lines: list[str]) -> None:
    assert "Action acknowledge: deadline: 5 business days after receipt → 7 business days after receipt" in lines


def test_deadline_anchor_change(lines: list[str]) -> None:
    assert (
        "Action follow_up: deadline: 30 calendar days after action 'visit' (when it was done, else its due date)"
        " → 30 calendar days after the 'visited' event"
    ) in lines


def test_action_added_with_its_citation_and_reading(diff: PolicyDiff, lines: list[str]) -> None:
    assert (
        "Action refer (Refer to the state) added: title Refer to the state; code refer_to_state; when level is III; "
        'deadline 24 hours after receipt; citation mini.yaml, refer ("refer within 24 hours"); '
        "reading Hours are elapsed hours from receipt."
    ) in lines
    assert set(diff.rules_added) == {"refer", "level_ii_billing"}


def test_action_removed_says_what_it_was(diff: PolicyDiff, lines: list[str]) -> None:
    assert (
        "Action visit (Visit the office) removed (was: title Visit the office; code visit_office; "
        "when level is one of II, III; deadline 5 calendar days after receipt; done_by visited; "
        "citation mini.yaml, visit)"
    ) in lines
    assert diff.rules_removed == ("visit",)


def test_condition_and_citation_changes(lines: list[str]) -> None:
    assert (
        "Classification rule quick_phone: when: channel is phone and timers.next_day is met"
        " → channel is phone and timers.next_day is met and urgent is false"
    ) in lines
    assert "Classification rule quick_phone: citation: mini.yaml, classification → mini.yaml, classification 2" in lines


def test_first_match_order_and_reading(lines: list[str]) -> None:
    # level_ii now comes before level_iii: a grievance alleging both unsafe care and harm changes level
    assert "Level rule level_ii: checked 2nd → 1st (the first rule that applies wins)" in lines
    assert "Level rule level_iii: checked 1st → 2nd (the first rule that applies wins)" in lines
    assert "Level rule level_ii: reading: (none) → Unsafe care is Level II even when harm is also alleged." in lines
    assert (
        "Level rule level_ii_billing (II) added: value II; when concerns include any of billing; "
        "citation mini.yaml, levels"
    ) in lines


def test_choice_default_change(lines: list[str]) -> None:
    assert (
        "Handled-by rule default by_plan: citation: mini.yaml, delegation"
        ' → mini.yaml, delegation ("the plan handles it")'
    ) in lines


def test_delegation_matrix_rows(lines: list[str]) -> None:
    assert "Delegation matrix row Acme: verbal_grievances: yes → no" in lines
    assert (
        "Delegation matrix row Orbit added: group Orbit; delegated no; verbal_grievances no; form health_plan" in lines
    )
    assert (
        "Delegation matrix row Zenith removed (was: group Zenith; delegated no; verbal_grievances no; form health_plan)"
    ) in lines
    assert (
        "Delegation matrix default row: warning: group not in the matrix → group not in the matrix; check the group"
        in lines
    )


def test_filing_window_timer_and_pattern(lines: list[str]) -> None:
    assert "Filing window: 180 calendar days after the incident → 365 calendar days after the incident" in lines
    assert (
        "Timer next_day: within: by close of the next business day after receipt → 2 business days after receipt"
        in lines
    )
    assert "Escalation pattern repeated: count: 3 → 2" in lines
    assert "Escalation pattern repeated: within: 90 calendar days → 60 calendar days" in lines


def test_warning_record_requirement_retention(lines: list[str]) -> None:
    assert "Warning late: message: filed after the filing window → filed after the 365-day filing window" in lines
    assert (
        "Record requirement record: fields: provider.name: the provider"
        " → provider.name: the provider; member.name: the member"
    ) in lines
    assert "Retention added: years 7; what grievance records; citation mini.yaml, retention" in lines


def test_calendar_vocabulary_and_version(lines: list[str]) -> None:
    assert "Pack version: 1.0 → 2.0" in lines
    assert "Calendar after_hours_receipt: same_day → next_business_day" in lines
    assert "Calendar extra_holidays 2024-12-24 added: date 2024-12-24; name Christmas Eve closure" in lines
    assert "Vocabulary concerns: billing added: Billing error" in lines
    assert "Vocabulary events: visited: Office visited → Office visited in person" in lines


def test_changed_rules_are_listed_once(diff: PolicyDiff) -> None:
    assert set(diff.rules_changed) == {
        "quick_phone",
        "level_ii",
        "level_iii",
        "by_plan",
        "next_day",
        "repeated",
        "acknowledge",
        "follow_up",
        "late",
        "record",
    }
    assert len(diff.rules_changed) == len(set(diff.rules_changed))


def test_cli_markdown_groups_by_section(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", OLD, NEW]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Policy changes: mini 1.0 → mini 2.0\n")
    assert "\n## Actions\n\n- Action visit (Visit the office) removed" in out
    assert "- Action acknowledge: deadline: 5 business days after receipt → 7 business days after receipt\n" in out


def test_cli_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "--format", "json", OLD, NEW]) == 0
    data = json.loads(capsys.readouterr().out)
    ack = [c for c in data["changes"] if c["item"] == "acknowledge"]
    assert ack == [
        {
            "section": "actions",
            "item": "acknowledge",
            "kind": "changed",
            "field": "deadline",
            "before": "5 business days after receipt",
            "after": "7 business days after receipt",
            "details": [],
            "text": "Action acknowledge: deadline: 5 business days after receipt → 7 business days after receipt",
        }
    ]
    assert data["old"]["version"] == "1.0" and data["new"]["version"] == "2.0"


def test_cli_unknown_pack_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", OLD, "no-such-pack"]) == 2
    assert "no-such-pack" in capsys.readouterr().err


def test_whole_sections_added_and_removed() -> None:
    full = load_policy(OLD).spec
    bare = full.model_copy(update={"handled_by": None, "filing_window": None})
    added = diff_policies(bare, full)
    assert [c.text for c in added.changes] == [
        "Handled by decision added: values plan, health_plan; rule to_health_plan: health_plan when "
        "delegation.delegated is false; otherwise plan (rule by_plan)",
        "Filing window added: 180 calendar days after the incident; citation mini.yaml, filing",
    ]
    assert added.rules_added == ("to_health_plan", "by_plan")
    removed = diff_policies(full, bare)
    assert removed.rules_removed == ("to_health_plan", "by_plan")
    assert "Filing window removed (was: 180 calendar days after the incident; citation mini.yaml, filing)" in [
        c.text for c in removed.changes
    ]
