"""Finding policy packs: the bundled ones and those installed through entry points.

Third-party packs register in the entry-point group ``grievance_rules.policies``: the name is
the pack id, the value a path to the pack's YAML or a ``module:callable`` returning a path or
the YAML text. The bundled packs are found the same way as files shipped in the package.
"""

from __future__ import annotations

import importlib.metadata
import os
from pathlib import Path

from grievance_rules.errors import GrievanceRulesError, PolicyError, PolicyNotFoundError, Problem
from grievance_rules.loader import load_spec, load_spec_text
from grievance_rules.policy import Policy

__all__ = ["ENTRY_POINT_GROUP", "available_policies", "bundled_dir", "load_policy", "policy_source", "validate_file"]

ENTRY_POINT_GROUP = "grievance_rules.policies"


def bundled_dir() -> Path:
    """The folder of the bundled packs: inside the installed package, or ``policies/`` in a checkout."""
    here = Path(__file__).resolve().parent
    inside = here / "policies"
    return inside if inside.is_dir() else here.parent / "policies"


def _bundled() -> dict[str, Path]:
    folder = bundled_dir()
    if not folder.is_dir():
        return {}
    return {p.stem: p for p in sorted(folder.glob("*.yaml"))}


def _entry_points() -> dict[str, importlib.metadata.EntryPoint]:
    return {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}


def available_policies() -> list[str]:
    """Ids of the bundled and installed packs, sorted."""
    return sorted(set(_bundled()) | set(_entry_points()))


def policy_source(name: str) -> tuple[str, str | None]:
    """(file name, YAML text or None) for a pack id or path; the text is None when it is a file to read."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") or os.sep in name or "/" in name:
        if path.is_file():
            return str(path), None
        raise PolicyNotFoundError(name, available_policies())
    bundled = _bundled()
    if name in bundled:
        return str(bundled[name]), None
    ep = _entry_points().get(name)
    if ep is None:
        raise PolicyNotFoundError(name, available_policies())
    if ":" not in ep.value and ep.value.endswith((".yaml", ".yml")):
        return ep.value, None
    try:
        target = ep.load()
        value = target() if callable(target) else target
    except Exception as exc:
        raise GrievanceRulesError(
            f"the installed pack {name!r} failed to load its entry point {ep.value!r} ({exc.__class__.__name__}); "
            "reinstall the package that provides it"
        ) from None
    if isinstance(value, Path):
        return str(value), None
    if isinstance(value, str) and "\n" in value:
        return f"<entry point {name}>", value
    if isinstance(value, str):
        return value, None
    raise GrievanceRulesError(f"the entry point of pack {name!r} returned neither a path nor YAML text")


def load_policy(name: str | os.PathLike[str]) -> Policy:
    """Load a pack by id (bundled or installed) or by path to a YAML file, validated and compiled."""
    file, text = policy_source(os.fspath(name))
    loaded = load_spec(file) if text is None else load_spec_text(text, file)
    return Policy(loaded)


def validate_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of the policy file at ``path``: what ``grievance-rules validate`` prints.

    Errors (``severity == "error"``: the pack does not load) or, when it loads, its warnings
    (``severity == "warning"``, codes GR5xx); empty when the pack is valid and draws no warning.
    """
    try:
        policy = Policy(load_spec(path))
    except PolicyError as exc:
        return list(exc.problems)
    return list(policy.warnings)
