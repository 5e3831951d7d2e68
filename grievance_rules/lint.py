"""Warnings about a valid pack: things that load but are probably mistakes (codes GR5xx).

A warning never stops a pack from loading. ``grievance-rules validate`` prints them (and exits 1 for
them only with ``--strict``); :func:`~grievance_rules.packs.validate_file` returns them with
``severity="warning"`` and a loaded :class:`~grievance_rules.policy.Policy` lists them in
``Policy.warnings``.

The checks walk the validated model generically (every condition, every deadline with a citation,
every vocabulary mapping), so parts added to the format later are covered without a change here:

- GR501 unused vocabulary: a declared name (concern tag, type, event type, assistance need, role...)
  that appears nowhere else in the pack;
- GR502 a condition that can never hold: contradictory tests of one fact in an all-group, an empty
  ``in:``/``any_of:``/``any:``, a range whose bounds cross, a tag both required and excluded;
- GR503 a deadline whose number is not among the numbers its own citation quote gives for its unit.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from grievance_rules.errors import Problem
from grievance_rules.schema import Citation, Condition, FactType, PolicySpec, build_catalogue

__all__ = ["lint_spec", "quote_numbers"]

Path_ = tuple[str | int, ...]
Locate = Any  # (path, message, code, severity) -> Problem

#: Fields whose text is prose, never a reference to a vocabulary name.
_PROSE = frozenset(
    {
        "description",
        "title",
        "message",
        "reading",
        "quote",
        "section",
        "file",
        "details",
        "name",
        "source",
        "what",
        "warning",
    }
)


def lint_spec(spec: PolicySpec, locate: Locate) -> list[Problem]:
    """Every warning about ``spec``; ``locate(path, message, code, severity)`` makes a located Problem."""
    warnings: list[Problem] = []
    warnings.extend(_unused_vocabulary(spec, locate))
    warnings.extend(_never_holding(spec, locate))
    warnings.extend(_quote_disagreements(spec, locate))
    return warnings


# --------------------------------------------------------------------------- walking the model


def _walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every model, list item and mapping value below ``value``, with its path (YAML spelling)."""
    yield path, value
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            child = getattr(value, name)
            if child is not None:
                yield from _walk(child, (*path, info.alias or name))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))


def _conditions(spec: PolicySpec) -> Iterator[tuple[Path_, Condition]]:
    """Every outermost condition (a rule's ``when``...) with its path."""
    inside: list[Path_] = []
    for path, value in _walk(spec):
        if isinstance(value, Condition):
            if any(path[: len(p)] == p for p in inside):
                continue
            inside.append(path)
            yield path, value


# --------------------------------------------------------------------------- GR501 unused vocabulary


def _references(spec: PolicySpec) -> set[str]:
    """Every name the pack uses outside its vocabulary: whole strings, and the parts of facts and anchors."""
    used: set[str] = set()
    for path, value in _walk(spec):
        if not path or path[0] == "vocabulary" or not isinstance(value, str):
            continue
        if any(isinstance(p, str) and p in _PROSE for p in path[-2:]) or "citation" in path:
            continue
        used.add(value)
        used.update(re.split(r"[.:]", value))
    return used


def _only_tags(spec: PolicySpec) -> set[str]:
    """Every value of a tag list tested with "every tag is one of these" (``only``, where the format has it).

    Such a test tells every tag apart (a tag it does not list makes it false), so each is in use.
    """
    catalogue = build_catalogue(spec.declared())
    used: set[str] = set()
    for _, value in _walk(spec):
        if isinstance(value, Condition) and value.fact is not None and value.fact in catalogue:
            try:
                op = value.operator()
            except AssertionError:
                continue
            if op == "only":
                used.update(catalogue[value.fact].values)
    return used


def _unused_vocabulary(spec: PolicySpec, locate: Locate) -> list[Problem]:
    used = _references(spec) | _only_tags(spec) | set(spec.vocabulary.recorded_only)
    out: list[Problem] = []
    vocab = spec.vocabulary
    for name, info in type(vocab).model_fields.items():
        entries = getattr(vocab, name)
        if not isinstance(entries, Mapping):
            continue
        key = info.alias or name
        for entry in entries:
            if entry not in used:
                out.append(
                    locate(
                        ("vocabulary", key, entry),
                        f"'{entry}' is declared under vocabulary.{key} but no rule, deadline, timer or requirement "
                        "uses it; write the rule that should, remove it, or list it under vocabulary.recorded_only "
                        "if facts carry it only for the record",
                        "GR501",
                        "warning",
                    )
                )
    return out


# --------------------------------------------------------------------------- GR502 conditions that never hold


def _never_holding(spec: PolicySpec, locate: Locate) -> list[Problem]:
    catalogue = build_catalogue(spec.declared())
    out: list[Problem] = []
    for path, condition in _conditions(spec):
        for sub, reason in _never(condition, catalogue):
            out.append(locate((*path, *sub), f"this condition can never hold: {reason}", "GR502", "warning"))
    return out


def _never(cond: Condition, catalogue: Mapping[str, FactType]) -> list[tuple[Path_, str]]:
    """Where (below ``cond``) and why a condition, or one alternative of it, can never hold."""
    if cond.all is not None:
        found: list[tuple[Path_, str]] = []
        for index, child in enumerate(cond.all):
            found.extend((("all", index, *sub), why) for sub, why in _never(child, catalogue))
        if found:
            return found
        located = list(_flatten_all(cond))
        clash = _contradiction([test for _, test in located], catalogue)
        if clash is None:
            return []
        fact, reason = clash
        # point at the last test of the fact: the one that contradicts those before it
        where = next(sub for sub, test in reversed(located) if test.fact == fact)
        return [(where, reason)]
    if cond.any is not None:
        if not cond.any:
            return [(("any",), "an empty 'any:' has no alternative that could hold; add one or remove it")]
        found = []
        for index, child in enumerate(cond.any):
            found.extend((("any", index, *sub), why) for sub, why in _never(child, catalogue))
        return found
    if cond.none is not None or cond.fact is None:
        return []
    op, operand = cond.operator(), cond.operand()
    if op in ("in", "any_of") and operand == []:
        return [((op,), f"'{op}: []' lists no value, so no grievance matches; list the values")]
    clash = _contradiction([cond], catalogue)
    return [((), clash[1])] if clash else []


def _flatten_all(cond: Condition, path: Path_ = ()) -> Iterator[tuple[Path_, Condition]]:
    """The fact tests an all-group requires, nested all-groups included, with their paths."""
    for index, child in enumerate(cond.all or []):
        if child.all is not None:
            yield from _flatten_all(child, (*path, "all", index))
        elif child.fact is not None:
            yield (*path, "all", index), child


def _contradiction(tests: Sequence[Condition], catalogue: Mapping[str, FactType]) -> tuple[str, str] | None:
    """The fact and why fact tests that must all hold cannot, or None."""
    by_fact: dict[str, list[Condition]] = {}
    for test in tests:
        assert test.fact is not None
        by_fact.setdefault(test.fact, []).append(test)
    for fact, group in by_fact.items():
        ftype = catalogue.get(fact)
        kind = ftype.kind if ftype is not None else "str"
        reason = _tags_clash(fact, group) if kind == "tags" else _values_clash(fact, group, ftype)
        if reason:
            return fact, reason
    return None


def _tags_clash(fact: str, group: Sequence[Condition]) -> str | None:
    required: set[str] = set()
    excluded: set[str] = set()
    alternatives: list[list[str]] = []
    for test in group:
        op, operand = test.operator(), test.operand()
        if op == "all_of":
            required.update(operand)
        elif op == "none_of":
            excluded.update(operand)
        elif op == "any_of":
            alternatives.append(list(operand))
    clash = sorted(required & excluded)
    if clash:
        return f"'{fact}' must hold '{clash[0]}' and must not; remove one of the two tests"
    for options in alternatives:
        if options and set(options) <= excluded:
            return f"every tag of any_of ({', '.join(options)}) is also excluded by none_of for '{fact}'"
    return None


def _values_clash(fact: str, group: Sequence[Condition], ftype: FactType | None) -> str | None:
    possible: set[Any] | None = set(ftype.values) if ftype is not None and ftype.kind == "enum" else None
    excluded: set[Any] = set()
    low: float = float("-inf")
    high: float = float("inf")
    for test in group:
        op, operand = test.operator(), test.operand()
        if op in ("is", "in"):
            values = {operand} if op == "is" else set(operand)
            if possible is not None and not (possible & values):
                shown = ", ".join(repr(v) for v in sorted(values | possible, key=str)[:4])
                return (
                    f"'{fact}' cannot take all of the values required of it in one all-group ({shown}); "
                    "use any: for alternatives"
                )
            possible = values if possible is None else possible & values
        elif op == "is_not":
            excluded.add(operand)
        elif op == "not_in":
            excluded.update(operand)
        elif op in ("gte", "gt", "lte", "lt") and isinstance(operand, (int, float)) and not isinstance(operand, bool):
            # whole numbers step by one; other numbers (and dates, which are not compared here) never
            # tighten a strict bound, so a warning is only given when no value can pass
            whole = fact.endswith(".count") or (ftype is not None and ftype.kind == "int")
            step = 1 if whole and isinstance(operand, int) else 0
            if op == "gte":
                low = max(low, operand)
            elif op == "gt":
                low = max(low, operand + step)
            elif op == "lte":
                high = min(high, operand)
            else:
                high = min(high, operand - step)
    if fact.endswith(".count"):
        low = max(low, 0)
    if low > high:
        return f"'{fact}' must be at least {low:g} and at most {high:g}; correct the bounds"
    if possible is not None:
        left = {
            v
            for v in possible
            if v not in excluded and (not isinstance(v, int) or isinstance(v, bool) or low <= v <= high)
        }
        if not left:
            return (
                f"no value of '{fact}' passes every test of this all-group; "
                "use any: for alternatives or correct the values"
            )
    return None


# --------------------------------------------------------------------------- GR503 deadline vs its quote

_UNITS = {
    "day": "day",
    "days": "day",
    "week": "week",
    "weeks": "week",
    "hour": "hour",
    "hours": "hour",
    "month": "month",
    "months": "month",
    "year": "year",
    "years": "year",
}
_ONES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
_WORD = (
    r"(?:(?:"
    + "|".join(_TENS)
    + r")(?:[- ](?:"
    + "|".join(k for k in _ONES if k != "zero")
    + r"))?|"
    + "|".join(_ONES)
    + r")"
)
_NUM = r"(?:\d{1,4}|" + _WORD + r"(?:\s+hundred(?:\s+(?:and\s+)?" + _WORD + r")?)?)"
_NUMBER_UNIT = re.compile(
    # a range ("1 to 2 days", "one or two weeks", "1-2 days"): both numbers are stated
    r"\b(?:(?P<low>" + _NUM + r")(?:\s*\(\d{1,4}\))?(?:\s+(?:to|or)\s+|\s*\u2013\s*|(?<=\d)\s*-\s*(?=\d)))?"
    r"(?P<num>" + _NUM + r")"
    r"(?:\s*\(\d{1,4}\))?"  # "five (5)"
    r"(?:[\s-]+(?:business|working|calendar|consecutive|full|clock|more|additional|such))*"
    r"[\s-]+(?P<unit>days?|weeks?|hours?|months?|years?)\b",
    re.IGNORECASE,
)


def _word_value(text: str) -> int:
    text = text.lower().strip()
    if text.isdigit():
        return int(text)
    total = 0
    if "hundred" in text:
        head, _, text = text.partition("hundred")
        total = _word_value(head) * 100
        text = text.replace("and", " ").strip()
        if not text:
            return total
    parts = re.split(r"[- ]+", text)
    return total + sum(_TENS.get(p, _ONES.get(p, 0)) for p in parts)


def quote_numbers(quote: str) -> dict[str, set[int]]:
    """The numbers a quote gives per unit kind (``day``, ``hour``, ``month``, ``year``; weeks count as days).

    Digits and number words are read: "five (5) business days" and "thirty calendar days" give
    ``{'day': {5, 30}}``; "72 hours" gives ``{'hour': {72}}``; a range ("1 to 2 days") gives both.
    """
    found: dict[str, set[int]] = {}
    for match in _NUMBER_UNIT.finditer(quote):
        values = {_word_value(match["num"])}
        if match["low"] is not None:  # a range such as "1 to 2 days" states both numbers
            values.add(_word_value(match["low"]))
        unit = _UNITS[match["unit"].lower()]
        if unit == "week":
            unit, values = "day", {v * 7 for v in values}
        found.setdefault(unit, set()).update(values)
    return found


_KIND = {"calendar_days": "day", "business_days": "day", "hours": "hour", "months": "month", "years": "year"}


def _quote_disagreements(spec: PolicySpec, locate: Locate) -> list[Problem]:
    out: list[Problem] = []
    for path, value in _walk(spec):
        if not isinstance(value, BaseModel):
            continue
        citation = getattr(value, "citation", None)
        if not isinstance(citation, Citation) or not citation.quote:
            continue
        numbers = quote_numbers(citation.quote)
        if not numbers:
            continue
        candidates: list[tuple[Path_, Any]] = [(path, value)]
        for name, info in type(value).model_fields.items():
            child = getattr(value, name)
            if isinstance(child, BaseModel):
                candidates.append(((*path, info.alias or name), child))
        for where, item in candidates:
            amount, unit = getattr(item, "amount", None), getattr(item, "unit", None)
            if not isinstance(amount, int) or isinstance(amount, bool) or not isinstance(unit, str):
                continue
            kind = _KIND.get(unit)
            stated = numbers.get(kind or "")
            if kind is None or not stated or amount in stated:
                continue
            said = ", ".join(str(n) for n in sorted(stated))
            out.append(
                locate(
                    (*where, "amount"),
                    f"the deadline is {amount} {unit} but its citation quote gives {said} for {kind}s; "
                    "correct the amount, or the quote if it cites another passage",
                    "GR503",
                    "warning",
                )
            )
    return out
