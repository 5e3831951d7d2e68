"""The ``grievance-rules`` command (contract section 6). The only module that prints or exits.

Exit status: 0 all well; 1 a policy or a record was invalid (everything else was still done);
2 a usage error (bad option, missing file, unknown pack). Expected errors print one line, never a
traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from grievance_rules.diff import diff_policies, render_diff
from grievance_rules.docs import render_policy
from grievance_rules.errors import FactsError, GrievanceRulesError, PolicyError, PolicyNotFoundError, Problem
from grievance_rules.explain import explain, render_explanation
from grievance_rules.packs import available_policies, load_policy, validate_file
from grievance_rules.policy import Policy
from grievance_rules.replay import ReplayCounter, render_replay
from grievance_rules.schema import policy_json_schema
from grievance_rules.worklist import WorkItem, WorklistPass

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
        description="Print one Determination per grievance as a JSON line, in input order (without the trace "
        "unless --trace is given).",
    )
    ev.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    ev.add_argument("--as-of", metavar="DATETIME", help="the moment statuses are judged at (ISO 8601)")
    ev.add_argument("--pretty", action="store_true", help="indent each Determination")
    ev.add_argument(
        "--trace", action="store_true", help="include the trace: every rule considered, why, and the values it read"
    )
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
    wl.add_argument("--within", type=int, default=0, metavar="N", help="also list actions due in the next N days")
    wl.add_argument("--policy", metavar="ID|PATH", help="the policy of records that are plain grievance facts")
    wl.add_argument("--json", action="store_true", help="print the worklist as JSON")
    rp = sub.add_parser(
        "report",
        help="run a report a pack declares (e.g. a quarterly grievance report) over grievance files",
        description="Count the grievances received in PERIOD (by local receipt date) as the pack's report NAME "
        "says, and write it as JSON, CSV, Markdown or a self-contained HTML page.",
    )
    rp.add_argument("--policy", required=True, metavar="ID|PATH", help="a pack id or a path to a policy YAML file")
    rp.add_argument("--report", required=True, metavar="NAME", help="the report's name in the pack")
    rp.add_argument(
        "--period", required=True, metavar="P", help="2014Q4, 2014-12, 2014-12-03 or 2014-10-01..2014-12-31"
    )
    rp.add_argument("--member-months", type=int, metavar="N", help="member months, for the rate per 1000")
    rp.add_argument("--as-of", metavar="DATETIME", help="judge statuses at this moment (default: end of the period)")
    rp.add_argument("--format", choices=("json", "csv", "md", "html"), default="json", help="output format")
    rp.add_argument("--output", metavar="PATH", help="write to this file instead of standard output")
    rp.add_argument("files", nargs="+", metavar="FILE", help="grievance files (JSON or JSON Lines); '-' is stdin")
    sub.add_parser("list", help="list the bundled and installed policy packs")
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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        if args.command == "evaluate":
            return _evaluate(args, sys.stdout)
        if args.command == "validate":
            return _validate(args.paths, sys.stdout, sys.stderr, fmt=args.format, strict=args.strict)
        if args.command == "worklist":
            return _worklist(args, sys.stdout, sys.stderr)
        if args.command == "report":
            return _report(args, sys.stdout, sys.stderr)
        if args.command == "docs":
            return _docs(args.packs or available_policies(), Path(args.out), sys.stdout)
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


def _worklist(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    try:
        day = dt.date.fromisoformat(args.as_of)
    except ValueError:
        raise _Usage(f"--as-of: not a date such as 2024-12-02: {args.as_of!r}") from None
    if args.within < 0:
        raise _Usage("--within: a number of days, 0 or more")
    for file in args.files:
        if file != "-" and not Path(file).is_file():
            raise _Usage(f"no such file: {file}")
    policy = load_policy(args.policy) if args.policy else None
    unreadable: list[dict[str, Any]] = []

    def records() -> Iterator[Any]:
        for file in args.files:
            for position, record, parse_error in _records(file):
                if parse_error is not None:
                    unreadable.append({"error": parse_error, "record": position, "id": None, "field": None})
                    continue
                yield record

    run = WorklistPass(records(), day, within=args.within, policy=policy)
    if args.json:
        # streamed: items are printed as they come out of the merge, never all held
        print(f'{{"date": "{day.isoformat()}", "within_days": {args.within}, "items": [', file=out)
        for n, item in enumerate(run):
            print(("," if n else "") + json.dumps(item.model_dump(mode="json")), file=out)
        failed = [e.model_dump(mode="json") for e in run.errors] + unreadable
        print(f'], "cases": {run.cases}, "errors": {json.dumps(failed)}}}', file=out)
    else:
        count = _print_worklist(run, day, args.within, out)
        failed = [e.model_dump(mode="json") for e in run.errors] + unreadable
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


def _diff(args: argparse.Namespace, out: TextIO) -> int:
    result = diff_policies(load_policy(args.old), load_policy(args.new))
    if args.format == "json":
        print(json.dumps(result.model_dump(mode="json"), indent=2, ensure_ascii=False), file=out)
    else:
        out.write(render_diff(result))
    return 0


def _replay(args: argparse.Namespace, out: TextIO) -> int:
    old, new = load_policy(args.policy), load_policy(args.against)
    for file in args.files:
        if file != "-" and not Path(file).is_file():
            raise _Usage(f"no such file: {file}")
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
    for file in args.files:
        if file != "-" and not Path(file).is_file():
            raise _Usage(f"no such file: {file}")
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
            except (FactsError, _Unreadable) as exc:
                status = 1
                print(f"record {position}: {exc}", file=err)
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
    from grievance_rules.report import RecordProblem, find_report
    from grievance_rules.report_render import report_csv, report_html, report_markdown

    policy = load_policy(args.policy)
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
    for file in args.files:
        if file != "-" and not Path(file).is_file():
            raise _Usage(f"no such file: {file}")
    unreadable: list[RecordProblem] = []
    position = 0

    def records() -> Iterator[Any]:
        nonlocal position
        for file in args.files:
            for _, record, parse_error in _records(file):
                position += 1
                if parse_error is not None:
                    unreadable.append(RecordProblem(record=position, id=None, field=None, error=parse_error))
                    continue
                yield record

    rep = policy.report(
        args.report,
        records(),
        period=args.period,
        member_months=args.member_months,
        as_of=args.as_of,
        errors="collect",
    )
    if unreadable:
        # the report numbers the records it was given; number them among all records read instead
        skipped = sorted(e.record for e in unreadable)
        moved = []
        for problem in rep.errors:
            at = problem.record
            for bad in skipped:
                if bad <= at:
                    at += 1
            moved.append(problem.model_copy(update={"record": at}))
        rep = rep.model_copy(update={"errors": sorted([*moved, *unreadable], key=lambda e: e.record)})
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
        print(f"record {problem.record}: {problem.error}", file=err)
    print(f"{rep.records_read + len(unreadable)} records read, {rep.total} counted, {len(rep.errors)} errors", file=err)
    return 1 if rep.errors else 0


def _docs(packs: Sequence[str], out_dir: Path, out: TextIO) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in packs:
        policy = load_policy(name)
        target = out_dir / f"{policy.id}.md"
        target.write_text(render_policy(policy.spec), encoding="utf-8")
        print(f"wrote {target}", file=out)
    return 0


def _validate(paths: Sequence[str], out: TextIO, err: TextIO, *, fmt: str = "text", strict: bool = False) -> int:
    """Validate every path, report every problem of every file, then the exit status (module docstring)."""
    status = 0
    missing = False
    for path in paths:
        if not Path(path).is_file():
            # reported, and the other files are still checked; a path that is no file is a usage error
            print(f"grievance-rules: no such file: {path}", file=err)
            missing = True
            if fmt == "json":
                problem = Problem(path, 1, 1, "", "no such file; check the path", "GR001")
                record = {"file": path, "valid": False, "errors": 1, "warnings": 0, "problems": [problem.as_dict()]}
                print(json.dumps(record), file=out)
            continue
        problems = validate_file(path)
        errors = sum(1 for p in problems if p.severity == "error")
        warnings = len(problems) - errors
        if errors or (strict and warnings):
            status = 1
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
        for problem in problems:
            print(problem, file=out)
        if not errors:
            note = f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""
            print(f"{path}: ok{note}", file=out)
    return 2 if missing else status


def _open(file: str) -> TextIO:
    if file == "-":
        return sys.stdin
    try:
        return open(file, encoding="utf-8")
    except FileNotFoundError:
        raise _Usage(f"no such file: {file}") from None
    except OSError as exc:
        raise _Usage(f"cannot read {file} ({exc.__class__.__name__})") from None


def _records(file: str) -> Iterator[tuple[int, Any, str | None]]:
    """(position, record, error) per record: array index (1-based) or JSON Lines line number.

    JSON Lines are read line by line (memory stays flat); a JSON array or one object spanning
    lines is parsed whole.
    """
    handle = _open(file)
    try:
        try:
            first = handle.readline()
            while first and not first.strip():
                first = handle.readline()
            if not first:
                return
            lineno = 1
            try:
                record = json.loads(first)
                is_lines = isinstance(record, dict)
            except json.JSONDecodeError:
                is_lines = False
            if is_lines:
                yield lineno, record, None
                for line in handle:
                    lineno += 1
                    if not line.strip():
                        continue
                    try:
                        yield lineno, json.loads(line), None
                    except json.JSONDecodeError as exc:
                        yield lineno, None, f"line {lineno} is not valid JSON (column {exc.colno}): {exc.msg}"
                return
            text = first + handle.read()
        except UnicodeDecodeError:
            raise _Usage(f"cannot read {file}: not UTF-8 text") from None
    finally:
        if handle is not sys.stdin:
            handle.close()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield 1, None, f"{file} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
        return
    if isinstance(data, list):
        for i, record in enumerate(data, start=1):
            yield i, record, None
    else:
        yield 1, data, None


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    policy: Policy = load_policy(args.policy)
    for file in args.files:
        if file != "-" and not Path(file).is_file():
            raise _Usage(f"no such file: {file}")
    status = 0
    indent = 2 if args.pretty else None
    if args.as_of is not None:
        try:
            policy.parse_as_of(args.as_of)
        except FactsError as exc:
            raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    for file in args.files:
        for position, record, parse_error in _records(file):
            if parse_error is not None:
                status = 1
                print(json.dumps({"error": parse_error, "record": position, "id": None, "field": None}), file=out)
                continue
            try:
                det = policy.evaluate(record, as_of=args.as_of, trace=args.trace)
            except FactsError as exc:
                status = 1
                rid = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
                print(json.dumps({"error": str(exc), "record": position, "id": rid, "field": exc.field}), file=out)
                continue
            data = det.model_dump(mode="json", exclude=None if args.trace else {"trace"})
            print(json.dumps(data, indent=indent), file=out)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
