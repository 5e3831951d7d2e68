"""``extends:``: a pack that overrides parts of another and inherits the rest (issue 11, point 1),
and the located problems of the new format (one small broken fixture per failure mode)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from helpers import FIXTURES

import grievance_rules as gr
from grievance_rules.packs import validate_file

INVALID = FIXTURES / "invalid"


def test_extends_by_pack_id_inherits_the_rest_name_included() -> None:
    luxor = gr.load_policy("luxor")
    six = gr.load_policy(FIXTURES / "extends" / "luxor_weekend.yaml")
    assert six.id == "luxor_six_days"
    assert six.spec.name == luxor.spec.name
    assert six.spec.actions == luxor.spec.actions
    assert six.spec.calendar.timezone == "America/Chicago"  # a mapping merges: timezone kept
    assert six.spec.calendar.workweek == ["mon", "tue", "wed", "thu", "fri", "sat"]
    # a Saturday counts: received Fri 22 Nov 2024, 5 business days: Sat 23 (1), Mon 25 (2),
    # Tue 26 (3), Wed 27 (4), Thanksgiving skipped, Fri 29 Nov (5)
    det = six.evaluate({"id": "X", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"})
    ack = next(a for a in det.actions if a.code == "acknowledge")
    assert ack.due_date == dt.date(2024, 11, 29)


def test_merge_rules_by_id_lists_replace_conditions_whole() -> None:
    base = gr.load_policy(FIXTURES / "mini.yaml").spec
    child = gr.load_policy(FIXTURES / "extends" / "mini_child.yaml").spec
    assert child.name == base.name and child.version == "2.0"
    assert child.vocabulary.channels == ["mail"]  # a plain list is replaced
    assert list(child.vocabulary.concerns) == [*base.vocabulary.concerns, "billing"]  # a mapping merges
    ids = [a.id for a in child.actions]
    assert ids == [a.id for a in base.actions] + ["log_it"]  # merged by id, the new one appended
    visit = next(a for a in child.actions if a.id == "visit")
    base_visit = next(a for a in base.actions if a.id == "visit")
    assert visit.deadline is not None and visit.deadline.amount == 10
    assert visit.deadline.unit == base_visit.deadline.unit if base_visit.deadline else False  # merged
    assert visit.when is not None and visit.when.fact == "concerns" and visit.when.all is None  # replaced
    assert visit.title == base_visit.title and visit.citation == base_visit.citation


def test_the_example_state_variants_inherit_their_parent() -> None:
    root = Path(__file__).resolve().parent.parent / "examples" / "packs"
    for child in sorted(root.glob("*_state.yaml")):
        assert validate_file(child) == []


# ------------------------------------------------------------------ one fixture per failure mode

CASES = [
    (
        "roll_on_hours.yaml",
        "roll_on_hours.yaml:5:47: actions[0].deadline.roll: roll applies to deadlines counted in days",
    ),
    (
        "before_and_from.yaml",
        "before_and_from.yaml:5:71: actions[2].deadline.before: a deadline counts either forward from 'from' or back",
    ),
    ("before_in_months.yaml", "before_in_months.yaml:5:33: actions[2].deadline.unit: a count back from a scheduled"),
    ("before_with_roll.yaml", "before_with_roll.yaml:5:88: actions[3].deadline.roll: a count back does not roll"),
    (
        "undeclared_schedule.yaml",
        "undeclared_schedule.yaml:5:56: actions[2].deadline.before: before names undeclared schedule type "
        "'panel_meting' (did you mean 'panel_meeting'?)",
    ),
    (
        "years_without_leap_day.yaml",
        "years_without_leap_day.yaml:8:33: actions[4].deadline.unit: a deadline in years needs calendar.leap_day",
    ),
    (
        "keep_until_without_deadline.yaml",
        "keep_until_without_deadline.yaml:7:17: actions[7].keep_until: keep_until needs",
    ),
    (
        "unknown_holiday_name.yaml",
        "unknown_holiday_name.yaml:4:36: calendar.holidays.remove[0]: 'Columbus Dya' is not a holiday name of US "
        "(did you mean 'Columbus Day'?)",
    ),
    (
        "unknown_holiday_date.yaml",
        "unknown_holiday_date.yaml:4:36: calendar.holidays.remove[0]: 2024-11-12 is not a holiday",
    ),
    (
        "two_receipt_settings.yaml",
        "two_receipt_settings.yaml:4:24: calendar.after_hours_receipt: give either after_hours_receipt or",
    ),
    (
        "extension_unknown_action.yaml",
        "extension_unknown_action.yaml:5:15: extensions[0].extends[0]: extension names undeclared action 'resolution'",
    ),
    (
        "extension_unknown_event.yaml",
        "extension_unknown_event.yaml:5:12: extensions[0].event: extension event 'extension_requested' is not declared "
        "(did you mean 'extension_taken'?)",
    ),
    (
        "extends/missing_parent.yaml",
        "missing_parent.yaml:2:10: extends: extends names no pack or file 'no_such_pack.yaml'",
    ),
    (
        "extends/cycle_a.yaml",
        "cycle_b.yaml:1:10: extends: extends makes a cycle (cycle_a.yaml -> cycle_b.yaml -> cycle_a.yaml)",
    ),
    ("extends/not_text.yaml", "not_text.yaml:2:10: extends: extends takes a pack id or a path"),
    (
        "extends/unknown_key.yaml",
        "unknown_key.yaml:6:3: calendar.leapday: unknown key 'leapday' (did you mean 'leap_day'?)",
    ),
]


@pytest.mark.parametrize(("fixture", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_new_failure_mode_is_located(fixture: str, expected: str) -> None:
    problems = validate_file(INVALID / fixture)
    assert len(problems) == 1, [str(p) for p in problems]
    assert expected in str(problems[0]).replace(f" {problems[0].code}:", "")
    assert problems[0].code != "GR100"  # every new failure mode has its own code (docs/validation-codes.md)


def test_a_wrong_value_inherited_is_reported_in_the_parent_file_where_it_was_written() -> None:
    # the child narrows classification.values; the parent's rule giving 'quick' (mini.yaml line 33,
    # column 14) is where the now-wrong value stands
    (problem,) = validate_file(INVALID / "extends" / "parent_value.yaml")
    assert Path(problem.file).resolve() == (FIXTURES / "mini.yaml").resolve()
    assert (problem.line, problem.column) == (33, 14)
    assert problem.path == "classification.rules[0].value"
    assert "gives 'quick', which is not in 'values'; allowed: formal" in problem.message


def test_a_cycle_is_refused_whichever_file_is_loaded() -> None:
    with pytest.raises(gr.PolicyError) as err:
        gr.load_policy(INVALID / "extends" / "cycle_b.yaml")
    assert (
        "cycle_a.yaml:2:10: GR223: extends: extends makes a cycle (cycle_b.yaml -> cycle_a.yaml -> cycle_b.yaml)"
        in str(err.value)
    )


def test_the_hash_of_an_extending_pack_covers_its_parent(tmp_path: Path) -> None:
    import hashlib

    parent = tmp_path / "parent.yaml"
    parent.write_bytes((FIXTURES / "mini.yaml").read_bytes())
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nid: child\n", encoding="utf-8")
    first = gr.load_policy(child).loaded.sha256
    own = hashlib.sha256(child.read_bytes()).hexdigest()
    parent_hash = hashlib.sha256(parent.read_bytes()).hexdigest()
    assert first == hashlib.sha256(f"{own}\n{parent_hash}\n".encode("ascii")).hexdigest()
    parent.write_text(parent.read_text(encoding="utf-8").replace("Mini test plan", "Mini plan"), encoding="utf-8")
    assert gr.load_policy(child).loaded.sha256 != first  # a change in the parent changes the child's hash
    assert gr.load_policy(parent).loaded.sha256 == hashlib.sha256(parent.read_bytes()).hexdigest()


def test_an_extending_pack_pickles_without_its_files(tmp_path: Path) -> None:
    import pickle

    parent = tmp_path / "parent.yaml"
    parent.write_bytes((FIXTURES / "mini.yaml").read_bytes())
    child = tmp_path / "child.yaml"
    child.write_text("extends: parent.yaml\nid: child\nname: Child plan\n", encoding="utf-8")
    policy = gr.load_policy(child)
    data = pickle.dumps(policy)
    parent.unlink()
    child.unlink()
    again = pickle.loads(data)
    assert again.spec == policy.spec and again.spec.name == "Child plan"
    assert again.loaded.sha256 == policy.loaded.sha256
