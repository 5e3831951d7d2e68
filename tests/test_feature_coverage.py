"""Every rule of every bundled pack is fired by at least one scenario of the features.

The feature tests are run in a subprocess with GRIEVANCE_RULES_FIRED_LOG set: the generic steps
(tests/steps.py) then append the name of every rule that fired in each evaluation to that file.
The subprocess runs only tests/test_features.py, so this test does not run itself again.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import ROOT
from steps import FIRED_LOG_ENV

import grievance_rules as gr


@pytest.fixture(scope="module")
def fired_rules(tmp_path_factory: pytest.TempPathFactory) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    log = tmp_path_factory.mktemp("fired") / "fired.log"
    log.touch()
    env = {**os.environ, FIRED_LOG_ENV: str(log)}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_features.py", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    fired = {line.strip() for line in Path(log).read_text(encoding="utf-8").splitlines() if line.strip()}
    return fired, run


@pytest.mark.parametrize("pack", gr.available_policies())
def test_every_rule_of_the_pack_is_fired_by_a_scenario(
    pack: str, fired_rules: tuple[set[str], subprocess.CompletedProcess[str]]
) -> None:
    fired, run = fired_rules
    rules = [r.name for r in gr.load_policy(pack).compiled.rules]
    unfired = [name for name in rules if name not in fired]
    tail = ""
    if run.returncode != 0:
        tail = f"\n(the feature run exited {run.returncode}:)\n" + "\n".join(run.stdout.splitlines()[-15:])
    assert not unfired, (
        f"{len(unfired)} rule(s) of pack {pack!r} are fired by no scenario in features/:\n"
        + "\n".join(f"  - {name}" for name in unfired)
        + tail
    )
