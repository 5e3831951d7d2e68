"""The audit export (contract section 8): one flat row per grievance, and its CSV and Parquet writers.

The rows are modelled on the grievance *universes* regulators request in program audits (CMS asks
for the date and time each grievance was received, whether it was oral or written, its category,
whether it was expedited, the date of each notification and whether each was timely); see
``docs/export.md`` for the column dictionary and the correspondence.

:meth:`grievance_rules.Policy.export` builds the rows; this module fixes their layout
(:func:`export_layout`), flattens one Determination into a row (:func:`export_row`) and writes
rows as CSV (:func:`write_csv`) or Parquet (:func:`write_parquet`, needs the ``table`` extra).
Both writers stream: memory stays flat however many rows there are.

Parties and narratives are personal data: they are never in a row unless a caller names them in
``include`` (e.g. ``include=("narrative",)``).
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TextIO

from grievance_rules.determination import ActionResult, Determination
from grievance_rules.errors import GrievanceRulesError, did_you_mean
from grievance_rules.facts import PreparedFacts, field_value

if TYPE_CHECKING:  # pragma: no cover
    from grievance_rules.schema import PolicySpec

__all__ = [
    "BASE_COLUMNS",
    "INCLUDABLE",
    "ORAL_CHANNELS",
    "Column",
    "ExportError",
    "ExportLayout",
    "all_timely",
    "arrow_schema",
    "export_layout",
    "export_row",
    "write_csv",
    "write_parquet",
]

ColumnKind = Literal["string", "bool", "date", "time", "timestamp"]

BASE_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("grievance_id", "string"),
    ("policy_id", "string"),
    ("policy_version", "string"),
    ("received_date", "date"),
    ("received_time", "time"),
    ("channel", "string"),
    ("oral_or_written", "string"),
    ("type", "string"),
    ("concerns", "string"),
    ("urgent", "bool"),
    ("classification", "string"),
    ("level", "string"),
    ("handled_by", "string"),
    ("timely_filed", "bool"),
    ("filing_deadline", "date"),
    ("resolved_at", "timestamp"),
)
"""The contract's leading columns, in order, with their types."""

ACTION_COLUMNS: tuple[tuple[str, ColumnKind], ...] = (
    ("due_at", "timestamp"),
    ("done_at", "timestamp"),
    ("status", "string"),
)

ORAL_CHANNELS = frozenset({"phone", "in_person"})
"""Channels on which a grievance is spoken (oral); every other channel is written."""

_PARTY_FIELDS = ("id", "name", "address", "phone", "patient_name", "location")
INCLUDABLE: tuple[str, ...] = (
    "narrative",
    "representative_name",
    *(f"member.{f}" for f in _PARTY_FIELDS),
    *(f"provider.{f}" for f in _PARTY_FIELDS),
)
"""Personal fields a caller may ask for by name; ``member`` and ``provider`` name all of a party's fields."""

_SEVERITY = {"overdue": 0, "late": 1, "pending": 2, "done": 3}
"""Worst first: the order used to pick one action when a code occurs more than once."""

ROW_GROUP_SIZE = 10_000


class ExportError(GrievanceRulesError, ValueError):
    """An export was asked for wrongly (unknown include name) or cannot be written (pyarrow missing)."""


@dataclass(frozen=True)
class Column:
    """One column of the export: its name and the type its values have."""

    name: str
    kind: ColumnKind


@dataclass(frozen=True)
class ExportLayout:
    """The columns of one pack's export, fixed before any row is built."""

    timezone: str
    action_codes: tuple[str, ...]
    include: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The column names, in order."""
        return tuple(c.name for c in self.columns)


def _include_names(include: str | Iterable[str]) -> tuple[str, ...]:
    given = (include,) if isinstance(include, str) else tuple(include)
    out: list[str] = []
    for name in given:
        if not isinstance(name, str):
            raise ExportError(f"include: field names are text, not {type(name).__name__}")
        expanded = [f"{name}.{f}" for f in _PARTY_FIELDS] if name in ("member", "provider") else [name]
        for full in expanded:
            if full not in INCLUDABLE:
                hint = did_you_mean(full, INCLUDABLE)
                raise ExportError(
                    f"include: no personal field {full[:40]!r}{hint}; allowed: member, provider, "
                    + ", ".join(INCLUDABLE)
                )
            if full not in out:
                out.append(full)
    return tuple(out)


def export_layout(spec: PolicySpec, include: str | Iterable[str] = ()) -> ExportLayout:
    """The export's columns for a pack: the contract's columns, then ``<code>_due_at``,
    ``<code>_done_at`` and ``<code>_status`` for each distinct action code in pack order, then
    ``all_timely``, then any personal fields named in ``include`` (dots become underscores).
    """
    codes = tuple(dict.fromkeys(a.code for a in spec.actions))
    extra = _include_names(include)
    columns = [Column(n, k) for n, k in BASE_COLUMNS]
    for code in codes:
        columns.extend(Column(f"{code}_{suffix}", kind) for suffix, kind in ACTION_COLUMNS)
    columns.append(Column("all_timely", "string"))
    columns.extend(Column(name.replace(".", "_"), "string") for name in extra)
    names = [c.name for c in columns]
    if len(set(names)) != len(names):  # an action code such as "received" would collide
        dup = next(n for n in names if names.count(n) > 1)
        raise ExportError(f"the pack's action codes give the column {dup!r} twice; rename the action code")
    return ExportLayout(spec.calendar.timezone, codes, extra, tuple(columns))


def _pick(actions: Sequence[ActionResult]) -> ActionResult:
    """One action for a code that occurs more than once: the worst status, then the earliest due."""
    return min(
        actions,
        key=lambda a: (_SEVERITY[a.status], a.due_at is None, a.due_at.timestamp() if a.due_at else 0.0),
    )


def all_timely(actions: Iterable[ActionResult]) -> str | None:
    """``N`` if any action is late or overdue; None (empty) while any dated action is pending; else ``Y``.

    An action without a due moment can never be late, so it does not hold the verdict open.
    """
    pending = False
    for action in actions:
        if action.status in ("late", "overdue"):
            return "N"
        if action.status == "pending" and action.due_at is not None:
            pending = True
    return None if pending else "Y"


def _plain_date(value: dt.date) -> dt.date:
    return dt.date(value.year, value.month, value.day)


def export_row(layout: ExportLayout, facts: PreparedFacts, det: Determination) -> dict[str, Any]:
    """One grievance as a flat row (column name -> typed value; None is an empty cell)."""
    g = facts.grievance
    received = facts.received_at  # already in the plan's timezone
    row: dict[str, Any] = {
        "grievance_id": det.grievance_id,
        "policy_id": det.policy.id,
        "policy_version": det.policy.version,
        "received_date": _plain_date(received),
        "received_time": dt.time(received.hour, received.minute, received.second, received.microsecond),
        "channel": g.channel,
        "oral_or_written": None if g.channel is None else ("oral" if g.channel in ORAL_CHANNELS else "written"),
        "type": det.type,
        "concerns": ";".join(g.concerns),
        "urgent": g.urgent,
        "classification": det.classification,
        "level": det.level,
        "handled_by": det.handled_by,
        "timely_filed": det.timely_filed,
        "filing_deadline": None if det.filing_deadline is None else _plain_date(det.filing_deadline),
        "resolved_at": facts.resolved_at,
    }
    by_code: dict[str, list[ActionResult]] = {}
    for action in det.actions:
        by_code.setdefault(action.code, []).append(action)
    for code in layout.action_codes:
        found = by_code.get(code)
        chosen = None if not found else (found[0] if len(found) == 1 else _pick(found))
        row[f"{code}_due_at"] = None if chosen is None else chosen.due_at
        row[f"{code}_done_at"] = None if chosen is None else chosen.done_at
        row[f"{code}_status"] = None if chosen is None else chosen.status
    row["all_timely"] = all_timely(det.actions)
    for name in layout.include:
        value = field_value(g, name)
        row[name.replace(".", "_")] = value if value not in ("", None) else None
    return row


# ------------------------------------------------------------------ writers


def _cell(value: Any) -> str:
    """A CSV cell: empty for None, Y/N for booleans (as audit universes flag), ISO 8601 for moments."""
    if value is None:
        return ""
    if value is True:
        return "Y"
    if value is False:
        return "N"
    if isinstance(value, (dt.date, dt.time)):  # datetime is a date: isoformat keeps its offset
        return value.isoformat()
    return str(value)


def write_csv(rows: Iterable[Mapping[str, Any]], layout: ExportLayout, out: TextIO) -> int:
    """Write a header row and then each row (RFC 4180: CRLF line ends, quotes only where needed).

    ``out`` should be opened with ``newline=""``. Returns the number of rows written.
    """
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(layout.names)
    # text columns hold str or None and need no formatting; the typed ones go through _cell
    formats = [(c.name, str if c.kind == "string" else _cell) for c in layout.columns]
    count = 0
    for row in rows:
        writer.writerow(["" if (v := row.get(name)) is None else fmt(v) for name, fmt in formats])
        count += 1
    return count


def _pyarrow() -> Any:
    try:  # imported by name: pyarrow is an optional extra and ships no type information
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise ExportError(
            "Parquet export needs pyarrow, which is not installed; install the 'table' extra: "
            "pip install 'grievance-rules[table]' (or write --format csv)"
        ) from None
    return pa, pq


def arrow_schema(layout: ExportLayout) -> Any:
    """The pyarrow schema of the export: strings, booleans, dates, local times, timestamps in the plan's zone."""
    pa, _ = _pyarrow()
    types = {
        "string": pa.string(),
        "bool": pa.bool_(),
        "date": pa.date32(),
        "time": pa.time64("us"),
        "timestamp": pa.timestamp("us", tz=layout.timezone),
    }
    return pa.schema([pa.field(c.name, types[c.kind]) for c in layout.columns])


def write_parquet(
    rows: Iterable[Mapping[str, Any]],
    layout: ExportLayout,
    path: str | os.PathLike[str],
    row_group_size: int = ROW_GROUP_SIZE,
) -> int:
    """Write the rows as a Parquet file, ``row_group_size`` rows per row group (memory stays flat).

    Raises :class:`ExportError` when pyarrow is not installed. Returns the number of rows written.
    """
    if row_group_size < 1:
        raise ExportError("row_group_size must be 1 or more")
    pa, pq = _pyarrow()
    schema = arrow_schema(layout)
    names = layout.names
    count = 0
    with pq.ParquetWriter(str(Path(path)), schema) as writer:
        chunk: list[Mapping[str, Any]] = []

        def flush() -> None:
            columns = {name: [r.get(name) for r in chunk] for name in names}
            writer.write_table(pa.table(columns, schema=schema), row_group_size=row_group_size)
            chunk.clear()

        for row in rows:
            chunk.append(row)
            count += 1
            if len(chunk) >= row_group_size:
                flush()
        if chunk:
            flush()
    return count
