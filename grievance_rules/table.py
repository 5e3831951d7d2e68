"""Batches as tables (contract section 10): ``policy.evaluate_table(table)``.

A table of grievance facts (pyarrow, or anything with ``__arrow_c_stream__`` such as a pandas or
polars DataFrame) goes in; a pyarrow Table with one row per input row, in order, comes out:
``id``, ``classification``, ``level``, ``handled_by``, ``timely_filed``, ``filing_deadline``,
``error`` and, per action code of the pack, ``<code>_due_at`` and ``<code>_status``.

How a batch is worked out:

- Each row is validated and prepared exactly as :meth:`Policy.evaluate` does it (so a bad row
  carries the very :class:`FactsError` message ``evaluate`` raises, and every other row is still
  evaluated).
- The engine is asked once per distinct tuple of the properties the rules read (the engine's
  per-stage memo), so durable-rules sees each distinct decision input once per process.
- Deadlines and statuses are then computed per *decision group* (rows whose fired rules are the
  same) on whole numpy arrays: business days with ``numpy.busday_offset`` on the pack's workweek
  and holidays (the same holidays :class:`~grievance_rules.calendar.PlanCalendar` uses), the
  pack's deemed-receipt rule, calendar days, elapsed hours, close of the next business day,
  immediately, and anchors on events or on other actions. The end of a local day and close of
  business are looked up once per distinct local date, never per row.

pyarrow and numpy come with the optional extra ``grievance-rules[table]``; the core never imports
them (this module is imported only when ``evaluate_table`` is called).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from grievance_rules.errors import FactsError, GrievanceRulesError
from grievance_rules.facts import parse_grievance, prepare

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from grievance_rules.policy import Policy

__all__ = ["TableError", "evaluate_table", "table_columns"]

BASE_COLUMNS = ("id", "classification", "level", "handled_by", "timely_filed", "filing_deadline", "error")
"""The columns every result table starts with (contract section 10), in order."""

_SEVERITY = {"overdue": 0, "late": 1, "pending": 2, "done": 3}
"""Worst first: which action a code shows when it occurs more than once (as the audit export does)."""


class TableError(GrievanceRulesError, ValueError):
    """A table cannot be evaluated: pyarrow/numpy missing, or the input is not a table."""


def _require() -> tuple[Any, Any]:
    """pyarrow and numpy, or a clear error naming the extra to install."""
    try:
        import numpy
        import pyarrow
    except ImportError:
        raise TableError("evaluate_table needs pyarrow and numpy: pip install 'grievance-rules[table]'") from None
    return pyarrow, numpy


def as_arrow(table: Any) -> pa.Table:
    """``table`` as a pyarrow Table: a Table, a RecordBatch(Reader), or anything exporting
    ``__arrow_c_stream__`` (pandas >= 2.2, polars); older pandas DataFrames through ``from_pandas``."""
    pa, _ = _require()
    if isinstance(table, pa.Table):
        return table
    if isinstance(table, pa.RecordBatch):
        return pa.Table.from_batches([table])
    if isinstance(table, pa.RecordBatchReader):
        return table.read_all()
    if hasattr(table, "__arrow_c_stream__"):
        return pa.RecordBatchReader.from_stream(table).read_all()
    if type(table).__module__.startswith("pandas"):
        return pa.Table.from_pandas(table, preserve_index=False)
    raise TableError(
        f"evaluate_table takes a pyarrow Table or an object with __arrow_c_stream__, not {type(table).__name__}"
    )


def action_codes(policy: Policy) -> tuple[str, ...]:
    """The pack's distinct action codes in pack order (newest version first, then older ones' extras)."""
    return tuple(dict.fromkeys(a.code for v in policy.versions for a in v.spec.actions))


def table_columns(policy: Policy) -> tuple[str, ...]:
    """The result table's column names for ``policy``, in order."""
    out = list(BASE_COLUMNS)
    for code in action_codes(policy):
        out += [f"{code}_due_at", f"{code}_status"]
    return tuple(out)


def _plain(value: Any) -> Any:
    """A row value as the per-record API reads it: nulls dropped (an absent field), moments as
    ISO text (offset-less stays offset-less: read in the plan's timezone, as for JSON input)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    return value


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """The table's rows as fact mappings (absent = null)."""
    return [_plain(row) for row in table.to_pylist()]


def evaluate_table(policy: Policy, table: Any, as_of: str | dt.datetime | None = None) -> pa.Table:
    """Evaluate every row of ``table`` (see the module docstring); statuses are judged at ``as_of``.

    Raises :class:`TableError` when pyarrow/numpy are missing or ``table`` is not a table, and
    :class:`FactsError` for a bad ``as_of``; a bad *row* never raises: its ``error`` holds the
    message.
    """
    pa, np = _require()
    when = policy.parse_as_of(as_of)
    data = as_arrow(table)
    records = _rows(data)
    n = len(records)
    codes = action_codes(policy)
    code_index = {c: i for i, c in enumerate(codes)}
    ids: list[str | None] = [None] * n
    classification: list[str | None] = [None] * n
    level: list[str | None] = [None] * n
    handled_by: list[str | None] = [None] * n
    timely: list[bool | None] = [None] * n
    filing: list[dt.date | None] = [None] * n
    error: list[str | None] = [None] * n
    due = np.full((len(codes), n), np.iinfo(np.int64).min, dtype=np.int64)  # microseconds since epoch
    status: list[list[str | None]] = [[None] * n for _ in codes]
    rank = np.full((len(codes), n), 99, dtype=np.int8)
    for i, record in enumerate(records):
        raw_id = record.get("id")
        ids[i] = raw_id if isinstance(raw_id, str) else (None if raw_id is None else str(raw_id))
        try:
            grievance = parse_grievance(record)
            version = policy.version_for(grievance)
            prepared = prepare(grievance, version.spec, version.calendar, when)
        except FactsError as exc:
            error[i] = str(exc)
            continue
        det = version._determine(prepared, when, trace=False)
        classification[i] = det.classification
        level[i] = det.level
        handled_by[i] = det.handled_by
        timely[i] = det.timely_filed
        filing[i] = det.filing_deadline
        for action in det.actions:
            k = code_index[action.code]
            severity = _SEVERITY[action.status]
            micros = _micros(action.due_at)
            current = rank[k, i]
            if severity < current or (severity == current and _earlier(micros, int(due[k, i]))):
                rank[k, i] = severity
                due[k, i] = micros
                status[k][i] = action.status
    return _assemble(pa, np, policy, codes, ids, classification, level, handled_by, timely, filing, error, due, status)


_NULL = -(2**63)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _micros(value: dt.datetime | None) -> int:
    if value is None:
        return _NULL + 1  # "no due moment": sorts after every real one, shown as null
    # wall time minus its own offset (as isoformat shows it): pendulum's astimezone() can pick the
    # other side of a DST fold; plain integer arithmetic on the ordinal is also the fastest
    offset = value.utcoffset()
    assert offset is not None
    days = value.toordinal() - _EPOCH_ORDINAL
    seconds = days * 86400 + value.hour * 3600 + value.minute * 60 + value.second
    return (seconds - offset.days * 86400 - offset.seconds) * 1_000_000 + value.microsecond


def _earlier(a: int, b: int) -> bool:
    """Whether due moment ``a`` sorts before ``b`` (a real moment before none; none = _NULL + 1)."""
    if b == _NULL:
        return True
    a_none, b_none = a == _NULL + 1, b == _NULL + 1
    if a_none != b_none:
        return b_none
    return a < b


def _assemble(
    pa: Any,
    np: Any,
    policy: Policy,
    codes: Sequence[str],
    ids: list[str | None],
    classification: list[str | None],
    level: list[str | None],
    handled_by: list[str | None],
    timely: list[bool | None],
    filing: list[dt.date | None],
    error: list[str | None],
    due: np.ndarray[Any, Any],
    status: list[list[str | None]],
) -> pa.Table:
    tz = policy.spec.calendar.timezone
    columns: dict[str, Any] = {
        "id": pa.array(ids, pa.string()),
        "classification": pa.array(classification, pa.string()),
        "level": pa.array(level, pa.string()),
        "handled_by": pa.array(handled_by, pa.string()),
        "timely_filed": pa.array(timely, pa.bool_()),
        "filing_deadline": pa.array(filing, pa.date32()),
        "error": pa.array(error, pa.string()),
    }
    stamp = pa.timestamp("us", tz=tz)
    for k, code in enumerate(codes):
        values = due[k]
        mask = values <= _NULL + 1
        columns[f"{code}_due_at"] = pa.array(np.where(mask, 0, values), stamp, mask=mask)
        columns[f"{code}_status"] = pa.array(status[k], pa.string())
    return pa.table(columns)


def schema(policy: Policy) -> pa.Schema:
    """The result table's schema for ``policy``."""
    pa, _ = _require()
    tz = policy.spec.calendar.timezone
    fields = [
        pa.field("id", pa.string()),
        pa.field("classification", pa.string()),
        pa.field("level", pa.string()),
        pa.field("handled_by", pa.string()),
        pa.field("timely_filed", pa.bool_()),
        pa.field("filing_deadline", pa.date32()),
        pa.field("error", pa.string()),
    ]
    for code in action_codes(policy):
        fields += [pa.field(f"{code}_due_at", pa.timestamp("us", tz=tz)), pa.field(f"{code}_status", pa.string())]
    return pa.schema(fields)
