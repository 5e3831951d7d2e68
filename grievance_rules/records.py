"""Reading batches of grievance records from files, losing none.

:func:`read_records` yields ``(position, record)`` for every record of a file, where ``record`` is
the parsed JSON value or an :class:`UnreadableRecord` standing in its place. It never raises for
what is inside the file: a bad line, invalid UTF-8, a value nested too deeply or a number too long
to convert each become an :class:`UnreadableRecord` at their position and reading goes on.

The format rule (one rule, no guessing from a broken first line):

- A file is **one JSON document** only if its whole text parses as one JSON value. A document that
  is an array holds one record per element (position = 1-based index); any other value is one
  record (position 1).
- Otherwise the file is **JSON Lines**: every non-blank line is one record at its line number, and
  a line that is not valid JSON (or not UTF-8) is an :class:`UnreadableRecord` at that line.

JSON Lines stream with flat memory: a first line that parses on its own starts JSON Lines at
once; otherwise lines are gathered only until their text either completes one value or cannot
(a syntax error before the end of the gathered text), which for JSON Lines happens within the
first lines. Only a real multi-line document is held whole, as it must be to parse it.

Messages never quote the content of a record (it may hold personal data): they say where and
what kind of problem it is.
"""

from __future__ import annotations

import csv
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Literal

__all__ = ["CsvRow", "UnreadableRecord", "input_problem", "read_records"]

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class UnreadableRecord:
    """A record that could not be read, in its place: ``position`` is its line (JSON Lines) or index."""

    position: int
    message: str

    def as_dict(self) -> dict[str, Any]:
        """The batch error object of the command line (contract section 6)."""
        return {"error": self.message, "record": self.position, "id": None, "field": None}


def input_problem(file: str) -> str | None:
    """Why ``file`` cannot be read as an input of records, or None when it can be opened.

    ``-`` is standard input. Paths that are not regular files but can be read (``/dev/stdin``,
    process substitution's ``/dev/fd/N``, a named pipe, ``/dev/null``) are accepted.
    """
    if file == "-":
        return None
    try:
        info = os.stat(file)
    except FileNotFoundError:
        return f"no such file: {file}"
    except OSError as exc:
        return f"cannot read {file} ({exc.__class__.__name__})"
    if stat.S_ISDIR(info.st_mode):
        return f"{file} is a directory, not a file of records"
    if not os.access(file, os.R_OK):
        return f"cannot read {file} (permission denied)"
    return None


class CsvRow(dict[str, str]):
    """One CSV row (text cells; empty cells left out), typed by the pack before evaluation
    (:meth:`Policy.csv_record`)."""


def read_records(
    file: str | os.PathLike[str],
    *,
    opener: Callable[[str], IO[bytes]] | None = None,
    fmt: str | None = None,
) -> Iterator[tuple[int, Any]]:
    """Yield ``(position, record or UnreadableRecord)`` for every record of ``file`` (``-``: stdin).

    A file that cannot be opened yields one :class:`UnreadableRecord` at position 0. ``opener``
    (default: ``open(path, "rb")``) opens a path as a binary handle, e.g. to follow its ``tell()``
    for a progress bar; the handle is closed when reading ends.
    """
    name = os.fspath(file)
    handle: IO[bytes] | None = None
    try:
        if name == "-":
            lines = _stdin_lines()
        else:
            handle = lines = opener(name) if opener is not None else open(name, "rb")  # noqa: SIM115
    except OSError as exc:
        yield 0, UnreadableRecord(0, f"cannot read {name} ({exc.__class__.__name__})")
        return
    try:
        if fmt == "csv" or (fmt is None and name.lower().endswith(".csv")):
            yield from read_csv_lines(lines)
        else:
            yield from read_lines(lines)
    except OSError as exc:
        yield 0, UnreadableRecord(0, f"reading {name} failed ({exc.__class__.__name__}); later records are lost")
    finally:
        if handle is not None:
            handle.close()


def read_csv_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    """CSV with a header row: ``(row number, CsvRow or UnreadableRecord)`` per data row."""
    problems: list[int] = []

    def text() -> Iterator[str]:
        for lineno, raw in enumerate(lines, start=1):
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(lineno)
                yield "\n"

    reader = csv.DictReader(text())
    number = 0
    try:
        for row in reader:
            number += 1
            if problems:
                yield number, UnreadableRecord(number, f"row {number} is not UTF-8 text")
                problems.clear()
                continue
            if None in row:
                yield number, UnreadableRecord(number, f"row {number} has more cells than the header names")
                continue
            yield number, CsvRow({k: v for k, v in row.items() if v not in (None, "")})
    except csv.Error as exc:
        yield number + 1, UnreadableRecord(number + 1, f"row {number + 1} is not valid CSV ({exc})")


def _stdin_lines() -> Iterable[bytes]:
    buffer: IO[bytes] | None = getattr(sys.stdin, "buffer", None)
    if buffer is not None:
        return buffer
    return (line.encode("utf-8", "surrogatepass") for line in sys.stdin)  # a text stand-in (tests)


def read_lines(lines: Iterable[bytes]) -> Iterator[tuple[int, Any]]:
    """:func:`read_records` over an iterable of raw lines (each ending with ``\\n`` but the last)."""
    numbered = enumerate(lines, start=1)
    gathered: list[tuple[int, bytes]] = []
    # find the first non-blank line
    for lineno, raw in numbered:
        if lineno == 1 and raw.startswith(_BOM):
            raw = raw[len(_BOM) :]
        gathered.append((lineno, raw))
        if raw.strip():
            break
    else:
        return  # empty or blank: no records
    first_no, first = gathered[-1]
    value, state = _parse_line(first)
    if state == "complete":
        # one complete value on the first line: JSON Lines, unless nothing else follows
        for lineno, raw in numbered:
            if raw.strip():
                yield first_no, value
                yield from _json_lines([(lineno, raw)], numbered)
                return
        yield from _document(value)
        return
    # the first line is not a value by itself: a multi-line document, or JSON Lines with a bad line
    text_parts: list[str] = []
    for _, raw in gathered:
        decoded = _text(raw)
        if decoded is None:  # not UTF-8: not one document
            yield from _json_lines(gathered, numbered)
            return
        text_parts.append(decoded)
    check_at = len(gathered) * 2
    for lineno, raw in numbered:
        gathered.append((lineno, raw))
        decoded = _text(raw)
        if decoded is None:
            yield from _json_lines(gathered, numbered)
            return
        text_parts.append(decoded)
        if len(gathered) >= check_at:  # re-check at doubling sizes: linear overall
            check_at *= 2
            if _prefix_state("".join(text_parts)) == "broken":
                yield from _json_lines(gathered, numbered)
                return
    text = "".join(text_parts)
    value, state = _parse_text(text)
    if state == "complete":
        yield from _document(value)
        return
    yield from _json_lines(gathered, iter(()))


def _document(value: Any) -> Iterator[tuple[int, Any]]:
    if isinstance(value, list):
        yield from enumerate(value, start=1)
    else:
        yield 1, value


def _json_lines(gathered: Iterable[tuple[int, bytes]], rest: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, Any]]:
    for source in (gathered, rest):
        for lineno, raw in source:
            if lineno == 1 and raw.startswith(_BOM):
                raw = raw[len(_BOM) :]
            if not raw.strip():
                continue
            yield lineno, _line_record(lineno, raw)


def _line_record(lineno: int, raw: bytes) -> Any:
    text = _text(raw)
    if text is None:
        return UnreadableRecord(lineno, f"line {lineno} is not UTF-8 text")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        if exc.pos >= len(text.rstrip()):
            return UnreadableRecord(lineno, f"line {lineno} is not valid JSON: it ends before its value is complete")
        return UnreadableRecord(lineno, f"line {lineno} is not valid JSON (column {exc.colno}): {exc.msg}")
    except RecursionError:
        return UnreadableRecord(lineno, f"line {lineno} is nested too deeply to read")
    except ValueError:  # e.g. an integer beyond Python's digit limit for conversion
        return UnreadableRecord(lineno, f"line {lineno} holds a number too long to read")


def _text(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


_State = Literal["complete", "incomplete", "broken"]


def _parse_line(raw: bytes) -> tuple[Any, _State]:
    text = _text(raw)
    if text is None:
        return None, "broken"
    return _parse_text(text)


def _parse_text(text: str) -> tuple[Any, _State]:
    try:
        return json.loads(text), "complete"
    except json.JSONDecodeError as exc:
        return None, "incomplete" if exc.pos >= len(text.rstrip()) else "broken"
    except (RecursionError, ValueError):
        return None, "broken"


def _prefix_state(text: str) -> _State:
    """Whether whole lines gathered so far are one value, the start of one, or cannot be.

    A syntax error before the end of the text cannot be repaired by more lines (JSON strings
    cannot span lines), so the file is not one document.
    """
    return _parse_text(text)[1]
