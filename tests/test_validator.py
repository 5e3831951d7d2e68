"""The validator: typed problems with stable codes, every problem located and reported at once,
calendar problems, "did you mean", patterns in words, YAML syntax advice, warnings (GR5xx), and the
``validate`` command's text and JSON formats and ``--strict`` (issue 11, point 2)."""

from __future__ import annotations

import json
import pickle
import re
from pathlib import Path
from typing import Any

import pytest
from helpers import FIXTURES

import grievance_rules as gr
from grievance_rules.cli import main
from grievance_rules.codes import _BY_TYPE, CODES, code_for_error_type, render_codes
from grievance_rules.errors import FactProblem, FactsError, PolicyError, Problem
from grievance_rules.lint import quote_numbers
from grievance_rules.loader import load_spec_text
from grievance_rules.policy import Policy
from grievance_rules.schema import PATTERN_WORDS, policy_json_schema

ROOT = Path(__file__).resolve().parents[1]
INVALID = FIXTURES / "invalid"

# fixture -> (line, column, code, path, words the message must hold); one problem each unless noted
ERRORS: dict[str, tuple[int, int, str, str, tuple[str, ...]]] = {
    "holiday_subdivision_alias": (
        9,
        40,
        "GR303",
        "calendar.holidays.subdivision",
        ("'Texas'", "(did you mean 'TX'?)", "allowed: AK, AL"),
    ),
    "holiday_country_alias": (9, 23, "GR302", "calendar.holidays.country", ("'USA'", "(did you mean 'US'?)")),
    "holiday_category": (9, 48, "GR304", "calendar.holidays.categories[1]", ("'government'", "allowed: public")),
    "enum_unit": (21, 33, "GR104", "actions[0].deadline.unit", ("'working_days'", "did you mean 'business_days'")),
    "pattern_time": (9, 22, "GR105", "calendar.close_of_business", ("'5pm'", "a time of day like 17:00")),
    "recorded_only_unknown": (
        14,
        19,
        "GR214",
        "vocabulary.recorded_only[0]",
        ("'acknowleged'", "did you mean 'acknowledged'"),
    ),
    "yaml_colon": (5, 13, "GR010", "", ("mapping values are not allowed here", "quote the text")),
    "yaml_tab": (5, 1, "GR010", "", ("replace the tab with spaces",)),
    "yaml_unclosed_quote": (4, 7, "GR010", "", ("never closed", "add the closing quote")),
    "yaml_indent": (5, 22, "GR010", "", ("line it up with the keys above it",)),
    "yaml_dash": (6, 3, "GR010", "", ("line up the dashes",)),
    "yaml_flow": (5, 11, "GR010", "", ("not closed", "close it with ]")),
}

WARNINGS: dict[str, tuple[int, int, str, str, tuple[str, ...]]] = {
    "warn_unused_vocabulary": (12, 14, "GR501", "vocabulary.concerns.billing", ("'billing'", "recorded_only")),
    "warn_contradiction": (30, 11, "GR502", "warnings[0].when.all[2]", ("never hold", "'channel'", "'mail', 'phone'")),
    "warn_empty_in": (30, 31, "GR502", "warnings[1].when.in", ("never hold", "'in: []'")),
    "warn_bounds": (30, 11, "GR502", "warnings[0].when.all[2]", ("at least 3 and at most 1",)),
    "warn_quote_number": (21, 24, "GR503", "actions[0].deadline.amount", ("7 business_days", "gives 5 for days")),
}


def _problems(name: str) -> list[Problem]:
    return gr.validate_file(INVALID / f"{name}.yaml")


# ---------------------------------------------------------------- the typed record


def test_problem_is_a_frozen_record_with_code_and_severity_that_pickles() -> None:
    problem = Problem("p.yaml", 3, 4, "calendar.timezone", "unknown timezone", "GR301")
    assert problem.severity == "error" and problem.code == "GR301"
    assert str(problem) == "p.yaml:3:4: GR301: calendar.timezone: unknown timezone"
    warning = Problem("p.yaml", 1, 1, "", "unused", "GR501", "warning")
    assert str(warning) == "p.yaml:1:1: GR501 warning: unused"
    with pytest.raises(AttributeError):
        problem.code = "GR100"  # type: ignore[misc]
    assert pickle.loads(pickle.dumps(problem)) == problem
    assert problem.as_dict() == {
        "code": "GR301",
        "severity": "error",
        "file": "p.yaml",
        "line": 3,
        "column": 4,
        "path": "calendar.timezone",
        "message": "unknown timezone",
    }


def test_policy_error_and_facts_error_pickle_with_their_problems() -> None:
    with pytest.raises(PolicyError) as info:
        load_spec_text("id: x\n", "p.yaml")
    again = pickle.loads(pickle.dumps(info.value))
    assert again.problems == info.value.problems and str(again) == str(info.value)
    facts = FactsError([FactProblem("channel", "unknown channel", "phone, mail")])
    back = pickle.loads(pickle.dumps(facts))
    assert back.problems == facts.problems and back.field == "channel" and str(back) == str(facts)


def test_facts_problems_are_typed_records() -> None:
    policy = gr.load_policy(FIXTURES / "mini.yaml")
    with pytest.raises(FactsError) as info:
        policy.evaluate({"id": "A", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail", "concerns": ["x"]})
    (problem,) = info.value.problems
    assert isinstance(problem, FactProblem) and problem.field == "concerns[0]" and "rude" in problem.allowed
    field, message, allowed = problem  # still unpacks like the tuple it replaces
    assert field == "concerns[0]" and message.startswith("unknown concern tag") and allowed == problem.allowed


# ---------------------------------------------------------------- one located problem per broken fixture


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_broken_fixture_gives_its_located_problem_and_code(name: str) -> None:
    line, column, code, path, words = ERRORS[name]
    (problem,) = _problems(name)
    assert (problem.line, problem.column, problem.code, problem.path, problem.severity) == (
        line,
        column,
        code,
        path,
        "error",
    ), problem
    for word in words:
        assert word in problem.message, (word, problem.message)
    assert "^" not in problem.message and "[0-9]" not in problem.message  # never a regular expression


def test_unknown_subdivision_is_located_lists_codes_and_hides_nothing() -> None:
    subdivision, unknown_key = _problems("holiday_subdivision_unknown")
    assert (subdivision.line, subdivision.column, subdivision.code) == (9, 40, "GR303")
    assert "'Tejas'" in subdivision.message and "'TX', Texas" in subdivision.message
    assert "allowed: AK, AL, AR" in subdivision.message and "TX" in subdivision.message.split("allowed:")[1]
    assert (unknown_key.line, unknown_key.code, unknown_key.path) == (22, "GR101", "actions[0].titel")


def test_validate_reports_every_file_even_after_a_calendar_problem(capsys: pytest.CaptureFixture[str]) -> None:
    tejas = str(INVALID / "holiday_subdivision_unknown.yaml")
    seven = str(INVALID / "seven_mistakes.yaml")
    code = main(["validate", tejas, seven, str(FIXTURES / "mini.yaml")])
    out = capsys.readouterr().out.splitlines()
    assert code == 1
    assert sum(line.startswith(f"{tejas}:9:40: GR303: ") for line in out) == 1
    assert sum(line.startswith(f"{seven}:") for line in out) == 7
    assert out[-1] == f"{FIXTURES / 'mini.yaml'}: ok"


def test_seven_mistakes_carry_their_codes() -> None:
    codes = [p.code for p in _problems("seven_mistakes")]
    assert codes == ["GR301", "GR101", "GR203", "GR103", "GR207", "GR210", "GR014"]


# ---------------------------------------------------------------- warnings


@pytest.mark.parametrize("name", sorted(WARNINGS))
def test_warning_fixture_loads_and_gives_its_located_warning(name: str) -> None:
    line, column, code, path, words = WARNINGS[name]
    (problem,) = _problems(name)
    assert (problem.line, problem.column, problem.code, problem.path, problem.severity) == (
        line,
        column,
        code,
        path,
        "warning",
    ), problem
    for word in words:
        assert word in problem.message, (word, problem.message)
    policy = gr.load_policy(INVALID / f"{name}.yaml")  # a warning never stops loading
    assert policy.warnings == (problem,)


EXAMPLE_PACKS = sorted(
    str(p)
    for p in (ROOT / "examples").rglob("*.yaml")
    if p.read_text(encoding="utf-8").lstrip().startswith(("#", "id:"))
)


@pytest.mark.parametrize("name", [*gr.available_policies(), *EXAMPLE_PACKS])
def test_bundled_and_example_packs_draw_no_warning(name: str) -> None:
    policy = gr.load_policy(name)
    assert policy.warnings == ()
    assert gr.validate_file(policy.file) == []


def test_a_listed_recorded_only_name_is_not_reported_as_unused(tmp_path: Path) -> None:
    text = (INVALID / "warn_unused_vocabulary.yaml").read_text()
    text = text.replace(
        "    acknowledged: Letter sent\n", "    acknowledged: Letter sent\n  recorded_only: [billing]\n"
    )
    path = tmp_path / "p.yaml"
    path.write_text(text)
    assert gr.validate_file(path) == []


_MINI = (FIXTURES / "mini.yaml").read_text()


def _warnings_for(condition: str) -> list[Problem]:
    text = _MINI.replace("      when: {fact: concerns, any_of: [harm]}", f"      when: {condition}", 1)
    assert text != _MINI
    return [w for w in Policy(load_spec_text(text, "p.yaml")).warnings if w.code == "GR502"]


@pytest.mark.parametrize(
    ("condition", "never"),
    [
        ("{all: [{fact: channel, is: phone}, {fact: channel, is: mail}]}", True),
        ("{all: [{fact: channel, is: phone}, {fact: channel, in: [mail, fax]}]}", True),
        ("{all: [{fact: channel, is: phone}, {fact: channel, is_not: phone}]}", True),
        ("{all: [{fact: urgent, is: true}, {all: [{fact: urgent, is: false}]}]}", True),
        ("{all: [{fact: concerns, all_of: [harm]}, {fact: concerns, none_of: [harm]}]}", True),
        ("{all: [{fact: events.acknowledged.count, gt: 2}, {fact: events.acknowledged.count, lt: 3}]}", True),
        ("{fact: events.acknowledged.count, lt: 0}", True),
        ("{fact: concerns, any_of: []}", True),
        ("{any: []}", True),
        ("{any: [{fact: channel, is: phone}, {all: [{fact: channel, is: mail}, {fact: channel, is: fax}]}]}", True),
        # can hold: no warning
        ("{any: [{fact: channel, is: phone}, {fact: channel, is: mail}]}", False),
        ("{all: [{fact: channel, is: phone}, {fact: channel, is_not: mail}]}", False),
        ("{all: [{fact: channel, in: [phone, mail]}, {fact: channel, not_in: [mail]}]}", False),
        ("{all: [{fact: events.acknowledged.count, gte: 1}, {fact: events.acknowledged.count, lte: 1}]}", False),
        ("{all: [{fact: concerns, any_of: [harm]}, {fact: concerns, none_of: [rude]}]}", False),
        ("{none: [{fact: channel, in: []}]}", False),
    ],
)
def test_conditions_that_can_never_hold_are_warned(condition: str, never: bool) -> None:
    assert bool(_warnings_for(condition)) is never


@pytest.mark.parametrize(
    ("quote", "numbers"),
    [
        ("within five (5) business days of receipt", {"day": {5}}),
        ("no later than thirty calendar days", {"day": {30}}),
        ("within twenty-four hours, and in no case later than 72 hours", {"hour": {24, 72}}),
        ("two weeks", {"day": {14}}),
        ("Mail sorted and triaged \u2013 1 to 2 days.", {"day": {1, 2}}),
        ("one or two weeks", {"day": {7, 14}}),
        ("one hundred eighty (180) days from the incident", {"day": {180}}),
        ("until the third anniversary, i.e. 3 years", {"year": {3}}),
        ("Section 5 of the plan; see page 12", {}),
    ],
)
def test_quote_numbers_reads_digits_and_number_words(quote: str, numbers: dict[str, set[int]]) -> None:
    assert quote_numbers(quote) == numbers


def test_a_deadline_agreeing_with_its_quote_draws_no_warning(tmp_path: Path) -> None:
    text = (INVALID / "warn_quote_number.yaml").read_text().replace("amount: 7", "amount: 5")
    path = tmp_path / "p.yaml"
    path.write_text(text)
    assert gr.validate_file(path) == []


# ---------------------------------------------------------------- the command


def test_validate_text_shows_codes_and_warnings_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    warn = str(INVALID / "warn_quote_number.yaml")
    assert main(["validate", warn]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{warn}:21:24: GR503 warning: actions[0].deadline.amount: ")
    assert out[1] == f"{warn}: ok (1 warning)"
    assert main(["validate", "--strict", warn]) == 1
    capsys.readouterr()
    assert main(["validate", "--strict", str(FIXTURES / "mini.yaml")]) == 0
    capsys.readouterr()
    assert main(["validate", str(INVALID / "enum_unit.yaml")]) == 1
    assert ": GR104: " in capsys.readouterr().out


def test_validate_json_gives_one_object_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    bad = str(INVALID / "holiday_subdivision_unknown.yaml")
    warn = str(INVALID / "warn_empty_in.yaml")
    mini = str(FIXTURES / "mini.yaml")
    assert main(["validate", "--format", "json", bad, warn, mini]) == 1
    records: list[dict[str, Any]] = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in records] == [bad, warn, mini]
    assert [(r["valid"], r["errors"], r["warnings"]) for r in records] == [(False, 2, 0), (True, 0, 1), (True, 0, 0)]
    first = records[0]["problems"][0]
    assert first == {
        "code": "GR303",
        "severity": "error",
        "file": bad,
        "line": 9,
        "column": 40,
        "path": "calendar.holidays.subdivision",
        "message": first["message"],
    }
    assert records[1]["problems"][0]["severity"] == "warning" and records[1]["problems"][0]["code"] == "GR502"
    assert main(["validate", "--format", "json", "--strict", warn]) == 1


def test_a_missing_path_is_reported_after_the_others_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["validate", str(tmp_path / "nope.yaml"), str(INVALID / "enum_unit.yaml")])
    out, _ = capsys.readouterr()
    assert code == 2 and "no such file" in out and ": GR104: " in out
    code = main(["validate", "--format", "json", str(tmp_path / "nope.yaml")])
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 2 and record["valid"] is False and record["problems"][0]["code"] == "GR001"


# ---------------------------------------------------------------- the registry stays complete


def test_every_pattern_of_the_format_is_said_in_words() -> None:
    patterns: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(policy_json_schema())
    assert patterns and patterns <= set(PATTERN_WORDS), patterns - set(PATTERN_WORDS)


def test_every_custom_error_of_the_format_has_a_code() -> None:
    source = "".join(p.read_text() for p in (ROOT / "grievance_rules").glob("*.py"))
    kinds = set(re.findall(r'PydanticCustomError\(\s*"([a-z_]+)"', source))
    assert kinds and not [k for k in kinds if code_for_error_type(k) == "GR100"], sorted(kinds - set(_BY_TYPE))
    assert set(_BY_TYPE.values()) <= set(CODES)


def test_codes_page_is_current() -> None:
    page = ROOT / "docs" / "validation-codes.md"
    assert page.read_text(encoding="utf-8") == render_codes(), (
        "regenerate: python -m grievance_rules.codes > docs/validation-codes.md"
    )


def test_every_code_a_fixture_produces_is_documented() -> None:
    seen = {p.code for f in INVALID.glob("*.yaml") for p in gr.validate_file(f)}
    assert seen <= set(CODES) and "GR100" not in seen
    assert {c for c in seen if c.startswith("GR5")} == {"GR501", "GR502", "GR503"}


_DECLARED = (FIXTURES / "declared.yaml").read_text()


@pytest.mark.parametrize(
    ("condition", "never"),
    [
        (
            '{all: [{fact: facts.service_date, gte: "2024-01-01"}, {fact: facts.service_date, lte: "2023-01-01"}]}',
            False,
        ),
        ("{all: [{fact: facts.amount_billed, gt: 10.5}, {fact: facts.amount_billed, lt: 3}]}", True),
        ("{all: [{fact: facts.amount_billed, gt: 2.5}, {fact: facts.amount_billed, lt: 3}]}", False),
        ("{all: [{fact: facts.days_waiting, gt: 2}, {fact: facts.days_waiting, lt: 3}]}", True),
        ("{all: [{fact: facts.priority, is: routine}, {fact: facts.priority, is: expedited}]}", True),
        ("{all: [{fact: facts.services, all_of: [crown]}, {fact: facts.services, none_of: [crown]}]}", True),
    ],
)
def test_declared_facts_in_conditions_never_holding(condition: str, never: bool) -> None:
    # dates are not compared (no warning, and no crash); numbers and whole numbers are
    text = _DECLARED.replace("    when: {fact: timers.notice_on_time, is: missed}", f"    when: {condition}", 1)
    assert text != _DECLARED
    warnings = Policy(load_spec_text(text, "p.yaml")).warnings
    assert bool([w for w in warnings if w.code == "GR502"]) is never
