"""The compiler: golden rulesets per pack, plain-words conditions, negation normal form."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.compiler import _and, _not, _or, _to_durable, compile_policy, describe
from grievance_rules.loader import load_spec
from grievance_rules.packs import is_pack_file
from grievance_rules.schema import Condition

GOLDEN = Path(__file__).resolve().parent / "golden"
BUNDLED_FILES = sorted(p for p in (ROOT / "policies").glob("*.yaml") if is_pack_file(p))
PACKS = {p.stem: p for p in BUNDLED_FILES} | {"mini": FIXTURES / "mini.yaml"}


@pytest.mark.parametrize("name", sorted(PACKS))
def test_compiled_ruleset_matches_golden_file(name: str) -> None:
    compiled = compile_policy(load_spec(PACKS[name]).spec)
    golden = GOLDEN / f"{name}.ruleset.json"
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(compiled.to_json(), encoding="utf-8")
    assert golden.exists(), f"no golden file; create it with UPDATE_GOLDEN=1 pytest {__file__}"
    assert compiled.to_json() == golden.read_text(encoding="utf-8"), (
        f"{name}'s compiled ruleset changed; review the diff and regenerate with UPDATE_GOLDEN=1"
    )


def test_compilation_is_deterministic() -> None:
    spec = load_spec(PACKS["mini"]).spec
    assert compile_policy(spec).to_json() == compile_policy(spec).to_json()


def test_ruleset_name_carries_id_version_and_content_hash() -> None:
    compiled = compile_policy(load_spec(PACKS["mini"]).spec)
    pack, version, digest = compiled.ruleset_name.split("-")
    assert (pack, version, len(digest)) == ("mini", "1.0", 12)


def test_every_rule_is_durable_data_with_a_string_action() -> None:
    compiled = compile_policy(load_spec(PACKS["mini"]).spec)
    for stage in compiled.stages:
        for name, rule in stage.definition.items():
            assert rule["run"] == name
            json.dumps(rule)
            assert "kind" in json.dumps(rule["all"][0]["m"])


def test_negation_is_pushed_down_to_comparisons() -> None:
    expr = _not(_and([("cmp", "a", "eq", 1), _or([("cmp", "b", "gte", 3), ("cmp", "c", "eq", True)])]))
    assert _to_durable(expr) == {"$or": [{"$neq": {"a": 1}}, {"$and": [{"$lt": {"b": 3}}, {"$neq": {"c": True}}]}]}
    assert "$not" not in json.dumps(_to_durable(expr))


def test_in_becomes_or_of_equalities(mini: gr.Policy) -> None:
    rules = {name: rule for stage in mini.compiled.stages for name, rule in stage.definition.items()}
    visit = json.dumps(rules["mini.visit"])
    assert '"$or": [{"level": "II"}, {"level": "III"}]' in visit


def test_describe_reads_like_words() -> None:
    cond = Condition.model_validate(
        {
            "all": [
                {"fact": "channel", "is": "phone"},
                {"any": [{"fact": "urgent", "is": True}, {"fact": "concerns", "any_of": ["a", "b"]}]},
            ]
        }
    )
    assert describe(cond) == "channel is phone and (urgent is true or concerns include any of a, b)"
    assert describe(None) == "always"


def test_choice_branches_decided_in_stages(mini: gr.Policy) -> None:
    names = [stage.name for stage in mini.compiled.stages]
    assert names == ["match0", "decide0", "rules"]
    decide = mini.compiled.stages[1]
    assert decide.emits["mini.level_ii"] == ("level", "II")
    # level II fires only when it matched and level III did not
    m = decide.definition["mini.level_ii"]["all"][0]["m"]
    assert {"matched__level_ii": True} in m["$and"] and {"matched__level_iii": False} in m["$and"]


def test_each_stage_reads_only_its_own_inputs(mini: gr.Policy) -> None:
    match, decide, final = mini.compiled.stages
    assert set(decide.inputs) == {"matched__quick_phone", "matched__level_iii", "matched__level_ii"}
    assert "classification" in final.inputs and "level" in final.inputs
    assert "channel" in match.inputs and "classification" not in match.inputs


def test_stage_memo_does_not_change_answers(mini: gr.Policy) -> None:
    from grievance_rules.facts import parse_grievance, prepare

    record = {"id": "A", "received_at": "2024-11-22T10:00:00-06:00", "channel": "phone", "concerns": ["unsafe"]}
    prepared = prepare(parse_grievance(record), mini.spec, mini.calendar, None)
    props = mini.properties(prepared, None)
    assert mini.engine.fire(props) == mini.engine.fire_uncached(props) == mini.engine.fire(props)
    assert "mini.level_ii" in mini.engine.fire(props)
