"""What changed between two versions of a policy pack, in words a compliance officer signs off.

:func:`diff_policies` compares two validated packs section by section and returns a
:class:`PolicyDiff`: one :class:`Change` per rule added, removed, moved or changed, each field's
before and after in plain words (conditions as sentences, deadlines as "5 business days after
receipt", citations as "file, section"). :func:`render_diff` lays it out as Markdown that reads
as plain text in a terminal. Nothing here prints or reads files: the CLI (``grievance-rules
diff``) does.

Rules are matched by id (delegation rows by group, extra holidays by date, vocabulary entries by
token). In a first-match choice the order of the rules decides the outcome, so a rule that moved
is reported too. A top-level section this module has no special wording for is still compared,
field by field, so nothing that can change an outcome goes unreported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from grievance_rules.compiler import describe
from grievance_rules.docs import UNIT_WORDS, deadline_words
from grievance_rules.schema import Citation, Condition, Deadline, FilingWindow, PolicySpec

__all__ = ["Change", "PackIdentity", "PolicyDiff", "deadline_words", "diff_policies", "render_diff"]

ChangeKind = Literal["added", "removed", "changed", "moved"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PackIdentity(_Frozen):
    """Which pack a side of the diff is."""

    id: str
    version: str
    file: str | None = None


class Change(_Frozen):
    """One difference between the packs.

    ``section`` is the pack section (``actions``, ``calendar``, ``level``...), ``item`` the rule
    id, row or entry within it (None for the section itself), ``field`` the field that changed
    (None when the whole item was added or removed). ``before``/``after`` are the values in words;
    ``details`` lists an added or removed item's fields; ``text`` is the whole change as one line.
    """

    section: str
    item: str | None
    kind: ChangeKind
    field: str | None = None
    before: str | None = None
    after: str | None = None
    details: tuple[str, ...] = ()
    text: str


class PolicyDiff(_Frozen):
    """Every difference between two packs, in pack order."""

    old: PackIdentity
    new: PackIdentity
    changes: tuple[Change, ...]
    rules_added: tuple[str, ...]
    rules_removed: tuple[str, ...]
    rules_changed: tuple[str, ...]

    @property
    def identical(self) -> bool:
        """True when the packs decide and say exactly the same."""
        return not self.changes


# --------------------------------------------------------------------------- words


def _citation_words(c: Citation) -> str:
    return c.render() + (f' ("{c.quote}")' if c.quote else "")


def words(value: Any) -> str:
    """Any pack value in plain words (conditions as sentences, deadlines as durations)."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Condition):
        return describe(value)
    if isinstance(value, Deadline):
        return deadline_words(value)
    if isinstance(value, Citation):
        return _citation_words(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if _is_period(value):
        return _period(value)
    if isinstance(value, BaseModel):
        parts = [f"{_label(type(value), k)} {words(getattr(value, k))}" for k in _set_fields(value)]
        return "; ".join(parts) or "(empty)"
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {words(v)}" for k, v in value.items()) or "(none)"
    if isinstance(value, list | tuple):
        return ", ".join(words(v) for v in value) or "(none)"
    text = str(value).strip()
    return " ".join(text.split())


def _is_period(model: Any) -> bool:
    """A span with an amount and a unit (filing window, pattern window), read as one value."""
    return (
        isinstance(model, BaseModel)
        and not isinstance(model, Deadline)
        and {"amount", "unit"} <= set(type(model).model_fields)
    )


def _period(model: Any) -> str:
    amount, unit = model.amount, str(model.unit)
    word = UNIT_WORDS.get(unit, unit.replace("_", " "))
    text = f"{amount} {word}{'s' if amount != 1 else ''}"
    return text + (" after the incident" if isinstance(model, FilingWindow) else "")


def _label(model: type[BaseModel], name: str) -> str:
    alias = model.model_fields[name].alias
    return alias or name


_FIRST = ("value", "title", "message", "code", "when")
_LAST = ("description", "citation", "reading")


def _set_fields(model: BaseModel) -> list[str]:
    """Fields that carry something (not None, not empty): what the rule gives and when first, its
    source last."""
    out = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is None or (isinstance(value, list | dict | tuple) and not value):
            continue
        default = type(model).model_fields[name].default
        if value is default and default is False:  # an off switch (keep_until: false) says nothing
            continue
        out.append(name)

    def rank(name: str) -> tuple[int, int]:
        if name in _FIRST:
            return (0, _FIRST.index(name))
        if name in _LAST:
            return (2, _LAST.index(name))
        return (1, 0)

    return sorted(out, key=rank)


# --------------------------------------------------------------------------- comparison

_SECTION_TITLES = {
    "classification": "Classification rule",
    "level": "Level rule",
    "handled_by": "Handled-by rule",
    "actions": "Action",
    "warnings": "Warning",
    "timers": "Timer",
    "patterns": "Escalation pattern",
    "record_requirements": "Record requirement",
    "delegation": "Delegation matrix",
    "filing_window": "Filing window",
    "calendar": "Calendar",
    "vocabulary": "Vocabulary",
    "retention": "Retention",
}
_RULE_LISTS = ("timers", "patterns", "actions", "warnings", "record_requirements")
_CHOICES = ("classification", "level", "handled_by")
_ABOUT = ("id", "name", "version", "effective_date", "source")


def _title(section: str) -> str:
    return _SECTION_TITLES.get(section, section.replace("_", " ").capitalize())


def _item_name(item: BaseModel) -> str:
    for key in ("title", "message", "value", "description"):
        value = getattr(item, key, None)
        if isinstance(value, str):
            return f" ({words(value)})"
    return ""


class _Collector:
    def __init__(self) -> None:
        self.changes: list[Change] = []
        self.added: list[str] = []
        self.removed: list[str] = []
        self.changed: list[str] = []

    def add(self, section: str, item: str | None, kind: ChangeKind, text: str, **more: Any) -> None:
        self.changes.append(Change(section=section, item=item, kind=kind, text=text, **more))

    # ---- one item (a rule, a row, a calendar): field by field
    def fields(self, section: str, item: str | None, old: BaseModel, new: BaseModel, lead: str) -> bool:
        """Report each field that differs; True when any did."""
        found = False
        names = list(type(new).model_fields)
        if _is_period(old) and _is_period(new) and _period(old) != _period(new):
            b, a = _period(old), _period(new)
            head = lead if lead.endswith(":") else f"{lead}:"
            self.add(section, item, "changed", f"{head} {b} → {a}", field="period", before=b, after=a)
            found = True
            names = [n for n in names if n not in ("amount", "unit")]
        for name in names:
            before, after = getattr(old, name, None), getattr(new, name, None)
            if before == after:
                continue
            label = _label(type(new), name)
            if (
                isinstance(before, BaseModel)
                and isinstance(after, BaseModel)
                and type(before) is type(after)
                and not isinstance(after, Condition | Deadline | Citation)
            ):
                found |= self.fields(section, item, before, after, f"{lead} {label}:")
                continue
            if _is_keyed_list(before) or _is_keyed_list(after):
                found |= self.keyed(section, f"{lead} {label}", before or [], after or [], item_prefix=item)
                continue
            b, a = words(before), words(after)
            self.add(section, item, "changed", f"{lead} {label}: {b} → {a}", field=label, before=b, after=a)
            found = True
        return found

    # ---- lists of rules keyed by id (or rows by group, holidays by date)
    def keyed(
        self,
        section: str,
        lead: str,
        old: Sequence[BaseModel],
        new: Sequence[BaseModel],
        *,
        ordered: bool = False,
        rules: bool = False,
        item_prefix: str | None = None,
    ) -> bool:
        old_by = {_key(x): x for x in old}
        new_by = {_key(x): x for x in new}
        found = False
        for key, item in old_by.items():
            if key not in new_by:
                label = key if item_prefix is None else f"{item_prefix}.{key}"
                details = _details(item)
                self.add(
                    section,
                    label,
                    "removed",
                    f"{lead} {key}{_item_name(item)} removed (was: {'; '.join(details)})",
                    details=details,
                )
                if rules:
                    self.removed.append(label)
                found = True
        old_order = [k for k in old_by if k in new_by]
        new_order = [k for k in new_by if k in old_by]
        for key, item in new_by.items():
            label = key if item_prefix is None else f"{item_prefix}.{key}"
            if key not in old_by:
                details = _details(item)
                self.add(
                    section,
                    label,
                    "added",
                    f"{lead} {key}{_item_name(item)} added: {'; '.join(details)}",
                    details=details,
                )
                if rules:
                    self.added.append(label)
                found = True
                continue
            changed = self.fields(section, label, old_by[key], item, f"{lead} {key}:")
            if ordered and old_order.index(key) != new_order.index(key):
                before, after = str(old_order.index(key) + 1), str(new_order.index(key) + 1)
                self.add(
                    section,
                    label,
                    "moved",
                    f"{lead} {key}: checked {_ordinal(before)} → {_ordinal(after)} (the first rule that applies wins)",
                    field="position",
                    before=before,
                    after=after,
                )
                changed = True
            if changed:
                found = True
                if rules:
                    self.changed.append(label)
        return found

    # ---- plain mappings (vocabulary) and lists of tokens
    def mapping(self, section: str, lead: str, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        for key in old:
            if key not in new:
                self.add(
                    section, key, "removed", f"{lead} {key} removed (was: {words(old[key])})", before=words(old[key])
                )
        for key, value in new.items():
            if key not in old:
                self.add(section, key, "added", f"{lead} {key} added: {words(value)}", after=words(value))
            elif old[key] != value:
                b, a = words(old[key]), words(value)
                self.add(section, key, "changed", f"{lead} {key}: {b} → {a}", field=key, before=b, after=a)

    def tokens(self, section: str, lead: str, old: Iterable[Any], new: Iterable[Any]) -> None:
        before, after = list(old), list(new)
        for token in before:
            if token not in after:
                self.add(section, str(token), "removed", f"{lead} {token} removed", before=words(token))
        for token in after:
            if token not in before:
                self.add(section, str(token), "added", f"{lead} {token} added", after=words(token))


def _is_keyed_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(x, BaseModel) and _has_key(x) for x in value)


def _has_key(item: BaseModel) -> bool:
    return any(hasattr(item, k) for k in ("id", "group", "date"))


def _key(item: BaseModel) -> str:
    for attr in ("id", "group", "date"):
        value = getattr(item, attr, None)
        if value is not None:
            return words(value)
    return words(item)


def _details(item: BaseModel) -> tuple[str, ...]:
    skip = {"id", "amount", "unit"} if _is_period(item) else {"id"}
    fields = tuple(f"{_label(type(item), k)} {words(getattr(item, k))}" for k in _set_fields(item) if k not in skip)
    return ((_period(item),) if _is_period(item) else ()) + fields


def _ordinal(n: str) -> str:
    value = int(n)
    suffix = "th" if 10 <= value % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(value % 10, "th")
    return f"{value}{suffix}"


def _spec(policy: Any) -> tuple[PolicySpec, str | None]:
    if isinstance(policy, PolicySpec):
        return policy, None
    spec = getattr(policy, "spec", None)
    if isinstance(spec, PolicySpec):
        file = getattr(policy, "file", None)
        return spec, file if isinstance(file, str) else None
    raise TypeError("diff_policies compares PolicySpec or Policy objects (load them with load_policy)")


def diff_policies(old: Any, new: Any) -> PolicyDiff:
    """Every difference between two packs (each a :class:`~grievance_rules.Policy` or a PolicySpec).

    Pure: it reads the validated specs and returns a :class:`PolicyDiff`; render it with
    :func:`render_diff` or dump it as JSON with ``model_dump(mode="json")``.
    """
    a, a_file = _spec(old)
    b, b_file = _spec(new)
    out = _Collector()
    for name in _ABOUT:
        before, after = getattr(a, name), getattr(b, name)
        if before != after:
            bw, aw = words(before), words(after)
            out.add("pack", None, "changed", f"Pack {name}: {bw} → {aw}", field=name, before=bw, after=aw)
    handled = set(_ABOUT)
    # the calendar and vocabulary first: they change how everything else reads
    handled |= {"calendar", "vocabulary"}
    out.fields("calendar", None, a.calendar, b.calendar, "Calendar")
    for name in type(b.vocabulary).model_fields:
        before, after = getattr(a.vocabulary, name), getattr(b.vocabulary, name)
        if before == after:
            continue
        lead = f"Vocabulary {name}:"
        if isinstance(after, Mapping):
            out.mapping("vocabulary", lead, before, after)
        else:
            out.tokens("vocabulary", lead, before, after)
    for name in _CHOICES:
        handled.add(name)
        _choice(out, name, getattr(a, name), getattr(b, name))
    handled.add("delegation")
    _delegation(out, a, b)
    for name in type(b).model_fields:
        if name in handled:
            continue
        before, after = getattr(a, name, None), getattr(b, name, None)
        if before == after:
            continue
        title = _title(name)
        is_rules = name in _RULE_LISTS
        if isinstance(before, list) or isinstance(after, list):
            if _is_keyed_list(before) or _is_keyed_list(after):
                out.keyed(name, title, before or [], after or [], rules=is_rules)
            else:
                bw, aw = words(before), words(after)
                out.add(name, None, "changed", f"{title}: {bw} → {aw}", field=name, before=bw, after=aw)
        elif before is None:
            details = _details(after) if isinstance(after, BaseModel) else (words(after),)
            out.add(name, None, "added", f"{title} added: {'; '.join(details)}", details=details)
        elif after is None:
            details = _details(before) if isinstance(before, BaseModel) else (words(before),)
            out.add(name, None, "removed", f"{title} removed (was: {'; '.join(details)})", details=details)
        elif isinstance(before, BaseModel) and isinstance(after, BaseModel) and type(before) is type(after):
            out.fields(name, None, before, after, title)
        else:
            bw, aw = words(before), words(after)
            out.add(name, None, "changed", f"{title}: {bw} → {aw}", field=name, before=bw, after=aw)
    return PolicyDiff(
        old=PackIdentity(id=a.id, version=a.version, file=a_file),
        new=PackIdentity(id=b.id, version=b.version, file=b_file),
        changes=tuple(out.changes),
        rules_added=tuple(out.added),
        rules_removed=tuple(out.removed),
        rules_changed=tuple(dict.fromkeys(out.changed)),
    )


def _choice(out: _Collector, name: str, before: Any, after: Any) -> None:
    title = _title(name)
    if before is None and after is None:
        return
    if before is None or after is None:
        present = after if before is None else before
        kind: ChangeKind = "added" if before is None else "removed"
        details = (
            f"values {words(present.values)}",
            *(f"rule {r.id}: {r.value} when {describe(r.when)}" for r in present.rules),
            *((f"otherwise {present.default.value} (rule {present.default.id})",) if present.default else ()),
        )
        verb = "added" if kind == "added" else "removed"
        out.add(
            name,
            None,
            kind,
            f"{name.replace('_', ' ').capitalize()} decision {verb}: {'; '.join(details)}",
            details=details,
        )
        ids = [r.id for r in present.rules] + ([present.default.id] if present.default else [])
        (out.added if kind == "added" else out.removed).extend(ids)
        return
    out.tokens(name, f"{name.replace('_', ' ').capitalize()} value", before.values, after.values)
    out.keyed(name, title, before.rules, after.rules, ordered=True, rules=True)
    if before.default != after.default:
        if before.default is None or after.default is None:
            bw = "(none)" if before.default is None else f"{before.default.value} (rule {before.default.id})"
            aw = "(none)" if after.default is None else f"{after.default.value} (rule {after.default.id})"
            out.add(name, None, "changed", f"{title} default: {bw} → {aw}", field="default", before=bw, after=aw)
        else:
            label = after.default.id
            if out.fields(name, label, before.default, after.default, f"{title} default {label}:"):
                out.changed.append(label)


def _delegation(out: _Collector, a: PolicySpec, b: PolicySpec) -> None:
    before, after = a.delegation, b.delegation
    if before == after:
        return
    title = _title("delegation")
    if before is None or after is None:
        present = after if before is None else before
        assert present is not None
        rows = tuple(
            f"{r.group}: delegated {words(r.delegated)}, verbal grievances {words(r.verbal_grievances)}, "
            f"written channels {words(r.written_channels)}, form {r.form}"
            for r in present.rows
        )
        kind: ChangeKind = "added" if before is None else "removed"
        out.add("delegation", None, kind, f"{title} {kind}: {'; '.join(rows)}", details=rows)
        return
    for name in ("citation", "reading"):
        b, c = getattr(before, name), getattr(after, name)
        if b != c:
            bw, aw = words(b), words(c)
            out.add("delegation", None, "changed", f"{title} {name}: {bw} → {aw}", field=name, before=bw, after=aw)
    out.keyed("delegation", f"{title} row", before.rows, after.rows)
    out.fields("delegation", "default", before.default, after.default, f"{title} default row:")


# --------------------------------------------------------------------------- rendering


def render_diff(diff: PolicyDiff) -> str:
    """The diff as Markdown meant to be read as is in a terminal: a heading, a summary, then one
    bullet per change grouped by section."""
    lines = [
        f"# Policy changes: {diff.old.id} {diff.old.version} → {diff.new.id} {diff.new.version}",
        "",
    ]
    if diff.old.file or diff.new.file:
        lines += [f"- old: {diff.old.file or '-'}", f"- new: {diff.new.file or '-'}", ""]
    if diff.identical:
        lines.append("No differences: the two packs decide and say the same.")
        return "\n".join(lines) + "\n"
    count = len(diff.changes)
    added = len(diff.rules_added)
    lines.append(
        f"{count} change{'s' if count != 1 else ''}: {added} rule{'s' if added != 1 else ''} added, "
        f"{len(diff.rules_removed)} removed, {len(diff.rules_changed)} changed."
    )
    section = None
    for change in diff.changes:
        if change.section != section:
            section = change.section
            lines += ["", f"## {_heading(section)}", ""]
        lines.append(f"- {change.text}")
    return "\n".join(lines) + "\n"


def _heading(section: str) -> str:
    return {"pack": "Pack", "record_requirements": "Record requirements", "patterns": "Escalation patterns"}.get(
        section, section.replace("_", " ").capitalize()
    )
