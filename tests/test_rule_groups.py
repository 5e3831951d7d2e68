"""The columnar path asks durable-rules per rule group (rules reading the same properties), each
group shown only its own properties. These tests hold that to the whole-stage answer."""

from __future__ import annotations

import random
from typing import Any

import pytest

import grievance_rules as gr
from grievance_rules.compiler import Stage
from grievance_rules.engine import RulesEngine

np = pytest.importorskip("numpy")
pytest.importorskip("pyarrow")


def _values(policy: gr.Policy, prop: str, rng: random.Random) -> Any:
    """A random value for a text or count property: the names rules test, and one they do not."""
    named = sorted(policy.engine._named.get(prop, ()), key=str)
    if named:
        return rng.choice([*named, "some text no rule names"])
    return rng.choice([True, False, 0, 1, 2, 3])


def _pipeline_by_groups(engine: RulesEngine, properties: dict[str, Any]) -> frozenset[str]:
    """The fired set, asking each rule group on its own properties and applying each stage's emits."""
    fact = dict(properties)
    fired: set[str] = set()
    for s, (stage, groups) in enumerate(zip(engine.stages, engine.rule_groups(), strict=True)):
        now: set[str] = set()
        for g, (inputs, _rules) in enumerate(groups):
            now.update(engine.fire_group(s, g, [fact.get(p) for p in inputs]))
        fired |= now
        fact.update(stage.defaults)
        for rule in now:
            if rule in stage.emits:
                prop, value = stage.emits[rule]
                fact[prop] = value
    return frozenset(fired)


@pytest.mark.parametrize("pack", ["ctdhp", "liberty", "luxor", "liberty-utilization"])
def test_rule_groups_fire_as_the_whole_pipeline(pack: str) -> None:
    policy = gr.load_policy(pack)
    engine = policy.engine
    rng = random.Random(15)
    props = list(policy.compiled.properties)
    checked = 0
    for _ in range(300):
        properties = {}
        for prop in props:
            _fact, tag = policy.compiled.properties[prop]
            if (
                tag is not None
                or prop.startswith(("present__", "matched__"))
                or prop
                in (
                    "resolved",
                    "has_incident_date",
                    "channel_accepted",
                    "urgent",
                    "wants_formal_grievance",
                )
            ):
                properties[prop] = rng.choice([True, False])
            elif prop.startswith("timers__"):
                properties[prop] = rng.choice(["open", "met", "missed"])
            elif prop == "filing":
                properties[prop] = rng.choice(["timely", "late", "unknown"])
            else:
                properties[prop] = _values(policy, prop, rng)
        whole = engine.fire_uncached(properties)
        assert _pipeline_by_groups(engine, properties) == whole, properties
        checked += 1
    assert checked == 300
    # every rule of every stage is in exactly one group
    for stage, groups in zip(engine.stages, engine.rule_groups(), strict=True):
        names = [r for _inputs, rules in groups for r in rules]
        assert sorted(names) == sorted(stage.definition) and len(names) == len(set(names))


def test_a_group_is_shown_only_what_its_rules_read() -> None:
    policy = gr.load_policy("luxor")
    for groups in policy.engine.rule_groups():
        for inputs, rules in groups:
            for rule in rules:
                stage = next(st for st in policy.engine.stages if rule in st.definition)
                text = repr(stage.definition[rule]["all"])
                assert all(f"'{p}'" in text for p in inputs)


def test_two_rules_setting_one_property_are_asked_whole() -> None:
    """Where two rules of a stage set one property to different values on a row, the firing order
    would decide it: the columnar path asks that row's whole pipeline instead."""
    from grievance_rules.table import _fire_groups

    match = Stage(
        name="decide",
        definition={
            "t.a": {"all": [{"m": {"$and": [{"kind": "grievance"}, {"x": True}]}}], "run": "t.a"},
            "t.b": {"all": [{"m": {"$and": [{"kind": "grievance"}, {"y": True}]}}], "run": "t.b"},
        },
        emits={"t.a": ("choice", "A"), "t.b": ("choice", "B")},
        defaults={"choice": "none"},
    )
    rules = Stage(
        name="rules",
        definition={
            "t.seen_a": {"all": [{"m": {"$and": [{"kind": "grievance"}, {"choice": "A"}]}}], "run": "t.seen_a"},
            "t.seen_b": {"all": [{"m": {"$and": [{"kind": "grievance"}, {"choice": "B"}]}}], "run": "t.seen_b"},
        },
        emits={},
        defaults={},
    )
    engine = RulesEngine("clash-test", [match, rules])

    class Version:
        pass

    version: Any = Version()
    version.engine = engine
    x = np.array([1, 0, 1, 0])
    y = np.array([0, 1, 1, 0])
    codes = {"x": (x, [False, True]), "y": (y, [False, True])}
    fired, asked = _fire_groups(np, version, codes, 4)
    # x: 2 values, y: 2 values, and the rules stage (one group reading "choice"): none, A, B
    assert asked == 2 + 2 + 3
    for i in range(4):
        whole = engine.fire({"x": bool(x[i]), "y": bool(y[i])})
        assert {name for name, hit in fired.items() if hit[i]} == set(whole), i
    # the clashing row saw exactly one of the two values downstream, as the whole pipeline did
    assert int(fired["t.seen_a"][2]) + int(fired["t.seen_b"][2]) == 1


def test_a_stage_with_a_join_stays_one_group() -> None:
    """Grouping relies on every rule matching one fact; a stage with any other rule is not split."""
    from grievance_rules.engine import _rule_groups

    single = {"all": [{"m": {"$and": [{"kind": "grievance"}, {"x": True}]}}], "run": "a"}
    join = {"all": [{"c1": {"y": True}}, {"c2": {"z": True}}], "run": "b"}
    assert [inputs for inputs, _body in _rule_groups({"a": single})] == [("x",)]
    assert _rule_groups({"a": single, "b": join}) == [(("x", "y", "z"), {"a": single, "b": join})]
