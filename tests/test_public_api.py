"""The package's ``__all__``: what README and docs name is exported, nothing private is, sorted."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import grievance_rules as gr

ROOT = Path(__file__).resolve().parent.parent
DOC_FILES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_all_is_sorted_unique_and_public() -> None:
    assert gr.__all__ == sorted(gr.__all__)
    assert len(set(gr.__all__)) == len(gr.__all__)
    assert [n for n in gr.__all__ if n.startswith("_") and n != "__version__"] == []
    assert [n for n in gr.__all__ if not hasattr(gr, n)] == []


def test_every_gr_name_in_readme_and_docs_is_exported() -> None:
    named = {m for f in DOC_FILES for m in re.findall(r"\bgr\.([A-Za-z_]\w*)", f.read_text(encoding="utf-8"))}
    modules = {m.name for m in pkgutil.iter_modules(gr.__path__)}  # gr.worklist.X names a module
    assert sorted(named - set(gr.__all__) - modules) == []


def test_every_error_class_is_exported() -> None:
    """A caller can catch any error the library raises by its exported name (docs name
    ``EngineRejection.rules`` among the pickled error attributes)."""
    errors = set()
    for info in pkgutil.iter_modules(gr.__path__):
        module = importlib.import_module(f"grievance_rules.{info.name}")
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, gr.GrievanceRulesError) and obj.__module__ == module.__name__:
                errors.add(name)
    assert sorted(errors - set(gr.__all__)) == []


def test_classes_the_docs_name_are_exported() -> None:
    # docs/changing-packs.md: PlanCalendar.count_business_days (what policy.calendar is);
    # docs/contract-notes.md: EngineRejection.rules
    assert gr.PlanCalendar.count_business_days
    assert issubclass(gr.EngineRejection, gr.EvaluationError)
