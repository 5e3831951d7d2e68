"""Loading policy YAML: safe YAML 1.2 core types, located problems, all at once."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.loader import load_spec, load_spec_text
from grievance_rules.packs import is_pack_file
from grievance_rules.schema import policy_json_schema

MINI = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")


def problems_of(text: str) -> list[gr.Problem]:
    with pytest.raises(gr.PolicyError) as info:
        gr.Policy(load_spec_text(text, "p.yaml"))
    return list(info.value.problems)


def test_seven_mistakes_give_exactly_one_located_problem_each() -> None:
    path = FIXTURES / "invalid" / "seven_mistakes.yaml"
    with pytest.raises(gr.PolicyError) as info:
        load_spec(path)
    got = [(p.line, p.column, p.path) for p in info.value.problems]
    assert got == [
        (8, 13, "calendar.timezone"),  # typo'd timezone
        (25, 5, "actions[0].deadlin"),  # unknown key
        (30, 37, "actions[1].when.any_of[0]"),  # undeclared concern tag
        (31, 24, "actions[1].deadline.amount"),  # wrong type
        (36, 15, "actions[2].done_by[0]"),  # undeclared event
        (41, 46, "actions[3].deadline.from"),  # cycle among anchored deadlines
        (48, 5, "actions[4].title"),  # duplicate key
    ]
    messages = [p.message for p in info.value.problems]
    assert "did you mean 'America/Chicago'" in messages[0]
    assert "did you mean 'deadline'" in messages[1] and "allowed keys here" in messages[1]
    assert "'unsfe'" in messages[2] and "did you mean 'unsafe'" in messages[2]
    assert "found 'five'" in messages[3]
    assert "did you mean 'acknowledged'" in messages[4]
    assert "first -> second -> first" in messages[5]
    assert "first at line 45" in messages[6]
    # every line of the error names the file, line and column
    for line in str(info.value).splitlines()[1:]:
        assert line.startswith(f"{path}:")


def test_yaml_1_1_surprises_do_not_happen() -> None:
    # 17:00 unquoted stays the string "17:00" (YAML 1.1 would read 1020)
    text = MINI.replace('close_of_business: "17:00"', "close_of_business: 17:00")
    spec = load_spec_text(text, "p.yaml").spec
    assert spec.calendar.close_of_business == "17:00"


def test_no_is_a_string_not_false() -> None:
    text = MINI.replace("    rude: Staff were rude", "    rude: NO")
    spec = load_spec_text(text, "p.yaml").spec
    assert spec.vocabulary.concerns["rude"] == "NO"


def test_leading_zero_integer_is_decimal() -> None:
    text = MINI.replace("deadline: {amount: 5, unit: business_days}", "deadline: {amount: 010, unit: business_days}")
    spec = load_spec_text(text, "p.yaml").spec
    assert spec.actions[0].deadline is not None and spec.actions[0].deadline.amount == 10


def test_invalid_date_is_located() -> None:
    text = MINI.replace('effective_date: "2024-01-01"', "effective_date: 2024-13-01")
    (problem,) = problems_of(text)
    assert (problem.line, problem.path) == (6, "effective_date")


def test_object_construction_tags_are_refused() -> None:
    text = MINI.replace("name: Mini test plan", "name: !!python/object/apply:os.system ['true']")
    (problem,) = problems_of(text)
    assert problem.line == 4 and "not valid YAML" in problem.message


def test_syntax_error_is_located() -> None:
    text = MINI.replace("  timezone: America/Chicago", "  timezone: [America/Chicago")
    (problem,) = problems_of(text)
    assert problem.line > 1 and problem.code == "GR010" and "close it with ]" in problem.message


def test_empty_and_non_mapping_files() -> None:
    assert "empty" in problems_of("")[0].message
    assert "mapping" in problems_of("- a\n- b\n")[0].message


def test_missing_required_key_names_it() -> None:
    text = MINI.replace("name: Mini test plan\n", "")
    (problem,) = problems_of(text)
    assert problem.path == "name" and "missing required key 'name'" in problem.message


def test_unknown_fact_in_condition_suggests_the_fact() -> None:
    text = MINI.replace("{fact: channel, is: phone}", "{fact: chanel, is: phone}")
    (problem,) = problems_of(text)
    assert problem.path.endswith("when.all[0].fact")
    assert "did you mean 'channel'" in problem.message


def test_operator_must_fit_the_fact_type() -> None:
    text = MINI.replace("{fact: channel, is: phone}", "{fact: channel, gte: 3}")
    (problem,) = problems_of(text)
    assert "does not apply" in problem.message and "allowed: is, is_not, in, not_in" in problem.message


def test_condition_with_two_operators_is_an_error() -> None:
    text = MINI.replace("{fact: channel, is: phone}", "{fact: channel, is: phone, in: [mail]}")
    (problem,) = problems_of(text)
    assert "exactly one operator" in problem.message


def test_undeclared_action_anchor() -> None:
    text = MINI.replace("from: action:visit}", "from: action:vist}")
    (problem,) = problems_of(text)
    assert problem.path.endswith("deadline.from") and "did you mean 'visit'" in problem.message


def test_undeclared_role() -> None:
    text = MINI.replace("responsible: qa", "responsible: qq")
    (problem,) = problems_of(text)
    assert problem.path == "actions[0].responsible" and "vocabulary.roles" in problem.message


def test_amount_must_fit_the_unit() -> None:
    text = MINI.replace(
        "deadline: {unit: immediately, from: event:contact_attempt}",
        "deadline: {amount: 2, unit: immediately, from: event:contact_attempt}",
    )
    (problem,) = problems_of(text)
    assert "takes no 'amount'" in problem.message


def test_cycle_between_choices_is_located() -> None:
    text = MINI.replace("when: {fact: concerns, any_of: [harm]}", "when: {fact: classification, is: formal}").replace(
        "when: {all: [{fact: channel, is: phone}, {fact: timers.next_day, is: met}]}", 'when: {fact: level, is: "III"}'
    )
    (problem,) = problems_of(text)
    assert "cycle" in problem.message and problem.line > 1


def test_duplicate_rule_ids() -> None:
    text = MINI.replace("  - id: visit\n", "  - id: acknowledge\n").replace("action:visit", "receipt")
    problems = problems_of(text)
    assert any("used twice" in p.message for p in problems)


def test_policy_error_is_a_grievance_rules_error() -> None:
    assert issubclass(gr.PolicyError, gr.GrievanceRulesError)


def test_json_schema_is_current() -> None:
    shipped = json.loads((ROOT / "policies" / "policy.schema.json").read_text(encoding="utf-8"))
    assert shipped == policy_json_schema(), "regenerate: grievance-rules schema > policies/policy.schema.json"


BUNDLED_FILES = sorted(p for p in (ROOT / "policies").glob("*.yaml") if is_pack_file(p))


@pytest.mark.parametrize("pack", BUNDLED_FILES, ids=lambda p: p.stem)
def test_bundled_packs_reference_the_schema(pack: Path) -> None:
    first = pack.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=policy.schema.json"


def test_schema_forbids_unknown_keys_for_editors() -> None:
    schema = policy_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["ActionRule"]["additionalProperties"] is False


def test_problem_lines_follow_file_order() -> None:
    text = (
        textwrap.dedent(MINI)
        .replace("responsible: qa", "responsible: qq")
        .replace("timezone: America/Chicago", "timezone: Mars/Base")
    )
    problems = problems_of(text)
    assert [p.line for p in problems] == sorted(p.line for p in problems)
    assert len(problems) == 2


def test_timer_cannot_run_from_an_action() -> None:
    text = MINI.replace(
        "within: {unit: close_of_next_business_day}", "within: {unit: close_of_next_business_day, from: action:visit}"
    )
    (problem,) = problems_of(text)
    assert problem.path == "timers[0].within.from" and "not from an action" in problem.message
