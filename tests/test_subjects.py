"""Subjects beyond grievances (contract section 9): the four LIBERTY oversight and referral packs.

Every expected outcome is worked out in the test from the seed's own numbers (integer
arithmetic, never the document's rounded percentages) or counted by hand in a comment.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

import grievance_rules as gr

NONREPORTING = ROOT / "examples" / "liberty-nonreporting-2011Q4.csv"
APPOINTMENTS = ROOT / "examples" / "liberty-appointments-2012.csv"
SEED = Path("/work/shared/seeds/003_d193abaf51f237db.txt")


@pytest.fixture(scope="module")
def utilization() -> gr.Policy:
    return gr.load_policy("liberty-utilization")


@pytest.fixture(scope="module")
def p4p() -> gr.Policy:
    return gr.load_policy("liberty-p4p")


@pytest.fixture(scope="module")
def access() -> gr.Policy:
    return gr.load_policy("liberty-access")


@pytest.fixture(scope="module")
def referrals() -> gr.Policy:
    return gr.load_policy("liberty-referrals")


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# ------------------------------------------------------------------ utilization


def test_utilization_every_office_every_month_from_the_counts(utilization: gr.Policy) -> None:
    rows = _rows(NONREPORTING)
    # 23 offices with data (Friz J. Diaz and Irvin Ramsey print "-" only) x 3 months
    assert len(rows) == 69
    letters = 0
    for row in rows:
        enrollment, claims = int(row["enrollment"]), int(row["claims"])
        det = utilization.evaluate(utilization.csv_record(row))
        assert det.subject == "office_month" and det.id == row["id"]
        assert det.grievance_id is None and det.received_at is None
        if enrollment == 0:
            expected = "no_enrollment"
        elif claims * 100 < 5 * enrollment:  # claims / enrollment < 5%, in whole numbers
            expected = "below_threshold"
        else:
            expected = "meets_threshold"
        assert det.classification == expected, row["id"]
        codes = [a.code for a in det.actions]
        assert codes == (["provider_letter", "provider_call"] if expected == "below_threshold" else []), row["id"]
        if codes:
            assert {a.responsible for a in det.actions} == {"provider_relations"}
            letters += 1
    # counted from the table: 8 offices in October, 9 in November, 17 in December
    assert letters == 34


def test_utilization_rows_match_the_seed_table() -> None:
    text = SEED.read_text(encoding="utf-8") if SEED.exists() else None
    if text is None:
        pytest.skip("seed not available")
    rows = {(r["office"], r["month"]): (int(r["enrollment"]), int(r["claims"])) for r in _rows(NONREPORTING)}
    lines = text.split("Non - Reporting List GMC 4th Quarter 2011", 1)[1].splitlines()[4:]
    checked = 0
    for line in itertools.takewhile(str.strip, lines):
        cells = line.split("\t")
        if cells[1] == "-":
            continue
        for k, month in enumerate(("2011-10", "2011-11", "2011-12")):
            assert rows[(cells[0], month)] == (int(cells[1 + 2 * k]), int(cells[2 + 2 * k]))
            checked += 1
        # the quarter columns are the sums of the months
        assert int(cells[7]) == sum(rows[(cells[0], m)][0] for m in ("2011-10", "2011-11", "2011-12"))
    assert checked == 69


def test_zero_enrollment_gets_no_letter_and_says_so(utilization: gr.Policy) -> None:
    # The Effort North Highlands, November 2011: 0 enrollment, 6 claims
    det = utilization.evaluate({"id": "x", "office": "o", "month": "2011-11", "enrollment": 0, "claims": 6})
    assert det.classification == "no_enrollment" and det.actions == ()
    fired = [t for t in det.trace if t.fired]
    assert fired[0].rule == "liberty-utilization.no_enrollment"
    ratio = next(t for t in det.trace if t.rule.endswith("below_five_percent"))
    assert ratio.values == {"utilization_percent": None} and not ratio.fired


def test_printed_five_percent_that_is_below_five(utilization: gr.Policy) -> None:
    # Kennedy Family Dentistry, Inc.: 77 claims over 1596 members in Q4 2011 = 4.82%, printed "5%"
    det = utilization.evaluate({"id": "k", "office": "K", "month": "2011-12", "enrollment": 1596, "claims": 77})
    assert det.classification == "below_threshold"
    entry = next(t for t in det.trace if t.rule.endswith("below_five_percent"))
    assert entry.values["utilization_percent"] == "275/57 (≈4.8246)"  # 7700/1596 reduced
    # exactly 5% is not below: 5 claims over 100 members
    at = utilization.evaluate({"id": "f", "office": "F", "month": "2011-12", "enrollment": 100, "claims": 5})
    assert at.classification == "meets_threshold"
    # just below, where a float could round: 4999999 claims over 100000000 members
    near = utilization.evaluate(
        {"id": "n", "office": "N", "month": "2011-12", "enrollment": 100_000_000, "claims": 4_999_999}
    )
    assert near.classification == "below_threshold"


def test_utilization_report_flags_the_rounded_percentages(utilization: gr.Policy) -> None:
    from grievance_rules.subject_report import run_subject_report, subject_report_markdown

    records = [utilization.csv_record(r) for r in _rows(NONREPORTING)]
    rep = run_subject_report(utilization, "nonreporting", records)
    hidden = [a.key for a in rep.aggregate if a.hidden_below]
    # 77/1596 = 4.82% and 153/3347 = 4.57%, both printed "5%"
    assert hidden == ["Kennedy Family Dentistry, Inc.", "Dr. Said Shaari"]
    assert len(rep.with_actions["2011-10"]) == 8
    assert len(rep.with_actions["2011-11"]) == 9
    assert len(rep.with_actions["2011-12"]) == 17
    text = subject_report_markdown(rep)
    assert "printed 5%, but the exact figure is below 5" in text


def test_bad_subject_facts_name_the_field_and_never_echo(utilization: gr.Policy) -> None:
    with pytest.raises(gr.FactsError) as info:
        utilization.evaluate(
            {"id": "x", "office": "Secret Office", "month": "December", "enrollment": -3, "claims": "many", "mood": "x"}
        )
    text = str(info.value)
    for name in ("month", "enrollment", "claims", "mood"):
        assert name in text
    assert "December" not in text and "many" not in text and "-3" not in text and "Secret" not in text
    assert "a month such as 2011-12" in text


# ------------------------------------------------------------------ P4P


def _quarters(values: list[float], office: str = "Office A") -> list[dict[str, Any]]:
    quarters = ["2011Q1", "2011Q2", "2011Q3", "2011Q4", "2012Q1", "2012Q2", "2012Q3", "2012Q4"]
    return [
        {"id": f"{office} {q}", "office": office, "quarter": q, "seen_percent": v}
        for q, v in zip(quarters, values, strict=False)
    ]


_STEPS = {
    0: ("meets_threshold", "none", []),
    1: ("below_threshold", "first_cycles", ["counsel_office"]),
    2: ("below_threshold", "first_cycles", ["counsel_office"]),
    3: ("below_threshold", "past_two_cycles", ["counsel_office", "reduce_reimbursement"]),
    4: (
        "below_threshold",
        "past_three_cycles",
        ["counsel_office", "reduce_reimbursement", "close_enrollment", "move_enrollment", "refer_to_cnrc"],
    ),
}


def _book(policy: gr.Policy, records: list[dict[str, Any]]) -> dict[str, gr.Determination]:
    book = gr.CaseBook(policy)
    book.extend(records)
    return {d.id: d for d in book.evaluate().determinations}


@pytest.mark.parametrize("below", [1, 2, 3, 4, 5])
def test_p4p_consecutive_quarters_below(p4p: gr.Policy, below: int) -> None:
    dets = _book(p4p, _quarters([3.5] * below))
    for n, q in enumerate(["2011Q1", "2011Q2", "2011Q3", "2011Q4", "2012Q1"][:below], start=1):
        det = dets[f"Office A {q}"]
        classification, level, codes = _STEPS[min(n, 4)]
        assert (det.classification, det.level) == (classification, level), q
        assert [a.code for a in det.actions] == codes, q
        run = next(t for t in det.trace if t.rule == "liberty-p4p.level_first_cycles")
        assert run.values["runs.cycles_below"] == n


def test_p4p_a_quarter_at_the_threshold_resets_the_count(p4p: gr.Policy) -> None:
    # below, below, below, at 4% (meets: a minimum), below, below, below, below
    dets = _book(p4p, _quarters([3, 3, 3, 4, 3, 3, 3, 3.99]))
    levels = [dets[f"Office A {q}"].level for q in sorted(q.split()[-1] for q in [d for d in dets])]
    assert levels == [
        "first_cycles",
        "first_cycles",
        "past_two_cycles",
        "none",
        "first_cycles",
        "first_cycles",
        "past_two_cycles",
        "past_three_cycles",
    ]


def test_p4p_order_of_quarters_and_offices_does_not_matter(p4p: gr.Policy) -> None:
    records = _quarters([3, 3, 3, 3, 5, 3]) + _quarters([5, 3, 3, 3, 3, 3], office="Office B")
    expected = {k: (d.level, [a.code for a in d.actions]) for k, d in _book(p4p, records).items()}
    for seed in range(5):
        shuffled = list(records)
        import random

        random.Random(seed).shuffle(shuffled)
        got = {k: (d.level, [a.code for a in d.actions]) for k, d in _book(p4p, shuffled).items()}
        assert got == expected
    assert expected["Office A 2011Q4"][0] == "past_three_cycles"
    assert expected["Office B 2012Q2"][0] == "past_three_cycles"  # Q2..Q2: 5 quarters below


def test_p4p_a_missing_quarter_breaks_the_trend_and_a_repeated_one_is_refused(p4p: gr.Policy) -> None:
    records = _quarters([3, 3, 3, 3])
    del records[2]  # 2011Q3 not given
    dets = _book(p4p, records)
    assert dets["Office A 2011Q4"].level == "first_cycles"
    with pytest.raises(gr.FactsError, match="same quarter"):
        _book(p4p, _quarters([3, 3]) + _quarters([3]))


def test_p4p_quarter_alone_counts_as_one_cycle(p4p: gr.Policy) -> None:
    det = p4p.evaluate(_quarters([2])[0])
    assert det.level == "first_cycles" and [a.code for a in det.actions] == ["counsel_office"]


# ------------------------------------------------------------------ access


@pytest.mark.parametrize(
    ("initial", "routine", "tier"),
    [
        (0, 0, "optimal"),
        (0.5, 1, "optimal"),
        (1, 1, "optimal"),  # 1 week: the end of "0-1 week"
        (1.5, 1, "very_satisfactory"),
        (3, 3, "very_satisfactory"),  # 3 weeks: the end of "1-3 weeks"
        (3.5, 2, "satisfactory"),
        (4, 4, "satisfactory"),  # 4 weeks is not "over 4 weeks"
        (4.5, 1, "needs_improvement"),
        (1, 6, "needs_improvement"),  # routine worse than initial
        (3, 1, "very_satisfactory"),  # initial worse than routine
        (1, 3.01, "satisfactory"),
    ],
)
def test_access_tiers(access: gr.Policy, initial: float, routine: float, tier: str) -> None:
    det = access.evaluate({"id": "o", "office": "O", "initial_weeks": initial, "routine_weeks": routine})
    assert det.classification == tier


def test_access_table_from_the_seed(access: gr.Policy) -> None:
    rows = _rows(APPOINTMENTS)
    assert len(rows) == 31
    tiers = {}
    for row in rows:
        worst = max(float(row["initial_weeks"]), float(row["routine_weeks"]))
        expected = "optimal" if worst <= 1 else "very_satisfactory" if worst <= 3 else "satisfactory"
        det = access.evaluate(access.csv_record(row))
        assert det.classification == expected, row["id"]
        tiers[row["id"]] = det.classification
    # Dr. Vinh D Phan: routine 3, initial 3, hygiene 1 -> very satisfactory (hygiene is not tiered)
    assert tiers["Dr. Vinh D Phan (Sacramento)"] == "very_satisfactory"
    assert sum(t == "optimal" for t in tiers.values()) == 16


# ------------------------------------------------------------------ referrals


@pytest.mark.parametrize("channel", ["phone", "fax", "email", "mail"])
def test_standard_referral_by_each_channel(referrals: gr.Policy, channel: str) -> None:
    # received Tuesday 5 March 2013 09:00 PST; triage by 6+2 = 8 March (target 7 March); review 1 day
    # after triage's due date = 8 March; processing 5+5 = 10 March; letter 10+2 = 12 March (PDT by then)
    det = referrals.evaluate(
        {"id": "R", "received_at": "2013-03-05T09:00:00-08:00", "channel": channel, "emergency": False}
    )
    assert det.subject == "referral" and det.classification == "standard"
    due = {a.code: a.due_at.isoformat() for a in det.actions if a.due_at}
    assert due == {
        "triage": "2013-03-07T23:59:59-08:00",
        "consultant_review": "2013-03-08T23:59:59-08:00",
        "process_referral": "2013-03-10T23:59:59-07:00",
        "mail_referral_letter": "2013-03-12T23:59:59-07:00",
    }
    assert det.warnings == ()


def test_standard_referral_steps_follow_the_events(referrals: gr.Policy) -> None:
    det = referrals.evaluate(
        {
            "id": "R",
            "received_at": "2013-03-05T09:00:00-08:00",
            "channel": "mail",
            "emergency": False,
            "events": [
                {"type": "triaged", "at": "2013-03-05T15:00:00-08:00"},
                {"type": "consultant_reviewed", "at": "2013-03-07T10:00:00-08:00"},
            ],
        },
        as_of="2013-03-11T12:00:00-07:00",
    )
    status = {a.code: a.status for a in det.actions}
    # review due 1 day after the triage on 5 March = 6 March: done on the 7th is late
    assert status == {
        "triage": "done",
        "consultant_review": "late",
        "process_referral": "overdue",
        "mail_referral_letter": "pending",
    }


def test_emergency_by_phone_is_handled_on_the_call(referrals: gr.Policy) -> None:
    det = referrals.evaluate(
        {"id": "E", "received_at": "2013-03-05T09:00:00-08:00", "channel": "phone", "emergency": True}
    )
    assert det.classification == "emergency_phone"
    (action,) = det.actions
    assert action.code == "process_referral" and action.due_at == dt.datetime.fromisoformat("2013-03-05T09:00:00-08:00")


@pytest.mark.parametrize("channel", ["fax", "email"])
def test_emergency_by_fax_or_email_within_24_elapsed_hours_across_dst(referrals: gr.Policy, channel: str) -> None:
    # DST began Sunday 10 March 2013 at 02:00 PST. Received Saturday 10 March 10:00 PST (18:00 UTC);
    # 24 elapsed hours later is Sunday 18:00 UTC = 11:00 PDT, not 10:00.
    det = referrals.evaluate(
        {"id": "E", "received_at": "2013-03-09T10:00:00-08:00", "channel": channel, "emergency": True}
    )
    assert det.classification == "emergency_written"
    (action,) = det.actions
    assert action.due_at is not None and action.due_at.isoformat() == "2013-03-10T11:00:00-07:00"
    assert (action.due_at - dt.datetime.fromisoformat("2013-03-09T10:00:00-08:00")) == dt.timedelta(hours=24)
    on_time = referrals.evaluate(
        {
            "id": "E",
            "received_at": "2013-03-09T10:00:00-08:00",
            "channel": channel,
            "emergency": True,
            "events": [{"type": "processed", "at": "2013-03-10T10:30:00-07:00"}],  # 23.5 hours
        }
    )
    assert on_time.actions[0].status == "done"


def test_emergency_by_mail_follows_the_standard_workflow_with_a_warning(referrals: gr.Policy) -> None:
    det = referrals.evaluate(
        {"id": "E", "received_at": "2013-03-05T09:00:00-08:00", "channel": "mail", "emergency": True}
    )
    assert det.classification == "standard"
    assert det.warnings and "emergency referral by mail" in det.warnings[0]


# ------------------------------------------------------------------ CLI


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )


def test_cli_evaluates_csv_rows_typed_by_the_pack() -> None:
    run = _cli("evaluate", "--policy", "liberty-utilization", str(NONREPORTING))
    assert run.returncode == 0, run.stderr
    dets = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(dets) == 69
    assert sum(d["classification"] == "below_threshold" for d in dets) == 34


def test_cli_evaluate_p4p_counts_cycles_across_the_file(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, ["id", "office", "quarter", "seen_percent"])
        writer.writeheader()
        for record in reversed(_quarters([3, 3, 3, 3])):
            writer.writerow(record)
    run = _cli("evaluate", "--policy", "liberty-p4p", str(path))
    assert run.returncode == 0, run.stderr
    levels = {json.loads(line)["id"]: json.loads(line)["level"] for line in run.stdout.splitlines()}
    assert levels["Office A 2011Q4"] == "past_three_cycles"


def test_cli_subject_report_markdown() -> None:
    run = _cli(
        "report", "--policy", "liberty-utilization", "--report", "nonreporting", "--format", "md", str(NONREPORTING)
    )
    assert run.returncode == 0, run.stderr
    assert "Kennedy Family Dentistry, Inc. | 77 | 1596" in run.stdout
    assert "Printed at or above 5 but below it exactly: Kennedy Family Dentistry, Inc.; Dr. Said Shaari" in run.stdout


def test_csv_for_a_grievance_pack_is_refused() -> None:
    with pytest.raises(gr.FactsError, match="subject"):
        gr.load_policy("luxor").csv_record({"id": "x"})


def test_explain_a_subject_record_checks_the_exact_ratio(utilization: gr.Policy) -> None:
    from grievance_rules.explain import explain, render_explanation

    text = render_explanation(
        explain(utilization, {"id": "U", "office": "X", "month": "2011-12", "enrollment": 1596, "claims": 77})
    )
    assert text.startswith("Record (office_month) U under liberty-utilization")
    assert "✓ utilization_percent is less than 5  (utilization_percent = 275/57 (≈4.8246))" in text
    text = render_explanation(
        explain(utilization, {"id": "V", "office": "X", "month": "2011-12", "enrollment": 1596, "claims": 80})
    )
    assert "✗ utilization_percent is less than 5" in text


def test_an_unknown_key_that_is_not_an_identifier_is_withheld(utilization: gr.Policy) -> None:
    record = {"id": "x", "office": "o", "month": "2011-12", "enrollment": 1, "claims": 0, "Jane Doe": "patient"}
    with pytest.raises(gr.FactsError) as info:
        utilization.evaluate(record)
    assert "Jane" not in str(info.value) and "patient" not in str(info.value)
    assert "its name is withheld" in str(info.value)
