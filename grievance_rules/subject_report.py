"""Reports over the records of a subject pack (``subject.reports``; docs/subjects.md).

A subject report judges the records together (a :class:`CaseBook`, so runs such as consecutive
quarters are counted) and lays the outcomes out as one row per key (say the office) and one
column per period (say the month), listing the action codes each cell gets. An ``aggregate``
adds each key's exact ratio over all its records (say the quarter's claims over its enrollment)
next to the document's own printed, rounded figure, and flags where the rounding puts an office
on the wrong side of the threshold (4.82% printed as 5%).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from grievance_rules.casebook import CaseBook
from grievance_rules.errors import FactsError, ReportError
from grievance_rules.policy import Policy
from grievance_rules.report import RecordProblem
from grievance_rules.schema import SubjectReport
from grievance_rules.subject import exact_text

__all__ = ["AggregateRow", "SubjectReportResult", "SubjectRow", "run_subject_report", "subject_report_markdown"]


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class SubjectRow(_Out):
    """One key (e.g. an office): its outcome and action codes per period."""

    key: str
    outcomes: dict[str, str]
    actions: dict[str, tuple[str, ...]]


class AggregateRow(_Out):
    """One key's exact ratio over its records, beside the document's printed figure."""

    key: str
    numerator: str
    denominator: str
    exact: str | None  # None when the denominator is 0
    below: bool | None
    printed: str | None
    hidden_below: bool  # the printed figure is at or above the threshold, the exact one below it
    note: str


class SubjectReportResult(_Out):
    """A subject report (see the module docstring)."""

    name: str
    title: str
    policy_id: str
    policy_version: str
    subject: str
    key: str
    period: str | None
    show: str
    periods: tuple[str, ...]
    rows: tuple[SubjectRow, ...]
    with_actions: dict[str, tuple[str, ...]]  # period ("" without periods) -> keys that get an action
    aggregate_title: str | None
    threshold: str | None
    aggregate: tuple[AggregateRow, ...]
    citation: str
    errors: tuple[RecordProblem, ...]


def find_subject_report(policy: Policy, name: str) -> SubjectReport:
    """The pack's subject report ``name``; :class:`ReportError` names the ones it has."""
    subject = policy.spec.subject
    reports = [] if subject is None else subject.reports
    for rep in reports:
        if rep.name == name:
            return rep
    names = ", ".join(r.name for r in reports) or "(none)"
    raise ReportError(f"pack {policy.id!r} has no subject report {name!r}; its subject reports: {names}")


_PRINTED = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)\s*%?\s*$")


def run_subject_report(policy: Policy, name: str, records: Iterable[Mapping[str, Any]]) -> SubjectReportResult:
    """Judge ``records`` together and lay out the pack's subject report ``name``.

    A record with bad facts is listed in ``errors`` (position, field; never its content).
    """
    spec = find_subject_report(policy, name)
    book = CaseBook(policy)
    kept: list[Mapping[str, Any]] = []
    problems: list[RecordProblem] = []
    for position, record in enumerate(records, start=1):
        try:
            book.add(record)
        except FactsError as exc:
            rid = record.get("id") if isinstance(record, Mapping) and isinstance(record.get("id"), str) else None
            problems.append(RecordProblem(record=position, id=rid, field=exc.field, error=str(exc)))
            continue
        kept.append(record)
    result = book.evaluate()
    show = spec.show
    periods: dict[str, None] = {}
    rows: dict[str, SubjectRow] = {}
    sums: dict[str, list[Fraction]] = {}
    with_actions: dict[str, list[str]] = {}
    for record, det in zip(kept, result.determinations, strict=True):
        key = str(record[spec.key])
        period = str(record[spec.period]) if spec.period else ""
        periods.setdefault(period, None)
        row = rows.setdefault(key, SubjectRow(key=key, outcomes={}, actions={}))
        outcome = det.classification if show == "classification" else det.level
        row.outcomes[period] = outcome or ""
        codes = tuple(dict.fromkeys(a.code for a in det.actions))
        row.actions[period] = codes
        if codes:
            with_actions.setdefault(period, []).append(key)
        if spec.aggregate is not None:
            acc = sums.setdefault(key, [Fraction(0), Fraction(0)])
            acc[0] += Fraction(str(record[spec.aggregate.numerator]))
            acc[1] += Fraction(str(record[spec.aggregate.denominator]))
    aggregate: list[AggregateRow] = []
    threshold = None
    if spec.aggregate is not None:
        agg = spec.aggregate
        bound = Fraction(repr(agg.below))
        threshold = exact_text(bound)
        printed_values = agg.printed.values if agg.printed else {}
        for key, (num, den) in sums.items():
            exact = None if den == 0 else num / den * agg.times
            printed = printed_values.get(key)
            printed_number = _printed_number(printed)
            below = None if exact is None else exact < bound
            hidden = bool(below and printed_number is not None and printed_number >= bound)
            if exact is None:
                note = "no denominator: no ratio"
            elif hidden:
                note = f"printed {printed}, but the exact figure is below {threshold}"
            else:
                note = ""
            aggregate.append(
                AggregateRow(
                    key=key,
                    numerator=exact_text(num),
                    denominator=exact_text(den),
                    exact=None if exact is None else _percent_text(exact),
                    below=below,
                    printed=printed,
                    hidden_below=hidden,
                    note=note,
                )
            )
    return SubjectReportResult(
        name=spec.name,
        title=spec.title,
        policy_id=policy.id,
        policy_version=policy.version,
        subject=policy.spec.subject.name if policy.spec.subject else "grievance",
        key=spec.key,
        period=spec.period,
        show=show,
        periods=tuple(sorted(periods)),
        rows=tuple(rows.values()),
        with_actions={p: tuple(v) for p, v in sorted(with_actions.items())},
        aggregate_title=spec.aggregate.title if spec.aggregate else None,
        threshold=threshold,
        aggregate=tuple(aggregate),
        citation=f"{spec.citation.render()}: {spec.citation.quote}" if spec.citation.quote else spec.citation.render(),
        errors=tuple(problems),
    )


def _printed_number(text: str | None) -> Fraction | None:
    found = _PRINTED.match(text or "")
    return None if found is None else Fraction(found.group(1))


def _percent_text(value: Fraction) -> str:
    """An exact figure shown to two decimals and as its fraction: ``4.82 (= 77/1596 × 100)``."""
    return f"{float(value):.2f} (exact: {exact_text(value)})"


def _cell(outcome: str, codes: tuple[str, ...]) -> str:
    return outcome + (f" → {', '.join(codes)}" if codes else "")


def subject_report_markdown(rep: SubjectReportResult) -> str:
    """The report as Markdown."""
    lines = [f"# {rep.title}", "", f"Pack `{rep.policy_id}` {rep.policy_version}; subject `{rep.subject}`.", ""]
    lines += [f"Source: {rep.citation}", ""]
    periods = [p for p in rep.periods if p] or [""]
    header = [rep.key, *(p or rep.show for p in periods)]
    lines += [f"## {rep.show.capitalize()} and actions" + (f" by {rep.period}" if rep.period else ""), ""]
    lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rep.rows:
        cells = [_cell(row.outcomes.get(p, "—"), row.actions.get(p, ())) if p in row.outcomes else "—" for p in periods]
        lines.append("| " + " | ".join([row.key.replace("|", "\\|"), *cells]) + " |")
    lines.append("")
    lines += [f"## Count by {rep.show}", ""]
    for p in periods:
        counts: dict[str, int] = {}
        for row in rep.rows:
            if p in row.outcomes:
                counts[row.outcomes[p]] = counts.get(row.outcomes[p], 0) + 1
        label = f"**{p}**: " if p else ""
        lines.append(f"- {label}" + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    lines.append("")
    lines += ["## Who gets an action" + (f", by {rep.period}" if rep.period else ""), ""]
    if not rep.with_actions:
        lines += ["No record gets an action.", ""]
    for period, keys in rep.with_actions.items():
        label = f"**{period}**" if period else "**All records**"
        lines.append(f"- {label} ({len(keys)}): " + "; ".join(keys))
    lines.append("")
    if rep.aggregate_title is not None:
        lines += [f"## {rep.aggregate_title}", ""]
        lines += [
            f"Computed exactly from the summed counts; below {rep.threshold} is flagged. Where the document's "
            "printed (rounded) figure is at or above the threshold but the exact figure is below it, the row "
            "says so.",
            "",
            f"| {rep.key} | numerator | denominator | exact | below {rep.threshold} | printed | note |",
            "|---|---|---|---|---|---|---|",
        ]
        for a in rep.aggregate:
            below = "—" if a.below is None else ("**yes**" if a.below else "no")
            lines.append(
                f"| {a.key} | {a.numerator} | {a.denominator} | {a.exact or '—'} | {below} | {a.printed or '—'} | "
                f"{('**' + a.note + '**') if a.hidden_below else a.note} |"
            )
        hidden = [a.key for a in rep.aggregate if a.hidden_below]
        lines += ["", f"Printed at or above {rep.threshold} but below it exactly: " + ("; ".join(hidden) or "none"), ""]
    if rep.errors:
        lines += ["## Records not counted", ""]
        lines += [f"- record {e.record}: {e.error}" for e in rep.errors]
        lines.append("")
    return "\n".join(lines)
