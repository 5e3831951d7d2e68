"""The tests test the checkout they run in, never a stale installed copy of the package or packs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import ROOT

import grievance_rules
from grievance_rules.packs import bundled_dir


def test_the_package_and_packs_under_test_are_the_checkouts() -> None:
    assert Path(grievance_rules.__file__).resolve().is_relative_to(ROOT)
    assert bundled_dir().resolve() == (ROOT / "policies").resolve()


PROBE = """
from pathlib import Path

import grievance_rules as gr


def test_probe():
    assert Path(gr.__file__).resolve().is_relative_to(Path.cwd().resolve())
    det = gr.load_policy("luxor").evaluate(
        {"id": "P-1", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail"}
    )
    due = next(a.due_date for a in det.actions if a.code == "acknowledge")
    # 7 business days after Fri 22 Nov 2024: Mon 25, Tue 26, Wed 27, (Thanksgiving), Fri 29,
    # Mon 2, Tue 3, Wed 4 Dec (the bundled pack says 5: Mon 2 Dec)
    assert due.isoformat() == "2024-12-04"
"""


def test_a_pack_edit_in_a_copy_of_the_checkout_changes_what_pytest_sees(tmp_path: Path) -> None:
    copy = tmp_path / "checkout"
    shutil.copytree(ROOT / "grievance_rules", copy / "grievance_rules", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "policies", copy / "policies")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    pack = copy / "policies" / "luxor.yaml"
    text = pack.read_text(encoding="utf-8")
    five = "deadline: {amount: 5, unit: business_days, from: receipt}"
    assert text.count(five) == 1, "the Luxor acknowledgement deadline moved; update this test"
    pack.write_text(text.replace(five, five.replace("5", "7")), encoding="utf-8")
    (copy / "tests").mkdir()
    (copy / "tests" / "test_probe.py").write_text(PROBE, encoding="utf-8")
    # -P: the current folder is NOT put on sys.path, so only pytest's `pythonpath = ["."]` (from the
    # copy's pyproject.toml) can make the copy importable ahead of any installed grievance_rules.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_probe.py"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
