"""Grievance records read from Parquet and CSV files, and Determinations written as flat rows.

JSON Lines stays the default format of the command line; these readers let ``evaluate``,
``export``, ``report`` and ``worklist`` take the same records from a Parquet or CSV file (see
docs/performance.md, "Tables in and out"). A record read here is exactly the dict the JSON
reader would give for the same grievance, so every later check (unknown fields, bad values)
applies unchanged.

- **Parquet** (needs the ``table`` extra, pyarrow): one row per grievance, a column per field;
  a null cell is an absent field. Timestamps become ISO strings (a timestamp column with a
  timezone keeps its offset; one without is a wall time in the plan's timezone, as an ISO
  string without offset is), dates become ISO dates; lists (``concerns``, ``events``) and
  structs (``member``, ``provider``, each event) are read as they are. Read in batches without
  pyarrow's pre-buffering: memory stays flat.
- **CSV**: a header row naming the fields; an empty cell is an absent field; ``concerns`` and
  ``assistance_needs`` are tags joined with ``;``; ``wants_formal_grievance`` and ``urgent``
  are ``true``/``false``; ``events``, ``member`` and ``provider`` are JSON text.
"""

from __future__ import annotations

import csv
import datetime as dt
import importlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from grievance_rules.errors import GrievanceRulesError
from grievance_rules.export import pick_action

if TYPE_CHECKING:
    from grievance_rules.determination import ActionResult, Determination
    from grievance_rules.worklist import WorkItem

__all__ = [
    "INPUT_FORMATS",
    "WORKLIST_COLUMNS",
    "determination_row",
    "input_format",
    "parquet_batches",
    "plain_value",
    "read_csv",
    "read_parquet",
    "row_columns",
    "row_schema",
    "write_row_csv",
    "write_row_parquet",
    "write_worklist_csv",
    "write_worklist_parquet",
]

INPUT_FORMATS = ("jsonl", "json", "parquet", "csv")
"""Record formats the command line reads (``jsonl`` also reads one JSON object or a JSON array;
``json`` is the same)."""

_TAG_FIELDS = ("concerns", "assistance_needs")
_BOOL_FIELDS = ("wants_formal_grievance", "urgent")
_JSON_FIELDS = ("events", "member", "provider")

Record = tuple[int, Any, str | None]


def input_format(file: str, given: str | None) -> str:
    """The format of ``file``: ``given`` when set, else from its suffix (``.parquet``, ``.csv``), else jsonl."""
    if given:
        return "jsonl" if given == "json" else given
    lower = file.lower()
    if lower.endswith((".parquet", ".pq")):
        return "parquet"
    if lower.endswith(".csv"):
        return "csv"
    return "jsonl"


def plain_value(value: Any) -> Any:
    """An Arrow cell as the JSON reader would give it: moments and dates as ISO text, nulls
    inside structs dropped (an absent field)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain_value(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [plain_value(v) for v in value]
    return value


def parquet_batches(path: str, batch_size: int = 8192) -> Iterator[Any]:
    """The record batches (pyarrow ``RecordBatch``) of a Parquet file, ``batch_size`` rows each.

    Raises :class:`GrievanceRulesError` when pyarrow is missing or the file is no Parquet file.
    """
    try:  # imported by name: pyarrow is an optional extra and ships no type information
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise GrievanceRulesError("reading Parquet needs pyarrow: pip install 'grievance-rules[table]'") from None
    try:
        # pre_buffer=False: with pyarrow's default (True) the reader's resident memory grows with
        # every row group read (measured with pyarrow 26: about 33 MiB per million luxor rows,
        # docs/performance.md); without it memory stays flat however long the file
        handle = pq.ParquetFile(path, pre_buffer=False)
    except Exception as exc:
        raise GrievanceRulesError(f"cannot read {path} as Parquet ({exc.__class__.__name__})") from None
    yield from handle.iter_batches(batch_size=batch_size)


def read_parquet(path: str, batch_size: int = 8192) -> Iterator[Record]:
    """(row number from 1, record, None) per row of a Parquet file, read in batches."""
    position = 0
    for batch in parquet_batches(path, batch_size):
        for row in batch.to_pylist():
            position += 1
            yield position, {k: plain_value(v) for k, v in row.items() if v is not None}, None


def _csv_cell(name: str, text: str) -> tuple[Any, str | None]:
    if name in _TAG_FIELDS:
        return [t for t in (p.strip() for p in text.split(";")) if t], None
    if name in _BOOL_FIELDS:
        low = text.strip().lower()
        if low in ("true", "false"):
            return low == "true", None
        return None, f"column {name}: true or false"
    if name in _JSON_FIELDS:
        try:
            return json.loads(text), None
        except json.JSONDecodeError:
            return None, f"column {name}: JSON text"
    return text, None


def read_csv(handle: TextIO) -> Iterator[Record]:
    """(data row number from 1, record, error) per row of a CSV file with a header row."""
    reader = csv.DictReader(handle)
    for position, row in enumerate(reader, start=1):
        record: dict[str, Any] = {}
        problem = None
        for name, text in row.items():
            if name is None or text is None:
                problem = problem or "the row has more cells than the header names"
                continue
            if text == "":
                continue
            value, bad = _csv_cell(name, text)
            if bad is not None:
                problem = problem or f"row {position}: {bad}"
                continue
            record[name] = value
        yield position, (None if problem else record), problem


def row_columns(action_codes: Sequence[str]) -> list[str]:
    """The columns of a Determination row (contract section 10's table): id, choices, filing, error,
    then ``<code>_due_at`` and ``<code>_status`` per action code of the pack."""
    cols = ["id", "classification", "level", "handled_by", "timely_filed", "filing_deadline", "error"]
    for code in action_codes:
        cols += [f"{code}_due_at", f"{code}_status"]
    return cols


def determination_row(
    det: Determination | None, record_id: Any, error: str | None, codes: Sequence[str]
) -> dict[str, Any]:
    """One flat row of a Determination (or of a bad record: its id when readable, and its error).

    Where a pack lists one action code more than once, the row shows the one the audit export
    shows (:func:`grievance_rules.export.pick_action`)."""
    row: dict[str, Any] = dict.fromkeys(row_columns(codes))
    if det is None:
        row["id"] = record_id
        row["error"] = error
        return row
    row["id"] = det.grievance_id
    row["classification"] = det.classification
    row["level"] = det.level
    row["handled_by"] = det.handled_by
    row["timely_filed"] = det.timely_filed
    row["filing_deadline"] = det.filing_deadline
    by_code: dict[str, list[ActionResult]] = {}
    for action in det.actions:
        by_code.setdefault(action.code, []).append(action)
    for code in codes:
        found = by_code.get(code)
        if found:
            chosen = found[0] if len(found) == 1 else pick_action(found)
            row[f"{code}_due_at"] = chosen.due_at
            row[f"{code}_status"] = chosen.status
    return row


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):  # datetimes too: isoformat keeps the offset
        return value.isoformat()
    return str(value)


def write_row_csv(rows: Iterable[Mapping[str, Any]], codes: Sequence[str], out: TextIO) -> int:
    """Determination rows as CSV (header first; ISO 8601 moments, true/false, empty for null)."""
    columns = row_columns(codes)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_text(row[c]) for c in columns])
        count += 1
    return count


def row_schema(codes: Sequence[str], timezone: str) -> Any:
    """The Arrow schema of Determination rows (needs pyarrow): due moments are timestamps in the
    plan's timezone, filing deadlines dates, ``timely_filed`` a boolean, the rest text."""
    pa = importlib.import_module("pyarrow")
    fields = []
    for name in row_columns(codes):
        if name == "timely_filed":
            kind = pa.bool_()
        elif name == "filing_deadline":
            kind = pa.date32()
        elif name.endswith("_due_at"):
            kind = pa.timestamp("us", tz=timezone)
        else:
            kind = pa.string()
        fields.append(pa.field(name, kind))
    return pa.schema(fields)


def write_row_parquet(
    rows: Iterable[Mapping[str, Any]], codes: Sequence[str], timezone: str, path: Any, batch: int = 65536
) -> int:
    """Determination rows as Parquet, ``batch`` rows per row group (memory flat); due moments are
    timestamps in the plan's timezone, filing deadlines dates."""
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise GrievanceRulesError("writing Parquet needs pyarrow: pip install 'grievance-rules[table]'") from None
    return _write_parquet_rows(pa, pq, rows, row_schema(codes, timezone), path, batch)


def _write_parquet_rows(pa: Any, pq: Any, rows: Iterable[Mapping[str, Any]], schema: Any, path: Any, batch: int) -> int:
    """Row mappings into a Parquet file of ``schema``, ``batch`` rows per row group (memory flat;
    an empty input still writes the schema)."""
    count = 0
    with pq.ParquetWriter(path, schema) as writer:
        buffer: list[Mapping[str, Any]] = []
        for row in rows:
            buffer.append(row)
            if len(buffer) >= batch:
                writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
                count += len(buffer)
                buffer = []
        if buffer or not count:
            writer.write_table(pa.Table.from_pylist(buffer, schema=schema))
            count += len(buffer)
    return count


WORKLIST_COLUMNS = (
    "bucket",
    "due_at",
    "due_date",
    "grievance_id",
    "policy",
    "code",
    "title",
    "responsible",
    "rule",
    "citation",
)
"""The columns of a worklist table: the fields of a :class:`~grievance_rules.worklist.WorkItem`, in order."""


def _item_cells(item: WorkItem) -> list[Any]:
    return [getattr(item, name) for name in WORKLIST_COLUMNS]


def write_worklist_csv(items: Iterable[WorkItem], out: TextIO) -> int:
    """Worklist items as CSV, one row per item in due order (header first; ``due_at`` ISO 8601 with
    the plan's offset, ``due_date`` the local due date, empty for no responsible)."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(WORKLIST_COLUMNS)
    count = 0
    for item in items:
        writer.writerow([_text(v) for v in _item_cells(item)])
        count += 1
    return count


def write_worklist_parquet(items: Iterable[WorkItem], path: Any, batch: int = 65536) -> int:
    """Worklist items as Parquet, ``batch`` rows per row group (memory flat). ``due_at`` is a UTC
    timestamp (cases of several packs, so several timezones, may share one worklist; the instant is
    exact), ``due_date`` the local due date in the plan's timezone; the other columns are text."""
    try:
        pa = importlib.import_module("pyarrow")
        pq = importlib.import_module("pyarrow.parquet")
    except ImportError:
        raise GrievanceRulesError("writing Parquet needs pyarrow: pip install 'grievance-rules[table]'") from None
    kinds = {"due_at": pa.timestamp("us", tz="UTC"), "due_date": pa.date32()}
    schema = pa.schema([pa.field(name, kinds.get(name, pa.string())) for name in WORKLIST_COLUMNS])
    rows = (dict(zip(WORKLIST_COLUMNS, _item_cells(item), strict=True)) for item in items)
    return _write_parquet_rows(pa, pq, rows, schema, path, batch)
