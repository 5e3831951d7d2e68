"""Read a policy YAML file safely and validate it, reporting every problem at ``file:line:col``.

YAML is read with a safe loader that resolves only YAML 1.2 core types (null, booleans,
integers, floats, strings): ``NO`` stays a string, ``010`` is ten, ``17:00`` stays ``"17:00"``
and dates stay strings so pydantic checks them with a line number. Duplicate keys are errors.

Validation runs in three passes whose problems are reported together, in file order:

1. the declared names (tags, events, actions, choice values...) are collected tolerantly;
2. pydantic validates the document with those names as context, so a condition naming an
   undeclared tag is reported where it stands;
3. anchored deadlines are checked for cycles.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from grievance_rules.codes import code_for_error_type
from grievance_rules.errors import PolicyError, Problem, Severity, did_you_mean, dotted_path
from grievance_rules.registry import CHANNELS, FactType
from grievance_rules.schema import (
    FACT_KINDS,
    HINT_BUDGET,
    PATTERN_WORDS,
    AnchorRef,
    Declared,
    PolicySpec,
    hint,
    subject_catalogue,
)

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_BYTES",
    "MAX_DEPTH",
    "MAX_NODES",
    "LoadedSpec",
    "SourceMap",
    "core_yaml",
    "load_spec",
    "load_spec_text",
]

Path_ = tuple[str | int, ...]

#: Largest policy file, in bytes (docs/policy-format.md, "Limits").
MAX_BYTES = 1 << 20
#: Most YAML nodes (keys, values, list items) in a pack, counting every alias as the nodes it repeats.
MAX_NODES = 50_000
#: Deepest nesting of lists and mappings.
MAX_DEPTH = 64
#: Most nodes all aliases (``*name``) of a pack may repeat together.
MAX_ALIAS_NODES = 10_000
#: Name comparisons "did you mean" may spend on one pack (about a second at worst).
HINT_COMPARISONS = 20_000
#: Longest number, in characters.
MAX_NUMBER_CHARS = 32

_CORE = "tag:yaml.org,2002:"
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_SCALAR_CHECKS: dict[str, re.Pattern[str] | None] = {
    _CORE + "str": None,
    _CORE + "int": _INT_RE,
    _CORE + "float": _FLOAT_RE,
    _CORE + "bool": _BOOL_RE,
    _CORE + "null": _NULL_RE,
}


class _Refused(Exception):
    """The YAML goes beyond what a policy may be (a limit, a tag, a recursive alias), at ``mark``."""

    def __init__(self, mark: yaml.Mark | None, message: str, code: str = "GR013") -> None:
        super().__init__(message)
        self.mark, self.message, self.code = mark, message, code


class _CoreLoader(yaml.SafeLoader):
    """SafeLoader resolving YAML 1.2 core schema types only, within the pack limits.

    Composing counts nodes as it goes, an alias counting as every node it repeats, so an alias
    bomb (a few hundred bytes expanding to millions of nodes) is refused at the alias that goes
    over the budget before anything walks the expanded tree. Nesting depth is bounded (deep
    nesting would exhaust Python's recursion limit), an alias to a node that contains it is
    refused (it would make the document infinite), and only YAML 1.2 core tags are accepted, each
    scalar checked against its tag (``!!int foo`` would fail deep inside the constructor).
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._nodes = 0
        self._alias_nodes = 0
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> nodes it stands for, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()  # type: ignore[no-untyped-call]
            target = self.anchors.get(event.anchor)
            if target is not None:
                size = self._sizes.get(id(target))
                if size is None:
                    raise _Refused(
                        event.start_mark,
                        f"alias *{event.anchor} refers to the node that contains it, which would make the "
                        "pack infinite; write the value out",
                    )
                self._alias_nodes += size
                self._nodes += size
                if self._alias_nodes > MAX_ALIAS_NODES or self._nodes > MAX_NODES:
                    raise _Refused(
                        event.start_mark,
                        f"alias *{event.anchor} repeats {size} nodes, which takes the pack beyond its limits "
                        f"(aliases may repeat at most {MAX_ALIAS_NODES:,} nodes in all, and a pack holds at "
                        f"most {MAX_NODES:,}); write the values out or use fewer aliases",
                    )
            return cast(yaml.Node, super().compose_node(parent, index))
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if self._depth >= MAX_DEPTH:
            raise _Refused(event.start_mark, f"nested more than {MAX_DEPTH} levels deep; flatten the structure")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(event.start_mark, f"the pack holds more than {MAX_NODES:,} YAML nodes; split it")
        before = self._nodes - 1
        self._depth += 1
        try:
            node = cast(yaml.Node, super().compose_node(parent, index))
        finally:
            self._depth -= 1
        self._sizes[id(node)] = self._nodes - before
        _check_tag(node)
        return node


def _check_tag(node: yaml.Node) -> None:
    """Refuse a tag outside the YAML 1.2 core schema, or a scalar its tag cannot read."""
    tag = str(node.tag)
    shown = "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag
    if isinstance(node, yaml.ScalarNode):
        if tag not in _SCALAR_CHECKS:
            raise _Refused(
                node.start_mark,
                f"not valid YAML for a policy: tag {shown} is not allowed; a policy is plain data "
                "(text, numbers, true/false, null, lists, mappings), so remove the tag",
                "GR012",
            )
        pattern = _SCALAR_CHECKS[tag]
        text = str(node.value)
        if pattern is not None and not pattern.match(text):
            raise _Refused(node.start_mark, f"{shown} cannot read this value; remove the tag or fix the value", "GR012")
        if tag in (_CORE + "int", _CORE + "float") and len(text) > MAX_NUMBER_CHARS:
            raise _Refused(
                node.start_mark,
                f"a number of {len(text)} characters; numbers in a policy have at most {MAX_NUMBER_CHARS}",
            )
    elif tag not in (_CORE + "seq", _CORE + "map"):
        raise _Refused(
            node.start_mark,
            f"not valid YAML for a policy: tag {shown} is not allowed; lists and mappings take no tag, so remove it",
            "GR012",
        )


_CoreLoader.yaml_implicit_resolvers = {}
for _tag, _regex, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+0123456789."),
    ),
):
    _CoreLoader.add_implicit_resolver(_tag, re.compile(_regex), _first)


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = str(loader.construct_scalar(node))
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


_CoreLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
# An explicit !!timestamp would build a datetime; keep it a string for pydantic to check.
_CoreLoader.add_constructor(
    "tag:yaml.org,2002:timestamp",
    lambda loader, node: loader.construct_scalar(node),  # type: ignore[arg-type]
)


class SourceMap:
    """Positions of every key and value in a YAML document, by path."""

    def __init__(self) -> None:
        self.values: dict[Path_, tuple[int, int]] = {}
        self.keys: dict[Path_, tuple[int, int]] = {}
        self.files: dict[Path_, str] = {}  # the file a value was written in (a pack that extends another)

    def index(self, node: yaml.Node, path: Path_ = ()) -> None:
        """Record the position of ``node`` and of everything below it."""
        self.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        self.files[path] = node.start_mark.name
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key_node.start_mark)
                self.keys[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                self.index(value_node, path + (key,))
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.index(item, path + (i,))

    def resolve(self, loc: Sequence[str | int]) -> Path_:
        """The longest real document path along a pydantic ``loc`` (union tags are skipped)."""
        path: Path_ = ()
        for part in loc:
            if path + (part,) in self.values:
                path = path + (part,)
        return path

    def file_at(self, path: Path_, default: str) -> str:
        """The file the value at ``path`` (or its nearest located parent) was written in."""
        while path not in self.files and path:
            path = path[:-1]
        name = self.files.get(path)
        return default if name is None or name.startswith("<unicode") else name

    def position(self, path: Path_, *, key: bool = False) -> tuple[int, int]:
        """Line and column of the value (or, with ``key``, the key) at ``path``."""
        if key and path in self.keys:
            return self.keys[path]
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, (1, 1))


class _DuplicateKey(Exception):
    def __init__(self, path: str, line: int, col: int, first_line: int, key: str) -> None:
        super().__init__(path)
        self.path, self.line, self.col, self.first_line, self.key = path, line, col, first_line, key


def _check_duplicates(node: yaml.Node, path: Path_ = ()) -> Iterator[_DuplicateKey]:
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    yield _DuplicateKey(
                        dotted_path((*path, key_node.value)),
                        key_node.start_mark.line + 1,
                        key_node.start_mark.column + 1,
                        seen[key_node.value],
                        key_node.value,
                    )
                else:
                    seen[key_node.value] = key_node.start_mark.line + 1
            yield from _check_duplicates(value_node, (*path, key_node.value))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            yield from _check_duplicates(item, (*path, i))


class LoadedSpec:
    """A validated policy spec with the file it came from and where each part of it stands."""

    def __init__(
        self, spec: PolicySpec, file: str, source_map: SourceMap, text: str, sha256: str | None = None
    ) -> None:
        self.spec = spec
        self.file = file
        self.source_map = source_map
        self.text = text
        #: The packs this one extends, nearest first: (file, SHA-256 of its text).
        self.inherited: tuple[tuple[str, str], ...] = ()
        #: Every parent read while merging: ``(file, extends value, parent file, parent text)``, so a
        #: pickled policy loads again without the files (``load_spec_text(..., parents=...)``).
        self.parents: tuple[tuple[str, str, str, str], ...] = ()
        #: SHA-256 of the pack file's bytes as read (of the UTF-8 text for a pack given as text), so
        #: ``sha256sum pack.yaml`` shows the same value as a Determination's ``policy.sha256``.
        #: For a pack that extends another, see :meth:`set_sha256`.
        self.sha256 = sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest()

    def set_sha256(self, own: str) -> None:
        """Set the pack's hash from its own file's hash: for a pack that extends others, the SHA-256
        of the hex hashes of the chain (this file first, then each parent), one per line, so that a
        change in a parent changes the hash of every pack built on it."""
        if not self.inherited:
            self.sha256 = own
            return
        chain = "\n".join([own, *(digest for _, digest in self.inherited)]) + "\n"
        self.sha256 = hashlib.sha256(chain.encode("ascii")).hexdigest()

    def problem(self, path: Path_, message: str, code: str = "GR100", severity: Severity = "error") -> Problem:
        """A located problem at ``path``: in this file, or in the pack it extends where it was written."""
        line, col = self.source_map.position(path)
        return Problem(self.source_map.file_at(path, self.file), line, col, dotted_path(path), message, code, severity)


def load_spec(path: str | os.PathLike[str]) -> LoadedSpec:
    """Read and validate the policy file at ``path``; raise :class:`PolicyError` listing every problem."""
    file = str(path)
    try:
        size = Path(path).stat().st_size
        if size > MAX_BYTES:
            raise PolicyError([_too_big(file, size)])
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(
            [
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"cannot read the file ({exc.__class__.__name__}); check the path and that it is UTF-8 text",
                    "GR001",
                )
            ]
        ) from None
    loaded = load_spec_text(text, file)
    loaded.set_sha256(hashlib.sha256(raw).hexdigest())
    return loaded


def _too_big(file: str, size: int) -> Problem:
    return Problem(
        file, 1, 1, "", f"the file has {size:,} bytes; a policy file has at most {MAX_BYTES:,} bytes (1 MiB)", "GR002"
    )


def _compose(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """The node tree and the plain data of ``text``, within the pack limits, or a located PolicyError."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        raise PolicyError([_too_big(file, len(text.encode("utf-8", "surrogatepass")))])
    problem: Problem | None = None
    try:
        loader = _CoreLoader(text)
        loader.name = file  # every mark names its file (a pack that extends another mixes two)
        try:
            node = loader.get_single_node()
            data = None if node is None else loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        col = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        char = exc.character if isinstance(exc.character, int) else 0
        problem = Problem(
            file,
            line,
            col,
            "",
            f"not valid YAML: the non-printable character #x{char:02x} is not allowed; remove it",
            "GR011",
        )
    except _Refused as exc:
        line, col = (exc.mark.line + 1, exc.mark.column + 1) if exc.mark else (1, 1)
        problem = Problem(file, line, col, "", exc.message, exc.code)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = Problem(
            file,
            line,
            col,
            "",
            f"not valid YAML for a policy: {exc.problem}; a policy is plain data (text, numbers, lists, mappings)",
            "GR012",
        )
    except yaml.MarkedYAMLError as exc:
        problem = _syntax_problem(exc, file)
    if problem is not None:
        raise PolicyError([problem])
    return node, data


#: What to do about the common YAML slips, by the start of PyYAML's description of the problem.
_SYNTAX_ADVICE: tuple[tuple[str, str], ...] = (
    (
        "mapping values are not allowed here",
        'quote the text: a colon followed by a space starts a mapping, so write e.g. title: "Note: call back"; '
        "if this line is meant to be a key, line it up with the keys above it",
    ),
    ("found character '\\t'", "a tab: YAML indents with spaces only; replace the tab with spaces"),
    ("found a tab character", "a tab: YAML indents with spaces only; replace the tab with spaces"),
    (
        "found unexpected end of stream",
        'a quoted text that opens here is never closed; add the closing quote (inside "..." write \\" for a '
        "quote, inside '...' write '')",
    ),
    (
        "found unknown escape character",
        "inside double quotes a backslash starts an escape; write \\\\ for a backslash or use single quotes",
    ),
    (
        "expected <block end>, but found '<block mapping start>'",
        "this line is indented more than the keys above it; keys of one mapping start in the same column",
    ),
    (
        "expected <block end>, but found '<block sequence start>'",
        "a list item is indented less than the items above it; line up the dashes of one list",
    ),
    (
        "expected <block end>, but found '-'",
        "a list item is indented less than the items above it; line up the dashes of one list",
    ),
    (
        "expected <block end>, but found '?'",
        "list items and keys are mixed at one level, or the indentation does not line up; give the list its own "
        "key or line up the lines",
    ),
    (
        "expected <block end>, but found '<scalar>'",
        "more text follows a value: a quote opened above may not be closed (check the quotes), the text needs "
        "quoting as a whole, or the line does not line up with the keys above it",
    ),
    (
        "expected ',' or ']'",
        "a [list] written on one line is not closed, or an item holds ': '; close it with ] or quote the item",
    ),
    (
        "expected ',' or '}'",
        "a {mapping} written on one line is not closed, or a value holds ': '; close it with } or quote the value",
    ),
    ("could not find expected ':'", "a key has no colon, or a text runs over lines; add ': ' or quote the text"),
    (
        "did not find expected key",
        "the indentation does not line up: keys of one mapping start in the same column",
    ),
    ("did not find expected '-' indicator", "the items of one list start with '-' in the same column"),
    ("found undefined alias", "* starts an alias to an &anchor above; quote the text if you meant a '*'"),
    ("expected alphabetic or numeric character", "* and & start aliases and anchors; quote the text"),
    ("found character '@'", "@ and ` cannot start a plain value; quote the text"),
    ("found character '`'", "@ and ` cannot start a plain value; quote the text"),
    ("found character '%'", "% cannot start a plain value; quote the text"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    """A YAML syntax error as a located problem that says what to do."""
    found = str(exc.problem or "")
    # an unclosed quote is reported at the end of the file; point at where the quote opens
    unclosed = found.startswith("found unexpected end of stream") and "quoted" in str(exc.context or "")
    mark = (exc.context_mark if unclosed else None) or exc.problem_mark or exc.context_mark
    line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    advice = next((text for start, text in _SYNTAX_ADVICE if found.startswith(start)), "fix the syntax")
    return Problem(file, line, col, "", f"not valid YAML: {found}; {advice}", "GR010")


def core_yaml(text: str, file: str) -> tuple[yaml.Node | None, Any]:
    """Parse YAML text within the pack limits with the core-types loader: (node tree, data).

    For other YAML files of a pack (its ``.cases.yaml``). Raises :class:`PolicyError` for a syntax
    error, a refused tag or limit, or a duplicate key, located in ``file``.
    """
    node, data = _compose(text, file)
    if node is not None:
        duplicates = [
            Problem(
                file,
                d.line,
                d.col,
                d.path,
                f"duplicate key {d.key!r} (first at line {d.first_line}); keep one",
                "GR014",
            )
            for d in _check_duplicates(node)
        ]
        if duplicates:
            raise PolicyError(duplicates)
    return node, data


def load_spec_text(
    text: str, file: str = "<string>", *, parents: Sequence[tuple[str, str, str, str]] = ()
) -> LoadedSpec:
    """Validate policy YAML given as text; ``file`` is the name used in problem locations.

    ``parents`` gives the packs an ``extends:`` names, as :attr:`LoadedSpec.parents` recorded them,
    instead of reading them (a policy unpickled where the files are not)."""
    node, data = _compose(text, file)
    if node is None:
        raise PolicyError(
            [
                Problem(
                    file,
                    1,
                    1,
                    "",
                    "the file is empty; a policy needs at least id, name, version, "
                    "source, calendar, vocabulary and classification",
                    "GR003",
                )
            ]
        )
    source_map = SourceMap()
    source_map.index(node)
    problems: list[Problem] = [
        Problem(
            file, d.line, d.col, d.path, f"duplicate key {d.key!r} (first at line {d.first_line}); keep one", "GR014"
        )
        for d in _check_duplicates(node)
    ]
    if not isinstance(data, dict):
        raise PolicyError([Problem(file, 1, 1, "", "a policy file is a mapping of keys (id:, name:, ...)", "GR004")])
    merge = _Inheritance(parents)
    if "extends" in data:
        if problems:
            raise PolicyError(problems)
        node = _extend(node, file, (_identity(file),), merge)
        data = _construct(node)
        source_map = SourceMap()
        source_map.index(node)

    declared = collect_declared(data)
    spec: PolicySpec | None = None
    budget = HINT_BUDGET.set([HINT_COMPARISONS])
    try:
        spec = PolicySpec.model_validate(data, context={"declared": declared})
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, file, source_map))
    finally:
        HINT_BUDGET.reset(budget)
    problems.extend(_anchor_cycles(data, file, source_map))
    if problems or spec is None:
        problems.sort(key=lambda p: (p.file != file, p.file, p.line, p.column))
        raise PolicyError(problems)
    loaded = LoadedSpec(spec, file, source_map, text)
    loaded.inherited = tuple(merge.hashes)
    loaded.parents = tuple(merge.read)
    loaded.set_sha256(hashlib.sha256(text.encode("utf-8")).hexdigest())
    return loaded


# --------------------------------------------------------------------------- extends

#: Most packs in one chain of ``extends``.
MAX_EXTENDS = 8
#: Keys whose value is replaced whole by a pack that extends another, never merged: a condition
#: merged key by key would mix two conditions, a citation would keep the parent's quote.
REPLACED_WHOLE = frozenset({"when", "citation"})


def _identity(file: str) -> str:
    path = Path(file)
    return os.path.realpath(path) if path.is_file() else file


def _extends_node(node: yaml.Node) -> tuple[yaml.Node, yaml.Node] | None:
    """The (key, value) nodes of a root ``extends:``, if any."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "extends":
                return key, value
    return None


def _mark_problem(node: yaml.Node, file: str, path: str, message: str) -> PolicyError:
    mark = node.start_mark
    name = mark.name if mark.name and not mark.name.startswith("<unicode") else file
    return PolicyError([Problem(name, mark.line + 1, mark.column + 1, path, message, "GR223")])


def _parent_source(ref: str, file: str) -> tuple[str, str | None]:
    """(file, text or None) of the pack ``ref`` names: a path relative to ``file``, or a pack id."""
    from grievance_rules.errors import GrievanceRulesError
    from grievance_rules.packs import policy_source  # packs imports this module

    if ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref:
        here = Path(file)
        base = here.parent if here.is_file() else Path.cwd()
        target = os.path.normpath(base / ref)
        if not Path(target).is_file():
            raise GrievanceRulesError(f"no file {target}")
        return target, None
    return policy_source(ref)


class _Inheritance:
    """What merging a chain of ``extends`` reads: each parent's hash and text, nearest first."""

    def __init__(self, given: Sequence[tuple[str, str, str, str]]) -> None:
        self.given = {(child, ref): (parent, text) for child, ref, parent, text in given}
        self.hashes: list[tuple[str, str]] = []  # (parent file, SHA-256 of its bytes)
        self.read: list[tuple[str, str, str, str]] = []  # (child file, ref, parent file, parent text)


def _extend(node: yaml.Node, file: str, chain: tuple[str, ...], merge: _Inheritance) -> yaml.Node:
    """``node`` (a pack with ``extends:``) merged over the pack it extends, recursively."""
    from grievance_rules.errors import GrievanceRulesError

    found = _extends_node(node)
    if found is None:
        return node
    _, value = found
    if not isinstance(value, yaml.ScalarNode) or value.tag != _CORE + "str" or not value.value:
        raise _mark_problem(value, file, "extends", "extends takes a pack id or a path to a pack file (text)")
    if len(chain) >= MAX_EXTENDS:
        raise _mark_problem(
            value, file, "extends", f"a chain of extends holds at most {MAX_EXTENDS} packs; this one goes beyond"
        )
    try:
        given = merge.given.get((file, value.value))
        parent_file, parent_text = given if given is not None else _parent_source(value.value, file)
    except GrievanceRulesError as exc:
        raise _mark_problem(
            value,
            file,
            "extends",
            f"extends names no pack or file {value.value!r} ({exc}); give a pack id or a path relative to this file",
        ) from None
    identity = _identity(parent_file)
    if identity in chain:
        names = " -> ".join(Path(n).name for n in (*chain, identity))
        raise _mark_problem(
            value, file, "extends", f"extends makes a cycle ({names}); a pack cannot extend itself, even indirectly"
        )
    parent_hash: str | None = None
    if parent_text is None:
        try:
            parent_raw = Path(parent_file).read_bytes()
            parent_hash = hashlib.sha256(parent_raw).hexdigest()  # as sha256sum shows it
            parent_text = parent_raw.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _mark_problem(
                value, file, "extends", f"cannot read the pack it extends ({exc.__class__.__name__})"
            ) from None
    merge.hashes.append((parent_file, parent_hash or hashlib.sha256(parent_text.encode("utf-8")).hexdigest()))
    merge.read.append((file, value.value, parent_file, parent_text))
    parent, parent_data = _compose(parent_text, parent_file)
    if parent is None or not isinstance(parent_data, dict):
        raise _mark_problem(value, file, "extends", "the pack it extends is not a mapping of keys (id:, name:, ...)")
    duplicates = [
        Problem(
            parent_file,
            d.line,
            d.col,
            d.path,
            f"duplicate key {d.key!r} (first at line {d.first_line}); keep one",
            "GR014",
        )
        for d in _check_duplicates(parent)
    ]
    if duplicates:
        raise PolicyError(duplicates)
    parent = _extend(parent, parent_file, (*chain, identity), merge)
    assert isinstance(parent, yaml.MappingNode)
    base = yaml.MappingNode(
        parent.tag,
        [(k, v) for k, v in parent.value if not (isinstance(k, yaml.ScalarNode) and k.value == "extends")],
        parent.start_mark,
        parent.end_mark,
    )
    return _merge(base, node)


def _item_ids(node: yaml.Node) -> list[str] | None:
    """The ids of a list whose every item is a mapping with a text ``id``, else None."""
    if not isinstance(node, yaml.SequenceNode) or not node.value:
        return None
    ids: list[str] = []
    for item in node.value:
        if not isinstance(item, yaml.MappingNode):
            return None
        found = [v.value for k, v in item.value if isinstance(k, yaml.ScalarNode) and k.value == "id"]
        if len(found) != 1 or not isinstance(found[0], str):
            return None
        ids.append(found[0])
    return ids


def _merge(parent: yaml.Node, child: yaml.Node, key: str | None = None) -> yaml.Node:
    """``child`` over ``parent``: mappings merge key by key, lists of items with an ``id`` merge by id
    (new ids appended), anything else (and ``when``, ``citation``) is replaced by the child's."""
    if key in REPLACED_WHOLE:
        return child
    if isinstance(parent, yaml.MappingNode) and isinstance(child, yaml.MappingNode):
        mine = {k.value: (k, v) for k, v in child.value if isinstance(k, yaml.ScalarNode)}
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for pk, pv in parent.value:
            name = pk.value if isinstance(pk, yaml.ScalarNode) else None
            if name in mine:
                ck, cv = mine.pop(name)
                pairs.append((ck, _merge(pv, cv, name)))
            else:
                pairs.append((pk, pv))
        pairs += [(k, v) for k, v in child.value if isinstance(k, yaml.ScalarNode) and k.value in mine]
        return yaml.MappingNode(child.tag, pairs, child.start_mark, child.end_mark, flow_style=child.flow_style)
    parent_ids, child_ids = _item_ids(parent), _item_ids(child)
    if parent_ids is not None and child_ids is not None:
        assert isinstance(parent, yaml.SequenceNode) and isinstance(child, yaml.SequenceNode)
        by_id = dict(zip(child_ids, child.value, strict=True))
        items = [
            _merge(item, by_id.pop(i)) if i in by_id else item for i, item in zip(parent_ids, parent.value, strict=True)
        ]
        items += [item for i, item in zip(child_ids, child.value, strict=True) if i in by_id]
        return yaml.SequenceNode(child.tag, items, child.start_mark, child.end_mark, flow_style=child.flow_style)
    return child


def _construct(node: yaml.Node) -> Any:
    """The plain data of a (merged) node tree."""
    loader = _CoreLoader("")
    try:
        return loader.construct_document(node)
    finally:
        loader.dispose()


# --------------------------------------------------------------------------- pass 1


def _keys(value: Any) -> tuple[str, ...]:
    return tuple(str(k) for k in value) if isinstance(value, dict) else ()


def collect_declared(data: Mapping[str, Any]) -> Declared:
    """Collect the names a raw pack declares, tolerating any structural mistake."""
    vocab = data.get("vocabulary") if isinstance(data.get("vocabulary"), dict) else {}
    assert isinstance(vocab, dict)
    choices: dict[str, tuple[str, ...]] = {}
    for name in ("classification", "level", "handled_by"):
        section = data.get(name)
        if isinstance(section, dict) and isinstance(section.get("values"), list):
            choices[name] = tuple(str(v) for v in section["values"])
    actions = data.get("actions") if isinstance(data.get("actions"), list) else []
    timers = data.get("timers") if isinstance(data.get("timers"), list) else []
    patterns = data.get("patterns") if isinstance(data.get("patterns"), list) else []
    flags = data.get("flags") if isinstance(data.get("flags"), list) else []
    delegation = data.get("delegation")
    assert isinstance(flags, list)
    assert isinstance(actions, list) and isinstance(timers, list) and isinstance(patterns, list)
    return Declared(
        concerns=_keys(vocab.get("concerns")),
        types=_keys(vocab.get("types")),
        events=_keys(vocab.get("events")),
        assistance=_keys(vocab.get("assistance")),
        roles=_keys(vocab.get("roles")),
        actions=tuple(str(a["id"]) for a in actions if isinstance(a, dict) and "id" in a),
        timers=tuple(str(t["id"]) for t in timers if isinstance(t, dict) and "id" in t),
        patterns=tuple(str(p["id"]) for p in patterns if isinstance(p, dict) and "id" in p),
        schedule=_keys(vocab.get("schedule")),
        choices=choices,
        has_delegation=isinstance(data.get("delegation"), dict),
        has_filing_window=isinstance(data.get("filing_window"), dict),
        channels=tuple(str(c) for c in vocab["channels"]) if isinstance(vocab.get("channels"), list) else CHANNELS,
        facts=_declared_facts(data.get("facts")),
        handlers=_keys(vocab.get("handlers")),
        delegation_by_plan=isinstance(delegation, dict) and delegation.get("direction") == "by_plan",
        flags=tuple(str(f["id"]) for f in flags if isinstance(f, dict) and "id" in f),
        subject_facts=_subject_facts(data.get("subject")),
    )


def _subject_facts(subject: Any) -> dict[str, FactType] | None:
    """The catalogue entries of a raw ``subject:`` block (None when the pack has none)."""
    if not isinstance(subject, dict):
        return None
    facts = subject.get("facts") if isinstance(subject.get("facts"), dict) else {}
    computed = subject.get("computed") if isinstance(subject.get("computed"), dict) else {}
    runs = subject.get("runs") if isinstance(subject.get("runs"), list) else []
    assert isinstance(facts, dict) and isinstance(computed, dict) and isinstance(runs, list)
    declared: dict[str, tuple[str, tuple[str, ...], str]] = {}
    for name, spec in facts.items():
        if isinstance(spec, dict):
            values = spec.get("values") if isinstance(spec.get("values"), list) else []
            assert isinstance(values, list)
            declared[str(name)] = (
                str(spec.get("type")),
                tuple(str(v) for v in values),
                str(spec.get("description", "")),
            )
    return subject_catalogue(
        declared,
        {str(n): "" for n in computed},
        {str(r["id"]): "" for r in runs if isinstance(r, dict) and "id" in r},
    )


def _declared_facts(raw: Any) -> dict[str, FactType]:
    """The pack's declared facts as registry types, skipping any whose shape is wrong (pass 2
    reports those where they stand)."""
    out: dict[str, FactType] = {}
    if not isinstance(raw, dict):
        return out
    for name, decl in raw.items():
        if not isinstance(decl, dict) or decl.get("type") not in FACT_KINDS:
            continue
        values, vocab = decl.get("values"), decl.get("vocabulary")
        names = tuple(str(v) for v in (values if isinstance(values, list) else ()))
        names += tuple(str(k) for k in (vocab if isinstance(vocab, dict) else ()))
        out[str(name)] = FactType(cast(Any, FACT_KINDS[decl["type"]]), names)
    return out


# --------------------------------------------------------------------------- pass 2


def _allowed_keys(model: Any, loc: Sequence[str | int]) -> list[str] | None:
    """The keys allowed by the model found at ``loc`` below ``model`` (None when unknown)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return None
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return None


def _unwrap(tp: Any) -> Any:
    """Strip Optional/Annotated down to a model, list or dict type."""
    while True:
        origin = get_origin(tp)
        if origin is None:
            return tp
        args = [a for a in get_args(tp) if a is not type(None)]
        if origin in (list, dict):
            return tp
        if str(origin).endswith("Annotated") or len(args) == 1:
            tp = args[0]
            continue
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        return models[0] if len(models) == 1 else tp


def _step(tp: Any, part: str | int) -> Any:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    if origin is list and isinstance(part, int):
        return get_args(tp)[0]
    if origin is dict:
        return get_args(tp)[1]
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(part, str):
        for name, f in tp.model_fields.items():
            if part in (name, f.alias):
                return f.annotation
        if part == tp.__name__:
            return tp
        return None
    return tp if isinstance(part, str) else None


def _pydantic_problems(exc: ValidationError, file: str, source_map: SourceMap) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if isinstance(p, (str, int))]
        kind = err["type"]
        if kind == "extra_forbidden":
            parent = loc[:-1]
            key = str(loc[-1])
            allowed = _allowed_keys(PolicySpec, source_map.resolve(parent)) or []
            path = source_map.resolve(loc)
            line, col = source_map.position(path, key=True)
            msg = (
                f"unknown key {_short(key)}{did_you_mean(key[:100], allowed)}; allowed keys here: {', '.join(allowed)}"
            )
            problems.append(Problem(source_map.file_at(path, file), line, col, dotted_path(path), msg, "GR101"))
            continue
        path = source_map.resolve(loc)
        if kind == "missing":
            line, col = source_map.position(path)
            msg = f"missing required key {str(loc[-1])!r}; add it"
            problems.append(
                Problem(source_map.file_at(path, file), line, col, dotted_path(list(path) + [loc[-1]]), msg, "GR102")
            )
            continue
        hint = (err.get("ctx") or {}).get("at")
        if isinstance(hint, (tuple, list)) and path + tuple(hint) in source_map.values:
            path = path + tuple(hint)
        line, col = source_map.position(path)
        msg = err["msg"]
        ctx = err.get("ctx") or {}
        if kind.startswith(("literal", "enum")):
            msg = _not_allowed(err.get("input"), str(ctx.get("expected", "")), msg)
        elif kind == "string_pattern_mismatch":
            msg = _wrong_form(err.get("input"), str(ctx.get("pattern", "")), msg)
        elif kind in (
            "bool_type",
            "int_type",
            "string_type",
            "date_from_datetime_parsing",
            "date_parsing",
            "list_type",
            "dict_type",
            "model_type",
            "int_parsing",
            "too_short",
            "greater_than_equal",
            "less_than_equal",
            "date_from_datetime_inexact",
            "model_attributes_type",
        ):
            msg = f"{msg}; found {_short(err.get('input'))}"
        problems.append(
            Problem(source_map.file_at(path, file), line, col, dotted_path(path), msg, code_for_error_type(kind, ctx))
        )
    # a union reports each branch; keep one problem per place and message
    unique: dict[tuple[str, int, int, str], Problem] = {}
    for p in problems:
        unique.setdefault((p.file, p.line, p.column, p.message), p)
    return _collapse_unions(list(unique.values()))


def _not_allowed(found: Any, expected: str, msg: str) -> str:
    """A value outside a fixed list, with the nearest allowed value suggested."""
    allowed = re.findall(r"'([^']*)'", expected)
    if not allowed:
        return f"{msg}; found {_short(found)}"
    return f"{_short(found)} is not allowed{hint(found, allowed)}; allowed: {', '.join(allowed)}"


def _wrong_form(found: Any, pattern: str, msg: str) -> str:
    """Text that does not have the required form, the form said in words (never as a regular expression)."""
    words = PATTERN_WORDS.get(pattern)
    if words is None:
        return f"{msg}; found {_short(found)}"
    return f"{_short(found)} is not {words}"


def _collapse_unions(problems: list[Problem]) -> list[Problem]:
    """Several problems at one place come from a union's branches: keep the first."""
    seen: set[tuple[str, int, int]] = set()
    out = []
    for p in problems:
        if (p.file, p.line, p.column) in seen:
            continue
        seen.add((p.file, p.line, p.column))
        out.append(p)
    return out


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --------------------------------------------------------------------------- pass 3


def _anchor_cycles(data: Mapping[str, Any], file: str, source_map: SourceMap) -> list[Problem]:
    """Cycles among deadlines anchored on other actions (``from: action:x``)."""
    actions = data.get("actions")
    if not isinstance(actions, list):
        return []
    edges: dict[str, list[str]] = {}
    where: dict[str, Path_] = {}
    for i, action in enumerate(actions):
        if not isinstance(action, dict) or not isinstance(action.get("id"), str):
            continue
        targets: list[str] = []
        for key in ("deadline", "target"):
            dl = action.get(key)
            if isinstance(dl, dict):
                anchors = dl.get("from", "receipt")
                for anchor in anchors if isinstance(anchors, list) else [anchors]:
                    ref = _anchor_or_none(anchor)
                    if ref is not None and ref.kind == "action":
                        targets.append(ref.name)
                        where.setdefault(action["id"], ("actions", i, key, "from"))
        edges[action["id"]] = targets
    problems: list[Problem] = []
    reported: set[frozenset[str]] = set()
    for start in edges:
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        while stack:
            node, trail = stack.pop()
            for nxt in edges.get(node, []):
                if nxt == start:
                    members = frozenset(trail)
                    if members not in reported:
                        reported.add(members)
                        line, col = source_map.position(where[start])
                        cycle = " -> ".join(trail + [start])
                        problems.append(
                            Problem(
                                source_map.file_at(where[start], file),
                                line,
                                col,
                                dotted_path(where[start]),
                                f"deadlines are anchored in a cycle ({cycle}); "
                                "anchor one of them on receipt or an event",
                                "GR210",
                            )
                        )
                elif nxt not in trail and nxt in edges:
                    stack.append((nxt, trail + [nxt]))
    return problems


def _anchor_or_none(anchor: Any) -> AnchorRef | None:
    """The anchor a raw ``from:`` value names, or None when it is not one (pass 2 reports that)."""
    if not isinstance(anchor, str):
        return None
    try:
        return AnchorRef.parse(anchor)
    except ValueError:
        return None
