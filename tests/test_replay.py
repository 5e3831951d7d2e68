"""`grievance-rules replay`: the log tests/fixtures/replay/log.jsonl under diff/old.yaml and diff/new.yaml.

What changes between the packs (see tests/test_diff.py): acknowledgement 5 -> 7 business days,
Tue 24 Dec 2024 a holiday and weekend/after-hours receipt counted from the next business day
(new), level_ii checked before level_iii, the visit action removed, follow_up anchored on the
visit event, a refer action for Level III, filing window 180 -> 365 days, the quick timer
"close of next business day" -> "2 business days". All records but A9 are in group Acme (in both
matrices, delegated: handled by the plan) and give member and provider names (no record warnings).

Counted by hand, record by record (US holidays: Thu 28 Nov Thanksgiving, Wed 25 Dec, Wed 1 Jan):
- A1 mail Tue 26 Nov: ack old Wed27(1) Fri29(2) Mon2(3) Tue3(4) Wed4(5) = Dec 4; new +Thu5(6) Fri6(7)
  = Dec 6 -> acknowledge due moved +2 days.
- A2 mail Fri 20 Dec: old Mon23(1) Tue24(2) Thu26(3) Fri27(4) Mon30(5) = Dec 30; new (24th closed)
  Mon23(1) Thu26(2) Fri27(3) Mon30(4) Tue31(5) Thu2(6) Fri3(7) = Jan 3 -> +4 days.
- A3 mail Sat 23 Nov: old counts from Sat: Mon25 Tue26 Wed27 Fri29 Mon2 = Dec 2; new counts from
  Mon 25: Tue26 Wed27 Fri29 Mon2 Tue3 Wed4 Thu5 = Dec 5 -> +3 days.
- A4 phone Mon 25 Nov, resolved Tue 26 16:00: old timer met (by Tue 17:00), new met (by Wed 23:59):
  quick under both, no actions -> unchanged.
- A5 phone Mon 25 Nov, resolved Wed 27 12:00: old missed -> formal with acknowledge; new met -> quick:
  classification formal -> quick, acknowledge dropped.
- A6 mail, concerns unsafe + harm: old level III (visit), new level II (no visit action; follow_up
  fires, waiting for the visit event); ack +2 -> level III -> II, visit_office dropped,
  follow_up added, acknowledge +2.
- A7 mail, harm: level III under both; visit dropped, refer_to_state added, acknowledge +2.
- A8 mail, incident 2024-03-01: old window ends Aug 28 (late, warning), new ends 2025-03-01
  (timely): timely_filed late -> timely, filing deadline +185 days, warning dropped, ack +2.
- A9 channel pigeon: invalid under both (not a change).
- A10 concern billing: undeclared in old, valid in new -> invalid under old only (a change).
Totals: 10 records, 8 changed (A1-A3, A5-A8, A10), 1 unchanged (A4), 1 invalid under both (A9);
acknowledge +2 days: A1, A6, A7, A8 = 4.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import FIXTURES

from grievance_rules import load_policy
from grievance_rules.cli import main
from grievance_rules.replay import Bucket, render_replay, replay

OLD = str(FIXTURES / "diff" / "old.yaml")
NEW = str(FIXTURES / "diff" / "new.yaml")
LOG = FIXTURES / "replay" / "log.jsonl"


def records() -> list[dict[str, object]]:
    return [json.loads(line) for line in LOG.read_text(encoding="utf-8").splitlines()]


def test_replay_counts_match_the_hand_count() -> None:
    rep = replay(records(), load_policy(OLD), load_policy(NEW), examples=3)
    assert (rep.records, rep.changed, rep.unchanged, rep.invalid_under_both, rep.compared) == (10, 8, 1, 1, 8)
    assert rep.errors == {"invalid under old only": Bucket(count=1, examples=("A10",))}
    assert rep.fields == {
        "classification": {"formal → quick": Bucket(count=1, examples=("A5",))},
        "level": {"III → II": Bucket(count=1, examples=("A6",))},
        "timely_filed": {"late → timely": Bucket(count=1, examples=("A8",))},
        "filing_deadline": {"moved +185 days": Bucket(count=1, examples=("A8",))},
        "warnings": {"dropped: filed after the filing window": Bucket(count=1, examples=("A8",))},
    }
    assert rep.actions == {
        "acknowledge": {
            "due moved +2 days": Bucket(count=4, examples=("A1", "A6", "A7")),  # A8 counted, not shown (3 max)
            "dropped": Bucket(count=1, examples=("A5",)),
            "due moved +3 days": Bucket(count=1, examples=("A3",)),
            "due moved +4 days": Bucket(count=1, examples=("A2",)),
        },
        "follow_up": {"added": Bucket(count=1, examples=("A6",))},
        "refer_to_state": {"added": Bucket(count=1, examples=("A7",))},
        "visit_office": {"dropped": Bucket(count=2, examples=("A6", "A7"))},
    }


def test_a_pack_against_itself_changes_nothing() -> None:
    policy = load_policy(OLD)
    rep = replay(records(), policy, policy)
    assert rep.changed == 0 and rep.unchanged == 8 and not rep.fields and not rep.actions
    assert "No determination changes." in render_replay(rep)


def test_status_changes_as_of_a_moment() -> None:
    # as of Thu 5 Dec noon: A1's acknowledgement was due Dec 4 (overdue), is now due Dec 6 (pending);
    # A7 the same, and its new referral was due Wed 27 Nov 10:00 (24 hours after receipt): overdue.
    two = [r for r in records() if r["id"] in ("A1", "A7")]
    rep = replay(two, load_policy(OLD), load_policy(NEW), as_of="2024-12-05T12:00:00-06:00")
    assert rep.actions["acknowledge"]["status overdue → pending"] == Bucket(count=2, examples=("A1", "A7"))
    assert rep.actions["refer_to_state"] == {"added": Bucket(count=1, examples=("A7",))}


def test_examples_are_bounded() -> None:
    rep = replay(records(), load_policy(OLD), load_policy(NEW), examples=1)
    assert rep.actions["acknowledge"]["due moved +2 days"] == Bucket(count=4, examples=("A1",))


def test_cli_summary_and_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(["replay", "--policy", OLD, "--against", NEW, str(LOG)])
    out = capsys.readouterr().out
    assert code == 1  # A9 and A10 are invalid under at least one pack
    assert "10 records: 8 determinations change, 1 unchanged, 1 invalid under both." in out
    assert "action acknowledge\n  due moved +2 days: 4 (e.g. A1, A6, A7)\n" in out
    assert "private words" not in out and "Pat Example" not in out and "Dr Example" not in out
    code = main(["replay", "--policy", OLD, "--against", NEW, "--format", "json", str(LOG)])
    data = json.loads(capsys.readouterr().out)
    assert data["changed"] == 8 and data["actions"]["visit_office"]["dropped"] == {"count": 2, "examples": ["A6", "A7"]}
    good = tmp_path / "good.jsonl"
    good.write_text("\n".join(line for line in LOG.read_text().splitlines() if '"A1"' in line) + "\n")
    assert main(["replay", "--policy", OLD, "--against", NEW, str(good)]) == 0
    capsys.readouterr()


def test_cli_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["replay", "--policy", OLD, "--against", NEW, "--as-of", "soon", str(LOG)]) == 2
    assert "--as-of" in capsys.readouterr().err
    assert main(["replay", "--policy", OLD, "--against", NEW, "missing.jsonl"]) == 2
    assert "no such file" in capsys.readouterr().err
