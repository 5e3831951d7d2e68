"""Render a policy pack as a Markdown page a compliance officer can review without reading YAML.

``grievance-rules docs`` writes one page per pack (``docs/policies/<pack>.md``); a test fails when
a committed page differs from what the pack renders to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from grievance_rules.compiler import describe
from grievance_rules.registry import allowed_words
from grievance_rules.schema import AnchorRef, Choice, Citation, Deadline, DelegationDefault, DelegationRow, PolicySpec

__all__ = ["deadline_words", "render_policy"]

# The singular word for each period unit; diff.py words periods with the same table.
UNIT_WORDS = {
    "calendar_days": "calendar day",
    "business_days": "business day",
    "hours": "hour",
    "months": "month",
    "years": "year",
}


def _anchor_words(anchor: AnchorRef) -> str:
    kind, name = anchor.kind, anchor.name
    if kind == "receipt":
        return "receipt"
    if kind == "event":
        return f"the '{name}' event"
    return f"action '{name}' (when it was done, else its due date)"


def deadline_words(deadline: Deadline) -> str:
    """A deadline in words, e.g. ``5 business days after receipt``."""
    anchors = " or, failing that, ".join(_anchor_words(a) for a in deadline.refs)
    if deadline.unit == "immediately":
        return f"immediately on {anchors}"
    if deadline.unit == "close_of_next_business_day":
        return f"by close of the next business day after {anchors}"
    n = deadline.amount or 0
    amount = f"{n} {UNIT_WORDS[deadline.unit]}{'s' if n != 1 else ''}"
    if deadline.schedule_type is not None:
        return f"{amount} before the scheduled '{deadline.schedule_type}'"
    roll = "; a weekend or holiday due date rolls to the next business day" if deadline.roll != "none" else ""
    return f"{amount} after {anchors}{roll}"


def _cite(citation: Citation | None) -> list[str]:
    if citation is None:
        return []
    lines = [f"- **Source:** {citation.file}, {citation.section}"]
    if citation.quote:
        lines.append(f"  > {citation.quote.strip()}")
    return lines


def _reading(reading: str | None) -> list[str]:
    return [f"- **Reading chosen:** {' '.join(reading.split())}"] if reading else []


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> list[str]:
    head = list(header)
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out.extend("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows)
    return out + [""]


def _choice(pack: str, title: str, name: str, choice: Choice) -> list[str]:
    out = [
        f"## {title}",
        "",
        f"The first rule that applies decides the {name}; values: {', '.join(choice.values)}.",
        "",
    ]
    for rule in choice.rules:
        out += [f"### `{pack}.{rule.id}` gives {name} **{rule.value}**", ""]
        if rule.description:
            out += [rule.description, ""]
        out += [f"- **Applies when:** {describe(rule.when)}"]
        out += _cite(rule.citation) + _reading(rule.reading) + [""]
    if choice.default is not None:
        d = choice.default
        out += [f"### `{pack}.{d.id}` gives {name} **{d.value}** when no rule above applies", ""]
        if d.description:
            out += [d.description, ""]
        out += _cite(d.citation) + _reading(d.reading) + [""]
    return out


def _effective(spec: PolicySpec) -> str:
    eff = spec.effective_range
    if eff is None:
        return "every date (the pack declares no effective range)"
    text = f"{eff.from_.isoformat()} to {eff.until.isoformat()}" if eff.until else f"from {eff.from_.isoformat()}"
    if eff.citation is not None:
        text += f" ({eff.citation.render()})"
    return text + (f". Reading: {eff.reading}" if eff.reading else "")


def subject_section(spec: PolicySpec) -> list[str]:
    """The ``subject:`` of a pack about something other than grievances: its facts, exact ratios,
    runs (rules of their own, with source and reading) and reports. Empty for a grievance pack."""
    subject = spec.subject
    if subject is None:
        return []
    out = [
        f"## Subject: `{subject.name}`",
        "",
        f"Each record is one `{subject.name}`, identified by `{subject.id_field}`"
        + (
            f" and received at `{subject.received_field}` (deadlines run from it)."
            if subject.received_field
            else "; it has no moment of receipt (the Determination's `received_at` is null)."
        ),
        "",
        "### Facts",
        "",
    ]

    def typed(f: Any) -> str:
        kind = f.type + (f" ({', '.join(f.values)})" if f.values else "")
        bounds = [f"≥ {f.min}" if f.min is not None else "", f"≤ {f.max}" if f.max is not None else ""]
        return " ".join([kind, *[b for b in bounds if b]]) + ("" if f.required else ", optional")

    out += _table(("fact", "type", "meaning"), ((f"`{n}`", typed(f), f.description) for n, f in subject.facts.items()))
    if subject.computed:
        out += ["### Computed (exact)", ""]
        out += _table(
            ("fact", "value", "meaning"),
            (
                (
                    f"`{n}`",
                    f"{r.numerator} / {r.denominator}" + (f" × {r.times}" if r.times != 1 else ""),
                    r.description,
                )
                for n, r in subject.computed.items()
            ),
        )
    for run in subject.runs:
        out += [
            f"### `{spec.id}.{run.id}` counts runs: `runs.{run.id}`",
            "",
            run.description,
            "",
            f"- **Counts a record when:** {describe(run.when)}",
            f"- **Consecutive** `{run.order}` periods of one `{run.key}`",
        ]
        out += _cite(run.citation) + _reading(run.reading) + [""]
    for rep in subject.reports:
        out += [f"### Report `{rep.name}`: {rep.title}", ""]
        out += [
            f"One row per `{rep.key}`"
            + (f", one column per `{rep.period}`" if rep.period else "")
            + f"; shows the {rep.show} and the action codes.",
            "",
        ]
        if rep.aggregate is not None:
            agg = rep.aggregate
            out += [
                f"- **{agg.title}:** {agg.numerator} / {agg.denominator} × {agg.times}, "
                f"summed per `{rep.key}`, flagged below {agg.below}"
            ]
            if agg.printed is not None:
                out += [
                    "- **Printed figures compared:** " + ", ".join(f"{k}: {v}" for k, v in agg.printed.values.items())
                ]
                out += _cite(agg.printed.citation) + _reading(agg.printed.reading)
        out += _cite(rep.citation) + [""]
    return out


def render_policy(spec: PolicySpec) -> str:
    """The whole pack as Markdown, in pack order: one section per part of the pack."""
    out: list[str] = []
    for section in _SECTIONS:
        out += section(spec)
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


def _header(spec: PolicySpec) -> list[str]:
    return [
        f"# {spec.name} (`{spec.id}` {spec.version})",
        "",
        "<!-- generated by `grievance-rules docs`; do not edit: change the pack and regenerate -->",
        "",
        f"- **Source document:** {spec.source}",
        f"- **In force for receipt dates:** {_effective(spec)}",
        "",
    ]


def _calendar(spec: PolicySpec) -> list[str]:
    cal = spec.calendar
    out = ["## Calendar", "", f"- **Timezone:** {cal.timezone}", f"- **Business days:** {', '.join(cal.workweek)}"]
    if cal.holidays is not None:
        h = cal.holidays
        where = h.country + (f"-{h.subdivision}" if h.subdivision else "")
        observed = "observed dates" if h.observed else "actual dates"
        out.append(f"- **Holidays:** {where} ({', '.join(h.categories)}; {observed})")
        if h.remove:
            removed = ", ".join(r.isoformat() if not isinstance(r, str) else r for r in h.remove)
            out.append(f"- **Listed holidays the plan does not observe:** {removed}")
    for extra in cal.extra_holidays:
        out.append(f"- **Also closed:** {extra.date.isoformat()} ({extra.name})")
    out.append(f"- **Close of business:** {cal.close_of_business}")
    if cal.deemed_receipt is None:
        after = "the next business day" if cal.after_hours_receipt == "next_business_day" else "the day it arrives"
        out.append(f"- **Receipt after close of business or on a non-business day counts as received on:** {after}")
    else:
        after_close, non_business = cal.deems()
        nbd, same = "the next business day", "the day it arrives"
        out += [
            f"- **Receipt after close of business counts as received on:** {nbd if after_close else same}",
            f"- **Receipt on a weekend or holiday counts as received on:** {nbd if non_business else same}",
        ]
    if cal.leap_day is not None:
        reading = "28 February" if cal.leap_day == "feb_28" else "1 March"
        out.append(f"- **Anniversary of 29 February in a common year:** {reading} (a month's missing day likewise)")
    return out + _cite(cal.citation) + _reading(cal.reading) + [""]


def _vocabulary(spec: PolicySpec) -> list[str]:
    vocab = spec.vocabulary
    channels = [] if spec.subject is not None else [f"Channels accepted: {', '.join(vocab.channels)}.", ""]
    out = subject_section(spec) + ["## Vocabulary", "", *channels]
    for title, mapping in (
        ("Concern tags", vocab.concerns),
        ("Grievance types", vocab.types),
        ("Events", vocab.events),
        ("Assistance needs", vocab.assistance),
        ("Responsible roles", vocab.roles),
        ("Scheduled moments", vocab.schedule),
        ("Handlers (besides plan and health_plan)", vocab.handlers),
    ):
        if mapping:
            out += [f"### {title}", ""] + _table(("id", "meaning"), ((f"`{k}`", v) for k, v in mapping.items()))
    if vocab.recorded_only:
        shown = ", ".join(f"`{n}`" for n in vocab.recorded_only)
        out += [f"Recorded only (facts may carry them; no rule tests them): {shown}.", ""]
    return out


def _filing_window(spec: PolicySpec) -> list[str]:
    fw = spec.filing_window
    if fw is None:
        return []
    out = [
        "## Filing window",
        "",
        f"A grievance is filed on time when it is received no later than the incident date + {fw.amount} "
        "calendar days.",
        "",
    ]
    return out + _cite(fw.citation) + _reading(fw.reading) + [""]


def _delegation(spec: PolicySpec) -> list[str]:
    d = spec.delegation
    if d is None:
        return []
    by_plan = d.direction == "by_plan"
    dd = d.default
    rows: list[tuple[str, ...]] = []
    entries: list[tuple[str, DelegationRow | DelegationDefault]] = [(r.group, r) for r in d.rows]
    for group, r in [*entries, ("*any other group*", dd)]:
        row = (group, _yes(r.delegated), _yes(r.verbal_grievances), ", ".join(r.written_channels) or "-", r.form)
        rows.append((*row, r.to or "-") if by_plan else row)
    out = ["## Delegation matrix", ""]
    if by_plan:
        out += [
            "The plan delegates grievance handling: a delegated group is handled by the entity in "
            "'delegated to', any other group by the plan (`delegation.handler`).",
            "",
        ]
    head = ("group", "delegated", "verbal grievances", "written channels", "form")
    out += _table((*head, "delegated to") if by_plan else head, rows)
    out += [f'A group not in the matrix is warned about: "{dd.warning}"', ""]
    return out + _cite(d.citation) + _reading(d.reading) + _reading(dd.reading) + [""]


def _facts(spec: PolicySpec) -> list[str]:
    if not spec.facts:
        return []
    out = [
        "## Facts the pack adds",
        "",
        "Given in the grievance facts under `facts:`; rules test them as `facts.<name>`.",
        "",
    ]
    rows = []
    for name, decl in spec.facts.items():
        ftype = decl.fact_type()
        if decl.default is not None:
            default = str(decl.default)
        elif ftype.kind in ("bool", "tags"):
            default = "false" if ftype.kind == "bool" else "(no tags)"
        else:
            default = "(required)"
        rows.append((f"`facts.{name}`", decl.type, allowed_words(ftype), default, decl.description))
    out += _table(("fact", "type", "allowed", "when not given", "meaning"), rows)
    for name, decl in spec.facts.items():
        if decl.citation is not None or decl.reading:
            out += [f"### `facts.{name}`", ""] + _cite(decl.citation) + _reading(decl.reading) + [""]
    return out


def _flags(spec: PolicySpec) -> list[str]:
    if not spec.flags:
        return []
    out = ["## Flags", "", "Each flag is reported in the Determination's `flags` as true or false.", ""]
    for f in spec.flags:
        out += [f"### `{spec.id}.{f.id}`", ""]
        if f.description:
            out += [f.description, ""]
        out.append(f"- **True when:** {describe(f.when)}")
        out += _cite(f.citation) + _reading(f.reading) + [""]
    return out


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _timers(spec: PolicySpec) -> list[str]:
    out: list[str] = []
    for t in spec.timers:
        out += [f"## Timer `{t.id}`", ""]
        if t.description:
            out += [t.description, ""]
        out += [
            f"- **Met when** '{t.event}' happens {deadline_words(t.within)}; missed once that moment passes "
            "without it; open until then."
        ]
        out += _cite(t.citation) + _reading(t.reading) + [""]
    return out


def _patterns(spec: PolicySpec) -> list[str]:
    out: list[str] = []
    for pat in spec.patterns:
        out += [f"## Pattern across grievances `{spec.id}.{pat.id}`", ""]
        if pat.description:
            out += [pat.description, ""]
        out += [
            f"- **Counts:** a grievance for which {describe(pat.when)}",
            f"- **Completed by:** the {pat.count}th counting grievance with the same {', '.join(pat.same)} "
            f"received within {pat.within.amount} calendar days of the first (matched in a case book)",
            f"- **Then:** that grievance is evaluated again with `patterns.{pat.id}` true",
        ]
        out += _cite(pat.citation) + _reading(pat.reading) + [""]
    return out


_CHOICE_TITLES = {"classification": "Classification", "level": "Level", "handled_by": "Who handles it"}


def _choices(spec: PolicySpec) -> list[str]:
    out: list[str] = []
    for name, choice in spec.choices().items():
        out += _choice(spec.id, _CHOICE_TITLES[name], name, choice)
    return out


def _actions(spec: PolicySpec) -> list[str]:
    if not spec.actions:
        return []
    out = ["## Required actions", ""]
    for a in spec.actions:
        out += [f"### `{spec.id}.{a.id}`: {a.title} (`{a.code}`)", ""]
        if a.description:
            out += [a.description, ""]
        out.append(f"- **Required when:** {describe(a.when)}")
        label = "Keep until (never overdue)" if a.keep_until else "Due"
        out.append(f"- **{label}:** {deadline_words(a.deadline) if a.deadline else 'no deadline stated'}")
        if a.target is not None:
            out.append(
                f"- **Target (the plan's internal goal, not a due date; never overdue):** {deadline_words(a.target)}"
            )
        if a.responsible:
            out.append(f"- **Responsible:** {a.responsible}")
        if a.done_by:
            out.append(f"- **Done when:** {', '.join(a.done_by)}")
        for detail in a.details:
            out.append(f"- **Includes:** {detail}")
        out += _cite(a.citation) + _reading(a.reading) + [""]
    return out


def _extensions(spec: PolicySpec) -> list[str]:
    if not spec.extensions:
        return []
    out = ["## Extensions", ""]
    for ext in spec.extensions:
        out += [f"### `{spec.id}.{ext.id}`", ""]
        if ext.description:
            out += [ext.description, ""]
        n = ext.amount
        out.append(f"- **Taken when:** a `{ext.event}` event is recorded")
        out.append(f"- **Moves:** {', '.join(ext.extends)} by {n} {UNIT_WORDS[ext.unit]}{'s' if n != 1 else ''}")
        if ext.notice:
            out.append(f"- **Requires the notice:** {ext.notice}")
        out += _cite(ext.citation) + _reading(ext.reading) + [""]
    return out


def _warnings(spec: PolicySpec) -> list[str]:
    if not (spec.warnings or spec.record_requirements):
        return []
    out = ["## Warnings", ""]
    for w in spec.warnings:
        out += [f"### `{spec.id}.{w.id}`", ""]
        if w.description:
            out += [w.description, ""]
        out += [f"- **When:** {describe(w.when)}", f"- **Says:** {w.message}"]
        out += _cite(w.citation) + _reading(w.reading) + [""]
    for req in spec.record_requirements:
        out += [f"### `{spec.id}.{req.id}`: record fields", ""]
        if req.description:
            out += [req.description, ""]
        out.append(f"- **When:** {describe(req.when)}")
        for fld, label in req.fields.items():
            out.append(f"- **Missing `{fld}` is a warning:** {label}")
        out += _cite(req.citation) + _reading(req.reading) + [""]
    return out


def _reports(spec: PolicySpec) -> list[str]:
    if not spec.reports:
        return []
    out = ["## Reports", ""]
    out += [
        "Run with `policy.report(name, records, period=...)` or `grievance-rules report` "
        "(see docs/reports.md). Every value of a dimension is listed, even at 0.",
        "",
    ]
    for rep in spec.reports:
        out += [f"### `{rep.name}`: {rep.title}", ""]
        if rep.description:
            out += [rep.description, ""]
        out.append(f"- **Period:** {'any period' if rep.period == 'any' else 'one ' + rep.period}")
        if rep.where:
            chosen = "; ".join(f"{dim} is {' or '.join(values)}" for dim, values in rep.where.items())
            out.append(f"- **Counts only grievances where:** {chosen}")
        out.append(f"- **Counts by:** {', '.join(rep.dimensions) or 'the total only'}")
        m = rep.measures
        measures = ["count"]
        if m.rate_per_1000_member_months:
            measures.append("rate per 1000 member months (member months given at run time)")
        if m.timeliness == "all":
            measures.append(f"timeliness of every deadlined action ({', '.join(spec.deadline_codes())})")
        elif m.timeliness:
            measures.append(f"timeliness of {', '.join(m.timeliness)}")
        if m.open_after_days is not None:
            measures.append(f"open after {m.open_after_days} days at the end of the period")
        if m.median_days_to_resolution:
            measures.append("median days to resolution")
        out.append(f"- **Measures:** {'; '.join(measures)}")
        if rep.fields:
            out.append(f"- **Lists, one row per grievance:** {', '.join(rep.fields)}")
        if rep.withheld:
            out.append(f"- **Left out (personal data):** {'; '.join(rep.withheld)}")
        for printed in rep.printed_rates:
            out.append(
                f"- **The document prints** a rate of {printed.value} for {printed.period} "
                f"({printed.citation.render()}); the report checks it against its own inputs"
            )
        out += _cite(rep.citation) + _reading(rep.reading) + [""]
    return out


def _retention(spec: PolicySpec) -> list[str]:
    r = spec.retention
    if r is None:
        return []
    return ["## Retention", "", f"Keep for {r.years} years: {r.what}", ""] + _cite(r.citation) + [""]


#: The page's sections in order; each renders one part of the pack (nothing when it is absent).
_SECTIONS: tuple[Callable[[PolicySpec], list[str]], ...] = (
    _header,
    _calendar,
    _vocabulary,
    _facts,
    _filing_window,
    _delegation,
    _timers,
    _patterns,
    _choices,
    _flags,
    _actions,
    _extensions,
    _warnings,
    _reports,
    _retention,
)
