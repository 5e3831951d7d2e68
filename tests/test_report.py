"""Reports (contract section 7): every bundled report on a small hand-built log, counted by hand.

Each log's expected numbers are worked out in the comments next to the records: the local date of
receipt (the pack's timezone), the level or classification the pack's rules give, and each
deadline counted on a calendar. Statuses are judged at the end of the period (the default as_of),
i.e. the first moment of the day after the period's last day, local time.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT

import grievance_rules as gr
from grievance_rules.loader import load_spec_text
from grievance_rules.report_render import report_csv, report_html, report_markdown

SEEDS = ROOT.parent / "shared" / "seeds"


def run(pack: str, name: str, records: list[dict[str, Any]], period: str, **kw: Any) -> dict[str, Any]:
    return gr.load_policy(pack).report(name, iter(records), period=period, **kw).model_dump(mode="json")


def zeros(**given: int) -> dict[str, int]:
    return {"on_time": 0, "late": 0, "overdue": 0, "pending": 0, **given}


# ------------------------------------------------------------------ CTDHP (America/New_York)

CTDHP_LOG: list[dict[str, Any]] = [
    # 2014-10-01T03:59:59Z is 23:59:59 EDT on 30 September: one second before the quarter, not counted
    {"id": "C0", "received_at": "2014-10-01T03:59:59Z", "type": "other"},
    # 2014-10-01T04:00:00Z is 00:00:00 EDT on 1 October: the quarter's first second, counted.
    # Level I (benefit_not_covered); resolved 2 days later exactly (2,880 minutes)
    {
        "id": "C1",
        "received_at": "2014-10-01T04:00:00Z",
        "type": "other",
        "concerns": ["benefit_not_covered"],
        "resolved_at": "2014-10-03T00:00:00-04:00",
    },
    # Level II (poor_quality_work). Office visit due 5 calendar days after 3 Nov = 8 Nov: visited
    # 7 Nov, on time. Follow-up due 30 days after the visit (7 Nov) = 7 Dec: followed up 5 Dec,
    # on time. Resolved 5 Dec 12:00 = 32 days 2 hours after receipt (46,200 minutes).
    {
        "id": "C2",
        "received_at": "2014-11-03T10:00:00-05:00",
        "type": "quality_of_provider_service",
        "concerns": ["poor_quality_work"],
        "events": [
            {"type": "office_visited", "at": "2014-11-07T15:00:00-05:00"},
            {"type": "followed_up", "at": "2014-12-05T10:00:00-05:00"},
        ],
        "resolved_at": "2014-12-05T12:00:00-05:00",
    },
    # Level II (unauthorized_treatment), nothing done. Visit due 1 Dec + 5 = 6 Dec: overdue at
    # 1 Jan 2015 00:00. Follow-up due 30 days after the visit's due date 6 Dec = 5 Jan 2015:
    # pending. Open at 1 Jan 00:00: 30 days 15 hours old -> bucket 15-30 days (30 whole days),
    # and open after 30 days (30.6 > 30).
    {
        "id": "C3",
        "received_at": "2014-12-01T09:00:00-05:00",
        "type": "quality_of_provider_service",
        "concerns": ["unauthorized_treatment"],
    },
    # Level III (violence_or_abuse): both steps are due immediately, at receipt 10:00. The office
    # was contacted at 10:00 (on time); management was notified at 10:30 (late). Open at 1 Jan:
    # 11 days 14 hours old -> bucket 8-14 days.
    {
        "id": "C4",
        "received_at": "2014-12-20T10:00:00-05:00",
        "type": "quality_of_provider_service",
        "concerns": ["violence_or_abuse"],
        "events": [
            {"type": "contacted", "at": "2014-12-20T10:00:00-05:00"},
            {"type": "management_notified", "at": "2014-12-20T10:30:00-05:00"},
        ],
    },
    # 1 January 2015 00:00 local: after the quarter, not counted
    {"id": "C5", "received_at": "2015-01-01T00:00:00-05:00", "type": "other"},
]


def test_ctdhp_quarterly_on_a_hand_built_log() -> None:
    rep = run("ctdhp", "quarterly", CTDHP_LOG, "2014Q4", member_months=1000)
    assert rep["period"] == {"start": "2014-10-01", "end": "2014-12-31"}
    assert rep["as_of"] == "2015-01-01T00:00:00-05:00"
    assert rep["total"] == 4  # C1, C2, C3, C4
    assert rep["records_read"] == 6
    assert rep["counts"] == {
        "type": {"provider_access": 0, "quality_of_provider_service": 3, "quality_of_aso_service": 0, "other": 1},
        "level": {"I": 1, "II": 2, "III": 1},
    }
    assert rep["rate_per_1000_member_months"] == 4.0  # 4 / 1000 x 1000
    assert rep["timeliness"] == {
        "visit_office": zeros(on_time=1, overdue=1),  # C2 on time, C3 overdue
        "follow_up": zeros(on_time=1, pending=1),  # C2 on time, C3 due 5 Jan 2015
        "notify_management": zeros(late=1),  # C4: 10:30 after the 10:00 due moment
        "contact": zeros(on_time=1),  # C4 level_iii_contact at 10:00; Level I contact has no deadline
    }  # refer_to_state: neither referral to DSS has a deadline, so it is not measured
    assert rep["open"] == 2  # C3, C4
    assert rep["open_ageing"] == {"0-7 days": 0, "8-14 days": 1, "15-30 days": 1, "31-60 days": 0, "over 60 days": 0}
    assert rep["open_after"] == {"days": 30, "count": 1}  # C3
    assert rep["resolved"] == 2
    assert rep["median_days_to_resolution"] == pytest.approx((2880 + 46200) / 2 / 1440)  # 17.04 days
    assert rep["errors"] == [] and rep["rows"] is None
    assert any(n.startswith("rate = 4 grievances / 1,000 member months x 1000 = 4") for n in rep["notes"])
    # the document's 0.00467 is printed for 2014Q4; no count of this small log gives it
    assert any("no count in this report gives the printed figure" in n for n in rep["notes"])


def test_one_second_before_the_period_in_local_time_is_not_counted() -> None:
    # 2014-10-01T03:59:59Z = 23:59:59 EDT on 30 September; 04:00:00Z = 00:00:00 EDT on 1 October
    before = {"id": "B", "received_at": "2014-10-01T03:59:59Z"}
    first = {"id": "F", "received_at": "2014-10-01T04:00:00Z"}
    assert run("ctdhp", "quarterly", [before], "2014Q4")["total"] == 0
    assert run("ctdhp", "quarterly", [first], "2014Q4")["total"] == 1
    # the same wall time written without an offset is read in the plan's timezone
    assert run("ctdhp", "quarterly", [{"id": "L", "received_at": "2014-09-30T23:59:59"}], "2014Q4")["total"] == 0
    # and at the end: 31 Dec 23:59:59 local is in, 1 Jan 00:00:00 local is out
    last = {"id": "E", "received_at": "2015-01-01T04:59:59Z"}
    after = {"id": "A", "received_at": "2015-01-01T05:00:00Z"}
    assert run("ctdhp", "quarterly", [last, after], "2014Q4")["total"] == 1


def test_ctdhp_daily_counts_one_day_judged_at_its_end() -> None:
    # 20 December 2014: only C4. as_of = 21 Dec 00:00 EST. C4's two immediate steps as above.
    rep = run("ctdhp", "daily", CTDHP_LOG, "2014-12-20")
    assert rep["period"] == {"start": "2014-12-20", "end": "2014-12-20"}
    assert rep["as_of"] == "2014-12-21T00:00:00-05:00"
    assert rep["total"] == 1
    assert rep["counts"]["level"] == {"I": 0, "II": 0, "III": 1}
    assert rep["counts"]["type"]["quality_of_provider_service"] == 1
    assert rep["timeliness"]["notify_management"] == zeros(late=1)
    assert rep["timeliness"]["contact"] == zeros(on_time=1)
    assert rep["rate_per_1000_member_months"] is None
    assert rep["open_after"] is None and rep["median_days_to_resolution"] is None


def test_as_of_leaves_out_what_happened_later() -> None:
    # C2 judged at 6 Nov 2014 00:00: the 7 Nov visit has not happened; its due moment (8 Nov) has
    # not passed, so the visit is pending and the grievance is open (2 days 14 hours old).
    rep = run("ctdhp", "quarterly", CTDHP_LOG[2:3], "2014Q4", as_of="2014-11-06T00:00:00")
    assert rep["timeliness"]["visit_office"] == zeros(pending=1)
    assert rep["open"] == 1 and rep["resolved"] == 0
    assert rep["open_ageing"]["0-7 days"] == 1


# ------------------------------------------------------------------ Luxor (America/Chicago)

LUXOR_LOG: list[dict[str, Any]] = [
    # one second before Q4 2024 in Houston (CDT, -05:00): not counted
    {"id": "L0", "received_at": "2024-10-01T04:59:59Z", "channel": "mail"},
    # L1 formal (mail). Acknowledgement due 5 business days after Fri 22 Nov: Mon 25 (1), Tue 26 (2),
    # Wed 27 (3), Thu 28 Thanksgiving skipped, Fri 29 (4), Mon 2 Dec (5) -> acknowledged 25 Nov, on
    # time. Resolution due after 30 business days, resolved 10 Dec: on time; 18 days exactly.
    {
        "id": "L1",
        "received_at": "2024-11-22T10:00:00-06:00",
        "channel": "mail",
        "concerns": ["pricing_or_billing"],
        "events": [{"type": "acknowledged", "at": "2024-11-25T09:00:00-06:00"}],
        "resolved_at": "2024-12-10T10:00:00-06:00",
    },
    # L2 phone, resolved Tue 3 Dec 16:00, before the close (17:00) of the next business day after
    # Mon 2 Dec: exempt, no acknowledgement or written response. Resolved after 31 hours.
    {
        "id": "L2",
        "received_at": "2024-12-02T09:00:00-06:00",
        "channel": "phone",
        "concerns": ["provider_availability"],
        "resolved_at": "2024-12-03T16:00:00-06:00",
    },
    # L3 phone, not resolved by the close of Fri 6 Dec: formal. Acknowledgement due Thu 12 Dec
    # (Fri 6, Mon 9, Tue 10, Wed 11, Thu 12): overdue at 1 Jan. Resolution due after 30 business
    # days = Tue 21 Jan 2025 (skipping Christmas, New Year's Day and MLK Day): pending. Open at
    # 1 Jan 00:00: 26 days 13 hours -> 15-30 days.
    {"id": "L3", "received_at": "2024-12-05T11:00:00-06:00", "channel": "phone", "concerns": ["quality_of_care"]},
    # L4 mail on Tue 1 Oct 08:00 CDT. Acknowledgement due Tue 8 Oct (Wed 2, Thu 3, Fri 4, Mon 7,
    # Tue 8); acknowledged 9 Oct: late. Resolution due after 30 business days = Thu 14 Nov
    # (Columbus Day 14 Oct and Veterans Day 11 Nov skipped): not resolved -> overdue. Open at
    # 1 Jan 00:00 CST: 91 days 17 hours -> over 60 days, and open after 30 days.
    {
        "id": "L4",
        "received_at": "2024-10-01T08:00:00-05:00",
        "channel": "mail",
        "concerns": ["sales_process"],
        "events": [{"type": "acknowledged", "at": "2024-10-09T10:00:00-05:00"}],
    },
    # 1 January 2025 00:00 in Houston: after the quarter
    {"id": "L5", "received_at": "2025-01-01T00:00:00-06:00", "channel": "mail"},
]


def test_luxor_quarterly_on_a_hand_built_log() -> None:
    rep = run("luxor", "quarterly", LUXOR_LOG, "2024Q4")
    assert rep["total"] == 4  # L1-L4
    assert rep["counts"] == {
        "classification": {"exempt": 1, "formal": 3, "not_a_complaint": 0},
        "concern": {
            "provider_availability": 1,
            "pricing_or_billing": 1,
            "sales_process": 1,
            "other_service": 0,
            "quality_of_care": 1,
            "misinformation": 0,
        },
        "channel": {"mail": 2, "fax": 0, "phone": 2},
    }
    assert rep["timeliness"] == {
        "acknowledge": zeros(on_time=1, late=1, overdue=1),  # L1, L4, L3
        "resolve": zeros(on_time=1, overdue=1, pending=1),  # L1, L4, L3
    }
    assert rep["open"] == 2  # L3, L4
    assert rep["open_ageing"] == {"0-7 days": 0, "8-14 days": 0, "15-30 days": 1, "31-60 days": 0, "over 60 days": 1}
    assert rep["open_after"] == {"days": 30, "count": 1}  # L4
    # median of 18 days (25,920 min) and 31 hours (1,860 min) = 13,890 min = 9.65 days
    assert rep["median_days_to_resolution"] == pytest.approx(13890 / 1440)


def test_luxor_telephone_log_lists_the_exempt_calls_without_personal_data() -> None:
    planted = {**LUXOR_LOG[2], "narrative": "PLANTED NARRATIVE", "member": {"name": "PLANTED NAME", "id": "M-PLANTED"}}
    rep = run("luxor", "telephone_log", [*LUXOR_LOG[:2], planted, *LUXOR_LOG[3:]], "2024Q4")
    assert rep["total"] == 1  # only L2 is exempt
    assert rep["counts"]["concern"]["provider_availability"] == 1
    assert rep["rows"] == [
        {
            "id": "L2",
            "received_date": "2024-12-02",
            "received_at": "2024-12-02T09:00:00-06:00",
            "channel": "phone",
            "concerns": ["provider_availability"],
            "resolved_at": "2024-12-03T16:00:00-06:00",
            "days_to_resolution": pytest.approx(31 / 24),
        }
    ]
    assert "PLANTED" not in json.dumps(rep)
    assert any("the name of the complainant" in n and "personal data" in n for n in rep["notes"])
    assert any("only grievances where classification is exempt" in n for n in rep["notes"])


# ------------------------------------------------------------------ LIBERTY (America/Los_Angeles)

LIBERTY_LOG: list[dict[str, Any]] = [
    # B1 Sacramento GMC (delegated), phone, provider transfer resolved after 5 hours: exempt,
    # handled by LIBERTY. exempt_resolve carries the unit's 24-hour target, not a deadline, so it
    # is not in the timeliness counts; the resolution (300 minutes) is in the median.
    {
        "id": "B1",
        "received_at": "2024-03-04T10:00:00-08:00",
        "channel": "phone",
        "group": "Sacramento GMC",
        "concerns": ["provider_transfer"],
        "resolved_at": "2024-03-04T15:00:00-08:00",
    },
    # B2 Sacramento GMC, mail, poor crown: formal, LIBERTY. Acknowledgement due 5 calendar days
    # after 15 Mar = 20 Mar; acknowledged 22 Mar: late. Resolution letter due 30 calendar days =
    # 14 Apr: pending at 1 Apr. Open at 1 Apr 00:00 PDT: 16 days 15 hours -> 15-30 days.
    {
        "id": "B2",
        "received_at": "2024-03-15T09:00:00-07:00",
        "channel": "mail",
        "group": "Sacramento GMC",
        "concerns": ["poor_crown"],
        "events": [{"type": "acknowledged", "at": "2024-03-22T10:00:00-07:00"}],
    },
    # B3 Health Net (not delegated), phone, treatment plan inquiry never resolved or contacted:
    # 72 hours without contact make it formal, handled by the health plan; its actions (refer,
    # recommend) have no deadline. Open: 11 days 13 hours -> 8-14 days.
    {
        "id": "B3",
        "received_at": "2024-03-20T11:00:00-07:00",
        "channel": "phone",
        "group": "Health Net",
        "concerns": ["treatment_plan_inquiry"],
    },
    # one second before March in Sacramento (PST, -08:00): 29 Feb 23:59:59, not counted
    {"id": "B4", "received_at": "2024-03-01T07:59:59Z", "channel": "email", "group": "Acme Dental Group"},
    # B5 1 Mar 00:00 PST (08:00Z): counted. A group not in the matrix ('other'), claim denial:
    # appeal, handled by the health plan (not delegated). Open at 1 Apr 00:00 PDT: 30 days 23 hours
    # (DST began 10 Mar) -> 15-30 days, and open after 30 days.
    {
        "id": "B5",
        "received_at": "2024-03-01T08:00:00Z",
        "channel": "email",
        "group": "Acme Dental Group",
        "concerns": ["claim_denial"],
    },
]


def test_liberty_issue_resolution_on_a_hand_built_log() -> None:
    rep = run("liberty", "issue_resolution", LIBERTY_LOG, "2024-03")
    assert rep["as_of"] == "2024-04-01T00:00:00-07:00"
    assert rep["total"] == 4  # B1, B2, B3, B5
    assert rep["counts"] == {
        "classification": {"exempt": 1, "formal": 2, "appeal": 1},
        "handled_by": {"plan": 2, "health_plan": 2},
        "group": {"OneCare": 0, "Health Net": 1, "WellPoint": 0, "Arcadian": 0, "Sacramento GMC": 2, "other": 1},
        "channel": {"phone": 2, "mail": 1, "fax": 0, "email": 1, "online": 0, "in_person": 0},
    }
    assert rep["timeliness"] == {
        "resolve": zeros(pending=1),  # B2 resolution_letter (B1's exempt_resolve has a target only)
        "contact": zeros(),
        "acknowledge": zeros(late=1),  # B2
        "provider_response": zeros(),
    }
    assert rep["open"] == 3
    assert rep["open_ageing"] == {"0-7 days": 0, "8-14 days": 1, "15-30 days": 2, "31-60 days": 0, "over 60 days": 0}
    assert rep["open_after"] == {"days": 30, "count": 1}  # B5
    assert rep["median_days_to_resolution"] == pytest.approx(300 / 1440)
    # 'any' period: a quarter or a range works too
    assert run("liberty", "issue_resolution", LIBERTY_LOG, "2024-03-01..2024-03-04")["total"] == 2  # B5, B1


# ------------------------------------------------------------------ shape and errors


@pytest.mark.parametrize(
    ("pack", "name", "period"),
    [
        ("ctdhp", "quarterly", "2014Q4"),
        ("ctdhp", "daily", "2014-12-03"),
        ("luxor", "quarterly", "2024Q4"),
        ("luxor", "telephone_log", "2024-12"),
        ("liberty", "issue_resolution", "2024Q1"),
    ],
)
def test_every_declared_value_is_listed_at_zero(pack: str, name: str, period: str) -> None:
    policy = gr.load_policy(pack)
    rep = policy.report(name, [], period=period, member_months=5).model_dump(mode="json")
    spec = next(r for r in policy.spec.reports if r.name == name)
    assert rep["total"] == 0 and rep["rate_per_1000_member_months"] == 0.0
    assert list(rep["counts"]) == list(spec.dimensions)
    for dim, values in rep["counts"].items():
        assert list(values) == list(policy.spec.dimension_values(dim)) and values
        assert set(values.values()) == {0}
    for statuses in rep["timeliness"].values():
        assert statuses == zeros()


def test_bundled_reports_are_the_contracts() -> None:
    names = {p: [r.name for r in gr.load_policy(p).spec.reports] for p in gr.available_policies()}
    assert names == {
        "ctdhp": ["quarterly", "daily"],
        "liberty": ["issue_resolution"],
        "liberty-access": [],  # subject packs declare subject.reports (tests/test_subjects.py)
        "liberty-p4p": [],
        "liberty-referrals": [],
        "liberty-utilization": [],
        "luxor": ["quarterly", "telephone_log"],
    }


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


@pytest.mark.skipif(not SEEDS.is_dir(), reason="seed documents not available")
@pytest.mark.parametrize("pack", ["ctdhp", "liberty", "luxor"])
def test_report_citations_quote_the_seed_word_for_word(pack: str) -> None:
    spec = gr.load_policy(pack).spec
    for rep in spec.reports:
        for citation in [rep.citation, *(p.citation for p in rep.printed_rates)]:
            seed = _norm((SEEDS / citation.file).read_text(encoding="utf-8"))
            assert citation.quote, f"{rep.name}: no quote"
            for part in citation.quote.split("..."):
                assert _norm(part) in seed, f"{pack}.{rep.name}: {part!r} not in the seed"
        if rep.name != "quarterly" or pack != "ctdhp":
            assert rep.reading, f"{pack}.{rep.name}: the document only says 'reports'; the pack must say its reading"


def test_unknown_report_lists_the_packs_reports_with_did_you_mean() -> None:
    with pytest.raises(gr.ReportError) as info:
        gr.load_policy("ctdhp").report("quartely", [], period="2014Q4")
    assert isinstance(info.value, gr.GrievanceRulesError)
    assert "did you mean 'quarterly'" in str(info.value) and "quarterly, daily" in str(info.value)
    assert info.value.available == ("quarterly", "daily")


def test_period_of_the_wrong_kind_and_bad_member_months() -> None:
    policy = gr.load_policy("ctdhp")
    with pytest.raises(gr.ReportError, match="covers a quarter; '2014-12' is a month"):
        policy.report("quarterly", [], period="2014-12")
    # a range that is exactly a quarter is a quarter
    assert policy.report("quarterly", [], period="2014-10-01..2014-12-31").total == 0
    with pytest.raises(gr.PeriodError):
        policy.report("quarterly", [], period="2014Q5")
    with pytest.raises(gr.ReportError, match="member_months"):
        policy.report("quarterly", [], period="2014Q4", member_months=0)


def test_bad_records_raise_or_are_collected() -> None:
    records = [CTDHP_LOG[1], {"id": "X", "received_at": "2014-11-01T10:00:00", "type": "nonsense"}, CTDHP_LOG[2]]
    with pytest.raises(gr.FactsError):
        gr.load_policy("ctdhp").report("quarterly", iter(records), period="2014Q4")
    rep = gr.load_policy("ctdhp").report("quarterly", iter(records), period="2014Q4", errors="collect")
    assert rep.total == 2 and rep.records_read == 3
    assert [(e.record, e.id, e.field) for e in rep.errors] == [(2, "X", "type")]
    assert "nonsense" not in rep.errors[0].error  # facts are never echoed


def test_records_are_streamed_once() -> None:
    seen: list[str] = []

    def stream() -> Any:
        for record in CTDHP_LOG:
            seen.append(record["id"])
            yield record

    rep = gr.load_policy("ctdhp").report("quarterly", stream(), period="2014Q4")
    assert rep.total == 4 and seen == [r["id"] for r in CTDHP_LOG]


# ------------------------------------------------------------------ the CTDHP 4th quarter 2014, rebuilt

EXAMPLE = ROOT / "examples" / "ctdhp-2014Q4.jsonl"


def _example_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EXAMPLE.read_text(encoding="utf-8").splitlines()]


def test_ctdhp_example_reproduces_the_seed_counts_and_the_corrected_rate() -> None:
    rep = run("ctdhp", "quarterly", _example_records(), "2014Q4", member_months=2354933)
    # the seed: 202 grievances; by type 0 / 191 / 0 / 11; by level 197 / 5 / 0
    assert rep["total"] == 202
    assert rep["counts"]["type"] == {
        "provider_access": 0,
        "quality_of_provider_service": 191,
        "quality_of_aso_service": 0,
        "other": 11,
    }
    assert rep["counts"]["level"] == {"I": 197, "II": 5, "III": 0}
    assert rep["rate_per_1000_member_months"] == 202 / 2354933 * 1000
    assert f"{rep['rate_per_1000_member_months']:.3g}" == "0.0858"
    assert f"{11 / 2354933 * 1000:.3g}" == "0.00467"
    note = next(n for n in rep["notes"] if "the document prints" in n)
    assert "0.0858, not 0.00467" in note
    assert "the printed 0.00467 is what the 11 grievances with type 'other' alone give" in note
    assert "11 / 2,354,933 x 1000 = 0.00467" in note
    assert rep["timeliness"]["visit_office"] == zeros(on_time=4, late=1)


def test_ctdhp_example_is_synthetic_and_regenerated_byte_for_byte() -> None:
    sys.path.insert(0, str(ROOT / "examples"))
    try:
        import make_ctdhp_2014q4 as gen
    finally:
        sys.path.remove(str(ROOT / "examples"))
    built = "".join(json.dumps(r) + "\n" for r in gen.build())
    assert built == EXAMPLE.read_text(encoding="utf-8")
    records = _example_records()
    assert len(records) == 202 and len({r["id"] for r in records}) == 202
    for record in records:
        assert "narrative" not in record and "member" not in record
        assert set(record.get("provider", {})) <= {"name"}


# ------------------------------------------------------------------ renderings


class _Figures(HTMLParser):
    """Collects the text of every element carrying data-key."""

    def __init__(self) -> None:
        super().__init__()
        self.figures: dict[str, str] = {}
        self._key: str | None = None
        self.svgs = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self.svgs += 1
        key = dict(attrs).get("data-key")
        if key:
            self._key = key
            self.figures[key] = ""

    def handle_endtag(self, tag: str) -> None:
        self._key = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._key is not None:
            self.figures[self._key] += data


def _lookup(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split(".", 2)[:2] if key.startswith(("counts.", "timeliness.")) else [key]:
        node = node[part]
    if key.startswith(("counts.", "timeliness.")):
        return node[key.split(".", 2)[2]]
    return node


def test_html_numbers_match_the_json_report() -> None:
    pytest.importorskip("matplotlib")
    report = gr.load_policy("ctdhp").report("quarterly", _example_records(), period="2014Q4", member_months=2354933)
    data = report.model_dump(mode="json")
    page = report_html(report, plan_name="CTDHP")
    parser = _Figures()
    parser.feed(page)
    figures = parser.figures
    checked = 0
    for key, text in figures.items():
        if key.startswith(("counts.", "timeliness.")):
            assert int(text.replace(",", "")) == _lookup(data, key), key
            checked += 1
        elif key.startswith("open_ageing."):
            assert int(text) == data["open_ageing"][key.removeprefix("open_ageing.")], key
            checked += 1
    # every count and status of the JSON is in the page
    expected = sum(len(v) for v in data["counts"].values()) + 4 * len(data["timeliness"]) + len(data["open_ageing"])
    assert checked == expected
    assert int(figures["total"]) == data["total"] == 202
    assert figures["member_months"] == "2,354,933"
    assert figures["rate_per_1000_member_months"] == "0.0858"
    assert float(figures["rate_per_1000_member_months"]) == pytest.approx(data["rate_per_1000_member_months"], rel=1e-3)
    assert int(figures["open"]) == data["open"]
    assert int(figures["open_after.count"]) == data["open_after"]["count"]
    assert figures["period.start"] == "2014-10-01" and figures["period.end"] == "2014-12-31"
    assert parser.svgs == 4  # by type, by level, timeliness, ageing
    text = " ".join(parser.text)
    assert "Quarterly Grievance Report" in text and "0.00467" in text
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org", "")


def test_html_without_matplotlib_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name: str, *args: Any, **kw: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kw)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    report = gr.load_policy("ctdhp").report("daily", [], period="2014-12-03")
    with pytest.raises(gr.GrievanceRulesError, match=r"pip install 'grievance-rules\[report\]'"):
        report_html(report)


def test_csv_and_markdown_carry_the_same_figures() -> None:
    report = gr.load_policy("ctdhp").report("quarterly", _example_records(), period="2014Q4", member_months=2354933)
    rows = list(csv.reader(io.StringIO(report_csv(report))))
    assert rows[0] == ["section", "item", "value"]
    table = {(s, i): v for s, i, v in rows[1:]}
    assert table[("total", "")] == "202"
    assert table[("counts.type", "other")] == "11" and table[("counts.level", "II")] == "5"
    assert float(table[("rate_per_1000_member_months", "")]) == report.rate_per_1000_member_months
    assert table[("timeliness.visit_office", "late")] == "1"
    md = report_markdown(report)
    assert "| `quality_of_provider_service` | 191 |" in md and "| `III` | 0 |" in md
    assert "| Rate per 1000 member months | 0.0858 |" in md


def test_log_report_csv_has_one_row_per_call() -> None:
    report = gr.load_policy("luxor").report("telephone_log", LUXOR_LOG, period="2024Q4")
    rows = list(csv.DictReader(io.StringIO(report_csv(report))))
    assert [r["id"] for r in rows] == ["L2"] and rows[0]["concerns"] == "provider_availability"
    assert list(rows[0]) == [
        "id",
        "received_date",
        "received_at",
        "channel",
        "concerns",
        "resolved_at",
        "days_to_resolution",
    ]


# ------------------------------------------------------------------ command line


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grievance_rules.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


BASE = ("report", "--policy", "ctdhp", "--report", "quarterly", "--period", "2014Q4", "--member-months", "2354933")


def test_cli_json_is_the_api_report() -> None:
    run_ = cli(*BASE, str(EXAMPLE))
    assert run_.returncode == 0, run_.stderr
    api = gr.load_policy("ctdhp").report("quarterly", _example_records(), period="2014Q4", member_months=2354933)
    assert json.loads(run_.stdout) == api.model_dump(mode="json")
    assert run_.stderr.strip().endswith("202 records, 0 errors; 202 counted in the period")


@pytest.mark.parametrize("fmt", ["csv", "md", "html"])
def test_cli_formats_write_the_output_file(fmt: str, tmp_path: Path) -> None:
    if fmt == "html":
        pytest.importorskip("matplotlib")
    out = tmp_path / f"report.{fmt}"
    run_ = cli(*BASE, "--format", fmt, "--output", str(out), str(EXAMPLE))
    assert run_.returncode == 0, run_.stderr
    assert run_.stdout == ""
    text = out.read_text(encoding="utf-8")
    marker = {"csv": "counts.type,other,11", "md": "# Quarterly Grievance Report", "html": "<svg"}[fmt]
    assert marker in text


def test_cli_unknown_report_and_bad_period_are_usage_errors(tmp_path: Path) -> None:
    run_ = cli("report", "--policy", "luxor", "--report", "telephone", "--period", "2024Q4", str(EXAMPLE))
    assert run_.returncode == 2
    assert "did you mean 'telephone_log'" in run_.stderr and "Traceback" not in run_.stderr
    run_ = cli("report", "--policy", "ctdhp", "--report", "quarterly", "--period", "2014-13", str(EXAMPLE))
    assert run_.returncode == 2 and "Traceback" not in run_.stderr


def test_cli_bad_records_are_listed_and_the_rest_counted(tmp_path: Path) -> None:
    data = tmp_path / "mixed.jsonl"
    lines = [
        json.dumps(CTDHP_LOG[1]),
        "{not json",
        json.dumps({"id": "Z", "received_at": "soon"}),
        json.dumps(CTDHP_LOG[2]),
    ]
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run_ = cli("report", "--policy", "ctdhp", "--report", "quarterly", "--period", "2014Q4", str(data))
    assert run_.returncode == 1
    rep = json.loads(run_.stdout)
    assert rep["total"] == 2
    assert [(e["record"], e["id"]) for e in rep["errors"]] == [(2, None), (3, "Z")]
    assert "record 2:" in run_.stderr and "record 3:" in run_.stderr


# ------------------------------------------------------------------ the pack format


REPORT_MINI = """
reports:
  - name: monthly
    title: Monthly
    period: month
    dimensions: [level, chanel]
    measures: {timeliness: [acknowledg]}
    citation: {file: mini.yaml, section: reports}
"""


def test_report_mistakes_are_located(tmp_path: Path) -> None:
    from helpers import FIXTURES

    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8").rstrip("\n") + "\n" + REPORT_MINI
    with pytest.raises(gr.PolicyError) as info:
        gr.Policy(load_spec_text(text, "p.yaml"))
    problems = info.value.problems
    line = text.splitlines().index("    dimensions: [level, chanel]") + 1
    assert [(p.line, p.path) for p in problems] == [(line, "reports[0].dimensions[1]")]
    assert "'chanel'" in problems[0].message
    fixed = text.replace("chanel", "channel")
    with pytest.raises(gr.PolicyError) as info:
        gr.Policy(load_spec_text(fixed, "p.yaml"))
    (problem,) = info.value.problems
    assert problem.path == "reports[0].measures.timeliness[0]" and problem.line == line + 1
    assert "did you mean 'acknowledge'" in problem.message
    unknown = fixed.replace("[acknowledg]", "[acknowledge]").replace(
        "    period: month", "    period: month\n    colour: red"
    )
    with pytest.raises(gr.PolicyError) as info:
        gr.Policy(load_spec_text(unknown, "p.yaml"))
    assert "unknown key 'colour'" in info.value.problems[0].message
    ok = gr.Policy(load_spec_text(unknown.replace("    colour: red\n", ""), "p.yaml"))
    assert ok.report("monthly", [], period="2024-05").counts["channel"] == {"mail": 0, "phone": 0}


def test_readme_report_example_gives_the_corrected_rate() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    line = next(
        x for x in text.splitlines() if x.startswith("grievance-rules report --policy ctdhp") and "2354933" in x
    )
    run_ = cli(*line.split()[1:])
    assert run_.returncode == 0, run_.stderr
    rep = json.loads(run_.stdout)
    assert rep["total"] == 202 and f"{rep['rate_per_1000_member_months']:.3g}" == "0.0858"
    assert any("the printed 0.00467 is what the 11 grievances with type 'other' alone give" in n for n in rep["notes"])
