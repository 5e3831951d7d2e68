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
import dataclasses
import datetime as dt
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, TextIO

from grievance_rules import __version__
from grievance_rules.casebook import CaseBook
from grievance_rules.determination import Determination
from grievance_rules.diff import diff_policies, render_diff
from grievance_rules.docs import render_policy
from grievance_rules.errors import FactsError, GrievanceRulesError, PolicyError, PolicyNotFoundError, Problem
from grievance_rules.explain import explain, render_explanation
from grievance_rules.export import ExportError, ExportLayout, arrow_schema, write_csv, write_parquet
from grievance_rules.packs import CASES_SUFFIXES, available_policies, describe_packs, load_policy, validate_file
from grievance_rules.parallel import chunked, ordered_map
from grievance_rules.period import PeriodError, parse_period
from grievance_rules.policy import Policy
from grievance_rules.recordio import (
    INPUT_FORMATS,
    determination_row,
    input_format,
    parquet_batches,
    plain_value,
    read_csv,
    read_parquet,
    row_schema,
    write_row_csv,
    write_row_parquet,
    write_worklist_csv,
    write_worklist_parquet,
)
from grievance_rules.records import CsvRow, UnreadableRecord, input_problem, read_records
from grievance_rules.replay import ReplayCounter, render_replay
from grievance_rules.schema import policy_json_schema
from grievance_rules.testing import cases_for, run_tests, validate_cases_file
from grievance_rules.worklist import EARLIEST_DAY, LATEST_DAY, MAX_WITHIN_DAYS, WorkItem, WorklistPass

__all__ = ["main"]


class _Usage(Exception):
    """A usage error: exit 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grievance-rules",
        description="Tell a plan what it must do about a grievance, and by when.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"grievance-rules {__version__} ({Path(__file__).resolve().parent})",
        help="print the version and the folder the package is imported from",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    ev = sub.add_parser(
        "evaluate",
        help="evaluate grievances (JSON object, array or JSON Lines) against a policy",
        description="Print one Determination per grievance as a JSON line, in input order (without the trace "
        "unless --trace is given).",
    )
    ev.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    ev.add_argument("--as-of", metavar="DATETIME", help="the moment statuses are judged at (ISO 8601)")
    ev.add_argument("--pretty", action="store_true", help="indent each Determination")
    ev.add_argument(
        "--trace", action="store_true", help="include the trace: every rule considered, why, and the values it read"
    )
    ev.add_argument(
        "--format",
        choices=("jsonl", "csv", "parquet"),
        default="jsonl",
        help="jsonl (default: one Determination per line) or a table, one row per record: csv, parquet",
    )
    ev.add_argument("--output", metavar="PATH", help="write to this file instead of standard output")
    _table_options(ev, book=True)
    ev.add_argument("files", nargs="+", metavar="FILE", help="grievance files; '-' reads standard input")
    va = sub.add_parser(
        "validate",
        help="check policy files; print every problem as file:line:col: CODE: message",
        description="Check policy files and report every problem of every file at once, each with its stable "
        "code (docs/validation-codes.md). Exit 0 when every file is valid (warnings allowed), 1 when a file has "
        "an error (or, with --strict, a warning), 2 when a path is not a file.",
    )
    va.add_argument("paths", nargs="+", metavar="PATH")
    va.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text (default): one line per problem; json: one JSON object per file, one per line",
    )
    va.add_argument("--strict", action="store_true", help="warnings fail the run too (exit 1)")
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
    wl.add_argument("--json", action="store_true", help="print the worklist as JSON (the same as --format json)")
    wl.add_argument(
        "--format",
        choices=("text", "json", "jsonl", "csv", "parquet"),
        help="text (default: a table to read), json (one object), or one item per line or row: jsonl, csv, "
        "parquet (needs --output); the cases that could not be evaluated are listed on standard error",
    )
    wl.add_argument("--output", metavar="PATH", help="write to this file instead of standard output")
    _table_options(wl)
    rp = sub.add_parser(
        "report",
        help="run a report a pack declares (e.g. a quarterly grievance report) over grievance files",
        description="Count the grievances received in PERIOD (by local receipt date) as the pack's report NAME "
        "says, and write it as JSON, CSV, Markdown or a self-contained HTML page.",
    )
    rp.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    rp.add_argument("--report", required=True, metavar="NAME", help="the report's name in the pack")
    rp.add_argument(
        "--period",
        metavar="P",
        help="2014Q4, 2014-12, 2014-12-03 or 2014-10-01..2014-12-31 (required for grievance reports; "
        "a subject pack's report covers every record given)",
    )
    rp.add_argument("--member-months", type=int, metavar="N", help="member months, for the rate per 1000")
    rp.add_argument("--as-of", metavar="DATETIME", help="judge statuses at this moment (default: end of the period)")
    rp.add_argument(
        "--format",
        choices=("json", "csv", "parquet", "md", "html"),
        default="json",
        help="output format (parquet: the csv table, typed; needs --output)",
    )
    rp.add_argument("--output", metavar="PATH", help="write to this file instead of standard output")
    _table_options(rp, report=True)
    rp.add_argument("files", nargs="+", metavar="FILE", help="grievance files (JSON or JSON Lines); '-' is stdin")
    ex = sub.add_parser(
        "export",
        help="the audit export: one row per grievance (CSV or Parquet), columns as in docs/export.md",
        description="Write one flat row per grievance: receipt, channel, classification and, for each action "
        "of the pack, its due moment, when it was done and its status, then all_timely. Names, member ids and "
        "narratives are left out unless named with --include.",
    )
    ex.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    ex.add_argument(
        "--period",
        metavar="P",
        help="only grievances received (local date) in P: 2014Q4, 2014-12, 2014-12-03 or 2014-10-01..2014-12-31",
    )
    ex.add_argument(
        "--as-of",
        metavar="DATETIME",
        help="the moment statuses are judged at (ISO 8601); without it nothing is overdue",
    )
    ex.add_argument("--format", required=True, choices=("csv", "parquet"), help="file format")
    ex.add_argument(
        "--output", required=True, metavar="PATH", help="the file to write ('-': standard output, csv only)"
    )
    ex.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="FIELD",
        help="also export this personal field (narrative, representative_name, member, provider, "
        "member.name, ...); repeatable; never by default",
    )
    _table_options(ex)
    ex.add_argument(
        "files",
        nargs="+",
        metavar="FILE",
        help="grievance files: JSON object, array or JSON Lines; '-' reads standard input",
    )
    li = sub.add_parser(
        "list",
        help="list the bundled and installed policy packs: id, version, effective range, hash, file",
        description="One line per version of each pack: id, version, the receipt dates it judges, the first "
        "12 hex digits of the SHA-256 of its file, and the file it is loaded from.",
    )
    li.add_argument("--json", action="store_true", help="print the list as JSON (full hashes)")
    te = sub.add_parser(
        "test",
        help="run a pack's own test cases (<pack>.cases.yaml beside it); print 'N passed, M failed'",
        description="Run the YAML test cases of each target: a pack id or pack file (its <stem>.cases.yaml "
        "beside it), a cases file, or a folder of cases files. Exit 1 if any case failed.",
    )
    te.add_argument("targets", nargs="+", metavar="PATH_OR_ID")
    sub.add_parser("schema", help="print the JSON Schema of the policy format (policies/policy.schema.json)")
    do = sub.add_parser("docs", help="write each pack's review page (docs/policies/<pack>.md)")
    do.add_argument("packs", nargs="*", metavar="ID|PATH", help="packs to document (default: every available pack)")
    do.add_argument("--out", default="docs/policies", metavar="DIR", help="folder to write into")
    _change_parsers(sub)
    return parser


def _change_parsers(sub: Any) -> None:
    """The commands for changing a pack safely: diff, replay, explain (docs/changing-packs.md)."""
    di = sub.add_parser(
        "diff",
        help="what changed between two packs, in words (rules added, removed, changed)",
        description="Compare two policy packs (ids or paths) and list every change in plain words: rules added, "
        "removed, moved and changed, each deadline, condition, citation and reading before and after.",
    )
    di.add_argument("old", metavar="OLD", help="the pack as it was (id or path)")
    di.add_argument("new", metavar="NEW", help="the pack as it will be (id or path)")
    di.add_argument("--format", choices=("md", "json"), default="md", help="md (default; reads as plain text) or json")
    rp = sub.add_parser(
        "replay",
        help="evaluate records under two packs and count how the determinations change",
        description="Evaluate every record under --policy (the pack as it is) and --against (the pack as it will "
        "be) and report how many determinations change and how, with example case ids per kind of change.",
    )
    rp.add_argument("--policy", required=True, metavar="ID|PATH", help="the pack as it is")
    rp.add_argument("--against", required=True, metavar="ID|PATH", help="the pack as it will be")
    rp.add_argument("--as-of", metavar="DATETIME", help="the moment statuses are judged at (ISO 8601)")
    rp.add_argument("--examples", type=int, default=3, metavar="N", help="case ids shown per kind of change (3)")
    rp.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json")
    rp.add_argument("files", nargs="+", metavar="FILE", help="grievance files; '-' reads standard input")
    ex = sub.add_parser(
        "explain",
        help="why: each action's deadline worked out day by day, the rules and the values they read",
        description="For each grievance, a readable account of its Determination: the decisions, every required "
        "action with its deadline worked out (the days skipped and why), the rule, its citation and the values "
        "that made each condition true or false, and the rules that did not fire.",
    )
    ex.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    ex.add_argument("--as-of", metavar="DATETIME", help="the moment statuses are judged at (ISO 8601)")
    ex.add_argument("--format", choices=("text", "json"), default="text", help="text (default) or json (one per line)")
    ex.add_argument("files", nargs="+", metavar="FILE", help="grievance files; '-' reads standard input")


EXIT_PIPE_CLOSED = 141
"""The status when the reader of the output went away (128 + SIGPIPE, as the shell reports it)."""


def _table_options(
    parser: argparse.ArgumentParser, *, jobs: bool = True, book: bool = False, report: bool = False
) -> None:
    """--input-format (and --jobs) shared by the commands that read records."""
    parser.add_argument(
        "--input-format",
        choices=INPUT_FORMATS,
        help="format of the input files (default: by suffix, .parquet or .csv, else JSON / JSON Lines; "
        "json is jsonl); a pack declaring subject facts types CSV rows by those facts",
    )
    if jobs:
        parser.add_argument(
            "--jobs",
            type=int,
            default=1,
            metavar="N",
            help="evaluate in N processes (output stays in input order; default 1)"
            + ("; a subject pack with runs is judged as one case book in one process" if book else "")
            + ("; a subject pack's report is counted in one process" if report else ""),
        )


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
            return _evaluate(args, sys.stdout, sys.stderr)
        if args.command == "export":
            return _export(args, sys.stdout, sys.stderr)
        if args.command == "validate":
            return _validate(args.paths, sys.stdout, fmt=args.format, strict=args.strict)
        if args.command == "worklist":
            return _worklist(args, sys.stdout, sys.stderr)
        if args.command == "report":
            return _report(args, sys.stdout, sys.stderr)
        if args.command == "docs":
            return _docs(args.packs or available_policies(), Path(args.out), sys.stdout, sys.stderr)
        if args.command == "schema":
            print(json.dumps(policy_json_schema(), indent=2))
            return 0
        if args.command == "diff":
            return _diff(args, sys.stdout)
        if args.command == "replay":
            return _replay(args, sys.stdout)
        if args.command == "explain":
            return _explain(args, sys.stdout, sys.stderr)
        if args.command == "list":
            return _list(args.json, sys.stdout, sys.stderr)
        if args.command == "test":
            return _test(args.targets, sys.stdout)
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
    fmt = args.format or ("json" if args.json else "text")
    if args.json and fmt != "json":
        raise _Usage(f"--json and --format {fmt}: give one of them")
    if fmt == "parquet" and (not args.output or args.output == "-"):
        raise _Usage("--format parquet needs --output PATH")
    jobs = _check_jobs(args.jobs)
    _check_inputs(args.files)
    policy = load_policy(args.policy) if args.policy else None
    if fmt in ("jsonl", "csv", "parquet"):
        return _worklist_table(args, fmt, day, policy, jobs, out, err)
    if args.output and args.output != "-":
        target = Path(args.output)
        return _write_atomically(target, fmt, lambda path: _worklist_to(path, args, fmt, day, policy, jobs, err))
    return _worklist_text(args, fmt, day, policy, jobs, out, err)


def _worklist_to(
    path: Path, args: argparse.Namespace, fmt: str, day: dt.date, policy: Policy | None, jobs: int, err: TextIO
) -> int:
    with open(path, "w", encoding="utf-8") as handle:
        return _worklist_text(args, fmt, day, policy, jobs, handle, err)


def _worklist_table(
    args: argparse.Namespace, fmt: str, day: dt.date, policy: Policy | None, jobs: int, out: TextIO, err: TextIO
) -> int:
    """``worklist --format jsonl|csv|parquet``: one item per line or row, in due order; the cases
    that could not be evaluated on ``err`` (as the text format lists them) and the exit status 1."""
    with _Run(args.files, err, "worklist", args.input_format) as progress:
        run = WorklistPass(progress.numbered(), day, within=args.within, policy=policy, numbered=True, jobs=jobs)
        to_stdout = not args.output or args.output == "-"
        if fmt == "jsonl" and to_stdout:
            written = _lines_to_stream(out, (json.dumps(item.model_dump(mode="json")) for item in run))
        elif fmt == "jsonl":
            lines = (json.dumps(item.model_dump(mode="json")) for item in run)
            written = _write_atomically(Path(args.output), fmt, lambda path: _lines_to(path, lines))
        elif fmt == "csv" and to_stdout:
            written = write_worklist_csv(run, out)
        elif fmt == "csv":
            written = _write_atomically(Path(args.output), fmt, lambda path: _worklist_csv_to(path, run))
        else:
            written = _write_atomically(Path(args.output), fmt, lambda path: write_worklist_parquet(run, path))
        for problem in run.errors:
            progress.say(f"record {problem.record}: {problem.error}")
        progress.errors = len(run.errors)  # unreadable lines are among them
        progress.note = f"{run.cases} cases, {written} open action{'' if written == 1 else 's'} listed"
    return 1 if run.errors else 0


def _lines_to_stream(out: TextIO, lines: Iterable[str]) -> int:
    n = 0
    for n, line in enumerate(lines, start=1):  # noqa: B007 - n is the count afterwards
        print(line, file=out)
    return n


def _worklist_csv_to(path: Path, items: Iterable[WorkItem]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        return write_worklist_csv(items, handle)


def _worklist_text(
    args: argparse.Namespace, fmt: str, day: dt.date, policy: Policy | None, jobs: int, out: TextIO, err: TextIO
) -> int:
    """``worklist`` as a table to read (text) or one JSON object (json)."""
    with _Run(args.files, err, "worklist", args.input_format) as progress:
        run = WorklistPass(progress.numbered(), day, within=args.within, policy=policy, numbered=True, jobs=jobs)
        if fmt == "json":
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
                progress.say(f"record {problem['record']}: {problem['error']}")
        progress.errors = len(run.errors)  # unreadable lines are among them
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


def _list(as_json: bool, out: TextIO, err: TextIO) -> int:
    infos, problems = describe_packs()
    if as_json:
        print(json.dumps([dataclasses.asdict(i) for i in infos], indent=2), file=out)
    else:
        rows = [("ID", "VERSION", "EFFECTIVE", "SHA256", "FILE")]
        rows += [(i.id, i.version, i.effective, i.sha256[:12], i.file) for i in infos]
        widths = [max(len(r[c]) for r in rows) for c in range(4)]
        for row in rows:
            print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[4], file=out)
    for problem in problems:
        print(problem, file=err)
    return 1 if problems else 0


def _test(targets: Sequence[str], out: TextIO) -> int:
    for target in targets:
        if not cases_for(target):
            raise _Usage(
                f"no test cases for {target}: put them in <pack>.cases.yaml beside the pack file "
                "(see docs/testing-packs.md)"
            )
    run = run_tests(targets)
    for result in run.results:
        if result.passed:
            continue
        for failure in result.failures:
            print(f"{result.file}:{result.line}: FAILED {result.name}: {failure}", file=out)
    print(run.summary(), file=out)
    return 1 if run.failed else 0


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    result = diff_policies(load_policy(args.old), load_policy(args.new))
    if args.format == "json":
        print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False), file=out)
    else:
        out.write(render_diff(result))
    return 0


def _replay(args: argparse.Namespace, out: TextIO) -> int:
    old, new = load_policy(args.policy), load_policy(args.against)
    _check_inputs(args.files)
    if args.examples < 0:
        raise _Usage("--examples: a number, 0 or more")
    try:
        counter = ReplayCounter(old, new, args.as_of, args.examples)
    except FactsError as exc:
        raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    for file in args.files:
        for position, record, parse_error in _records(file):
            if parse_error is not None:
                counter.add_unreadable()
            else:
                counter.add(record, position)
    report = counter.report()
    if args.format == "json":
        print(json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False), file=out)
    else:
        out.write(render_replay(report))
    return 1 if report.invalid_under_both or report.errors else 0


def _explain(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy = load_policy(args.policy)
    _check_inputs(args.files)
    if args.as_of is not None:
        try:
            policy.parse_as_of(args.as_of)
        except FactsError as exc:
            raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    status = 0
    first = True
    for file in args.files:
        for position, record, parse_error in _records(file):
            try:
                if parse_error is not None:
                    raise _Unreadable(parse_error)
                explanation = explain(policy, record, as_of=args.as_of)
            except (GrievanceRulesError, _Unreadable) as exc:
                status = 1
                print(f"record {position}: {exc}", file=err)
                continue
            except Exception as exc:  # one record never stops a batch; the message never quotes it
                status = 1
                print(f"record {position}: this record could not be explained ({exc.__class__.__name__})", file=err)
                continue
            if args.format == "json":
                print(json.dumps(explanation.model_dump(mode="json"), ensure_ascii=False), file=out)
            else:
                out.write(("" if first else "\n") + render_explanation(explanation))
            first = False
    return status


class _Unreadable(Exception):
    """A record that is not JSON."""


def _report(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from grievance_rules.period import parse_period
    from grievance_rules.report import RecordProblem, ReportPass, find_report
    from grievance_rules.report_render import report_csv, report_html, report_markdown, report_parquet

    policy = load_policy(args.policy)
    jobs = _check_jobs(args.jobs)
    if policy.spec.subject is not None:
        return _subject_report(policy, args, out, err)
    if args.period is None:
        raise _Usage("--period is required for a grievance report")
    try:  # an unknown name or period fails before any file is read
        find_report(policy, args.report)
        parse_period(args.period)
    except GrievanceRulesError as exc:
        raise _Usage(str(exc)) from None
    if args.member_months is not None and args.member_months <= 0:
        raise _Usage("--member-months: a whole number above 0")
    if args.as_of is not None:
        try:
            policy.parse_as_of(args.as_of)
        except FactsError as exc:
            raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    if args.format == "parquet" and (not args.output or args.output == "-"):
        raise _Usage("--format parquet needs --output PATH")
    _check_inputs(args.files)
    counting = ReportPass(
        policy, args.report, args.period, member_months=args.member_months, as_of=args.as_of, errors="collect"
    )
    with _Run(args.files, err, "report", args.input_format) as run:

        def numbered() -> Iterator[tuple[int, Any]]:
            """The records numbered among all records read; an unreadable one is a problem in its place."""
            position = 0
            for _, record, parse_error in run.records():
                position += 1
                if parse_error is not None:
                    counting.problem(RecordProblem(record=position, id=None, field=None, error=parse_error))
                    continue
                yield position, record

        # each chunk is counted into a part (in a worker with --jobs N) and the parts are added in
        # input order: counting is addition, so the report is exactly that of one pass
        initargs = (args.policy, args.report, args.period, args.member_months, args.as_of)
        for part in ordered_map(_report_chunk, chunked(numbered()), jobs, _report_init, initargs):
            counting.add(part)
        rep = counting.report()
        if args.format == "parquet":
            _write_atomically(Path(args.output), "parquet", lambda path: report_parquet(rep, path))
        else:
            if args.format == "json":
                text = json.dumps(rep.model_dump(mode="json"), indent=2) + "\n"
            elif args.format == "csv":
                text = report_csv(rep)
            elif args.format == "md":
                text = report_markdown(rep)
            else:
                text = report_html(rep, plan_name=policy.spec.name)
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            else:
                out.write(text)
        for problem in rep.errors:
            run.say(f"record {problem.record}: {problem.error}")
        run.errors = len(rep.errors)  # unreadable lines are among them
        run.note = f"{rep.total} counted in the period"
    return 1 if rep.errors else 0


def _report_init(policy: str, name: str, period: str, member_months: int | None, as_of: str | None) -> None:
    from grievance_rules.report import ReportPass

    _WORKER["report"] = ReportPass(
        load_policy(policy), name, period, member_months=member_months, as_of=as_of, errors="collect"
    )


def _report_chunk(chunk: list[tuple[int, Any]]) -> Any:
    """The :class:`~grievance_rules.report.ReportPart` of a chunk of numbered records."""
    return _WORKER["report"].count(chunk)


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


def _validate(paths: Sequence[str], out: TextIO, *, fmt: str = "text", strict: bool = False) -> int:
    """Check and report every path, whatever goes wrong with one.

    Exit 1 if any file was invalid (or, with ``strict``, drew a warning), 2 if any was missing.
    """
    status = 0
    for path in paths:
        problems: list[Problem] = []
        unusable = input_problem(path) if path != "-" else "-: validate reads policy files, not standard input"
        lines: list[str] | None = None  # what the text format prints when the file could not be checked
        if unusable is not None:
            status = max(status, 2 if not os.path.lexists(path) else 1)
            lines = [unusable]
        else:
            try:
                checker = validate_cases_file if path.endswith(CASES_SUFFIXES) else validate_file
                problems = checker(path)
            except GrievanceRulesError as exc:
                lines = [f"{path}: {exc}"]
            except (RecursionError, MemoryError, ValueError, OSError) as exc:
                lines = [f"{path}: cannot be checked ({exc.__class__.__name__})"]
            except Exception as exc:  # a defect in the checker: say so for this file, check the others
                lines = [f"{path}: internal error while checking ({exc.__class__.__name__}); please report it"]
        if lines is not None:
            problems = [Problem(path, 1, 1, "", line.removeprefix(f"{path}: "), "GR001") for line in lines]
        errors = sum(1 for p in problems if p.severity == "error")
        warnings = len(problems) - errors
        if errors or (strict and warnings):
            status = max(status, 1)
        if fmt == "json":
            record = {
                "file": path,
                "valid": errors == 0,
                "errors": errors,
                "warnings": warnings,
                "problems": [p.as_dict() for p in problems],
            }
            print(json.dumps(record), file=out)
            continue
        for line in lines if lines is not None else [str(p) for p in problems]:
            print(line, file=out)
        if not errors:
            note = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
            print(f"{path}: ok{note}", file=out)
    return status


_WORKER: dict[str, Any] = {}
"""What a worker process (or this one, with --jobs 1) evaluates with: set by the initializers."""


def _evaluate_init(policy: str, as_of: str | None, trace: bool, fmt: str, indent: int | None) -> None:
    _WORKER.update(policy=load_policy(policy), as_of=as_of, trace=trace, fmt=fmt, indent=indent)


def _evaluate_chunk(chunk: list[tuple[int, Any]]) -> list[tuple[bool, Any]]:
    """(failed, output) per record: a JSON line (jsonl) or a flat row (csv, parquet)."""
    policy: Policy = _WORKER["policy"]
    fmt = _WORKER["fmt"]
    codes = list(policy.export_layout().action_codes) if fmt != "jsonl" else []
    out: list[tuple[bool, Any]] = []
    for position, record in chunk:
        if fmt == "jsonl":
            row = _evaluate_one(policy, position, record, _WORKER["as_of"], _WORKER["trace"])
            failed = "error" in row and not isinstance(record, UnreadableRecord)
            out.append((failed, json.dumps(row, indent=_WORKER["indent"])))
            continue
        out.append(_flat_row(policy, position, record, _WORKER["as_of"], codes))
    return out


def _flat_row(
    policy: Policy, position: int, record: Any, as_of: str | None, codes: list[str]
) -> tuple[bool, dict[str, Any]]:
    """(failed, Determination row) of one record, evaluated once (an unreadable one is not a failure
    here: the run counts it as it reads it)."""
    result = _determine_one(policy, position, record, as_of, False)
    if isinstance(result, dict):
        failed = not isinstance(record, UnreadableRecord)
        return failed, determination_row(None, result.get("id"), result["error"], codes)
    return False, determination_row(result, None, None, codes)


def _check_jobs(jobs: int) -> int:
    if jobs < 1:
        raise _Usage("--jobs: a number of processes, 1 or more")
    return jobs


def _evaluate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    policy: Policy = load_policy(args.policy)
    jobs = _check_jobs(args.jobs)
    _check_inputs(args.files)
    indent = 2 if args.pretty else None
    if args.as_of is not None:
        try:
            policy.parse_as_of(args.as_of)
        except FactsError as exc:
            raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    fmt = args.format
    subject = policy.spec.subject
    if subject is not None and subject.runs:
        return _evaluate_book(policy, args, out, err)
    if fmt == "parquet" and (not args.output or args.output == "-"):
        raise _Usage("--format parquet needs --output PATH")
    codes = list(policy.export_layout().action_codes)
    if fmt != "jsonl" and _tables_in(policy, args):
        return _evaluate_tables(policy, args, out, err, jobs, codes)
    with _Run(args.files, err, "evaluate", args.input_format, subject_csv=subject is not None) as run:
        results = ordered_map(
            _evaluate_chunk,
            chunked(run.numbered()),
            jobs,
            _evaluate_init,
            (args.policy, args.as_of, args.trace, fmt, indent),
        )

        def outputs() -> Iterator[Any]:
            for chunk in results:
                for failed, item in chunk:
                    if failed:
                        run.failed()  # unreadable lines are counted by the run itself
                    yield item

        if fmt == "jsonl" and (not args.output or args.output == "-"):
            for line in outputs():
                print(line, file=out)
        elif fmt == "jsonl":
            _write_atomically(Path(args.output), fmt, lambda path: _lines_to(path, outputs()))
        else:
            _write_rows(policy, args, outputs(), codes, out)
    return 1 if run.errors else 0


def _write_rows(
    policy: Policy, args: argparse.Namespace, rows: Iterator[dict[str, Any]], codes: list[str], out: TextIO
) -> None:
    """Determination rows as CSV (to ``out`` without ``--output``) or into the ``--output`` file."""
    if not args.output or args.output == "-":
        write_row_csv(rows, codes, out)
    elif args.format == "parquet":
        tz = policy.calendar.tz.name
        _write_atomically(Path(args.output), "parquet", lambda path: write_row_parquet(rows, codes, tz, path))
    else:
        _write_atomically(Path(args.output), args.format, lambda path: _csv_to(path, rows, codes))


SHOWN_ID_CHARS = 200
"""A bad record's id is shown in its error object or row only when it is text this long at most."""

TABLE_BATCH = 65_536
"""Rows read from a Parquet file and evaluated as one table by ``evaluate`` (Parquet in, table out)."""


def _tables_in(policy: Policy, args: argparse.Namespace) -> bool:
    """Whether ``evaluate`` can work its input as Arrow tables (:meth:`Policy.evaluate_table`):
    every input a Parquet file, a grievance pack, the ``table`` extra installed."""
    if policy.spec.subject is not None:
        return False
    if any(f == "-" or input_format(f, args.input_format) != "parquet" for f in args.files):
        return False
    try:
        import numpy  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def _table_init(policy: str, as_of: str | None, fmt: str = "csv") -> None:
    _WORKER.update(policy=load_policy(policy), as_of=as_of, fmt=fmt)


def _table_chunk(chunk: list[Any]) -> Any:
    """One Parquet batch's Determination rows: an Arrow table of the rows' schema for Parquet
    output (written as it is), row mappings for CSV.

    ``evaluate_table`` gives each row the values ``evaluate`` gives; its error rows keep the id
    only when it is text the per-record path shows (:data:`SHOWN_ID_CHARS`). A batch the table
    path refuses as a whole (an error other than a row's facts) is evaluated record by record.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    policy: Policy = _WORKER["policy"]
    as_of = _WORKER["as_of"]
    codes = list(policy.export_layout().action_codes)
    schema = row_schema(codes, policy.calendar.tz.name)
    ((start, table),) = chunk
    try:
        result = policy.evaluate_table(table, as_of=as_of).cast(schema)
    except Exception:
        rows = [
            _flat_row(policy, start + offset, plain_value(cells), as_of, codes)[1]
            for offset, cells in enumerate(table.to_pylist())
        ]
        return pa.Table.from_pylist(rows, schema=schema) if _WORKER["fmt"] == "parquet" else rows
    ident = result.column("id")
    hide = pc.and_(pc.is_valid(result.column("error")), pc.greater(pc.utf8_length(ident), SHOWN_ID_CHARS))
    result = result.set_column(0, "id", pc.if_else(hide, pa.scalar(None, pa.string()), ident))
    return result if _WORKER["fmt"] == "parquet" else result.to_pylist()


def _evaluate_tables(
    policy: Policy, args: argparse.Namespace, out: TextIO, err: TextIO, jobs: int, codes: list[str]
) -> int:
    """``evaluate`` of Parquet files into CSV or Parquet through :meth:`Policy.evaluate_table`,
    :data:`TABLE_BATCH` rows at a time (in ``jobs`` processes, rows in input order): the same rows
    the per-record path writes, much faster."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fmt = args.format
    with _Run(args.files, err, "evaluate", args.input_format) as run:

        def batches() -> Iterator[list[tuple[int, Any]]]:
            for file in args.files:
                position = 0
                for batch in parquet_batches(file, TABLE_BATCH):
                    yield [(position + 1, pa.Table.from_batches([batch]))]
                    position += batch.num_rows
                if not position:
                    run.say(f"grievance-rules: {file}: no records (the input is empty)")

        results = ordered_map(_table_chunk, batches(), jobs, _table_init, (args.policy, args.as_of, fmt))

        if fmt == "parquet" and args.output and args.output != "-":
            tz = policy.calendar.tz.name

            def write(path: Path) -> int:
                import pyarrow.compute as pc

                schema = row_schema(codes, tz)
                written = 0
                with pq.ParquetWriter(path, schema) as writer:
                    for part in results:
                        run.count += part.num_rows
                        run.errors += pc.count(part.column("error")).as_py()  # rows with an error
                        writer.write_table(part)
                        written += part.num_rows
                    if not written:
                        writer.write_table(schema.empty_table())
                return written

            _write_atomically(Path(args.output), fmt, write)
            return 1 if run.errors else 0

        def outputs() -> Iterator[dict[str, Any]]:
            for rows in results:
                for row in rows:
                    run.count += 1
                    if row["error"] is not None:
                        run.failed()
                    yield row

        _write_rows(policy, args, outputs(), codes, out)
    return 1 if run.errors else 0


def _lines_to(path: Path, lines: Iterator[str]) -> int:
    n = 0
    with open(path, "w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line + "\n")
            n += 1
    return n


def _csv_to(path: Path, rows: Iterator[dict[str, Any]], codes: list[str]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        return write_row_csv(rows, codes, handle)


def _read_any(
    file: str, fmt: str | None, opener: Callable[[str], IO[bytes]], *, subject_csv: bool = False
) -> Iterator[tuple[int, Any]]:
    """:func:`read_records` for JSON / JSON Lines; Parquet and CSV through :mod:`grievance_rules.recordio`
    (an unreadable CSV row becomes an :class:`UnreadableRecord` in its place).

    With ``subject_csv`` (the pack declares ``subject:`` facts) a CSV file is read as text rows
    (:class:`CsvRow`, typed later by :meth:`Policy.csv_record`); otherwise CSV rows are grievances.
    """
    kind = input_format(file, fmt)
    if kind == "jsonl" or (kind == "csv" and subject_csv):
        yield from read_records(file, opener=opener, fmt=kind)
        return
    if file == "-" and kind == "parquet":
        raise _Usage("Parquet cannot be read from standard input; name the file")
    if kind == "parquet":
        found: Iterator[tuple[int, Any, str | None]] = read_parquet(file)
    else:
        handle = sys.stdin if file == "-" else open(file, encoding="utf-8", newline="")  # noqa: SIM115
        try:
            found = read_csv(handle)
            for position, record, problem in found:
                yield position, (UnreadableRecord(position, problem) if problem else record)
        except UnicodeDecodeError:
            raise _Usage(f"cannot read {file}: not UTF-8 text") from None
        finally:
            if handle is not sys.stdin:
                handle.close()
        return
    for position, record, problem in found:
        yield position, (UnreadableRecord(position, problem) if problem else record)


def _evaluate_book(policy: Policy, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``evaluate`` for a subject pack that counts runs: the records are read whole and judged
    together (a case book), so each office's consecutive periods are counted from its own records."""
    if args.format != "jsonl":
        raise _Usage("--format: a pack that counts runs is evaluated as one case book, written as jsonl")
    indent = 2 if args.pretty else None
    book = CaseBook(policy)
    with _Run(args.files, err, "evaluate", args.input_format, subject_csv=True) as run:
        for position, record in run.numbered():
            if isinstance(record, UnreadableRecord):
                print(json.dumps(record.as_dict()), file=out)
                continue
            rid = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
            try:
                book.add(policy.csv_record(record) if isinstance(record, CsvRow) else record)
            except FactsError as exc:
                run.failed()
                print(json.dumps({"error": str(exc), "record": position, "id": rid, "field": exc.field}), file=out)
        try:
            result = book.evaluate(as_of=args.as_of)
        except FactsError as exc:
            run.failed()
            print(json.dumps({"error": str(exc), "record": None, "id": None, "field": exc.field}), file=out)
            return 1
        for det in result.determinations:
            data = det.model_dump(mode="json", exclude=None if args.trace else {"trace"})
            print(json.dumps(data, indent=indent), file=out)
    return 1 if run.errors else 0


def _subject_report(policy: Policy, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``report`` for a subject pack: its ``subject.reports`` entry over every record given."""
    from grievance_rules.subject_report import find_subject_report, run_subject_report, subject_report_markdown

    try:
        find_subject_report(policy, args.report)
    except GrievanceRulesError as exc:
        raise _Usage(str(exc)) from None
    if args.format not in ("json", "md"):
        raise _Usage("--format: a subject report is written as json or md")
    _check_inputs(args.files)
    with _Run(args.files, err, "report", args.input_format, subject_csv=True) as run:

        def records() -> Iterator[Any]:
            for _, record in run.numbered():
                if isinstance(record, UnreadableRecord):
                    run.say(f"{run.where}: {record.message}")
                    continue
                yield policy.csv_record(record) if isinstance(record, CsvRow) else record

        rep = run_subject_report(policy, args.report, records())
        if args.format == "json":
            text = json.dumps(rep.model_dump(mode="json"), indent=2) + "\n"
        else:
            text = subject_report_markdown(rep)
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            out.write(text)
        for problem in rep.errors:
            run.failed()
            run.say(f"record {problem.record}: {problem.error}")
    return 1 if run.errors else 0


def _export(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """``export``: rows to CSV or Parquet; a bad record is reported on stderr (position and field,
    never its content), counted, and makes the exit status 1; the good ones are still written."""
    policy: Policy = load_policy(args.policy)
    _check_inputs(args.files)
    if args.output == "-" and args.format != "csv":
        raise _Usage("--output -: only --format csv can be written to standard output")
    try:
        if args.period is not None:
            parse_period(args.period)
        policy.parse_as_of(args.as_of)
        layout = policy.export_layout(args.include)
        if args.format == "parquet":
            arrow_schema(layout)  # pyarrow is an optional extra: say so before reading anything
    except PeriodError as exc:
        raise _Usage(f"--period: {exc}") from None
    except FactsError as exc:
        raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    except ExportError as exc:
        raise _Usage(str(exc)) from None
    jobs = _check_jobs(args.jobs)
    with _Run(args.files, err, "export", args.input_format) as run:

        def located() -> Iterator[tuple[str, Any, str | None]]:
            for _, record, parse_error in run.records():
                yield run.where, record, parse_error

        results = ordered_map(
            _export_chunk,
            chunked(located()),
            jobs,
            _export_init,
            (args.policy, args.period, args.as_of, tuple(args.include)),
        )

        def rows() -> Iterator[dict[str, Any]]:
            for chunk in results:
                for kind, where, item in chunk:
                    if kind == "row":
                        yield item
                        continue
                    if kind == "bad":
                        run.failed()  # unreadable records are counted by the run itself
                    run.say(f"{where}: {item}")

        if args.output == "-":
            written = write_csv(rows(), layout, out)
        else:
            written = _write_atomically(
                Path(args.output), args.format, lambda target: _write(rows(), layout, args.format, target)
            )
        run.note = f"{written} row{'' if written == 1 else 's'} written"
    return 1 if run.errors else 0


def _export_init(policy: str, period: str | None, as_of: str | None, include: tuple[str, ...]) -> None:
    _WORKER.update(policy=load_policy(policy), period=period, as_of=as_of, include=include)


def _export_chunk(chunk: list[tuple[str, Any, str | None]]) -> list[tuple[str, str, Any]]:
    """("row", where, row), ("bad", where, message) or ("unreadable", where, message) per record;
    nothing for a record outside the period. A record that fails in an unexpected way is reported
    by its position and the error's class, never its content, and the run goes on."""
    policy: Policy = _WORKER["policy"]
    out: list[tuple[str, str, Any]] = []
    for where, record, parse_error in chunk:
        if parse_error is not None:
            out.append(("unreadable", where, parse_error))
            continue
        try:
            for row in policy.export(
                [record], _WORKER["period"], _WORKER["as_of"], include=_WORKER["include"], errors="collect"
            ):
                out.append(("bad", where, str(row)) if isinstance(row, FactsError) else ("row", where, row))
        except Exception as exc:
            out.append(("bad", where, f"this record could not be exported ({exc.__class__.__name__})"))
    return out


def _write(rows: Iterator[dict[str, Any]], layout: ExportLayout, fmt: str, target: Path) -> int:
    if fmt == "parquet":
        return write_parquet(rows, layout, target)
    with open(target, "w", encoding="utf-8", newline="") as handle:
        return write_csv(rows, layout, handle)


def _write_atomically(path: Path, fmt: str, write: Callable[[Path], int]) -> int:
    """Write to a temporary file beside ``path`` and move it into place only when complete."""
    if path.is_dir():
        raise _Usage(f"--output: {path} is a folder")
    if not path.parent.is_dir():
        raise _Usage(f"--output: no such folder: {path.parent}")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")  # same folder: the final move is atomic
    try:
        count = write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return count


# ------------------------------------------------------------------ progress and summary

PROGRESS_MIN_BYTES = 8 * 1024 * 1024
"""Total input size (bytes) from which a run shows a progress bar, when standard error is a terminal.

8 MiB of JSON Lines is 20,000 to 40,000 grievances: seconds of work, the point where a silent
terminal starts to look stuck. Smaller runs finish before a bar would be worth drawing.
"""


def _in_ci() -> bool:
    """Whether the CI variable is set (to anything but empty, 0, false or no): no live display in CI logs."""
    value = os.environ.get("CI")
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _input_size(file: str) -> int | None:
    """Bytes in a regular file (or standard input redirected from one); None when unknown (a pipe)."""
    try:
        info = os.fstat(sys.stdin.fileno()) if file == "-" else os.stat(file)
    except (OSError, ValueError, AttributeError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


class _Run:
    """The bookkeeping of a command that reads records from FILEs (evaluate, export, worklist, report).

    ``with _Run(files, err, "name") as run:`` then ``for position, record, parse_error in
    run.records():``. It counts the records read and the errors (unreadable JSON is counted by
    itself; call :meth:`failed` for every other bad record), shows a progress bar on ``err`` only
    when ``err`` is a terminal, the input is at least :data:`PROGRESS_MIN_BYTES` and CI is not set,
    and on a normal exit prints the summary line ``N records, M errors`` on ``err``.
    """

    def __init__(
        self,
        files: Sequence[str],
        err: TextIO,
        label: str,
        input_format: str | None = None,
        *,
        subject_csv: bool = False,
    ) -> None:
        self.files = tuple(files)
        self.input_format = input_format
        self.subject_csv = subject_csv  # CSV rows typed later by the pack's subject facts (CsvRow)
        self.err = err
        self.label = label
        self.count = 0
        self.errors = 0
        self.where = ""
        self.note = ""
        sizes = [_input_size(f) for f in self.files]
        self.total: int | None = None if any(s is None for s in sizes) else sum(s or 0 for s in sizes)
        self.show = self.total is not None and self.total >= PROGRESS_MIN_BYTES and _is_terminal(err) and not _in_ci()
        self._progress: Any = None
        self._task: Any = None
        self._handle: IO[bytes] | None = None
        self._finished_bytes = 0

    def __enter__(self) -> _Run:
        if self.show:
            from rich.console import Console
            from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                DownloadColumn(),
                TextColumn("{task.fields[records]} records"),
                TimeRemainingColumn(),
                console=Console(file=self.err, force_terminal=True),
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._task = self._progress.add_task(self.label, total=self.total, records=0)
            self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
        if kind is None:
            records = f"{self.count} record{'' if self.count == 1 else 's'}"
            errors = f"{self.errors} error{'' if self.errors == 1 else 's'}"
            print(f"{records}, {errors}" + (f"; {self.note}" if self.note else ""), file=self.err)

    def failed(self) -> None:
        """Count one more bad record."""
        self.errors += 1

    def say(self, message: str) -> None:
        """Print a line on ``err`` (above the progress bar while one is shown)."""
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False, soft_wrap=True)
        else:
            print(message, file=self.err)

    def numbered(self) -> Iterator[tuple[int, Any]]:
        """``(position, record or UnreadableRecord)`` over every file, as :func:`read_records` gives
        them (none lost, each bad one in its place), counted as they pass; says so when a file is empty."""
        for file in self.files:
            empty = True
            for position, record in _read_any(file, self.input_format, self._open, subject_csv=self.subject_csv):
                empty = False
                self.count += 1
                self.where = f"{'stdin' if file == '-' else file}: record {position}"
                if isinstance(record, UnreadableRecord):
                    self.errors += 1
                if self._progress is not None and self.count % 64 == 0:
                    self._advance()
                yield position, record
            if empty:
                self.say(f"grievance-rules: {file}: no records (the input is empty)")
            self._finished_bytes += _input_size(file) or 0
            self._handle = None
        if self._progress is not None:
            self._progress.update(self._task, completed=self.total, records=self.count)

    def records(self) -> Iterator[tuple[int, Any, str | None]]:
        """:meth:`numbered` as ``(position, record, error message or None)``."""
        for position, record in self.numbered():
            if isinstance(record, UnreadableRecord):
                yield position, None, record.message
            else:
                yield position, record, None

    def _open(self, file: str) -> IO[bytes]:
        self._handle = open(file, "rb")  # noqa: SIM115 - read_records closes it
        return self._handle

    def _advance(self) -> None:
        done = self._finished_bytes
        try:
            if self._handle is not None:
                done += self._handle.tell()
        except (AttributeError, OSError, ValueError):
            pass
        self._progress.update(self._task, completed=done, records=self.count)


def _evaluate_one(policy: Policy, position: int, record: Any, as_of: str | None, trace: bool) -> dict[str, Any]:
    """The Determination of one record as JSON, or its error object: never raises for a record."""
    result = _determine_one(policy, position, record, as_of, trace)
    if isinstance(result, dict):
        return result
    return result.model_dump(mode="json", exclude=None if trace else {"trace"})


def _determine_one(
    policy: Policy, position: int, record: Any, as_of: str | None, trace: bool
) -> Determination | dict[str, Any]:
    """The Determination of one record, or its error object: never raises for a record."""
    if isinstance(record, UnreadableRecord):
        return record.as_dict()
    rid = record.get("id") if isinstance(record, dict) else None
    rid = rid if isinstance(rid, str) and len(rid) <= SHOWN_ID_CHARS else None
    try:
        if isinstance(record, CsvRow):
            record = policy.csv_record(record)
        return policy.evaluate(record, as_of=as_of, trace=trace)
    except FactsError as exc:
        return {"error": str(exc), "record": position, "id": rid, "field": exc.field}
    except GrievanceRulesError as exc:
        return {"error": str(exc), "record": position, "id": rid, "field": None}
    except Exception as exc:  # one record never stops a batch; the message never quotes the record
        message = f"this record could not be evaluated ({exc.__class__.__name__})"
        return {"error": message, "record": position, "id": rid, "field": None}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
