"""The stable codes of policy problems: one registry, from which docs/validation-codes.md is written.

Every :class:`~grievance_rules.errors.Problem` carries a code (``GR101``...) so a tool or a reviewer
can filter, count or look up problems without parsing their message, which may be reworded. A code
never changes meaning once released; a new kind of problem gets a new code.

Ranges: ``GR0xx`` the file and its YAML; ``GR1xx`` the shape of the pack (keys, types, allowed
values); ``GR2xx`` references between parts of the pack; ``GR3xx`` the calendar; ``GR4xx`` the rules
engine's limits; ``GR5xx`` warnings (the pack loads, but something in it is probably a mistake);
``GR6xx`` a pack's own test cases file.

Run ``python -m grievance_rules.codes > docs/validation-codes.md`` after adding a code.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from grievance_rules.errors import Severity

__all__ = ["CODES", "Code", "code_for_error_type", "render_codes"]


@dataclass(frozen=True)
class Code:
    """One problem code: what it means, an example of pack text that gets it, and the fix."""

    code: str
    severity: Severity
    title: str
    meaning: str
    example: str
    fix: str


_ALL: tuple[Code, ...] = (
    # ---- the file and its YAML
    Code(
        "GR001",
        "error",
        "unreadable file",
        "The file cannot be read (missing, a directory, no permission, not UTF-8 text), or an installed "
        "pack's entry point fails to give its YAML.",
        "a Latin-1 encoded file",
        "Check the path; save the file as UTF-8.",
    ),
    Code(
        "GR002",
        "error",
        "file too large",
        "The file is larger than 1 MiB.",
        "a 2 MB pack",
        "Split the pack or remove what it does not need.",
    ),
    Code(
        "GR003",
        "error",
        "empty file",
        "The file holds no YAML document.",
        "an empty file",
        "Write the pack: id, name, version, effective_date, source, calendar, vocabulary, classification.",
    ),
    Code(
        "GR004",
        "error",
        "not a mapping",
        "The document is not a mapping of keys.",
        "- id: x",
        "Write the pack as keys at the top level (id:, name:, ...).",
    ),
    Code(
        "GR010",
        "error",
        "YAML syntax",
        "The text is not valid YAML; the message says what to do for the common "
        "slips (an unquoted colon, a tab, an unclosed quote, indentation that does not line up).",
        "title: Note: call back",
        'Follow the advice in the message, e.g. quote the text: title: "Note: call back".',
    ),
    Code(
        "GR011",
        "error",
        "non-printable character",
        "The text holds a control character YAML does not allow.",
        "a form feed pasted from a PDF",
        "Remove the character.",
    ),
    Code(
        "GR012",
        "error",
        "YAML tag",
        "A YAML tag (!!python/object, !!binary, !custom...) or a value its tag cannot read; a pack is plain data.",
        "deadline: !!python/object {}",
        "Remove the tag.",
    ),
    Code(
        "GR013",
        "error",
        "beyond the pack limits",
        "Too many nodes, too deep, an alias repeating too much or "
        "containing itself, or a number too long (docs/policy-format.md, Limits).",
        "an alias bomb",
        "Write the values out; split the pack.",
    ),
    Code(
        "GR014",
        "error",
        "duplicate key",
        "A key is written twice in one mapping; YAML would silently keep the last.",
        "title: A\ntitle: B",
        "Keep one.",
    ),
    # ---- shape
    Code(
        "GR100",
        "error",
        "invalid value",
        "A value the format does not accept (a problem without a more specific code).",
        "",
        "Follow the message.",
    ),
    Code(
        "GR101",
        "error",
        "unknown key",
        "A key the format does not have at this place (often a typo); the "
        "message suggests the nearest allowed key and lists them.",
        "deadlin: {amount: 5, unit: business_days}",
        "Correct the spelling (deadline:) or remove the key.",
    ),
    Code("GR102", "error", "missing key", "A required key is absent.", "an action without code:", "Add the key."),
    Code(
        "GR103",
        "error",
        "wrong type",
        "A value of the wrong kind: text where a number is needed, a single value where a list is needed, and so on.",
        "amount: five",
        "Write the kind the message names (amount: 5).",
    ),
    Code(
        "GR104",
        "error",
        "not an allowed value",
        "A value outside a fixed list of choices; the message suggests the nearest one.",
        "unit: working_days",
        "Use one of the listed values (unit: business_days).",
    ),
    Code(
        "GR105",
        "error",
        "wrong form",
        "Text that does not have the required form (a time of day, a "
        "lower-case name, an anchor...); the message says the form in words.",
        "close_of_business: 5pm",
        'Write it in the form named, e.g. close_of_business: "17:00".',
    ),
    Code(
        "GR106",
        "error",
        "out of range",
        "A number or a list length outside what is allowed.",
        "count: 1 (a pattern needs 2 or more)",
        "Use a value within the range the message gives.",
    ),
    Code(
        "GR107",
        "error",
        "invalid date",
        "Not a calendar date written as YYYY-MM-DD.",
        "effective_date: 2024-02-30",
        "Write a real date, e.g. 2024-02-29.",
    ),
    Code(
        "GR108",
        "error",
        "condition shape",
        "A condition mixes all/any/none with a fact test, has no operator or several operators.",
        "{fact: channel, is: phone, in: [mail]}",
        "One fact and one operator per test; combine tests under all:/any:/none:.",
    ),
    Code(
        "GR109",
        "error",
        "amount and unit",
        "A deadline's amount does not fit its unit: missing, not taken, or beyond what a deadline may be.",
        "{unit: immediately, amount: 1}",
        "Add or remove the amount, or use a smaller one.",
    ),
    Code(
        "GR110",
        "error",
        "declared fact",
        "A fact the pack declares (facts:) is written wrong: a setting its type does not take, one it needs "
        "missing, or a default that does not fit its type.",
        "facts: {emergency: {type: boolean, values: [yes, no]}}",
        "Give the settings the message names for that type.",
    ),
    Code(
        "GR111",
        "error",
        "deadline form",
        "A deadline combines settings that do not go together: from and before, a count back in a unit that "
        "cannot count back, roll on a unit that is not counted in days, a keep_until without a deadline.",
        "{amount: 5, unit: business_days, from: receipt, before: schedule:panel}",
        "Keep the settings the message allows.",
    ),
    # ---- references
    Code(
        "GR201",
        "error",
        "unknown fact",
        "A condition tests a fact rules cannot test (not built in and not declared by the pack).",
        "{fact: chanel, is: phone}",
        "Use one of the listed facts (channel).",
    ),
    Code(
        "GR202",
        "error",
        "operator does not apply",
        "The operator does not apply to the fact's type (any_of on a value, gte on a flag...).",
        "{fact: urgent, any_of: [x]}",
        "Use an operator the message lists.",
    ),
    Code(
        "GR203",
        "error",
        "value not declared",
        "A condition compares a fact with a value it cannot have: an "
        "undeclared tag, type or choice value, or a value of the wrong type.",
        "{fact: concerns, any_of: [unsfe]}",
        "Use a declared value (unsafe), or declare it under vocabulary.",
    ),
    Code(
        "GR204",
        "error",
        "choice value not declared",
        "A choice rule or default gives a value that is not in the choice's values.",
        "value: formel",
        "Use one of values:, or add it there.",
    ),
    Code(
        "GR205",
        "error",
        "unknown anchor",
        "A deadline counts from an event or action the pack does not declare.",
        "from: event:acknowleged",
        "Name a declared event or action.",
    ),
    Code(
        "GR206",
        "error",
        "unknown role",
        "responsible: names a role not declared under vocabulary.roles.",
        "responsible: qa_team",
        "Declare the role or use a declared one.",
    ),
    Code(
        "GR207",
        "error",
        "unknown event",
        "done_by: or a timer names an event type not declared under vocabulary.events.",
        "done_by: [acknowleged]",
        "Use a declared event type (or resolved).",
    ),
    Code(
        "GR208",
        "error",
        "duplicate rule id",
        "Two rules share an id; ids name rules in determinations.",
        "two actions with id: acknowledge",
        "Rename one.",
    ),
    Code(
        "GR209",
        "error",
        "timer anchor",
        "A timer counts from an action; timers run from receipt or an event.",
        "within: {amount: 1, unit: hours, from: action:call}",
        "Count from receipt or event:<type>.",
    ),
    Code(
        "GR210",
        "error",
        "deadline cycle",
        "Deadlines are anchored on each other in a cycle, so none can be worked out.",
        "a from: action:b and b from: action:a",
        "Anchor one of them on receipt or an event.",
    ),
    Code(
        "GR211",
        "error",
        "no classification default",
        "classification has no default; every grievance needs a classification.",
        "classification: {values: [formal]}",
        "Add default: {id, value, citation}.",
    ),
    Code(
        "GR212",
        "error",
        "choice cycle",
        "Choices test each other in a cycle.",
        "level tests classification and classification tests level",
        "Make one choice independent of the other.",
    ),
    Code(
        "GR213",
        "error",
        "handled_by value",
        "handled_by takes only the values the format knows.",
        "handled_by: {values: [vendor]}",
        "Use plan and health_plan.",
    ),
    Code(
        "GR214",
        "error",
        "recorded_only not declared",
        "vocabulary.recorded_only names something the vocabulary does not declare.",
        "recorded_only: [asigned]",
        "Name a declared tag, type, event, assistance need or role.",
    ),
    Code(
        "GR215",
        "error",
        "report definition",
        "A report (reports:) is inconsistent with the pack: a name used "
        "twice, a dimension with no declared values, an action code no action has, printed rates without the "
        "rate measure.",
        "timeliness: [acknowledgment] when the action code is acknowledge",
        "Follow the message: use a declared code or value, rename, or turn the measure on.",
    ),
    Code(
        "GR216",
        "error",
        "unreadable period",
        "A period is not written as the format reads periods.",
        "period: Q4-2014",
        "Write it like 2014Q4 (docs/policy-format.md, reports).",
    ),
    Code(
        "GR217",
        "error",
        "version declared twice",
        "Two files of one pack declare the same version.",
        "my_plan.yaml and my_plan@2024.1.yaml both with version: 2024.1",
        "Give each file its own version.",
    ),
    Code(
        "GR218",
        "error",
        "effective ranges",
        "The effective ranges of a pack's versions overlap or leave a gap.",
        "2024.1 until 2024-12-31 and 2025.1 from 2025-01-05",
        "End one version the day before the next starts (the message gives the date).",
    ),
    Code(
        "GR219",
        "error",
        "effective range written wrong",
        "effective.until is before effective.from, or the pack gives both effective_date (the old spelling) "
        "and effective.",
        "effective: {from: 2025-01-01, until: 2024-12-31}",
        "Make the range run forward; keep only effective.",
    ),
    Code(
        "GR220",
        "error",
        "flag order",
        "A choice or an earlier flag tests a flag decided after it; only actions, warnings and later flags may "
        "test a flag.",
        "classification rule testing flags.deemed_exhausted",
        "Test the flag's own condition instead, or move the test to an action or warning.",
    ),
    Code(
        "GR221",
        "error",
        "delegation handler",
        "A delegation row names who it delegates to where the matrix's direction does not take it, leaves it "
        "out where it must be given, or names a handler not declared under vocabulary.handlers.",
        "to: dental_vendr",
        "Follow the message: set direction, add or remove 'to', or declare the handler.",
    ),
    Code(
        "GR222",
        "error",
        "extension names an unknown action",
        "An extension extends (or requires as its notice) an action the pack does not declare.",
        "extends_actions: [resolv]",
        "Name a declared action id.",
    ),
    Code(
        "GR223",
        "error",
        "extends",
        "extends: names no pack or file, is not text, makes a cycle, or the pack it names is not a mapping.",
        "extends: no_such_pack.yaml",
        "Name an available pack id or a path relative to this file; break the cycle.",
    ),
    Code(
        "GR224",
        "error",
        "subject field",
        "A subject pack's field or computed fact names a fact that is not declared with the type it needs, or "
        "takes the name of a declared fact.",
        "numerator: referals (not a declared integer fact)",
        "Name a declared fact of the type the message gives, or rename the computed fact.",
    ),
    # ---- calendar
    Code(
        "GR301",
        "error",
        "unknown timezone",
        "Not UTC or an IANA Area/City timezone name.",
        "timezone: America/Chicgo",
        "Use e.g. America/Chicago (the message suggests the nearest).",
    ),
    Code(
        "GR302",
        "error",
        "unknown holiday country",
        "The holidays package has no calendar for this country code; the message lists the codes it has.",
        "holidays: {country: XX}",
        "Use an ISO 3166 code, e.g. US.",
    ),
    Code(
        "GR303",
        "error",
        "unknown holiday subdivision",
        "The country has no such subdivision in the holidays "
        "package; the message lists the valid codes. Names and aliases the package would also accept "
        "(Texas for TX) are refused with a suggestion, so a pack names each calendar one way.",
        "holidays: {country: US, subdivision: Tejas}",
        "Use the code, e.g. subdivision: TX.",
    ),
    Code(
        "GR304",
        "error",
        "holiday category not offered",
        "The holidays package has no holidays of this category for the country.",
        "holidays: {country: GB, categories: [government]}",
        "Use a category the message lists (public is offered everywhere).",
    ),
    Code(
        "GR305",
        "error",
        "leap day not chosen",
        "A deadline in months or years needs calendar.leap_day, which says what 29 February's anniversary is.",
        "unit: years without calendar.leap_day",
        "Add calendar.leap_day: feb_28 or mar_1.",
    ),
    Code(
        "GR306",
        "error",
        "holiday to remove unknown",
        "holidays.remove names a holiday (or date) the holidays package does not list for the calendar.",
        "remove: [Columbus Dya]",
        "Use a name or date the message lists.",
    ),
    Code(
        "GR307",
        "error",
        "receipt settings",
        "The calendar gives both after_hours_receipt and deemed_receipt.",
        "after_hours_receipt: next_business_day with deemed_receipt: {...}",
        "Keep deemed_receipt, which says both cases.",
    ),
    # ---- engine limits
    Code(
        "GR401",
        "error",
        "beyond the rules engine",
        "The compiled rules would go beyond what durable-rules can run (too many branches or properties in one stage).",
        "a choice with 300 rules",
        "Use fewer rules or fewer alternatives.",
    ),
    # ---- a pack's own test cases
    Code(
        "GR601",
        "error",
        "cases file names no pack",
        "A pack's cases file (<pack>.cases.yaml) names a pack that cannot be found.",
        "policy: luxr",
        "Name an available pack id or a path.",
    ),
    # ---- warnings
    Code(
        "GR501",
        "warning",
        "unused vocabulary",
        "A concern tag, type, event type, assistance need or role is "
        "declared but no rule, deadline, timer or requirement uses it. Facts may still carry it; a rule that "
        "should test it may be missing.",
        "concerns: {billing: Billing} with no rule testing billing",
        "Write the rule that uses it, or remove the entry.",
    ),
    Code(
        "GR502",
        "warning",
        "condition never holds",
        "A condition can never be true, so its rule never fires: "
        "two different values required of one fact in an all-group, an empty in: or any_of:, a range whose "
        "lower bound is above its upper bound.",
        "all: [{fact: channel, is: phone}, {fact: channel, is: mail}]",
        "Use any: for alternatives, or correct the values.",
    ),
    Code(
        "GR503",
        "warning",
        "deadline disagrees with its quote",
        "A deadline's number is not among the numbers "
        "its own citation quote gives for that unit (digits and number words are read: 'five (5) business "
        "days').",
        "amount: 7 with quote 'within five (5) business days'",
        "Correct the amount, or the quote if it cites the wrong passage.",
    ),
)

#: Every code by its name, in order.
CODES: dict[str, Code] = {c.code: c for c in _ALL}

# pydantic's own error types and the format's custom ones -> code
_BY_TYPE: dict[str, str] = {
    "extra_forbidden": "GR101",
    "missing": "GR102",
    "bool_type": "GR103",
    "int_type": "GR103",
    "int_parsing": "GR103",
    "int_from_float": "GR103",
    "string_type": "GR103",
    "list_type": "GR103",
    "dict_type": "GR103",
    "model_type": "GR103",
    "model_attributes_type": "GR103",
    "float_type": "GR103",
    "literal_error": "GR104",
    "enum": "GR104",
    "string_pattern_mismatch": "GR105",
    "too_short": "GR106",
    "too_long": "GR106",
    "string_too_short": "GR106",
    "greater_than_equal": "GR106",
    "greater_than": "GR106",
    "less_than_equal": "GR106",
    "less_than": "GR106",
    "date_parsing": "GR107",
    "date_from_datetime_parsing": "GR107",
    "date_from_datetime_inexact": "GR107",
    "date_type": "GR107",
    "condition_shape": "GR108",
    "amount_missing": "GR109",
    "amount_unused": "GR109",
    "amount_too_large": "GR109",
    "unknown_fact": "GR201",
    "bad_operator": "GR202",
    "bad_value": "GR203",
    "undeclared_value": "GR204",
    "unknown_anchor": "GR205",
    "unknown_role": "GR206",
    "unknown_event": "GR207",
    "duplicate_rule_id": "GR208",
    "timer_anchor": "GR209",
    "classification_default": "GR211",
    "bad_handled_by": "GR213",
    "unknown_recorded": "GR214",
    "subject_field": "GR224",
    "duplicate_report": "GR215",
    "empty_dimension": "GR215",
    "unknown_action_code": "GR215",
    "printed_rate_unused": "GR215",
    "bad_period": "GR216",
    "effective_order": "GR219",
    "effective_twice": "GR219",
    "unknown_timezone": "GR301",
    "unknown_country": "GR302",
    "unknown_subdivision": "GR303",
    "unknown_holiday_category": "GR304",
    # the format's growth in issue 11 (declared facts, flags, delegation direction, schedules, roll,
    # anniversaries, holidays.remove, deemed receipt, extensions)
    "bad_default": "GR110",
    "flag_order": "GR220",
    "delegation_to": "GR221",
    "unknown_handler": "GR221",
    "before_and_from": "GR111",
    "before_unit": "GR111",
    "before_roll": "GR111",
    "roll_unit": "GR111",
    "keep_until_deadline": "GR111",
    "leap_day_missing": "GR305",
    "unknown_holiday": "GR306",
    "receipt_settings": "GR307",
    "unknown_schedule": "GR205",
    "unknown_action": "GR222",
}


def code_for_error_type(kind: str, ctx: object = None) -> str:
    """The code of a pydantic error of type ``kind``; a custom error may name its code in ``ctx['code']``."""
    if isinstance(ctx, dict) and isinstance(ctx.get("code"), str) and ctx["code"] in CODES:
        return str(ctx["code"])
    if kind.startswith("fact_") and kind not in _BY_TYPE:
        return "GR110"
    return _BY_TYPE.get(kind, "GR100")


def render_codes() -> str:
    """docs/validation-codes.md: every code with its meaning, an example and the fix."""
    lines = [
        "# Validation codes",
        "",
        "<!-- Generated from grievance_rules/codes.py: python -m grievance_rules.codes > docs/validation-codes.md -->",
        "",
        "Every problem `grievance-rules validate` reports carries a stable code. A code never changes meaning; "
        "messages may be reworded. Errors stop a pack from loading; warnings (GR5xx) do not, unless "
        '`validate --strict` is asked for (exit 1). See docs/policy-format.md, "Validation".',
        "",
        "| Code | Severity | Meaning | Example | Fix |",
        "|---|---|---|---|---|",
    ]
    for c in sorted(_ALL, key=lambda c: c.code):
        example = (f"`{c.example}`".replace("\n", "` / `") if c.example else "").replace("|", "\\|")
        lines.append(f"| {c.code} | {c.severity} | **{c.title}**: {c.meaning} | {example} | {c.fix} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - documentation generator
    sys.stdout.write(render_codes())
