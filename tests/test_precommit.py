"""The pre-commit hooks a repository of packs uses (.pre-commit-hooks.yaml at the repository root)."""

from __future__ import annotations

import re
import shlex
import tomllib

import pytest
import yaml
from helpers import ROOT

from grievance_rules.cli import _parser, main

HOOKS = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))


def _hook(hook_id: str) -> dict[str, str]:
    return next(h for h in HOOKS if h["id"] == hook_id)


def _subcommands() -> set[str]:
    parser = _parser()
    action = next(a for a in parser._actions if a.dest == "command")
    assert action.choices is not None
    return set(action.choices)


def test_hooks_file_parses_with_the_keys_pre_commit_requires() -> None:
    assert isinstance(HOOKS, list)
    for hook in HOOKS:
        assert {"id", "name", "entry", "language"} <= set(hook)
        assert hook["language"] == "python"  # pre-commit installs this repository to run it


@pytest.mark.parametrize(
    ("hook_id", "command"), [("grievance-rules-validate", "validate"), ("grievance-rules-test", "test")]
)
def test_each_entry_is_the_installed_script_and_a_real_subcommand(hook_id: str, command: str) -> None:
    program, sub = shlex.split(_hook(hook_id)["entry"])
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    assert program in scripts
    assert sub == command and sub in _subcommands()


def test_validate_hook_takes_packs_and_cases_but_not_hidden_yaml() -> None:
    hook = _hook("grievance-rules-validate")
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])

    def selected(path: str) -> bool:
        return bool(files.search(path)) and not exclude.search(path)

    assert selected("policies/luxor.yaml") and selected("packs/acme@2023.1.yml")
    assert selected("policies/luxor.cases.yaml")
    assert not selected(".pre-commit-config.yaml") and not selected(".github/workflows/ci.yml")
    assert not selected("policies/policy.schema.json") and not selected("README.md")


def test_the_validate_hook_command_passes_on_the_bundled_packs(capsys: pytest.CaptureFixture[str]) -> None:
    hook = _hook("grievance-rules-validate")
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "policies").iterdir() if re.search(hook["files"], p.name))
    assert main([shlex.split(hook["entry"])[1], *(str(ROOT / f) for f in files)]) == 0


def test_readme_shows_a_sample_config_using_the_hooks() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sample = readme.split("# .pre-commit-config.yaml\n", 1)[1].split("```", 1)[0]
    config = yaml.safe_load(sample)
    hook_ids = {h["id"] for repo in config["repos"] for h in repo["hooks"]}
    assert hook_ids <= {h["id"] for h in HOOKS} and "grievance-rules-validate" in hook_ids
