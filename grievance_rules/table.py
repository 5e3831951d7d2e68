"""Batches as tables (contract section 10): ``policy.evaluate_table(table)``.

A table of grievance facts (pyarrow, or anything with ``__arrow_c_stream__`` such as a pandas or
polars DataFrame) goes in; a pyarrow Table with one row per input row, in order, comes out:
``id``, ``classification``, ``level``, ``handled_by``, ``timely_filed``, ``filing_deadline``,
``error`` and, per action code of the pack, ``<code>_due_at`` and ``<code>_status``.

How a batch is worked out:

- Each row is checked as :meth:`Policy.evaluate` checks it, on whole columns (ISO moments read
  from the Arrow buffers); a row that fails a check, or is spelt in a way the columnar reader
  leaves alone, goes through ``evaluate`` itself (so a bad row carries the very
  :class:`FactsError` message ``evaluate`` raises, and every other row is still evaluated).
- Decisions come from durable-rules per *rule group* (rules of a stage reading the same
  properties, each group its own ruleset; see :meth:`RulesEngine.fire_group`), asked once per
  distinct tuple of that group's properties among the rows; what fires becomes boolean masks.
- Deadlines and statuses are computed per action on the rows where it fired, on whole numpy
  arrays: business days with ``numpy.busday_offset`` on the pack's workweek and holidays (the
  same holidays :class:`~grievance_rules.calendar.PlanCalendar` uses), the pack's
  deemed-receipt rule, calendar days, elapsed hours, close of the next business day,
  immediately, and anchors on events or on other actions. The end of a local day and close of
  business are looked up once per day of the batch's span, never per row.

pyarrow and numpy come with the optional extra ``grievance-rules[table]``; the core never imports
them (this module is imported only when ``evaluate_table`` is called).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from grievance_rules.calendar import instant_us
from grievance_rules.errors import FactsError, GrievanceRulesError
from grievance_rules.recordio import plain_value
from grievance_rules.schema import CHANNELS, AnchorRef

if TYPE_CHECKING:
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


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    """The table's rows as fact mappings (absent = null)."""
    return [plain_value(row) for row in table.to_pylist()]


def evaluate_table(policy: Policy, table: Any, as_of: str | dt.datetime | None = None) -> pa.Table:
    """Evaluate every row of ``table`` (see the module docstring); statuses are judged at ``as_of``.

    Raises :class:`TableError` when pyarrow/numpy are missing or ``table`` is not a table, and
    :class:`FactsError` for a bad ``as_of``; a bad *row* never raises: its ``error`` holds the
    message.
    """
    result, _ = evaluate_table_stats(policy, table, as_of, count=False)
    return result


def evaluate_table_stats(
    policy: Policy, table: Any, as_of: str | dt.datetime | None = None, *, count: bool = True
) -> tuple[pa.Table, dict[str, int]]:
    """:func:`evaluate_table` and how the rows were decided: ``rows``, ``columnar`` (rows decided
    on arrays), ``per_record`` (rows that took the per-record path: bad rows and spellings the
    columnar reader leaves to it), ``distinct`` (distinct decision inputs of the columnar rows:
    tuples of every property the rules read) and ``group_inputs`` (distinct inputs of the rule
    groups, summed over the groups and over the slices below: what durable-rules was asked, less
    what it had answered before).
    ``distinct`` is counted only with ``count`` (an extra pass; :func:`evaluate_table` skips it),
    by 64-bit fingerprints of the tuples (a collision would undercount by one; with a million
    distinct tuples the odds are about one in 36 million).

    A large table is worked in slices of :data:`SLICE_ROWS` rows (zero-copy views, results
    concatenated in order): each slice's arrays stay small enough for the processor's caches,
    which on this project's machine made a million rows about 1.5 times faster."""
    pa, np = _require()
    when = policy.parse_as_of(as_of)
    data = as_arrow(table)
    n = data.num_rows
    if n <= SLICE_ROWS:
        result, stats, seen = _evaluate_slice(pa, np, policy, data, when, count)
        stats["distinct"] = len(seen)
        return result, stats
    parts = []
    total: dict[str, int] = {}
    prints = []
    for start in range(0, n, SLICE_ROWS):
        result, stats, seen = _evaluate_slice(pa, np, policy, data.slice(start, SLICE_ROWS), when, count)
        parts.append(result)
        prints.append(seen)
        for key, value in stats.items():
            total[key] = total.get(key, 0) + value
    total["distinct"] = len(np.unique(np.concatenate(prints))) if count else 0
    return pa.concat_tables(parts), total


SLICE_ROWS = 131_072
"""Rows :func:`evaluate_table` works at a time (a larger table is worked slice by slice)."""


def _evaluate_slice(
    pa: Any, np: Any, policy: Policy, data: pa.Table, when: Any, count: bool
) -> tuple[pa.Table, dict[str, int], Any]:
    """One slice: (result table, stats without ``distinct``, fingerprints of its distinct inputs)."""
    n = data.num_rows
    codes = action_codes(policy)
    fast = None
    if n:
        try:
            fast = _columnar(pa, np, policy, data, when, codes, count)
        except _OutOfSpan:
            fast = None
    ids = np.full(n, None, dtype=object)
    id_column = None
    if fast is not None:
        ok, out = fast
        # the columnar path ran only on a text id column: every row's id is that text, as is
        id_column = data.column("id").combine_chunks().cast(pa.string())
        seen = out["distinct"]
    else:
        ok = np.zeros(n, dtype=bool)
        out = {
            "classification": np.full(n, None, dtype=object),
            "level": np.full(n, None, dtype=object),
            "handled_by": np.full(n, None, dtype=object),
            "timely": np.full(n, -1, dtype=np.int8),
            "filing_day": np.zeros(n, dtype=np.int64),
            "has_filing": np.zeros(n, dtype=bool),
            "due": np.zeros((len(codes), n), dtype=np.int64),
            "has_due": np.zeros((len(codes), n), dtype=bool),
            "rank": np.full((len(codes), n), 99, dtype=np.int8),
        }
        seen = np.zeros(0, dtype=np.uint64)
    error = np.full(n, None, dtype=object)
    slow = np.flatnonzero(~ok)
    if len(slow):
        _per_record(policy, data.take(pa.array(slow)), slow, when, codes, ids, error, out)
    stats = {
        "rows": n,
        "columnar": int(ok.sum()),
        "per_record": len(slow),
        "group_inputs": int(out.get("group_inputs", 0)),
    }
    return _assemble(pa, np, policy, codes, ids if id_column is None else id_column, error, out), stats, seen


def _per_record(
    policy: Policy,
    part: pa.Table,
    where: Any,
    when: Any,
    codes: Sequence[str],
    ids: Any,
    error: Any,
    out: dict[str, Any],
) -> None:
    """The rows the columnar path leaves out, exactly as :meth:`Policy.evaluate` sees them."""
    code_index = {c: i for i, c in enumerate(codes)}
    for i, record in zip(where.tolist(), _rows(part), strict=True):
        raw_id = record.get("id")
        ids[i] = raw_id if isinstance(raw_id, str) else (None if raw_id is None else str(raw_id))
        try:
            det = policy.evaluate(record, as_of=when, trace=False)  # evaluate itself: exact by construction
        except FactsError as exc:
            error[i] = str(exc)
            continue
        out["classification"][i] = det.classification
        out["level"][i] = det.level
        out["handled_by"][i] = det.handled_by
        out["timely"][i] = -1 if det.timely_filed is None else int(det.timely_filed)
        if det.filing_deadline is not None:
            out["has_filing"][i] = True
            out["filing_day"][i] = det.filing_deadline.toordinal() - _EPOCH_ORDINAL
        for action in det.actions:
            k = code_index[action.code]
            rank = _SEVERITY[action.status]
            has = action.due_at is not None
            due = instant_us(action.due_at) if action.due_at is not None else 0
            cur = int(out["rank"][k, i])
            new_key = due if has else _BIG
            cur_key = int(out["due"][k, i]) if out["has_due"][k, i] else _BIG
            if rank < cur or (rank == cur and new_key < cur_key):
                out["rank"][k, i] = rank
                out["due"][k, i] = due
                out["has_due"][k, i] = has


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def _assemble(
    pa: Any, np: Any, policy: Policy, codes: Sequence[str], ids: Any, error: Any, out: dict[str, Any]
) -> pa.Table:
    tz = policy.spec.calendar.timezone
    timely = out["timely"]  # -1 unknown, 0 late, 1 timely
    has_timely = timely >= 0
    columns: dict[str, Any] = {
        "id": ids if isinstance(ids, pa.Array) else pa.array(ids, pa.string()),
        "classification": pa.array(out["classification"], pa.string()),
        "level": pa.array(out["level"], pa.string()),
        "handled_by": pa.array(out["handled_by"], pa.string()),
        "timely_filed": pa.array(timely == 1, pa.bool_(), mask=~has_timely),
        "filing_deadline": pa.array(out["filing_day"].astype(np.int32), pa.int32(), mask=~out["has_filing"]).cast(
            pa.date32()
        ),
        "error": pa.array(error, pa.string()),
    }
    stamp = pa.timestamp("us", tz=tz)
    statuses = pa.array(sorted(_SEVERITY, key=_SEVERITY.__getitem__), pa.string())
    for k, code in enumerate(codes):
        columns[f"{code}_due_at"] = pa.array(out["due"][k], stamp, mask=~out["has_due"][k])
        rank = out["rank"][k]
        none = rank == 99
        indices = pa.array(np.where(none, 0, rank).astype(np.int8), pa.int8(), mask=none)
        columns[f"{code}_status"] = pa.DictionaryArray.from_arrays(indices, statuses).dictionary_decode()
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


# ---------------------------------------------------------------------------------------- columnar

_HOURS_TABLE = 400_000  # hours (about 45 years): up to this range, UTC offsets are tabulated per hour
_DATE_WIDTH = 10  # YYYY-MM-DD
_MOMENT_WIDTH = 25  # YYYY-MM-DDTHH:MM:SS+HH:MM, the longest moment spelling the columnar path reads
_YEARS = (1901, 2098)  # receipt years it dates (inside the plan calendar's span, with room for deadlines)
_DAY_US = 86_400_000_000
_BIG = 2**62  # "never": sorts after every real moment
_POS = 1024  # = 1 << 10: event position packed under the moment: (moment, position) order as PreparedFacts.after
_STR_FIELDS = ("id", "received_at", "channel", "incident_date", "complainant", "group", "type", "resolved_at",
               "narrative", "representative_name", "resolution_summary")  # fmt: skip
_BOOL_FIELDS = ("wants_formal_grievance", "urgent")
_LIST_FIELDS = ("concerns", "assistance_needs")
_PARTY_FIELDS = frozenset(("id", "name", "address", "phone", "patient_name", "location"))
_EVENT_FIELDS = frozenset(("type", "at", "note"))
_DEFAULTED = frozenset(("complainant", "wants_formal_grievance", "urgent"))  # present even when absent
_SIMPLE_FACTS = frozenset(
    ("channel", "complainant", "group", "type", "wants_formal_grievance", "urgent", "resolved", "has_incident_date",
     "channel_accepted", "filing", "delegation.in_matrix", "delegation.delegated", "delegation.verbal_grievances",
     "delegation.written_channel")
)  # fmt: skip


def _shape_ok(pa: Any, data: pa.Table) -> bool:
    """Whether every column is one the columnar path reads with the type it expects.

    Anything else (an unknown column, timestamps given as Arrow timestamps, numbers for text...)
    goes through the per-record path, which reports it exactly as ``evaluate`` does.
    """
    for field in data.schema:
        t = field.type
        if pa.types.is_null(t):
            continue
        if field.name in _STR_FIELDS:
            ok = pa.types.is_string(t) or pa.types.is_large_string(t)
        elif field.name in _BOOL_FIELDS:
            ok = pa.types.is_boolean(t)
        elif field.name in _LIST_FIELDS:
            ok = pa.types.is_list(t) and (pa.types.is_string(t.value_type) or pa.types.is_null(t.value_type))
        elif field.name in ("member", "provider"):
            ok = pa.types.is_struct(t) and all(
                f.name in _PARTY_FIELDS and (pa.types.is_string(f.type) or pa.types.is_null(f.type)) for f in t
            )
        elif field.name == "events":
            v = t.value_type if pa.types.is_list(t) else None
            ok = (
                v is not None
                and pa.types.is_struct(v)
                and {f.name for f in v} >= {"type", "at"}
                and all(f.name in _EVENT_FIELDS and pa.types.is_string(f.type) for f in v)
            )
        else:
            ok = False
        if not ok:
            return False
    return "id" in data.column_names and "received_at" in data.column_names


_UNITS = frozenset(
    ("calendar_days", "business_days", "months", "years", "hours", "immediately", "close_of_next_business_day")
)


def _deadlines_ok(version: Policy) -> bool:
    """Whether the columnar path computes every deadline of the pack: the units above (with or
    without ``roll``), no count back from a schedule, no extensions, no ``keep_until`` actions.
    Packs using the others are evaluated per record (exact, not vectorised)."""
    spec = version.spec
    if getattr(spec, "extensions", None):
        return False
    deadlines = [t.within for t in spec.timers]
    for action in spec.actions:
        if getattr(action, "keep_until", False):
            return False
        deadlines += [d for d in (action.deadline, action.target) if d is not None]
    return all(d.unit in _UNITS and getattr(d, "before", None) is None for d in deadlines)


def _facts_ok(version: Policy) -> bool:
    """Whether the columnar path knows every fact the pack's rules read and every deadline it computes."""
    if not _deadlines_ok(version):
        return False
    for fact, tag in version.compiled.properties.values():
        if tag is not None:
            if fact not in _LIST_FIELDS:
                return False
        elif fact not in _SIMPLE_FACTS and fact.partition(".")[0] not in ("events", "timers", "patterns", "present"):
            return False
    return True


class _Columns:
    """One table's columns as numpy arrays, with the checks that route a row to the fast path."""

    def __init__(
        self,
        pa: Any,
        np: Any,
        version: Policy,
        data: pa.Table,
        as_of: int | None,
        *,
        route_only: bool = False,
        head: tuple[Any, Any, Any, Any] | None = None,
    ) -> None:
        import pyarrow.compute as pc

        self.pa, self.np, self.pc = pa, np, pc
        self._firsts: dict[str, Any] = {}
        self._first_moments: dict[str, tuple[Any, Any]] = {}
        self._coded: dict[str, tuple[Any, list[Any]]] = {}
        self._cols: dict[str, Any] = {}
        self._lists: dict[str, tuple[Any, Any, dict[str, int]]] = {}
        self.fallback = 0
        self.version = version
        self.cal = version.calendar
        self.tz = version.spec.calendar.timezone
        self.data = data
        self.n = n = data.num_rows
        self.as_of = as_of
        if head is None:  # the id and the receipt moment (read once when routing rows to versions)
            ok = np.ones(n, dtype=bool)
            ident = self.col("id")
            ok &= self.valid(ident) & self.fill(pc.greater(pc.utf8_length(ident), 0), False)
            self.received, good = self.moments(self.col("received_at"))
            ok &= good
            self.recv_day = self.local_days(self.received)
            self.received_ok = good
        else:
            head_ok, self.received, self.received_ok, self.recv_day = head
            ok = head_ok.copy()
        self.head = (ok.copy(), self.received, self.received_ok, self.recv_day)
        if route_only:
            return
        for name, allowed in (
            ("channel", CHANNELS),
            ("complainant", ("member", "representative", "provider")),
            ("type", tuple(version.spec.vocabulary.types)),
        ):
            column = self.col(name)
            ok &= ~self.valid(column) | self.fill(pc.is_in(column, pa.array(allowed, pa.string())), False)
        incident = self.col("incident_date")
        self.has_incident = self.valid(incident)
        days, good = self.civil(incident, _DATE_WIDTH)
        self.incident_day = days
        ok &= ~self.has_incident | (good & (days <= self.recv_day))
        for name, vocab in (
            ("concerns", version.spec.vocabulary.concerns),
            ("assistance_needs", version.spec.vocabulary.assistance),
        ):
            ok &= self.tags_ok(self.col(name), tuple(vocab))
        resolved = self.col("resolved_at")
        self.has_resolved = self.valid(resolved)
        self.resolved, good = self.moments(resolved)
        ok &= ~self.has_resolved | (good & (self.resolved >= self.received))
        if as_of is not None:
            ok &= ~self.has_resolved | (self.resolved <= as_of)
        ok &= self.events(version)
        self.ok = ok

    # ---- column helpers

    def col(self, name: str) -> Any:
        """A column as one Arrow array (chunks combined once), or nulls of its type when absent."""
        found = self._cols.get(name)
        if found is None:
            found = self._cols[name] = self._col(name)
        return found

    def _col(self, name: str) -> Any:
        pa = self.pa
        if name in self.data.column_names:
            column = self.data.column(name).combine_chunks()
            if pa.types.is_null(column.type):
                return pa.nulls(self.n, pa.string() if name not in _LIST_FIELDS else pa.list_(pa.string()))
            return column
        if name in _LIST_FIELDS:
            return pa.nulls(self.n, pa.list_(pa.string()))
        if name in _BOOL_FIELDS:
            return pa.nulls(self.n, pa.bool_())
        return pa.nulls(self.n, pa.string())

    def valid(self, column: Any) -> Any:
        return self.np.asarray(self.pc.is_valid(column).to_numpy(zero_copy_only=False), dtype=bool)

    def fill(self, column: Any, value: Any) -> Any:
        return self.np.asarray(self.pc.fill_null(column, value).to_numpy(zero_copy_only=False))

    def text_bytes(self, column: Any, width: int) -> tuple[Any, Any]:
        """A reader of the first ``width`` bytes of each string, straight from the Arrow buffers,
        and each string's length in bytes (-1 for a null). ``byte(k)`` is every string's k-th byte;
        past a string's end it is whatever follows in the buffer, so callers check the length
        before they trust a position."""
        np, pa = self.np, self.pa
        offsets_type = np.int64 if pa.types.is_large_string(column.type) else np.int32
        n = len(column)
        buffers = column.buffers()
        offsets = np.frombuffer(buffers[1], dtype=offsets_type)[column.offset : column.offset + n + 1]
        data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, dtype=np.uint8)
        padded = np.concatenate([data[: int(offsets[-1]) if n else 0], np.zeros(width, dtype=np.uint8)])
        starts = offsets[:-1]
        lengths = np.where(self.valid(column), np.diff(offsets), -1)

        def byte(k: int) -> Any:
            return padded[starts + k]

        return byte, lengths

    def civil(self, column: Any, width: int) -> tuple[Any, Any]:
        """Days since 1970-01-01 of ``YYYY-MM-DD`` texts (the first 10 bytes of ``width``) and
        which are exactly such a date, of a year the plan calendar spans; the time of day and the
        offset are checked by :meth:`moments`."""
        np = self.np
        byte, lengths = self.text_bytes(column, width)
        self._byte, self._lengths = byte, lengths
        good = lengths == width if width == _DATE_WIDTH else lengths >= 19
        num = []
        for k in range(10):
            b = byte(k)
            if k in (4, 7):
                good &= b == 45  # "-"
            else:
                d = b.astype(np.int16) - 48
                good &= (d >= 0) & (d <= 9)
                num.append(d)
        year = num[0] * 1000 + num[1] * 100 + num[2] * 10 + num[3]
        month = num[4] * 10 + num[5]
        day = num[6] * 10 + num[7]
        year = year.astype(np.int64)
        leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
        month_ok = (month >= 1) & (month <= 12)
        month_days = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int16)
        longest = month_days[np.where(month_ok, month, 1)] + ((month == 2) & leap)
        good &= month_ok & (day >= 1) & (day <= longest) & (year >= _YEARS[0]) & (year <= _YEARS[1])
        # days from the civil date (H. Hinnant's algorithm), on every row (garbage where not good)
        m = month.astype(np.int64)
        y = year - (m <= 2)
        era = y // 400
        yoe = y - era * 400
        doy = (153 * np.where(m > 2, m - 3, m + 9) + 2) // 5 + day - 1
        doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
        days = np.where(good, era * 146097 + doe - 719468, 0)
        return days, good

    def moments(self, column: Any) -> tuple[Any, Any]:
        """UTC microseconds of ISO strings and which parsed exactly as ``evaluate`` reads them:
        ``YYYY-MM-DDTHH:MM:SS`` (a wall time in the plan's timezone, not in a DST gap or fold) or
        with ``Z``/``±HH:MM``. Other spellings take the per-record path."""
        np = self.np
        days, good = self.civil(column, _MOMENT_WIDTH)
        byte, lengths = self._byte, self._lengths

        def two(k: int) -> Any:
            nonlocal good
            hi = byte(k).astype(np.int16) - 48
            lo = byte(k + 1).astype(np.int16) - 48
            good &= (hi >= 0) & (hi <= 9) & (lo >= 0) & (lo <= 9)
            return (hi * 10 + lo).astype(np.int64)

        good &= (byte(10) == 84) & (byte(13) == 58) & (byte(16) == 58)  # "T", ":", ":"
        hour, minute, second = two(11), two(14), two(17)
        good &= (hour < 24) & (minute < 60) & (second < 60)
        naive = lengths == 19
        mark = byte(19)
        zulu = (lengths == 20) & (mark == 90)  # "Z"
        signed = (lengths == 25) & ((mark == 43) | (mark == 45)) & (byte(22) == 58)
        ok_before = good.copy()
        off_hours, off_minutes = two(20), two(23)
        signed &= good & (off_hours < 24) & (off_minutes < 60)
        good = ok_before
        sign = np.where(mark == 45, -1, 1)
        offset_s = np.where(signed, sign * (off_hours * 3600 + off_minutes * 60), 0)
        wall_us = np.where(good, days * 86400 + hour * 3600 + minute * 60 + second, 0) * 1_000_000
        early_us, late_us = self.wall_to_utc(wall_us, good & naive)
        naive_ok = naive & (early_us == late_us)
        utc = np.where(naive, early_us, wall_us - offset_s * 1_000_000)
        good &= naive_ok | zulu | signed
        if good.any() and not good.all():  # bad rows get a moment inside the data's range
            utc = np.where(good, utc, utc[int(np.argmax(good))])
        return utc, good

    def wall_to_utc(self, wall_us: Any, valid: Any) -> tuple[Any, Any]:
        """The UTC instants of local wall times (microseconds) in the plan's timezone, as Arrow's
        ``assume_timezone`` gives them with ``earliest`` and with ``latest``: they differ for a wall
        time in a DST gap or fold. Only rows in ``valid`` are answered (others get garbage).

        The offset is looked up once per distinct wall hour: an hour whose start and end have one
        unambiguous offset has it throughout; the rows of an hour holding a transition are
        converted one by one by Arrow."""
        pa, pc, np = self.pa, self.pc, self.np
        hour_us = 3_600_000_000
        early = np.zeros(len(wall_us), dtype=np.int64)
        late = early.copy()
        if not valid.any():
            return early, late

        def assume(values: Any, how: str) -> Any:
            stamps = pa.array(values, pa.timestamp("us"))
            utc = pc.assume_timezone(stamps, self.tz, ambiguous=how, nonexistent=how)
            return np.asarray(utc.cast(pa.int64()).to_numpy(), dtype=np.int64)

        hours = wall_us[valid] // hour_us
        low, high = int(hours.min()), int(hours.max())
        if high - low <= _HOURS_TABLE:  # every hour of the range, looked up by offset
            starts = np.arange(low, high + 1, dtype=np.int64) * hour_us
            inverse = hours - low
        else:
            unique, inverse = np.unique(hours, return_inverse=True)
            starts = unique * hour_us
        ends = starts + hour_us - 1
        offset = starts - assume(starts, "earliest")
        uniform = (
            (assume(starts, "latest") == starts - offset)
            & (assume(ends, "earliest") == ends - offset)
            & (assume(ends, "latest") == ends - offset)
        )
        rows = np.flatnonzero(valid)
        early[rows] = wall_us[rows] - offset[inverse]
        late[rows] = early[rows]
        odd = rows[~uniform[inverse]]
        if len(odd):
            early[odd] = assume(wall_us[odd], "earliest")
            late[odd] = assume(wall_us[odd], "latest")
        return early, late

    def local(self, utc: Any) -> Any:
        """Local wall-clock microseconds of UTC microseconds in the plan's timezone.

        The offset is looked up once per UTC hour of the values' range: an hour whose first and
        last microsecond have the same offset has it throughout; values in an hour holding a
        transition (and any range too wide to tabulate) are converted one by one by Arrow."""
        np = self.np
        if not len(utc):
            return utc.astype(np.int64)
        hour_us = 3_600_000_000
        hours = utc // hour_us
        low, high = int(hours.min()), int(hours.max())
        if high - low > _HOURS_TABLE:
            return self._local_each(utc)
        starts = np.arange(low, high + 1, dtype=np.int64) * hour_us
        offset = self._local_each(starts) - starts
        uniform = self._local_each(starts + hour_us - 1) - (starts + hour_us - 1) == offset
        at = hours - low
        out = utc + offset[at]
        odd = np.flatnonzero(~uniform[at])
        if len(odd):
            out[odd] = self._local_each(utc[odd])
        return out

    def _local_each(self, utc: Any) -> Any:
        pa, pc, np = self.pa, self.pc, self.np
        stamps = pa.array(utc, pa.timestamp("us", tz=self.tz))
        return np.asarray(pc.local_timestamp(stamps).cast(pa.int64()).to_numpy(), dtype=np.int64)

    def local_days(self, utc: Any) -> Any:
        return self.local(utc) // _DAY_US

    def tags_ok(self, column: Any, allowed: tuple[str, ...]) -> Any:
        pa, pc, np = self.pa, self.pc, self.np
        flat = pc.list_flatten(column)
        parents = np.asarray(pc.list_parent_indices(column).to_numpy(), dtype=np.int64)
        good = self.fill(pc.is_in(flat, pa.array(allowed, pa.string())), False)
        bad = np.zeros(self.n, dtype=bool)
        bad[parents[~good]] = True
        return ~bad

    def tag(self, name: str, tag: str) -> Any:
        """Whether each row's list ``name`` holds ``tag`` (the list flattened and coded once)."""
        np = self.np
        found = self._lists.get(name)
        if found is None:
            column = self.col(name)
            flat = self.pc.list_flatten(column).dictionary_encode()
            parents = np.asarray(self.pc.list_parent_indices(column).to_numpy(), dtype=np.int64)
            codes = np.asarray(flat.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
            names = {v: i for i, v in enumerate(flat.dictionary.to_pylist())}
            found = self._lists[name] = (parents, codes, names)
        parents, codes, names = found
        out = np.zeros(self.n, dtype=bool)
        if tag in names:
            out[parents[codes == names[tag]]] = True
        return out

    def events(self, version: Policy) -> Any:
        """Flatten the events; check types, moments and order; keep (row, type, key) per event."""
        pa, pc, np = self.pa, self.pc, self.np
        column = self.col("events")
        if pa.types.is_string(column.type):  # absent or all-null
            column = pa.nulls(self.n, pa.list_(pa.struct([("type", pa.string()), ("at", pa.string())])))
        flat = pc.list_flatten(column)
        parents = np.asarray(pc.list_parent_indices(column).to_numpy(), dtype=np.int64)
        offsets = np.asarray(column.offsets.to_numpy(), dtype=np.int64)
        positions = np.arange(len(parents), dtype=np.int64) - offsets[parents] if len(parents) else parents
        known = tuple(set(version.spec.vocabulary.events) | {"resolved"})
        types = pc.struct_field(flat, "type")
        at_col = pc.struct_field(flat, "at")
        at, good = self.moments(at_col)
        good &= self.valid(flat) & self.fill(pc.is_in(types, pa.array(known, pa.string())), False)
        good &= at >= self.received[parents]
        if self.as_of is not None:
            good &= at <= self.as_of
        same = np.zeros(len(parents), dtype=bool)
        same[1:] = parents[1:] == parents[:-1]
        earlier = np.zeros(len(parents), dtype=bool)
        earlier[1:] = at[1:] < at[:-1]
        good &= ~(same & earlier)
        bad = np.zeros(self.n, dtype=bool)
        bad[parents[~good]] = True
        self.ev_rows = parents
        coded = types.dictionary_encode()
        self.ev_types = np.asarray(coded.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
        self.ev_names = {v: i for i, v in enumerate(coded.dictionary.to_pylist())}
        self.ev_key = np.where(good, at, 0) * _POS + np.minimum(positions, _POS - 1)
        self.ev_count = np.diff(offsets)
        return ~bad & (self.np.diff(offsets) < _POS)

    # ---- facts

    def first_key(self, name: str) -> Any:
        """(moment * _POS + position) of the first ``name`` event per row (resolved_at for
        ``resolved`` comes first, as PreparedFacts.first reads it); _BIG when none."""
        np = self.np
        found = self._firsts.get(name)
        if found is not None:
            return found
        out = self._occurrence(name, first=True)
        if name == "resolved":
            out = np.where(self.has_resolved, self.resolved * _POS + (_POS - 1), out)
        self._firsts[name] = out
        return out

    def _occurrence(self, name: str, *, first: bool) -> Any:
        """Per row, the key of its first (else last) ``name`` event; _BIG (else -1) when none.

        On a row the columnar path decides, events are in order of moment (checked in
        :meth:`events`) and the key adds the position, so keys rise along the row: the first
        occurrence is the least and the last the greatest, found without a per-row loop."""
        np = self.np
        out = np.full(self.n, _BIG if first else -1, dtype=np.int64)
        code = self.ev_names.get(name)
        if code is None:
            return out
        where = np.flatnonzero(self.ev_types == code)
        if not len(where):
            return out
        rows = self.ev_rows[where]
        edge = np.ones(len(rows), dtype=bool)
        if first:
            edge[1:] = rows[1:] != rows[:-1]
        else:
            edge[:-1] = rows[:-1] != rows[1:]
        out[rows[edge]] = self.ev_key[where[edge]]
        return out

    def first(self, name: str) -> tuple[Any, Any]:
        """(moment of the first ``name`` event, whether there is one) per row; worked out once."""
        found = self._first_moments.get(name)
        if found is None:
            key = self.first_key(name)
            has = key < _BIG
            found = self._first_moments[name] = (self.np.where(has, key >> 10, 0), has)
        return found

    def count(self, name: str) -> Any:
        np = self.np
        code = self.ev_names.get(name)
        if code is None:
            return np.zeros(self.n, dtype=np.int64)
        return np.bincount(self.ev_rows[self.ev_types == code], minlength=self.n).astype(np.int64)

    def after(self, name: str, earlier: str) -> Any:
        """PreparedFacts.after: a ``name`` event after the first ``earlier`` one ((moment, position) order)."""
        np = self.np
        first = self.first_key(earlier)
        if earlier == "resolved":  # resolved_at is an occurrence at position len(events)
            first = self._min_occurrence(earlier)
        last = self._occurrence(name, first=False)
        if name == "resolved":
            last = np.where(
                self.has_resolved, np.maximum(last, self.resolved * _POS + np.minimum(self.ev_count, _POS - 1)), last
            )
        return (first < _BIG) & (last > first)

    def _min_occurrence(self, name: str) -> Any:
        np = self.np
        out = self._occurrence(name, first=True)
        resolved = self.resolved * _POS + np.minimum(self.ev_count, _POS - 1)
        return np.where(self.has_resolved, np.minimum(out, resolved), out)

    def present(self, path: str) -> Any:
        pc, np = self.pc, self.np
        if path in _DEFAULTED:
            return np.ones(self.n, dtype=bool)
        head, _, rest = path.partition(".")
        if head not in self.data.column_names:
            return np.zeros(self.n, dtype=bool)
        column = self.col(head)
        if rest:
            if not self.pa.types.is_struct(column.type) or column.type.get_field_index(rest) < 0:
                return np.zeros(self.n, dtype=bool)
            column = pc.struct_field(column, rest)
            column = pc.if_else(pc.is_valid(self.col(head)), column, self.pa.scalar(None, column.type))
        if self.pa.types.is_list(column.type):
            return self.fill(pc.greater(pc.list_value_length(column), 0), False).astype(bool)
        if self.pa.types.is_string(column.type):
            return self.fill(pc.greater(pc.utf8_length(column), 0), False).astype(bool)
        return self.valid(column)

    def coded(self, name: str, default: str) -> _Coded:
        """A text column as codes and the value of each code (nulls read as ``default``): one hash
        pass in Arrow, so work per distinct value (a group's row of the matrix, say) is done once."""
        found = self._coded.get(name)
        if found is None:
            encoded = self.col(name).dictionary_encode(null_encoding="encode")
            indices = self.np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=self.np.int64)
            found = self._coded[name] = (indices, encoded.dictionary.to_pylist())
        indices, values = found
        return _Coded(indices, [default if v is None else v for v in values])

    def bools(self, name: str) -> Any:
        return self.np.asarray(self.pc.fill_null(self.col(name), False).to_numpy(zero_copy_only=False), dtype=bool)


class _Dates:
    """Deadline arithmetic on whole arrays for one plan calendar (the contract section 4 reading
    of :class:`~grievance_rules.calendar.PlanCalendar`, which stays the reference).

    Business days come from ``numpy.busday_offset`` on a calendar holding the pack's workweek and
    every holiday :class:`PlanCalendar` knows in the span of the data; ends of days and close of
    business are converted to instants once per distinct local date.
    """

    def __init__(self, cols: _Columns, first_day: int, last_day: int) -> None:
        np = cols.np
        self.cols, self.np = cols, np
        cal = cols.cal
        self.start, self.end = first_day - 10, last_day + 10
        weekdays = cal._workdays
        holidays = []
        for ordinal in range(self.start, self.end + 1):
            day = dt.date.fromordinal(ordinal + _EPOCH_ORDINAL)
            if day.weekday() in weekdays and not cal.is_business_day(day):
                holidays.append(np.datetime64(day.isoformat(), "D"))
        mask = "".join("1" if i in weekdays else "0" for i in range(7))
        self.busday = np.busdaycalendar(weekmask=mask, holidays=holidays)
        hour, minute = cal._cob
        self.cob_us = (hour * 3600 + minute * 60) * 1_000_000
        self.eod_us = (23 * 3600 + 59 * 60 + 59) * 1_000_000
        self._instants: dict[tuple[int], Any] = {}
        self._tables: dict[tuple[str, int], Any] = {}

    def check(self, days: Any) -> None:
        if len(days) and (days.min() < self.start or days.max() > self.end):
            raise _OutOfSpan

    def at_local(self, days: Any, time_us: int) -> Any:
        """UTC microseconds of ``time_us`` after local midnight on each local day (once per distinct day)."""
        np, pa, pc = self.np, self.cols.pa, self.cols.pc
        if not len(days):
            return days.astype(np.int64)
        # days lie in the batch's calendar span: one instant per day of it, looked up by offset
        self.check(days)
        key = (time_us,)
        instants = self._instants.get(key)
        if instants is None:
            span = np.arange(self.start, self.end + 1, dtype=np.int64)
            wall = pa.array(span * _DAY_US + time_us, pa.timestamp("us"))
            utc = pc.assume_timezone(wall, self.cols.tz, ambiguous="earliest", nonexistent="latest")
            instants = self._instants[key] = np.asarray(utc.cast(pa.int64()).to_numpy(), dtype=np.int64)
        return instants[days - self.start]

    def table(self, key: tuple[str, int]) -> Any:
        """A per-day answer for every day of the span (``busday_offset`` run once per day of the
        span, not per row): ("add", n) the n-th business day after, ("roll", 0) the day or the
        next business day, ("is", 0) whether it is a business day."""
        found = self._tables.get(key)
        if found is None:
            np = self.np
            span = np.arange(self.start, self.end + 1, dtype=np.int64).astype("datetime64[D]")
            kind, n = key
            if kind == "is":
                found = np.is_busday(span, busdaycal=self.busday)
            else:
                roll = "backward" if kind == "add" else "forward"
                found = np.busday_offset(span, n, roll=roll, busdaycal=self.busday).astype(np.int64)
            self._tables[key] = found
        return found

    def add_business(self, days: Any, n: int) -> Any:
        """The n-th business day after each day (the day itself for n = 0)."""
        if n == 0:
            return days
        self.check(days)
        result = self.table(("add", n))[days - self.start]
        self.check(result)
        return result

    def add_months(self, days: Any, months: int) -> Any:
        """PlanCalendar.add_months on arrays: the same day of the month ``months`` later; a day
        the target month lacks is its last day (``feb_28``) or the next month's first (``mar_1``)."""
        np = self.np
        date = days.astype("datetime64[D]")
        month = date.astype("datetime64[M]")
        day_of_month = (date - month.astype("datetime64[D]")).astype(np.int64)  # 0-based
        target = month + months
        first = target.astype("datetime64[D]").astype(np.int64)
        length = (target + 1).astype("datetime64[D]").astype(np.int64) - first
        past = length if self.cols.cal.spec.leap_day == "mar_1" else length - 1
        result = first + np.where(day_of_month < length, day_of_month, past)
        self.check(result)
        return result

    def is_business(self, days: Any) -> Any:
        self.check(days)
        return self.table(("is", 0))[days - self.start]

    def due(self, unit: str, amount: int | None, anchor: Any, from_receipt: Any, roll: str = "none") -> Any:
        """Due instants (UTC microseconds) of ``amount`` ``unit`` after each anchor instant."""
        np = self.np
        n = amount or 0
        if unit == "hours":
            return anchor + n * 3_600_000_000
        if unit == "immediately":
            return anchor
        local = self.cols.local(anchor)
        day0 = local // _DAY_US
        if unit in ("calendar_days", "business_days", "months", "years"):
            if unit in ("months", "years"):
                day = self.add_months(day0, n * (12 if unit == "years" else 1))
            elif unit == "calendar_days":
                day = day0 + n
            else:
                start = day0
                cal = self.cols.cal
                if from_receipt.any() and (cal._after_close or cal._non_business):
                    # PlanCalendar.business_day_zero: a non-business day moves when the pack says so;
                    # a receipt after close of business on a business day moves when it says so
                    business = self.is_business(day0)
                    moved = ~business if cal._non_business else np.zeros(len(day0), dtype=bool)
                    if cal._after_close:
                        moved |= business & (anchor > self.at_local(day0, self.cob_us))
                    start = np.where(from_receipt & moved, self.add_business(day0, 1), day0)
                day = self.add_business(start, n)
            if roll == "next_business_day":
                self.check(day)
                day = self.table(("roll", 0))[day - self.start]
            return self.at_local(day, self.eod_us)
        if unit == "close_of_next_business_day":
            return self.at_local(self.add_business(day0, 1), self.cob_us)
        raise ValueError(f"unknown deadline unit {unit!r}")


def _span_days(deadline: Any) -> int:
    """At most how many days a deadline reaches past its anchor day (for the calendar's span)."""
    per = {"months": 31, "years": 366}.get(deadline.unit, 1)
    return (deadline.amount or 0) * per


class _OutOfSpan(Exception):
    """A date fell outside the business-day calendar built for the batch (widen and retry)."""


def _columnar(
    pa: Any, np: Any, policy: Policy, data: pa.Table, when: Any, codes: Sequence[str], count: bool = True
) -> tuple[Any, dict[str, Any]] | None:
    """The fast path: (rows it decided, their output arrays), or None when the table or pack has a
    shape it does not read (then every row goes through the per-record path)."""
    if getattr(policy.spec, "subject", None) is not None:
        return None  # subject packs (contract section 9) read their own fields: per record
    if not _shape_ok(pa, data) or not all(_facts_ok(v) for v in policy.versions):
        return None
    if not policy.by_date or (len(policy.versions) == 1 and policy.effective is None):
        return _columnar_version(pa, np, policy, data, when, codes, count)
    # the version in force on each local receipt date judges the row (Policy.version_for);
    # rows no version covers go per record, which gives evaluate's FactsError
    routing = _Columns(pa, np, policy, data, None, route_only=True)
    n = data.num_rows
    ok_all = np.zeros(n, dtype=bool)
    merged: dict[str, Any] | None = None
    asked = 0
    prints: list[Any] = []
    for version in policy.versions:
        eff = version.effective
        covers = routing.received_ok.copy()
        if eff is not None:
            covers &= routing.recv_day >= eff.from_.toordinal() - _EPOCH_ORDINAL
            if eff.until is not None:
                covers &= routing.recv_day <= eff.until.toordinal() - _EPOCH_ORDINAL
        idx = np.flatnonzero(covers)
        if not len(idx):
            continue
        same_zone = version.spec.calendar.timezone == policy.spec.calendar.timezone
        if 2 * len(idx) >= n:  # most of the batch (usually all of it): mask the other rows, copy nothing
            part, head, only, pick = data, routing.head, covers, idx
        else:
            part, only, pick = data.take(pa.array(idx)), None, slice(None)
            head = tuple(a[idx] for a in routing.head)
        found = _columnar_version(pa, np, version, part, when, codes, count, head if same_zone else None, only)
        if found is None:
            return None
        ok, out = found
        prints.append(out["distinct"])
        asked += int(out["group_inputs"])
        if merged is None and part is data:  # the whole batch's arrays, other versions' rows undecided
            merged, ok_all = out, ok
            continue
        if merged is None:
            merged = _empty_out(np, n, len(codes))
        for key in ("classification", "level", "handled_by", "timely", "filing_day", "has_filing"):
            merged[key][idx] = out[key][pick]
        for key in ("due", "has_due", "rank"):
            merged[key][:, idx] = out[key][:, pick]
        ok_all[idx] = ok[pick]
    if merged is None:
        return None
    merged["distinct"] = np.unique(np.concatenate(prints)) if prints else np.zeros(0, dtype=np.uint64)
    merged["group_inputs"] = asked
    return ok_all, merged


def _empty_out(np: Any, n: int, ncodes: int) -> dict[str, Any]:
    """Output arrays for ``n`` rows, every row undecided."""
    return {
        "classification": np.full(n, None, dtype=object),
        "level": np.full(n, None, dtype=object),
        "handled_by": np.full(n, None, dtype=object),
        "timely": np.full(n, -1, dtype=np.int8),
        "filing_day": np.zeros(n, dtype=np.int64),
        "has_filing": np.zeros(n, dtype=bool),
        "due": np.zeros((ncodes, n), dtype=np.int64),
        "has_due": np.zeros((ncodes, n), dtype=bool),
        "rank": np.full((ncodes, n), 99, dtype=np.int8),
        "distinct": np.zeros(0, dtype=np.uint64),
    }


def _columnar_version(
    pa: Any,
    np: Any,
    version: Policy,
    data: pa.Table,
    when: Any,
    codes_: Sequence[str],
    count: bool,
    head: tuple[Any, ...] | None = None,
    only: Any = None,
) -> tuple[Any, dict[str, Any]] | None:
    """The columnar path for the rows one version judges (``count``: count distinct decision inputs)."""
    as_of = None if when is None else instant_us(when)
    cols = _Columns(pa, np, version, data, as_of, head=head)
    if only is not None:  # rows another version judges
        cols.ok &= only
    ok = cols.ok
    cols.fallback = int(cols.received[ok][0]) if ok.any() else 0  # a safe moment for rows not decided here
    n = cols.n
    spec = version.spec
    # filing window (calendar days, local receipt date)
    if spec.filing_window is not None:
        deadline_day = cols.incident_day + spec.filing_window.amount
        has_deadline = cols.has_incident.copy()
    else:
        deadline_day = np.zeros(n, dtype=np.int64)
        has_deadline = np.zeros(n, dtype=bool)
    timely = cols.recv_day <= deadline_day
    filing = _Coded(np.where(has_deadline, np.where(timely, 0, 1), 2), ["timely", "late", "unknown"])

    moments = [cols.received[ok], cols.resolved[ok & cols.has_resolved]]
    days = [cols.local_days(m) for m in moments if len(m)]
    first_day = min((int(d.min()) for d in days), default=0)
    last_day = max((int(d.max()) for d in days), default=0)
    if len(cols.ev_rows):
        ev_ok = ok[cols.ev_rows]
        if ev_ok.any():
            last_day = max(last_day, int(cols.local_days(cols.ev_key[ev_ok] // _POS).max()))
    if as_of is not None:
        last_day = max(last_day, int(cols.local_days(np.array([as_of], dtype=np.int64))[0]))
    total = sum(
        _span_days(d) for a in spec.actions for d in (a.deadline, a.target) if d is not None and d.unit != "hours"
    ) + sum(_span_days(t.within) for t in spec.timers)
    dates = _Dates(cols, first_day, last_day + 3 * total + 400)

    # the properties the rules read, as arrays over the rows decided here
    rows = np.flatnonzero(ok)
    codes: dict[str, tuple[Any, list[Any]]] = {}
    for prop, (fact, tag) in version.compiled.properties.items():
        codes[prop] = _factorize(pa, np, _property(cols, dates, version, fact, tag, filing, np)[rows])
    initial = dict(codes)
    fired, group_inputs = _fire_groups(np, version, codes, len(rows))
    out: dict[str, Any] = {
        "classification": np.full(n, None, dtype=object),
        "level": np.full(n, None, dtype=object),
        "handled_by": np.full(n, None, dtype=object),
        "timely": np.where(has_deadline & ok, timely.astype(np.int8), -1).astype(np.int8),
        "filing_day": np.where(has_deadline & ok, deadline_day, 0),
        "has_filing": has_deadline & ok,
        "due": np.zeros((len(codes_), n), dtype=np.int64),
        "has_due": np.zeros((len(codes_), n), dtype=bool),
        "rank": np.full((len(codes_), n), 99, dtype=np.int8),
        "distinct": _fingerprints(np, initial) if count else np.zeros(0, dtype=np.uint64),
        "group_inputs": group_inputs,
    }
    # choices: each choice rule's value on the rows where it fired (one per kind, as _decision checks)
    chosen = {kind: np.zeros(len(rows), dtype=bool) for kind in ("classification", "level", "handled_by")}
    actions: list[tuple[Any, Any]] = []
    for info in version.compiled.rules:
        hit = fired.get(info.name)
        if hit is None or not hit.any():
            continue
        if info.kind in chosen:
            twice = chosen[info.kind] & hit
            if twice.any():
                _raise_as_evaluate(np, version, fired, twice)
            chosen[info.kind] |= hit
            out[info.kind][rows[hit]] = info.value
        elif info.kind == "action":
            actions.append((info, hit))
    if len(rows) and not chosen["classification"].all():
        _raise_as_evaluate(np, version, fired, ~chosen["classification"])
    out["handled_by"][rows[~chosen["handled_by"]]] = "plan"
    # actions: dated on the rows where each fired, anchored as determination._Anchors anchors them
    by_id: dict[str, tuple[Any, Any]] = {}
    for info, hit in actions:
        if info.id in by_id:
            return None  # one id on two action rules: left to the per-record path
        full = np.zeros(n, dtype=bool)
        full[rows[hit]] = True
        by_id[info.id] = (info.action, full)
    code_index = {c: i for i, c in enumerate(codes_)}
    anchors = _Anchors(cols, dates, by_id)
    for info, hit in actions:
        action = info.action
        assert action is not None
        idx = rows[hit]
        due, has_due = anchors.deadline(action, idx, info.id)
        done, has_done = anchors.done_at(action, idx)
        late = has_done & has_due & (done > due)
        overdue = ~has_done & has_due & (as_of is not None) & ((as_of or 0) > due)
        rank = np.where(has_done, np.where(late, 1, 3), np.where(overdue, 0, 2)).astype(np.int8)
        k = code_index[action.code]
        cur_rank, cur_due, cur_has = out["rank"][k, idx], out["due"][k, idx], out["has_due"][k, idx]
        sort_new = np.where(has_due, due, _BIG)
        sort_cur = np.where(cur_has, cur_due, _BIG)
        better = (rank < cur_rank) | ((rank == cur_rank) & (sort_new < sort_cur))
        out["rank"][k, idx] = np.where(better, rank, cur_rank)
        out["due"][k, idx] = np.where(better, due, cur_due)
        out["has_due"][k, idx] = np.where(better, has_due, cur_has)
    return ok, out


def _property(cols: _Columns, dates: _Dates, version: Policy, fact: str, tag: str | None, filing: Any, np: Any) -> Any:
    if tag is not None:
        return cols.tag(fact, tag)
    if fact == "channel":
        return cols.coded("channel", "none")
    if fact == "complainant":
        return cols.coded("complainant", "member")
    if fact == "group":
        return cols.coded("group", "")
    if fact == "type":
        coded = cols.coded("type", "none")
        return _Coded(coded.indices, ["none" if v == "" else v for v in coded.values])
    if fact in _BOOL_FIELDS:
        return cols.bools(fact)
    if fact == "resolved":
        return cols.first("resolved")[1]
    if fact == "has_incident_date":
        return cols.has_incident
    if fact == "channel_accepted":
        coded = cols.coded("channel", "")
        accepted = set(version.spec.vocabulary.channels)
        return np.array([v in accepted for v in coded.values], dtype=bool)[coded.indices]
    if fact == "filing":
        return filing
    if fact.startswith("delegation."):
        return _delegation(cols, version, fact.partition(".")[2], np)
    head, _, rest = fact.partition(".")
    if head == "events":
        name, _, count = rest.partition(".")
        if count.startswith("after."):
            return cols.after(name, count.removeprefix("after."))
        if count:
            return cols.count(name)
        return cols.first(name)[1]
    if head == "timers":
        return _timer(cols, dates, version._timers[rest], np)[0]
    if head == "patterns":
        return np.zeros(cols.n, dtype=bool)
    if head == "present":
        return cols.present(rest)
    raise AssertionError(f"no columnar getter for fact {fact}")  # _facts_ok keeps these in step


def _delegation(cols: _Columns, version: Policy, what: str, np: Any) -> Any:
    """A delegation fact per row, worked out once per distinct group name (and channel)."""
    from grievance_rules.facts import normalize_name

    spec = version.spec.delegation
    groups = cols.coded("group", "")
    channels = cols.coded("channel", "")
    table = np.zeros((max(len(groups.values), 1), max(len(channels.values), 1)), dtype=bool)
    for j, name in enumerate(groups.values):  # once per distinct group name
        found = version._rows.get(normalize_name(name or ""))
        row = found or (spec.default if spec is not None else None)
        if what == "in_matrix":
            table[j, :] = found is not None
        elif what == "delegated":
            table[j, :] = bool(row and row.delegated)
        elif what == "verbal_grievances":
            table[j, :] = bool(row and row.verbal_grievances)
        elif row:
            table[j, :] = [c in row.written_channels for c in channels.values]
    return table[groups.indices, channels.indices]


class _Coded:
    """A text property as integer codes per row and the value of each code."""

    def __init__(self, indices: Any, values: list[Any]) -> None:
        self.indices, self.values = indices, values

    def __getitem__(self, rows: Any) -> _Coded:
        return _Coded(self.indices[rows], self.values)


def _timer(cols: _Columns, dates: _Dates, timer: Any, np: Any) -> tuple[Any, Any]:
    """(state, due) of a timer for every row, as Policy._run_timer works it out."""
    anchor = np.zeros(cols.n, dtype=np.int64)
    have = np.zeros(cols.n, dtype=bool)
    from_receipt = np.zeros(cols.n, dtype=bool)
    for ref in timer.within.refs:
        kind, name = ref.kind, ref.name
        if kind == "receipt":
            moment, valid = cols.received, np.ones(cols.n, dtype=bool)
        elif kind == "event":
            moment, valid = cols.first(name)
        else:
            continue
        take = ~have & valid
        anchor = np.where(take, moment, anchor)
        from_receipt = np.where(take, kind == "receipt", from_receipt)
        have |= valid
    safe = np.where(have & cols.ok, anchor, cols.fallback)
    due = dates.due(timer.within.unit, timer.within.amount, safe, from_receipt, getattr(timer.within, "roll", "none"))
    happened, has_happened = cols.first(timer.event)
    # 0 open, 1 met, 2 missed
    state = np.where(has_happened, np.where(happened <= due, 1, 2), 0)
    if cols.as_of is not None:
        state = np.where(~has_happened & (cols.as_of > due), 2, state)
    state = np.where(have, state, 0)
    return _Coded(state, ["open", "met", "missed"]), due


def _factorize(pa: Any, np: Any, column: Any) -> tuple[Any, list[Any]]:
    """(integer code per row, the value of each code) of one property's array.

    Booleans and small counts are their own codes; text goes through Arrow's dictionary encoding
    (a hash pass, no sort), so a million rows cost milliseconds.
    """
    if isinstance(column, _Coded):
        return column.indices, column.values
    if column.dtype == bool:
        return column.astype(np.int64), [False, True]
    if column.dtype.kind in "iu":
        if not len(column):
            return column.astype(np.int64), []
        low, high = int(column.min()), int(column.max())
        if low >= 0 and high < 1 << 16:
            return column.astype(np.int64), list(range(high + 1))
        unique, inverse = np.unique(column, return_inverse=True)
        return inverse.reshape(-1).astype(np.int64), [v.item() for v in unique]
    encoded = pa.array(column, pa.string()).dictionary_encode(null_encoding="encode")
    indices = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return indices, encoded.dictionary.to_pylist()


_DENSE = 1 << 16
"""Up to this many possible combinations, a group's distinct inputs are found by direct indexing."""


def _hash_unique(np: Any, key: Any) -> tuple[Any, Any]:
    """(distinct values in first-seen order, index of each row's value) by one hash pass in Arrow."""
    import pyarrow as pa

    encoded = pa.array(key, pa.int64()).dictionary_encode()
    inverse = np.asarray(encoded.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    return np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=np.int64), inverse


def _combine(np: Any, columns: Sequence[tuple[Any, list[Any]]], n: int) -> tuple[Any, list[tuple[Any, ...]]]:
    """The distinct value tuples of some coded columns: (index of each row's tuple, the tuples).
    Mixed-radix keys, found distinct with a dense table when the combinations are few and by
    hashing otherwise; columns whose key would pass 64 bits are compared row-wise."""
    sizes = [max(len(values), 1) for _codes, values in columns]
    total = 1
    for size in sizes:
        total *= size
    if total >= 1 << 62:
        matrix = np.stack([c for c, _v in columns], axis=1)
        unique_rows, inverse = np.unique(matrix, axis=0, return_inverse=True)
        rows = unique_rows.tolist()
        return inverse.reshape(-1), [tuple(v[d] for (_c, v), d in zip(columns, r, strict=True)) for r in rows]
    key = np.zeros(n, dtype=np.int64)
    for (column, _values), size in zip(columns, sizes, strict=True):
        key = key * size + column
    if total <= _DENSE:
        seen = np.zeros(total, dtype=bool)
        seen[key] = True
        unique = np.flatnonzero(seen)
        slot = np.zeros(total, dtype=np.int64)
        slot[unique] = np.arange(len(unique))
        inverse = slot[key]
    else:
        unique, inverse = _hash_unique(np, key)
    digits = []
    rest = unique.copy()
    for size in reversed(sizes):
        digits.append(rest % size)
        rest //= size
    digits.reverse()
    if not columns:
        return inverse, [() for _ in range(len(unique))]
    combos = zip(*(d.tolist() for d in digits), strict=True)
    return inverse, [tuple(v[d] for (_c, v), d in zip(columns, combo, strict=True)) for combo in combos]


def _fingerprints(np: Any, columns: dict[str, tuple[Any, list[Any]]]) -> Any:
    """The distinct 64-bit fingerprints of the rows' tuples of property values (sorted): each
    value hashed once per distinct value (with its property's name), mixed row-wise."""
    if not columns:
        return np.zeros(0, dtype=np.uint64)
    n = len(next(iter(columns.values()))[0])
    mixed = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for prop, (codes, values) in columns.items():
            hashed = np.array([hash((prop, repr(v))) & 0xFFFFFFFFFFFFFFFF for v in values] or [0], dtype=np.uint64)
            mixed = mixed * np.uint64(0x9E3779B97F4A7C15) + hashed[codes]
    return np.unique(mixed)


def _fire_groups(
    np: Any, version: Policy, codes: dict[str, tuple[Any, list[Any]]], n: int
) -> tuple[dict[str, Any], int]:
    """Which rules fire on each row (rule name -> boolean array over the rows), and how many
    distinct rule-group inputs were asked about.

    Stage by stage, each rule group of the engine (rules reading the same properties) is asked
    once per distinct tuple of its own properties among the rows; what a stage's firings set
    (``emits``, else ``defaults``) becomes a coded column for the next stage. A row where two
    rules of a stage set one property to different values is asked again whole (the order of
    firings would decide it), exactly as :meth:`RulesEngine.fire` answers it.
    """
    engine = version.engine
    fired: dict[str, Any] = {}
    asked = [0]
    clash = np.zeros(n, dtype=bool)
    start = dict(codes)
    for s, (stage, groups) in enumerate(zip(engine.stages, engine.rule_groups(), strict=True)):
        for g, (inputs, rules) in enumerate(groups):
            inverse, tuples = _combine(np, [codes[p] for p in inputs], n)
            hits = {rule: np.zeros(len(tuples), dtype=bool) for rule in rules}
            asked[0] += len(tuples)
            for t, values in enumerate(tuples):
                for rule in engine.fire_group(s, g, values):
                    hits[rule][t] = True
            for rule in rules:
                fired[rule] = hits[rule][inverse] if n else np.zeros(0, dtype=bool)
        for prop, default in stage.defaults.items():
            emitted: list[Any] = [default]
            column = np.zeros(n, dtype=np.int64)
            setters = np.zeros(n, dtype=np.int64)
            for rule, (target, value) in stage.emits.items():
                if target != prop:
                    continue
                if value not in emitted:
                    emitted.append(value)
                hit = fired[rule]
                code = emitted.index(value)
                clash |= hit & (setters > 0) & (column != code)
                column[hit] = code
                setters += hit
            codes[prop] = (column, emitted)
    if clash.any():
        props = list(start)
        names = list(fired)
        for i in np.flatnonzero(clash).tolist():
            shown = {p: start[p][1][int(start[p][0][i])] for p in props}
            now = engine.fire(shown)
            for name in names:
                fired[name][i] = name in now
    return fired, asked[0]


def _raise_as_evaluate(np: Any, version: Policy, fired: dict[str, Any], rows: Any) -> None:
    """Raise what :meth:`Policy.evaluate` raises for the first of ``rows`` (an inconsistent choice)."""
    i = int(np.flatnonzero(rows)[0])
    version._decision(frozenset(name for name, hit in fired.items() if hit[i]))
    raise AssertionError("the per-record decision accepted what the columnar one refused")  # pragma: no cover


class _Anchors:
    """Deadlines of actions on the rows where they fired, anchored as determination._Anchors does.

    ``fired`` maps an action id to (its rule, which rows it fired on); an anchor on another action
    holds on a row only where that action fired there too.
    """

    def __init__(self, cols: _Columns, dates: _Dates, fired: dict[str, tuple[Any, Any]]) -> None:
        self.cols, self.dates, self.fired = cols, dates, fired
        self.np = cols.np
        self.memo: dict[tuple[str, str], tuple[Any, Any]] = {}

    def done_at(self, action: Any, idx: Any) -> tuple[Any, Any]:
        np = self.np
        best = np.full(len(idx), _BIG, dtype=np.int64)
        for event in action.done_by:
            moment, has = self.cols.first(event)
            best = np.where(has[idx], np.minimum(best, moment[idx]), best)
        return best, best < _BIG

    def anchor(self, ref: AnchorRef, idx: Any, scope: str) -> tuple[Any, Any, bool]:
        np = self.np
        kind, name = ref.kind, ref.name
        if kind == "receipt":
            return self.cols.received[idx], np.ones(len(idx), dtype=bool), True
        if kind == "event":
            moment, has = self.cols.first(name)
            return moment[idx], has[idx], False
        found = self.fired.get(name or "")
        if found is None:
            return np.zeros(len(idx), dtype=np.int64), np.zeros(len(idx), dtype=bool), False
        action, where = found
        there = where[idx]
        done, has_done = self.done_at(action, idx)
        due, has_due = self.deadline(action, idx, scope)
        return np.where(has_done, done, due), there & (has_done | has_due), False

    def deadline(self, action: Any, idx: Any, scope: str) -> tuple[Any, Any]:
        """Due instants of ``action`` on rows ``idx`` (``scope`` names that row set, for the memo)."""
        np = self.np
        key = (action.id, scope)
        found = self.memo.get(key)
        if found is not None:
            return found
        deadline = action.deadline
        if deadline is None:
            result = (np.zeros(len(idx), dtype=np.int64), np.zeros(len(idx), dtype=bool))
        else:
            moment = np.zeros(len(idx), dtype=np.int64)
            have = np.zeros(len(idx), dtype=bool)
            from_receipt = np.zeros(len(idx), dtype=bool)
            for ref in deadline.refs:
                at, valid, receipt = self.anchor(ref, idx, scope)
                take = ~have & valid
                moment = np.where(take, at, moment)
                from_receipt = np.where(take, receipt, from_receipt)
                have |= valid
            safe = np.where(have, moment, self.cols.received[idx])
            due = self.dates.due(deadline.unit, deadline.amount, safe, from_receipt, getattr(deadline, "roll", "none"))
            result = (due, have)
        self.memo[key] = result
        return result
