"""The README's two opening commands: CI runs the second, and the first's main job works."""

from __future__ import annotations

import json
import subprocess
import sys

from helpers import ROOT


def opening_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_commands() -> None:
    install_and_run, install_and_test = opening_commands()
    assert install_and_run.startswith("pip install . && grievance-rules evaluate")
    assert install_and_test == "pip install -e '.[test]' && pytest && ruff check . && mypy"


def test_ci_runs_the_readme_test_command_and_nothing_else() -> None:
    lines = [
        line
        for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#") and not line.startswith(("set ", "cd "))
    ]
    assert lines == [opening_commands()[1]]


def test_readme_main_job_prints_the_determination() -> None:
    command = opening_commands()[0].split("&& ", 1)[1].split()
    assert command[:2] == ["grievance-rules", "evaluate"]
    result = subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    det = json.loads(result.stdout)
    assert det["policy"]["id"] == "luxor" and det["classification"] == "formal"
    assert det["actions"][0]["due_date"] == "2024-12-02"
