"""Issue 11 format additions: declared facts, flags, delegation direction with pack handlers,
and the 'only' tag-set operator — each failure mode located, each behaviour worked by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.loader import load_spec, load_spec_text
from grievance_rules.registry import build_catalogue, fact_registry
from grievance_rules.schema import PolicySpec

DECLARED = FIXTURES / "declared.yaml"
INVALID = FIXTURES / "invalid"


@pytest.fixture(scope="module")
def policy() -> gr.Policy:
    return gr.Policy(load_spec(DECLARED))


def facts(**declared: Any) -> dict[str, Any]:
    """A grievance received Tuesday 28 May 2024 10:00 CDT (the day after Memorial Day)."""
    given: dict[str, Any] = {"priority": "routine"}
    given.update(declared)
    return {"id": "G-1", "received_at": "2024-05-28T10:00:00-05:00", "channel": "mail", "facts": given}


# --------------------------------------------------------------------------- located load errors

# (fixture, line, column, dotted path, words the message must hold)
BROKEN = [
    ("fact_enum_without_values", 11, 20, "facts.priority.type", "an enum fact declares what it allows under 'values'"),
    ("fact_values_on_boolean", 11, 66, "facts.urgent_care.values", "only an enum fact has 'values'"),
    ("fact_tags_without_vocabulary", 11, 20, "facts.services.type", "under 'vocabulary'"),
    ("fact_bad_default", 11, 68, "facts.days_waiting.default", "allowed: a whole number"),
    ("fact_unknown_type", 11, 21, "facts.emergency.type", "'boolean'"),
    ("fact_bad_date_operand", 16, 44, "classification.rules[0].when.lt", "is an ISO date, e.g. 2024-11-22"),
    ("fact_undeclared_enum_value", 16, 40, "classification.rules[0].when.is", "allowed: routine, expedited"),
    ("fact_undeclared", 16, 20, "classification.rules[0].when.fact", "did you mean 'facts.emergency_care'"),
    ("flag_tested_by_choice", 14, 13, "classification.rules[0].when", "'flags.exhausted' is decided after the choices"),
    ("only_on_enum", 14, 35, "classification.rules[0].when.only", "operator 'only' does not apply"),
    ("only_undeclared_tag", 14, 37, "classification.rules[0].when.only[0]", "did you mean 'rude'"),
    ("handled_by_undeclared", 19, 18, "handled_by.values[1]", "declared under vocabulary.handlers: plan, health_plan"),
    ("delegation_to_without_by_plan", 21, 46, "delegation.rows[0].to", "needs 'direction: by_plan'"),
    ("delegation_by_plan_without_to", 22, 7, "delegation.rows[0]", "names the handler it delegates to under 'to'"),
    ("delegation_undeclared_handler", 23, 46, "delegation.rows[0].to", "did you mean 'dental_vendor'"),
]


@pytest.mark.parametrize(("name", "line", "column", "path", "words"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_broken_fixture_gives_one_located_problem(
    name: str, line: int, column: int, path: str, words: str
) -> None:
    file = INVALID / f"{name}.yaml"
    with pytest.raises(gr.PolicyError) as info:
        gr.Policy(load_spec(file))
    problems = info.value.problems
    assert [(p.line, p.column, p.path) for p in problems] == [(line, column, path)]
    assert words in problems[0].message
    assert str(info.value).splitlines()[-1].startswith(f"{file}:{line}:{column}:")


def test_the_declared_fixture_loads_and_its_facts_are_registry_entries(policy: gr.Policy) -> None:
    catalogue = build_catalogue(policy.spec.declared())
    kinds = {name: catalogue[f"facts.{name}"].kind for name in policy.spec.facts}
    assert kinds == {
        "emergency_care": "bool",
        "drug_received": "bool",
        "days_waiting": "int",
        "amount_billed": "number",
        "product": "str",
        "service_date": "date",
        "panel_at": "datetime",
        "priority": "enum",
        "services": "tags",
    }
    registry = fact_registry(policy.spec.declared())
    # one entry per fact gives both the type (load) and the reader (evaluation)
    assert registry["facts.priority"].type.values == ("routine", "expedited")
    assert registry["facts.priority"].read is not None
    assert registry["flags.deemed_exhausted"].read is None  # decided by the rules, not read


def test_the_load_time_catalogue_and_the_getters_come_from_one_registry() -> None:
    """Every fact the type check accepts has a reader unless the rules decide it (choices, flags)."""
    for pack in gr.available_policies():
        spec: PolicySpec = gr.load_policy(pack).spec
        registry = fact_registry(spec.declared())
        assert build_catalogue(spec.declared()) == {n: f.type for n, f in registry.items()}
        decided = set(spec.choices()) | {f"flags.{f.id}" for f in spec.flags}
        assert {n for n, f in registry.items() if f.read is None} == decided


# --------------------------------------------------------------------------- declared facts at evaluation


def test_each_declared_type_is_read_and_tested(policy: gr.Policy) -> None:
    det = policy.evaluate(
        facts(
            days_waiting=30,  # gte 30 holds at 30
            amount_billed=1000,  # an integer is a number: 1000.0 > 999.99
            product="premium",
            service_date="2023-12-31",  # lt 2024-01-01
            panel_at="2024-06-03T09:00:00",  # no offset: Chicago wall time, CDT -05:00 → equal to the limit
            priority="expedited",
            services=["crown"],
        )
    )
    assert set(det.warnings) >= {
        "waited 30 days or more",
        "billed more than 999.99",
        "premium product",
        "service before 2024",
        "the panel meets by 3 June 2024 09:00 CDT",
        "expedited priority",
        "only a crown is at issue",
    }
    values = {k: v for e in det.trace for k, v in e.values.items() if k.startswith("facts.")}
    assert values["facts.service_date"] == "2023-12-31"
    assert values["facts.panel_at"] == "2024-06-03T09:00:00-05:00"
    assert values["facts.amount_billed"] == 1000.0
    assert values["facts.services"] == ("crown",)


def test_declared_facts_just_outside_each_limit_do_not_hold(policy: gr.Policy) -> None:
    det = policy.evaluate(
        facts(
            days_waiting=29,
            amount_billed=999.99,
            product="standard",
            service_date="2024-01-01",
            panel_at="2024-06-03T09:00:01-05:00",
            services=["crown", "filling"],  # not only a crown
        )
    )
    assert [w for w in det.warnings if w != "group not in the matrix"] == []


def test_defaults_apply_when_the_input_omits_a_declared_fact(policy: gr.Policy) -> None:
    det = policy.evaluate(facts())  # only the required enum 'priority' is given
    # drug_received defaults to true, so the emergency flag is false even with emergency_care true
    assert det.flags == {"deemed_exhausted": False, "emergency": False}
    values = {k: v for e in det.trace for k, v in e.values.items()}
    assert values["facts.emergency_care"] is False  # a boolean without default is false
    assert values["facts.drug_received"] is True
    assert values["facts.days_waiting"] == 0


@pytest.mark.parametrize(
    ("given", "field", "allowed"),
    [
        ({"emergency_care": "SECRET-yes"}, "facts.emergency_care", "true or false"),
        ({"days_waiting": 2.5}, "facts.days_waiting", "a whole number"),
        ({"days_waiting": True}, "facts.days_waiting", "a whole number"),
        ({"amount_billed": "SECRET-12"}, "facts.amount_billed", "a number"),
        ({"product": 7}, "facts.product", "text"),
        ({"service_date": "SECRET-31/12/2023"}, "facts.service_date", "an ISO date, e.g. 2024-11-22"),
        ({"panel_at": "2024-06-03"}, "facts.panel_at", "an ISO 8601 date-time"),
        ({"priority": "SECRET-urgent"}, "facts.priority", "one of: routine, expedited"),
        ({"services": ["SECRET-implant"]}, "facts.services", "a list of tags from: crown, filling, cleaning"),
        ({"services": "crown"}, "facts.services", "a list of tags from"),
    ],
)
def test_a_bad_declared_fact_is_a_facts_error_naming_the_field(
    policy: gr.Policy, given: dict[str, Any], field: str, allowed: str
) -> None:
    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(facts(**given))
    assert info.value.field == field
    assert info.value.allowed.startswith(allowed)
    assert "SECRET" not in str(info.value)  # the value given is never echoed


def test_a_required_declared_fact_and_an_unknown_one(policy: gr.Policy) -> None:
    record = facts(emergncy_care=True)
    del record["facts"]["priority"]
    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(record)
    found = {f: m for f, m, _ in info.value.problems}
    assert "did you mean 'emergency_care'" in found["facts.emergncy_care"]
    assert found["facts.priority"].startswith("is required; allowed: one of: routine, expedited")


def test_a_text_fact_the_pack_does_not_name_is_not_shown_in_the_trace(policy: gr.Policy) -> None:
    det = policy.evaluate(facts(product="Jane Doe's plan"))
    values = {k: v for e in det.trace for k, v in e.values.items()}
    assert values["facts.product"] == "(a value the pack does not name)"


def test_declared_facts_in_evaluate_many_collect_errors(policy: gr.Policy) -> None:
    out = list(policy.evaluate_many([facts(), facts(days_waiting="x")], errors="collect"))
    assert isinstance(out[0], gr.Determination)
    assert isinstance(out[1], gr.FactsError) and out[1].field == "facts.days_waiting"


# --------------------------------------------------------------------------- flags


def test_flag_follows_a_missed_timer(policy: gr.Policy) -> None:
    # 5 business days from receipt Tue 28 May 2024 (day 0): Wed 29, Thu 30, Fri 31, Mon 3 Jun,
    # Tue 4 Jun → due Tue 4 June 2024 23:59:59 CDT; missed once as_of passes it without the notice.
    before = policy.evaluate(facts(), as_of="2024-06-04T23:59:59-05:00")
    after = policy.evaluate(facts(), as_of="2024-06-05T00:00:00-05:00")
    assert before.flags["deemed_exhausted"] is False
    assert after.flags["deemed_exhausted"] is True
    assert "internal appeals are deemed exhausted" in after.warnings
    entry = next(e for e in after.trace if e.rule == "declared.deemed_exhausted")
    assert entry.fired and entry.because == "timers.notice_on_time is missed"
    assert entry.values["timers.notice_on_time.due_at"] == "2024-06-04T23:59:59-05:00"


def test_flag_is_false_when_the_notice_went_out_in_time(policy: gr.Policy) -> None:
    record = facts()
    record["events"] = [{"type": "notice_sent", "at": "2024-06-04T16:00:00-05:00"}]
    det = policy.evaluate(record, as_of="2024-06-10T12:00:00-05:00")
    assert det.flags["deemed_exhausted"] is False


def test_flag_drives_an_action_and_is_in_the_json(policy: gr.Policy) -> None:
    det = policy.evaluate(facts(emergency_care=True, drug_received=False))
    assert det.flags == {"deemed_exhausted": False, "emergency": True}
    (action,) = det.actions
    # 24 hours after receipt Tue 28 May 2024 10:00 CDT
    assert action.code == "expedite" and action.due_at == dt.datetime.fromisoformat("2024-05-29T10:00:00-05:00")
    assert det.model_dump(mode="json")["flags"] == {"deemed_exhausted": False, "emergency": True}


def test_a_pack_without_flags_reports_an_empty_mapping() -> None:
    det = gr.load_policy("luxor").evaluate({"id": "G", "received_at": "2024-05-28T10:00:00-05:00", "channel": "mail"})
    assert det.flags == {}


# --------------------------------------------------------------------------- delegation direction


@pytest.mark.parametrize(
    ("group", "handled_by"),
    [("Smile Co", "dental_vendor"), ("own staff", "plan"), ("Elsewhere", "plan")],
)
def test_by_plan_matrix_hands_delegated_groups_to_their_handler(policy: gr.Policy, group: str, handled_by: str) -> None:
    record = facts()
    record["group"] = group
    det = policy.evaluate(record)
    assert det.handled_by == handled_by
    values = {k: v for e in det.trace for k, v in e.values.items()}
    assert values["delegation.handler"] == handled_by
    assert ("group not in the matrix" in det.warnings) == (group == "Elsewhere")


@pytest.mark.parametrize(("group", "handler"), [("Smile Co", "plan"), ("Own Staff", "health_plan")])
def test_to_plan_matrix_reads_delegated_as_handled_by_the_plan(group: str, handler: str) -> None:
    text = DECLARED.read_text(encoding="utf-8")
    text = text.replace("  direction: by_plan\n", "  direction: to_plan\n").replace(" to: dental_vendor,", "")
    text = text.replace("values: [plan, dental_vendor]", "values: [plan, health_plan]")
    text = text.replace("is: dental_vendor}\n      value: dental_vendor", "is: health_plan}\n      value: health_plan")
    policy = gr.Policy(load_spec_text(text, "declared.yaml"))
    record = facts()
    record["group"] = group
    det = policy.evaluate(record)
    assert det.handled_by == handler
    values = {k: v for e in det.trace for k, v in e.values.items()}
    assert values["delegation.handler"] == handler


# --------------------------------------------------------------------------- the 'only' operator


@pytest.mark.parametrize(
    ("concerns", "classification"),
    [
        (["misinformation"], "quick"),  # any_of holds, and every tag is misinformation
        (["misinformation", "billing"], "formal"),  # billing is outside 'only'
        ([], "formal"),  # 'only' holds for no tags, but any_of does not
        (["billing"], "formal"),
    ],
)
def test_only_means_every_tag_is_one_of_these(policy: gr.Policy, concerns: list[str], classification: str) -> None:
    record = facts()
    record["concerns"] = concerns
    assert policy.evaluate(record).classification == classification


def test_luxor_misinformation_rule_is_not_changed_by_a_new_concern_tag() -> None:
    """Before the fix the rule listed the other tags under none_of: a grievance with a concern
    tag added later (here 'parking') and misinformation was 'not a complaint'."""
    text = (ROOT / "policies" / "luxor.yaml").read_text(encoding="utf-8")
    tag = "    misinformation: A misunderstanding or problem of misinformation\n"
    assert tag in text
    grown = text.replace(tag, tag + "    parking: Parking at the office\n")
    policy = gr.Policy(load_spec_text(grown, "luxor.yaml"))
    # received Tue 28 May 2024 10:00, resolved the same afternoon: the timer
    # resolved_by_next_business_day (close of Wed 29 May) is met
    base = {
        "id": "G",
        "received_at": "2024-05-28T10:00:00-05:00",
        "channel": "mail",
        "resolved_at": "2024-05-28T15:00:00-05:00",
    }
    assert policy.evaluate({**base, "concerns": ["misinformation"]}).classification == "not_a_complaint"
    assert policy.evaluate({**base, "concerns": ["misinformation", "parking"]}).classification == "formal"


def test_explain_checks_declared_numbers_and_moments(policy: gr.Policy) -> None:
    record = facts(amount_billed=1000, service_date="2023-12-31", panel_at="2024-06-03T10:00:00-04:00")
    account = gr.explain(policy, record)
    accounts = [*account.decisions, *account.warnings, *account.not_fired, *(a.rule for a in account.actions)]
    checks = {c.fact: c.holds for r in accounts for c in r.checks}
    assert checks["facts.amount_billed"] is True  # 1000.0 > 999.99
    assert checks["facts.service_date"] is True  # 2023-12-31 < 2024-01-01
    # 10:00 EDT is 09:00 CDT: equal to the limit, so 'lte' holds (a string comparison would say no)
    assert checks["facts.panel_at"] is True


def test_explain_text_lists_the_flags(policy: gr.Policy) -> None:
    text = gr.render_explanation(gr.explain(policy, facts(emergency_care=True, drug_received=False)))
    assert "- flag deemed_exhausted: false" in text
    assert "- flag emergency: true" in text


# --------------------------------------------------------------------------- shape


def test_review_page_shows_declared_facts_flags_handlers_and_direction(policy: gr.Policy) -> None:
    from grievance_rules.docs import render_policy

    page = render_policy(policy.spec)
    assert "## Facts the pack adds" in page
    assert "| `facts.priority` | enum | one of: routine, expedited | (required) | Triage priority |" in page
    assert "| `facts.emergency_care` | boolean | true or false | false |" in page
    assert "## Flags" in page and "- **True when:** timers.notice_on_time is missed" in page
    assert "### Handlers (besides plan and health_plan)" in page
    assert "| Smile Co | yes | yes | - | plan | dental_vendor |" in page
    assert "concerns include only misinformation" in page


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [("receipt", "receipt", ""), ("event:acknowledged", "event", "acknowledged"), ("action:visit", "action", "visit")],
)
def test_an_anchor_is_parsed_once_into_a_typed_value(text: str, kind: str, name: str) -> None:
    from grievance_rules.schema import AnchorRef

    ref = AnchorRef.parse(text)
    assert (ref.kind, ref.name, str(ref)) == (kind, name, text)


@pytest.mark.parametrize("text", ["event:", "Event:x", "receipt:x", "action:Visit", ""])
def test_a_malformed_anchor_is_refused(text: str) -> None:
    from grievance_rules.schema import AnchorRef

    with pytest.raises(ValueError):
        AnchorRef.parse(text)


def test_the_channel_list_is_written_once() -> None:
    """Every module names channels through registry.Channel; no other copy of the list exists."""
    listing = '"phone", "mail", "fax", "email", "online", "in_person"'
    holders = [p.name for p in (ROOT / "grievance_rules").glob("*.py") if listing in p.read_text(encoding="utf-8")]
    assert holders == ["registry.py"]


def test_anchor_text_is_split_only_by_anchor_ref() -> None:
    """No module but the schema's AnchorRef splits 'event:x' / 'action:y' itself."""
    offenders = [
        p.name
        for p in (ROOT / "grievance_rules").glob("*.py")
        if p.name != "schema.py"
        and any(s in p.read_text(encoding="utf-8") for s in ('partition(":")', 'startswith("action:")', '"event:"'))
    ]
    assert offenders == []


def test_declared_facts_keep_the_facts_limits(policy: gr.Policy) -> None:
    from grievance_rules.facts import MAX_NAME_CHARS

    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(facts(product="x" * (MAX_NAME_CHARS + 1)))
    assert info.value.field == "facts.product"
    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(facts(service_date="0001-01-01"))  # outside the span the calendar serves
    assert info.value.field == "facts.service_date" and "outside the dates" in str(info.value)
    record = facts()
    record["facts"]["Jane Doe"] = 1  # a key that may be personal data is never named back
    with pytest.raises(gr.FactsError) as info:
        policy.evaluate(record)
    assert info.value.field == "facts.<field name withheld>" and "Jane" not in str(info.value)
