"""Loader mutation fuzz: a mutated pack loads, or is refused with a located PolicyError; nothing else.

Each bundled pack (and the mini test pack) is mutated: lines deleted, duplicated or re-indented,
values retyped, keys garbled, control characters, tags, anchors and aliases inserted. A mutant
must either load and evaluate a grievance (a Determination, or a FactsError when the mutant's
vocabulary no longer fits the grievance), or be refused with :class:`gr.PolicyError` whose
problems are located in the file: never another exception, never a hang.

The seed is fixed under CI (``CI`` set) so a run is reproducible; locally a new seed is drawn each
run and shown on failure. ``FUZZ_SEED`` and ``FUZZ_MUTANTS`` override both.
"""

from __future__ import annotations

import os
import random
import re
import time
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.loader import load_spec_text

PACKS = [*sorted((ROOT / "policies").glob("*.yaml")), FIXTURES / "mini.yaml"]
SEED = int(os.environ.get("FUZZ_SEED", "20261201" if os.environ.get("CI") else str(random.randrange(10**9))))
MUTANTS = int(os.environ.get("FUZZ_MUTANTS", "40"))
CASE = {"id": "G-1", "received_at": "2024-11-22T10:00:00-06:00", "channel": "mail", "concerns": []}

VALUES = [
    "",
    "~",
    "[]",
    "{}",
    "0",
    "-1",
    "5",
    "3661",
    "99999999999999999999",
    "1e400",
    ".nan",
    "true",
    "NO",
    "null",
    "x",
    "'2024-13-01'",
    '"17:00"',
    "17:00",
    "[a, [b, [c]]]",
    "{a: 1}",
    "'" + "z" * 300 + "'",
    "|\n  text",
    "&anchor value",
    "*anchor",
    "*nowhere",
    "'\\ud800'",
    '"\\x01"',
    "9" * 5000,
    "[" * 80 + "]" * 80,
]
TAGS = [
    "!!int ",
    "!!float ",
    "!!bool ",
    "!!null ",
    "!!str ",
    "!!set ",
    "!!binary ",
    "!!timestamp ",
    "!!map ",
    "!!seq ",
    "!!omap ",
    "!!python/name:os.system ",
    "!local ",
    "! ",
]
JUNK = ["\x01", "\x7f", "\t", "{", "[", "}", "]", ":", "- ", "? ", "|", ">", "%", "@", "`", "&a ", "*a", "#", "'", '"']


def mutate(text: str, rng: random.Random) -> str:
    """One to three random mutations of a pack's YAML text."""
    lines = text.split("\n")
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(lines))
        line = lines[i]
        kind = rng.randrange(9)
        if kind == 0:  # delete a line
            del lines[i]
        elif kind == 1:  # duplicate a line
            lines.insert(i, line)
        elif kind == 2 and ": " in line:  # retype a value
            head = line.split(": ", 1)[0]
            lines[i] = f"{head}: {rng.choice(VALUES)}"
        elif kind == 3 and re.match(r"^\s*-?\s*[a-z_]+:", line):  # garble a key
            key = re.search(r"[a-z_]+", line)
            assert key is not None
            chars = list(key.group())
            chars[rng.randrange(len(chars))] = rng.choice("abcxyz_Q")
            lines[i] = line[: key.start()] + "".join(chars) + line[key.end() :]
        elif kind == 4 and ": " in line:  # a tag before a value
            head, value = line.split(": ", 1)
            lines[i] = f"{head}: {rng.choice(TAGS)}{value}"
        elif kind == 5:  # junk at a random place
            at = rng.randrange(len(line) + 1)
            lines[i] = line[:at] + rng.choice(JUNK) + line[at:]
        elif kind == 6:  # re-indent
            lines[i] = line[2:] if line.startswith("  ") and rng.random() < 0.5 else "  " + line
        elif kind == 7 and ": " in line:  # anchor a value here, alias it elsewhere
            head, value = line.split(": ", 1)
            lines[i] = f"{head}: &m{i} {value}"
            j = rng.randrange(len(lines))
            if ": " in lines[j]:
                lines[j] = lines[j].split(": ", 1)[0] + f": *m{i}"
        else:  # swap two lines
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], line
    return "\n".join(lines)


@pytest.mark.parametrize("pack", PACKS, ids=[p.stem for p in PACKS])
def test_mutated_packs_load_or_give_located_policy_errors(pack: Path) -> None:
    rng = random.Random(f"{SEED}:{pack.stem}")
    original = pack.read_text(encoding="utf-8")
    n_lines = original.count("\n") + 2
    outcomes = {"loaded": 0, "refused": 0}
    for n in range(MUTANTS):
        text = mutate(original, rng)
        where = f"seed {SEED}, {pack.name} mutant {n}"
        started = time.perf_counter()
        try:
            policy = gr.Policy(load_spec_text(text, "m.yaml"))
        except gr.PolicyError as exc:
            outcomes["refused"] += 1
            assert exc.problems, where
            for problem in exc.problems:
                assert problem.file == "m.yaml", where
                assert 1 <= problem.line <= n_lines and problem.column >= 1, where
        except Exception as exc:  # pragma: no cover - the failure this test exists to catch
            pytest.fail(f"{where}: {exc.__class__.__name__}: {exc}\n--- mutant ---\n{text}")
        else:
            outcomes["loaded"] += 1
            try:
                policy.evaluate(CASE)
            except gr.FactsError:
                pass
            except Exception as exc:  # pragma: no cover
                pytest.fail(f"{where}: loaded, then evaluation raised {exc.__class__.__name__}: {exc}\n{text}")
        assert time.perf_counter() - started < 10, f"{where}: took too long"
    assert outcomes["refused"] > 0  # the mutations do break packs
