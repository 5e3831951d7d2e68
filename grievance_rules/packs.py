"""Finding policy packs: the bundled ones and those installed through entry points.

Third-party packs register in the entry-point group ``grievance_rules.policies``: the name is
the pack id, the value a path to the pack's YAML or a ``module:callable`` returning a path or
the YAML text. The bundled packs are found the same way as files shipped in the package.

Versions: a pack id may have several versions, each in its own file. In a folder, the files of
pack ``my_plan`` are ``my_plan.yaml`` and any ``my_plan@<label>.yaml`` (by convention the label is
the version, e.g. ``my_plan@2023.1.yaml``); entry points likewise are named ``my_plan`` and
``my_plan@<label>``. Each file declares ``effective: {from, until}``; the loaded policy judges a
grievance by the version in force on its local receipt date. Files ending ``.cases.yaml`` are a
pack's test cases (see :mod:`grievance_rules.testing`), never packs.
"""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass
from pathlib import Path

from grievance_rules.errors import (
    GrievanceRulesError,
    PolicyError,
    PolicyNotFoundError,
    PolicyVersionNotFoundError,
    Problem,
)
from grievance_rules.loader import LoadedSpec, load_spec, load_spec_text
from grievance_rules.policy import Policy

__all__ = [
    "ENTRY_POINT_GROUP",
    "PackInfo",
    "PackSource",
    "available_policies",
    "bundled_dir",
    "describe_packs",
    "is_pack_file",
    "load_policy",
    "pack_sources",
    "policy_source",
    "validate_file",
]

ENTRY_POINT_GROUP = "grievance_rules.policies"


CASES_SUFFIXES = (".cases.yaml", ".cases.yml")


@dataclass(frozen=True)
class PackSource:
    """Where one version of a pack comes from: a file, or YAML text an entry point returned."""

    file: str
    text: str | None = None  # None: read ``file``

    def load(self) -> LoadedSpec:
        """Read and validate this version (raises :class:`PolicyError`)."""
        return load_spec(self.file) if self.text is None else load_spec_text(self.text, self.file)


def bundled_dir() -> Path:
    """The folder of the bundled packs: inside the installed package, or ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parent
    inside = here / "policies"
    return inside if inside.is_dir() else here.parent / "policies"


def is_pack_file(path: str | os.PathLike[str]) -> bool:
    """A ``.yaml``/``.yml`` file that is a pack (not a ``.cases.yaml`` test-case file)."""
    name = Path(path).name
    return name.endswith((".yaml", ".yml")) and not name.endswith(CASES_SUFFIXES)


def _pack_id(stem: str) -> str:
    """The pack id a file stem or entry-point name belongs to: ``my_plan@2023.1`` -> ``my_plan``."""
    return stem.partition("@")[0]


def _folder(folder: Path) -> dict[str, list[Path]]:
    """Pack files in ``folder`` by pack id (``<id>.yaml`` and ``<id>@<label>.yaml``)."""
    found: dict[str, list[Path]] = {}
    if folder.is_dir():
        for p in sorted(folder.iterdir()):
            if p.is_file() and is_pack_file(p):
                found.setdefault(_pack_id(p.name.rsplit(".", 1)[0]), []).append(p)
    return found


def _bundled() -> dict[str, list[Path]]:
    return _folder(bundled_dir())


def _entry_points() -> dict[str, list[importlib.metadata.EntryPoint]]:
    found: dict[str, list[importlib.metadata.EntryPoint]] = {}
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        found.setdefault(_pack_id(ep.name), []).append(ep)
    return found


def available_policies() -> list[str]:
    """Ids of the bundled and installed packs, sorted."""
    return sorted(set(_bundled()) | set(_entry_points()))


def _is_path(name: str) -> bool:
    """A name is a path when it ends in .yaml/.yml or holds a separator (``packs/``); else a pack id."""
    return Path(name).suffix in (".yaml", ".yml") or os.sep in name or "/" in name


def pack_sources(name: str | os.PathLike[str]) -> list[PackSource]:
    """Every version's source of a pack id, or the one file at a path (a folder: its pack files).

    Bundled files win over entry points of the same id (a checkout tests its own packs).
    """
    path = Path(name)
    if not isinstance(name, str) or _is_path(name):
        if path.is_file():
            return [PackSource(str(path))]
        if path.is_dir():
            files = [p for p in sorted(path.iterdir()) if p.is_file() and is_pack_file(p)]
            if files:
                return [PackSource(str(p)) for p in files]
        raise PolicyNotFoundError(str(name), available_policies())
    bundled = _bundled()
    if name in bundled:
        return [PackSource(str(p)) for p in bundled[name]]
    eps = _entry_points().get(name)
    if not eps:
        raise PolicyNotFoundError(name, available_policies())
    return [_entry_point_source(name, ep) for ep in eps]


def _entry_point_source(name: str, ep: importlib.metadata.EntryPoint) -> PackSource:
    if ":" not in ep.value and ep.value.endswith((".yaml", ".yml")):
        return PackSource(ep.value)
    try:
        target = ep.load()
        value = target() if callable(target) else target
    except (Exception, SystemExit) as exc:  # plugin code: one broken plugin fails alone
        raise GrievanceRulesError(
            f"the installed pack {name!r} failed to load its entry point {ep.value!r} ({exc.__class__.__name__}); "
            "reinstall the package that provides it"
        ) from None
    if isinstance(value, Path):
        return PackSource(str(value))
    if isinstance(value, str) and "\n" in value:
        return PackSource(f"<entry point {ep.name}>", value)
    if isinstance(value, str):
        return PackSource(value)
    raise GrievanceRulesError(f"the entry point of pack {name!r} returned neither a path nor YAML text")


def policy_source(name: str) -> tuple[str, str | None]:
    """(file name, YAML text or None) of a pack id or path; for several versions, the newest file's."""
    sources = pack_sources(name)
    if len(sources) == 1:
        return sources[0].file, sources[0].text
    newest = max((s.load() for s in sources), key=_start)
    source = next(s for s in sources if s.file == newest.file)
    return source.file, source.text


def _start(loaded: LoadedSpec) -> tuple[object, ...]:
    effective = loaded.spec.effective_range
    return (effective is not None, effective.from_ if effective else None, loaded.file)


def load_policy(name: str | os.PathLike[str], version: str | None = None) -> Policy:
    """Load a pack by id (bundled or installed), by path to a YAML file, or by folder.

    By id (or folder), every version of the pack is loaded and each grievance is judged by the
    version in force on its local receipt date; ``version`` (or ``"<id>@<version>"``, as the
    command line's ``--policy`` takes it) pins one version, which then judges every date. A
    single file is that version alone. Raises :class:`PolicyNotFoundError`
    (:class:`PolicyVersionNotFoundError` for an unknown ``version``) or :class:`PolicyError`.
    """
    if isinstance(name, str) and "@" in name and not _is_path(name):
        if version is not None:
            raise GrievanceRulesError(f"give the version once: {name!r} already names one")
        name, _, version = name.partition("@")
    text = os.fspath(name)
    sources = pack_sources(name)
    single_file = (not isinstance(name, str) or _is_path(text)) and Path(text).is_file()
    problems: list[Problem] = []
    loaded: list[LoadedSpec] = []
    for source in sources:
        try:
            loaded.append(source.load())
        except PolicyError as exc:
            problems.extend(exc.problems)
    if problems:
        raise PolicyError(problems)
    if version is not None:
        chosen = [item for item in loaded if item.spec.version == version]
        if not chosen:
            pack = loaded[0].spec.id if loaded else text
            raise PolicyVersionNotFoundError(pack, version, sorted({item.spec.version for item in loaded}))
        if len(chosen) > 1:
            raise PolicyError([c.problem(("version",), f"version {version!r} is declared twice") for c in chosen[1:]])
        return Policy(chosen[0])
    if single_file:
        return Policy(loaded[0])
    loaded.sort(key=_start)
    return Policy(loaded[-1], history=loaded[:-1], by_date=True)


@dataclass(frozen=True)
class PackInfo:
    """One version of an available pack, as ``grievance-rules list`` shows it."""

    id: str
    version: str
    effective: str  # ``from..until`` (open end: ``from..``), or ``any date``
    sha256: str
    file: str


def describe_packs(names: list[str] | None = None) -> tuple[list[PackInfo], list[Problem]]:
    """Every version of every available pack (or of ``names``), and the problems of invalid ones."""
    infos: list[PackInfo] = []
    problems: list[Problem] = []
    for name in names if names is not None else available_policies():
        try:
            sources = pack_sources(name)
        except GrievanceRulesError as exc:  # a broken plugin fails alone: the other packs are listed
            problems.append(Problem(f"<pack {name}>", 1, 1, "", str(exc), "GR001"))
            continue
        for source in sources:
            try:
                loaded = source.load()
            except PolicyError as exc:
                problems.extend(exc.problems)
                continue
            except GrievanceRulesError as exc:
                problems.append(Problem(source.file, 1, 1, "", str(exc), "GR001"))
                continue
            eff = loaded.spec.effective_range
            infos.append(
                PackInfo(
                    loaded.spec.id,
                    loaded.spec.version,
                    eff.render() if eff else "any date",
                    loaded.sha256,
                    str(Path(loaded.file).resolve()) if source.text is None else loaded.file,
                )
            )
    infos.sort(key=lambda i: (i.id, i.effective == "any date", i.effective, i.version))
    return infos, problems


def validate_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of the policy file at ``path``: what ``grievance-rules validate`` prints.

    Errors (``severity == "error"``: the pack does not load) or, when it loads, its warnings
    (``severity == "warning"``, codes GR5xx); empty when the pack is valid and draws no warning.
    A file beside other versions of its pack (``<id>.yaml``, ``<id>@<label>.yaml``) is also checked
    against them: their ``effective`` ranges must neither overlap nor leave a gap.
    """
    try:
        policy = Policy(load_spec(path))
    except PolicyError as exc:
        return list(exc.problems)
    mine = Path(path).resolve()
    siblings = _folder(mine.parent).get(_pack_id(mine.name.rsplit(".", 1)[0]), [])
    if len(siblings) > 1:
        try:
            _load_family(siblings)
        except PolicyError as exc:
            return [
                Problem(str(path), p.line, p.column, p.path, p.message, p.code, p.severity)
                for p in exc.problems
                if Path(p.file).resolve() == mine
            ]
    return list(policy.warnings)


def _load_family(files: list[Path]) -> Policy:
    loaded = sorted((load_spec(f) for f in files), key=_start)
    return Policy(loaded[-1], history=loaded[:-1], by_date=True)
