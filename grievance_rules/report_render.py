"""A :class:`~grievance_rules.report.Report` as CSV, Markdown or a self-contained HTML page.

Every renderer returns text; the command line writes it. The HTML page is for a manager: the
title, the period, the plan, the totals, a table per dimension, timeliness per action and the
ageing of open cases, with charts drawn by matplotlib and embedded inline as SVG (no file or
network access when the page is opened). matplotlib is the optional ``report`` extra and is
imported only when a page is drawn.

Every number in the HTML tables carries ``data-key`` (its dotted place in the JSON report, e.g.
``counts.type.other``) so a reader or a test can check it against the JSON.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import importlib
import io
import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from grievance_rules.errors import GrievanceRulesError
from grievance_rules.report import Report

__all__ = ["ReportRenderError", "report_csv", "report_html", "report_markdown", "report_parquet"]

_TIMELINESS = ("on_time", "late", "overdue", "pending")
_COLOURS = {"on_time": "#2e7d32", "late": "#f9a825", "overdue": "#c62828", "pending": "#90a4ae"}


class ReportRenderError(GrievanceRulesError, RuntimeError):
    """A report cannot be drawn: the HTML charts need matplotlib (``pip install 'grievance-rules[report]'``)."""


def _label(value: str) -> str:
    return value.replace("_", " ")


def _number(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "—"
    return f"{value:.{digits}g}" if abs(value) < 1 else f"{value:,.2f}"


def _metric_rows(rep: Report) -> list[tuple[str, str, Any]]:
    rows: list[tuple[str, str, Any]] = [
        ("report", "", rep.report),
        ("policy", "id", rep.policy.id),
        ("policy", "version", rep.policy.version),
        ("period", "start", rep.period.start.isoformat()),
        ("period", "end", rep.period.end.isoformat()),
        ("as_of", "", rep.as_of.isoformat()),
        ("total", "", rep.total),
    ]
    for dim, values in rep.counts.items():
        rows += [(f"counts.{dim}", value, n) for value, n in values.items()]
    rows.append(("member_months", "", rep.member_months))
    rows.append(("rate_per_1000_member_months", "", rep.rate_per_1000_member_months))
    for code, t in rep.timeliness.items():
        rows += [(f"timeliness.{code}", key, getattr(t, key)) for key in _TIMELINESS]
    rows.append(("open", "", rep.open))
    if rep.open_after is not None:
        rows.append(("open_after", f"{rep.open_after.days} days", rep.open_after.count))
    rows += [("open_ageing", label, n) for label, n in rep.open_ageing.items()]
    rows.append(("resolved", "", rep.resolved))
    rows.append(("median_days_to_resolution", "", rep.median_days_to_resolution))
    rows.append(("errors", "", len(rep.errors)))
    return rows


def report_csv(rep: Report) -> str:
    """CSV: a log-style report gives its rows (one per grievance, its fields as columns); any other
    report gives one ``section,item,value`` row per figure (``counts.type,other,11``)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    if rep.rows is not None and rep.fields is not None:
        writer.writerow(rep.fields)
        for row in rep.rows:
            writer.writerow([";".join(v) if isinstance(v, list) else ("" if v is None else v) for v in row.values()])
        return buf.getvalue()
    writer.writerow(["section", "item", "value"])
    for section, item, value in _metric_rows(rep):
        writer.writerow([section, item, "" if value is None else value])
    return buf.getvalue()


def report_parquet(rep: Report, path: Any) -> int:
    """The CSV form's table as Parquet; returns the rows written.

    Any report but a log: ``section``, ``item``, ``value`` (text, exactly the CSV cell) and
    ``number`` (the figure as a float64 when it is a number, else null: counts, rate, timeliness,
    ageing, median, errors). A log-style report: its rows, one per grievance, with ``received_at``
    and ``resolved_at`` as timestamps in the plan's timezone, ``received_date`` a date,
    ``days_to_resolution`` a float64, ``concerns`` a list of tags, other fields text. Needs the
    ``table`` extra (pyarrow)."""
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise ReportRenderError("writing Parquet needs pyarrow: pip install 'grievance-rules[table]'") from None
    if rep.rows is not None and rep.fields is not None:
        kinds = {
            "received_at": pa.timestamp("us", tz=rep.timezone),
            "resolved_at": pa.timestamp("us", tz=rep.timezone),
            "received_date": pa.date32(),
            "days_to_resolution": pa.float64(),
            "concerns": pa.list_(pa.string()),
        }
        schema = pa.schema([pa.field(f, kinds.get(f, pa.string())) for f in rep.fields])
        converted = {
            "received_at": dt.datetime.fromisoformat,
            "resolved_at": dt.datetime.fromisoformat,
            "received_date": dt.date.fromisoformat,
        }
        data = [
            {k: (converted[k](v) if k in converted and v is not None else v) for k, v in row.items()}
            for row in rep.rows
        ]
    else:
        schema = pa.schema(
            [
                pa.field("section", pa.string()),
                pa.field("item", pa.string()),
                pa.field("value", pa.string()),
                pa.field("number", pa.float64()),
            ]
        )
        data = [
            {
                "section": section,
                "item": item,
                "value": "" if value is None else str(value),
                "number": float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None,
            }
            for section, item, value in _metric_rows(rep)
        ]
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path)
    return len(data)


# ------------------------------------------------------------------ Markdown


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    out = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|",
    ]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out + [""]


def _summary(rep: Report) -> list[tuple[str, str, str]]:
    """(label, shown value, data-key) of the headline figures."""
    items = [("Grievances received", f"{rep.total:,}", "total")]
    if rep.member_months is not None:
        items.append(("Member months", f"{rep.member_months:,}", "member_months"))
        items.append(
            ("Rate per 1000 member months", _number(rep.rate_per_1000_member_months), "rate_per_1000_member_months")
        )
    items.append(("Open at as-of", f"{rep.open:,}", "open"))
    if rep.open_after is not None:
        items.append((f"Open after {rep.open_after.days} days", f"{rep.open_after.count:,}", "open_after.count"))
    if rep.median_days_to_resolution is not None:
        items.append(("Median days to resolution", f"{rep.median_days_to_resolution:.1f}", "median_days_to_resolution"))
    return items


def report_markdown(rep: Report) -> str:
    """The report as Markdown: headline figures, a table per dimension, timeliness, ageing, notes."""
    out = [
        f"# {rep.title}",
        "",
        f"- **Plan:** `{rep.policy.id}` {rep.policy.version}",
        f"- **Period:** {rep.period.start.isoformat()} to {rep.period.end.isoformat()} ({rep.timezone})",
        f"- **As of:** {rep.as_of.isoformat()}",
        f"- **Source:** {rep.citation}",
        "",
    ]
    out += _md_table(("figure", "value"), ((label, value) for label, value, _ in _summary(rep)))
    for dim, values in rep.counts.items():
        out += [f"## By {_label(dim)}", ""]
        out += _md_table((_label(dim), "grievances"), ((f"`{v}`", n) for v, n in values.items()))
    if rep.timeliness:
        out += ["## Timeliness per action", ""]
        out += _md_table(
            ("action", *(_label(k) for k in _TIMELINESS)),
            ((f"`{code}`", *(getattr(t, k) for k in _TIMELINESS)) for code, t in rep.timeliness.items()),
        )
    if rep.open_after is not None:
        out += ["## Ageing of open grievances", ""]
        out += _md_table(("age at as-of", "open grievances"), rep.open_ageing.items())
    if rep.rows is not None and rep.fields is not None:
        out += [f"## Log ({len(rep.rows)} entries)", ""]
        out += _md_table(rep.fields, ([_cell(v) for v in row.values()] for row in rep.rows))
    if rep.errors:
        out += ["## Records not counted", ""]
        out += _md_table(("record", "id", "field"), ((e.record, e.id or "", e.field or "") for e in rep.errors))
    out += ["## Notes", ""] + [f"- {note}" for note in rep.notes] + [""]
    if rep.reading:
        out += [f"**Reading:** {rep.reading}", ""]
    return "\n".join(out)


_ISO_MOMENT = re.compile(r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)$")


def _local(text: str) -> str:
    """An ISO moment of a log row (already in the plan's timezone) as ``2024-12-02 09:00``."""
    match = _ISO_MOMENT.match(text)
    return f"{match[1]} {match[2]}" if match else text


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# ------------------------------------------------------------------ HTML


def _svg(figure: Any) -> str:
    buf = io.StringIO()
    figure.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buf.getvalue()
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    # no creator/date block: the page is the same every time it is drawn from the same report
    return re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)


def _charts(rep: Report) -> list[tuple[str, str]]:
    """(caption, inline SVG) of each chart; raises :class:`ReportRenderError` without matplotlib."""
    try:
        import matplotlib
        from matplotlib.figure import Figure
        from matplotlib.ticker import MaxNLocator
    except ImportError:
        raise ReportRenderError(
            "the HTML report draws its charts with matplotlib, which is not installed; "
            "install it with: pip install 'grievance-rules[report]' (or choose --format json, csv or md)"
        ) from None
    charts: list[tuple[str, str]] = []
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "grievance-rules", "font.size": 10}):
        for dim, values in rep.counts.items():
            labels = [textwrap.fill(_label(v), 16) for v in values]
            fig = Figure(figsize=(6.4, 0.45 * len(labels) + 0.9))
            ax = fig.add_subplot()
            bars = ax.barh(labels, list(values.values()), color="#1565c0")
            ax.bar_label(bars, padding=3)
            ax.invert_yaxis()
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("grievances")
            ax.set_title(f"Grievances by {_label(dim)}")
            ax.spines[["top", "right"]].set_visible(False)
            ax.margins(x=0.12)
            charts.append((f"Grievances by {_label(dim)}", _svg(fig)))
        if rep.timeliness:
            codes = list(rep.timeliness)
            fig = Figure(figsize=(6.4, 0.5 * len(codes) + 1.3))
            ax = fig.add_subplot()
            left = [0] * len(codes)
            for key in _TIMELINESS:
                widths = [getattr(rep.timeliness[c], key) for c in codes]
                ax.barh([_label(c) for c in codes], widths, left=left, color=_COLOURS[key], label=_label(key))
                left = [a + b for a, b in zip(left, widths, strict=True)]
            ax.invert_yaxis()
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_xlabel("actions")
            ax.set_title("Timeliness per action")
            ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), frameon=False)
            ax.spines[["top", "right"]].set_visible(False)
            charts.append(("Timeliness per action", _svg(fig)))
        if rep.open_after is not None:
            fig = Figure(figsize=(6.4, 2.8))
            ax = fig.add_subplot()
            bars = ax.bar(list(rep.open_ageing), list(rep.open_ageing.values()), color="#6a1b9a")
            ax.bar_label(bars, padding=2)
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel("open grievances")
            ax.set_title(f"Ageing of open grievances at {rep.as_of.date().isoformat()}")
            ax.spines[["top", "right"]].set_visible(False)
            ax.margins(y=0.15)
            charts.append(("Ageing of open grievances", _svg(fig)))
    return charts


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;max-width:60rem;
color:#1f2933;padding:0 1rem;line-height:1.45}
h1{margin-bottom:.2rem}h2{margin-top:2rem;border-bottom:1px solid #d9e2ec;padding-bottom:.2rem}
.meta{color:#52606d;margin-top:0}.meta strong{white-space:nowrap}
.callout{border-left:4px solid #f9a825;background:#fffbea;padding:.5rem 1rem;margin:1rem 0}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:1.2rem 0}
.card{border:1px solid #d9e2ec;border-radius:.5rem;padding:.6rem 1rem;min-width:9rem;background:#f8fafc}
.card .v{font-size:1.6rem;font-weight:600}.card .l{color:#52606d;font-size:.85rem}
table{border-collapse:collapse;margin:.6rem 0 1rem}table.log td{white-space:nowrap}
td,th{border-bottom:1px solid #e4e7eb;padding:.25rem .8rem;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.pair{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}.pair svg{max-width:36rem;height:auto}
ul.notes li{margin:.2rem 0}.reading{color:#3e4c59;font-size:.92rem}
"""


def _td_num(value: Any, key: str) -> str:
    shown = f"{value:,}" if isinstance(value, int) else html.escape(str(value))
    return f'<td class="n" data-key="{html.escape(key)}">{shown}</td>'


def report_html(rep: Report, plan_name: str | None = None) -> str:
    """A self-contained HTML page (inline CSS and SVG charts) for a manager to read."""
    charts = dict(_charts(rep))
    esc = html.escape
    plan = esc(plan_name) + " — " if plan_name else ""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(rep.title)} — {esc(rep.policy.id)} — {rep.period.start.isoformat()} to "
        f"{rep.period.end.isoformat()}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{esc(rep.title)}</h1>",
        f'<p class="meta">{plan}<code>{esc(rep.policy.id)}</code> {esc(rep.policy.version)} · period '
        f'<strong data-key="period.start">{rep.period.start.isoformat()}</strong> to '
        f'<strong data-key="period.end">{rep.period.end.isoformat()}</strong> ({esc(rep.timezone)}) · as of '
        f"{esc(rep.as_of.isoformat())}</p>",
        '<div class="cards">',
    ]
    for label, value, key in _summary(rep):
        parts.append(
            f'<div class="card"><div class="v" data-key="{key}">{esc(value)}</div>'
            f'<div class="l">{esc(label)}</div></div>'
        )
    parts.append("</div>")
    # what a reader must not miss: a figure of the document that the inputs do not give
    parts += [f'<p class="callout">{esc(n[0].upper() + n[1:])}</p>' for n in rep.notes if "the document prints" in n]
    for dim, values in rep.counts.items():
        caption = f"Grievances by {_label(dim)}"
        rows = "".join(
            f"<tr><td>{esc(_label(v))}</td>{_td_num(n, f'counts.{dim}.{v}')}</tr>" for v, n in values.items()
        )
        parts.append(
            f'<h2>{esc(caption)}</h2><div class="pair"><table><thead><tr><th>{esc(_label(dim))}</th>'
            f'<th class="n">grievances</th></tr></thead><tbody>{rows}</tbody></table>{charts.get(caption, "")}</div>'
        )
    if rep.timeliness:
        head = "".join(f'<th class="n">{_label(k)}</th>' for k in _TIMELINESS)
        rows = "".join(
            f"<tr><td>{esc(_label(code))}</td>"
            + "".join(_td_num(getattr(t, k), f"timeliness.{code}.{k}") for k in _TIMELINESS)
            + "</tr>"
            for code, t in rep.timeliness.items()
        )
        parts.append(
            f"<h2>Timeliness per action</h2><table><thead><tr><th>action</th>{head}</tr></thead>"
            f"<tbody>{rows}</tbody></table>{charts.get('Timeliness per action', '')}"
        )
    if rep.open_after is not None:
        rows = "".join(
            f"<tr><td>{esc(label)}</td>{_td_num(n, f'open_ageing.{label}')}</tr>"
            for label, n in rep.open_ageing.items()
        )
        parts.append(
            '<h2>Ageing of open grievances</h2><div class="pair"><table><thead><tr><th>age at as-of</th>'
            f'<th class="n">open</th></tr></thead><tbody>{rows}</tbody></table>'
            f"{charts.get('Ageing of open grievances', '')}</div>"
        )
    if rep.rows is not None and rep.fields is not None:
        head = "".join(f"<th>{esc(_label(f))}</th>" for f in rep.fields)
        body = "".join(
            "<tr>" + "".join(f"<td>{esc(_local(_cell(v)))}</td>" for v in row.values()) + "</tr>" for row in rep.rows
        )
        parts.append(
            f'<h2>Log (<span data-key="rows.length">{len(rep.rows)}</span> '
            f"{'entry' if len(rep.rows) == 1 else 'entries'}; times are local, {esc(rep.timezone)})</h2>"
            f'<table class="log"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )
    if rep.errors:
        body = "".join(
            f"<tr><td>{e.record}</td><td>{esc(e.id or '')}</td><td>{esc(e.field or '')}</td></tr>" for e in rep.errors
        )
        parts.append(
            f'<h2>Records not counted (<span data-key="errors.length">{len(rep.errors)}</span>)</h2>'
            f"<table><thead><tr><th>record</th><th>id</th><th>field</th></tr></thead><tbody>{body}</tbody></table>"
        )
    parts.append('<h2>How the figures were computed</h2><ul class="notes">')
    parts += [f"<li>{esc(note)}</li>" for note in rep.notes]
    parts.append("</ul>")
    parts.append(f'<p class="reading"><strong>Source:</strong> {esc(rep.citation)}</p>')
    if rep.reading:
        parts.append(f'<p class="reading"><strong>Reading:</strong> {esc(rep.reading)}</p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
