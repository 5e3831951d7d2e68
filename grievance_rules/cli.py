"""The ``grievance-rules`` command (contract section 6). The only module that prints or exits.

Exit status: 0 all well; 1 a policy, a pack or a record was invalid (everything else was still
done); 2 a usage error (bad option, missing file, unknown pack); 130 interrupted; 141 the output
pipe was closed by the reader (``| head``: the command stops quietly, as a process killed by
SIGPIPE would). Expected errors print one line, never a traceback. Inputs are read by
:func:`grievance_rules.records.read_records`: no record is lost, each bad one is an error object
in its place, and one record never stops a batch.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any, TextIO

from grievance_rules.docs import render_policy
from grievance_rules.errors import FactsError, GrievanceRulesError, PolicyError, PolicyNotFoundError
from grievance_rules.packs import available_policies, load_policy, validate_file
from grievance_rules.policy import Policy
from grievance_rules.records import UnreadableRecord, input_problem, read_records
from grievance_rules.schema import policy_json_schema
from grievance_rules.worklist import EARLIEST_DAY, LATEST_DAY, MAX_WITHIN_DAYS, WorkItem, WorklistPass

__all__ = ["main"]


class _Usage(Exception):
    """A usage error: exit 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grievance-rules",
        description="Tell a plan what it must do about a grievance, and by when.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ev = sub.add_parser(
        "evaluate",
        help="evaluate grievances (JSON object, array or JSON Lines) against a policy",
        description="Print one Determination per grievance as a JSON line, in input order.",
    )
    ev.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    ev.add_argument("--as-of", metavar="DATETIME", help="the moment statuses are judged at (ISO 8601)")
    ev.add_argument("--pretty", action="store_true", help="indent each Determination")
    ev.add_argument("files", nargs="+", metavar="FILE", help="grievance files; '-' reads standard input")
    va = sub.add_parser("validate", help="check policy files; print every problem as file:line:col: message")
    va.add_argument("paths", nargs="+", metavar="PATH")
    wl = sub.add_parser(
        "worklist",
        help="the daily worklist: actions overdue, due on a day, and due within N days",
        description="Evaluate every case as of the end of DATE and list the open actions that are overdue, "
        "due that day, or due within N days, sorted by due time. Records are grievance facts (with --policy) "
        'or {"policy": ID, "facts": {...}}.',
    )
    wl.add_argument("files", nargs="+", metavar="FILE", help="cases: JSON object, array or JSON Lines; '-' is stdin")
    wl.add_argument("--as-of", required=True, metavar="DATE", help="the day of the worklist (YYYY-MM-DD)")
    wl.add_argument(
        "--within",
        type=int,
        default=0,
        metavar="N",
        help=f"also list actions due in the next N days (0-{MAX_WITHIN_DAYS})",
    )
    wl.add_argument("--policy", metavar="ID|PATH", help="the policy of records that are plain grievance facts")
    wl.add_argument("--json", action="store_true", help="print the worklist as JSON")
    sub.add_parser("list", help="list the bundled and installed policy packs")
    sub.add_parser("schema", help="print the JSON Schema of the policy format (policies/policy.schema.json)")
    do = sub.add_parser("docs", help="write each pack's review page (docs/policies/<pack>.md)")
    do.add_argument("packs", nargs="*", metavar="ID|PATH", help="packs to document (default: every available pack)")
    do.add_argument("--out", default="docs/policies", metavar="DIR", help="folder to write into")
    return parser


EXIT_PIPE_CLOSED = 141
"""The status when the reader of the output went away (128 + SIGPIPE, as the shell reports it)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # the reader closed the pipe (``| head -1``): stop quietly; point stdout at /dev/null so the
        # interpreter's final flush cannot fail again and print a traceback
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout without a descriptor
            pass
        return EXIT_PIPE_CLOSED


def _main(argv: Sequence[str] | None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "evaluate":
            return _evaluate(args, sys.stdout)
        if args.command == "validate":
            return _validate(args.paths, sys.stdout)
        if args.command == "worklist":
            return _worklist(args, sys.stdout, sys.stderr)
        if args.command == "docs":
            return _docs(args.packs or available_policies(), Path(args.out), sys.stdout, sys.stderr)
        if args.command == "schema":
            print(json.dumps(policy_json_schema(), indent=2))
            return 0
        if args.command == "list":
            for name in available_policies():
                print(name)
            return 0
    except _Usage as exc:
        print(f"grievance-rules: {exc}", file=sys.stderr)
        return 2
    except PolicyNotFoundError as exc:
        print(f"grievance-rules: {exc}", file=sys.stderr)
        return 2
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except GrievanceRulesError as exc:
        print(f"grievance-rules: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    parser.error(f"unknown command {args.command!r}")
    return 2  # pragma: no cover - parser.error exits


def _check_inputs(files: Sequence[str]) -> None:
    """Refuse, before any output, an input that cannot be read (missing, a directory, no permission)."""
    for file in files:
        problem = input_problem(file)
        if problem is not None:
            raise _Usage(problem)


def _numbered_records(files: Sequence[str], err: TextIO) -> Iterator[tuple[int, Any]]:
    """(position, record or UnreadableRecord) over every file in turn; says so when a file is empty."""
    for file in files:
        empty = True
        for pair in read_records(file):
            empty = False
            yield pair
        if empty:
            print(f"grievance-rules: {file}: no records (the input is empty)", file=err)


def _records(file: str, opener: Callable[[str], IO[bytes]] | None = None) -> Iterator[tuple[int, Any, str | None]]:
    """(position, record, error message) per record of ``file``: :func:`read_records` for subcommands."""
    for position, record in read_records(file, opener=opener):
        if isinstance(record, UnreadableRecord):
            yield position, None, record.message
        else:
            yield position, record, None


def _worklist(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        day = dt.date.fromisoformat(args.as_of)
    except ValueError:
        raise _Usage(f"--as-of: not a date such as 2024-12-02: {args.as_of!r}") from None
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise _Usage(f"--as-of: a day from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}")
    if not 0 <= args.within <= MAX_WITHIN_DAYS:
        raise _Usage(f"--within: a number of days from 0 to {MAX_WITHIN_DAYS}")
    _check_inputs(args.files)
    policy = load_policy(args.policy) if args.policy else None
    run = WorklistPass(_numbered_records(args.files, err), day, within=args.within, policy=policy, numbered=True)
    if args.json:
        # streamed: items are printed as they come out of the merge, never all held
        print(f'{{"date": "{day.isoformat()}", "within_days": {args.within}, "items": [', file=out)
        for n, item in enumerate(run):
            print(("," if n else "") + json.dumps(item.model_dump(mode="json")), file=out)
        failed = [e.model_dump(mode="json") for e in run.errors]
        print(f'], "cases": {run.cases}, "errors": {json.dumps(failed)}}}', file=out)
    else:
        count = _print_worklist(run, day, args.within, out)
        failed = [e.model_dump(mode="json") for e in run.errors]
        print(f"{run.cases} cases, {count} open actions listed", file=out)
        for problem in failed:
            print(f"record {problem['record']}: {problem['error']}", file=err)
    return 1 if failed else 0


_COLUMNS = (("DUE", 20), ("WHEN", 9), ("CASE", 14), ("ACTION", 44), ("RESPONSIBLE", 20), ("RULE", 0))


def _print_worklist(items: Iterable[WorkItem], day: dt.date, within: int, out: TextIO) -> int:
    """Print the items as a fixed-width table while they stream; return how many."""
    span = f", due within {within} days" if within else ""
    print(f"Worklist for {day.isoformat()} (overdue, due today{span})", file=out)

    def line(cells: Sequence[str]) -> str:
        parts = []
        for cell, (_, width) in zip(cells, _COLUMNS, strict=True):
            text = cell if not width or len(cell) <= width else cell[: width - 1] + "…"
            parts.append(text.ljust(width))
        return "  ".join(parts).rstrip()

    print(line([name for name, _ in _COLUMNS]), file=out)
    count = 0
    for item in items:
        count += 1
        due = item.due_at.strftime("%Y-%m-%d %H:%M %Z")
        cells = [due, item.bucket.replace("_", " "), item.grievance_id, item.title, item.responsible or "-", item.rule]
        print(line(cells), file=out)
    if not count:
        print("Nothing is overdue or due.", file=out)
    return count


def _docs(packs: Sequence[str], out_dir: Path, out: TextIO, err: TextIO) -> int:
    """Write each pack's page; a pack that fails to load (a broken plugin) fails alone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    status = 0
    for name in packs:
        try:
            policy = load_policy(name)
        except PolicyError as exc:
            for problem in exc.problems:
                print(problem, file=err)
            status = max(status, 1)
            continue
        except PolicyNotFoundError as exc:  # a usage error, but the other packs are still written
            print(f"grievance-rules: {exc}", file=err)
            status = 2
            continue
        except GrievanceRulesError as exc:
            print(f"grievance-rules: {exc}", file=err)
            status = max(status, 1)
            continue
        target = out_dir / f"{policy.id}.md"
        target.write_text(render_policy(policy.spec), encoding="utf-8")
        print(f"wrote {target}", file=out)
    return status


def _validate(paths: Sequence[str], out: TextIO) -> int:
    """Check and report every path, whatever goes wrong with one: 1 if any was invalid, 2 if any was missing."""
    status = 0
    for path in paths:
        problem = input_problem(path) if path != "-" else "-: validate reads policy files, not standard input"
        if problem is not None:
            print(problem, file=out)
            status = max(status, 2 if not os.path.lexists(path) else 1)
            continue
        try:
            problems = [str(p) for p in validate_file(path)]
        except GrievanceRulesError as exc:
            problems = [f"{path}: {exc}"]
        except (RecursionError, MemoryError, ValueError, OSError) as exc:
            problems = [f"{path}: cannot be checked ({exc.__class__.__name__})"]
        except Exception as exc:  # a defect in the checker: say so for this file, check the others
            problems = [f"{path}: internal error while checking ({exc.__class__.__name__}); please report it"]
        for line in problems:
            print(line, file=out)
        if problems:
            status = max(status, 1)
        else:
            print(f"{path}: ok", file=out)
    return status


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    policy: Policy = load_policy(args.policy)
    _check_inputs(args.files)
    status = 0
    indent = 2 if args.pretty else None
    if args.as_of is not None:
        try:
            policy.parse_as_of(args.as_of)
        except FactsError as exc:
            raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    for position, record in _numbered_records(args.files, sys.stderr):
        row = _evaluate_one(policy, position, record, args.as_of)
        if "error" in row:
            status = 1
        print(json.dumps(row, indent=indent), file=out)
    return status


def _evaluate_one(policy: Policy, position: int, record: Any, as_of: str | None) -> dict[str, Any]:
    """The Determination of one record as JSON, or its error object: never raises for a record."""
    if isinstance(record, UnreadableRecord):
        return record.as_dict()
    rid = record.get("id") if isinstance(record, dict) else None
    rid = rid if isinstance(rid, str) and len(rid) <= 200 else None
    try:
        return policy.evaluate(record, as_of=as_of).model_dump(mode="json")
    except FactsError as exc:
        return {"error": str(exc), "record": position, "id": rid, "field": exc.field}
    except GrievanceRulesError as exc:
        return {"error": str(exc), "record": position, "id": rid, "field": None}
    except Exception as exc:  # one record never stops a batch; the message never quotes the record
        message = f"this record could not be evaluated ({exc.__class__.__name__})"
        return {"error": message, "record": position, "id": rid, "field": None}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
