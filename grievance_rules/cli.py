"""The ``grievance-rules`` command (contract section 6). The only module that prints or exits.

Exit status: 0 all well; 1 a policy or a record was invalid (everything else was still done);
2 a usage error (bad option, missing file, unknown pack). Expected errors print one line, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from grievance_rules.docs import render_policy
from grievance_rules.errors import FactsError, GrievanceRulesError, PolicyError, PolicyNotFoundError
from grievance_rules.packs import available_policies, load_policy, validate_file
from grievance_rules.policy import Policy
from grievance_rules.schema import policy_json_schema

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
    sub.add_parser("list", help="list the bundled and installed policy packs")
    sub.add_parser("schema", help="print the JSON Schema of the policy format (policies/policy.schema.json)")
    do = sub.add_parser("docs", help="write each pack's review page (docs/policies/<pack>.md)")
    do.add_argument("packs", nargs="*", metavar="ID|PATH", help="packs to document (default: every available pack)")
    do.add_argument("--out", default="docs/policies", metavar="DIR", help="folder to write into")
    return parser


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
            return _validate(args.paths, sys.stdout)
        if args.command == "docs":
            return _docs(args.packs or available_policies(), Path(args.out), sys.stdout)
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


def _docs(packs: Sequence[str], out_dir: Path, out: TextIO) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in packs:
        policy = load_policy(name)
        target = out_dir / f"{policy.id}.md"
        target.write_text(render_policy(policy.spec), encoding="utf-8")
        print(f"wrote {target}", file=out)
    return 0


def _validate(paths: Sequence[str], out: TextIO) -> int:
    status = 0
    for path in paths:
        if not Path(path).is_file():
            raise _Usage(f"no such file: {path}")
        problems = validate_file(path)
        for problem in problems:
            print(problem, file=out)
        if problems:
            status = 1
        else:
            print(f"{path}: ok", file=out)
    return status


def _read(file: str) -> str:
    if file == "-":
        return sys.stdin.read()
    try:
        return Path(file).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise _Usage(f"no such file: {file}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _Usage(f"cannot read {file} ({exc.__class__.__name__})") from None


def _records(file: str, text: str) -> Iterator[tuple[int, Any, str | None]]:
    """(position, record, error) for each record: array index (1-based) or JSON Lines line number."""
    stripped = text.lstrip()
    if not stripped:
        return
    if stripped.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            yield 1, None, f"{file} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
            return
        for i, record in enumerate(data, start=1):
            yield i, record, None
        return
    try:
        yield 1, json.loads(text), None
        return
    except json.JSONDecodeError:
        pass
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line), None
        except json.JSONDecodeError as exc:
            yield lineno, None, f"line {lineno} is not valid JSON (column {exc.colno}): {exc.msg}"


def _evaluate(args: argparse.Namespace, out: TextIO) -> int:
    policy: Policy = load_policy(args.policy)
    texts = [(file, _read(file)) for file in args.files]
    status = 0
    indent = 2 if args.pretty else None
    if args.as_of is not None:
        try:
            policy.parse_as_of(args.as_of)
        except FactsError as exc:
            raise _Usage(f"--as-of: {exc.problems[0][1]}") from None
    for file, text in texts:
        for position, record, parse_error in _records(file, text):
            if parse_error is not None:
                status = 1
                print(json.dumps({"error": parse_error, "record": position, "id": None, "field": None}), file=out)
                continue
            try:
                det = policy.evaluate(record, as_of=args.as_of)
            except FactsError as exc:
                status = 1
                rid = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
                print(json.dumps({"error": str(exc), "record": position, "id": rid, "field": exc.field}), file=out)
                continue
            print(json.dumps(det.model_dump(mode="json"), indent=indent), file=out)
    return status


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
