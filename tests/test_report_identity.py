"""A report names the pack it was computed with as exactly as a Determination does."""

from __future__ import annotations

import grievance_rules as gr


def test_report_policy_carries_the_packs_identity() -> None:
    policy = gr.load_policy("ctdhp")
    record = {"id": "G-1", "received_at": "2014-11-03T10:00:00-05:00", "channel": "phone"}
    det = policy.evaluate(record)
    rep = policy.report("quarterly", [record], period="2014Q4", member_months=1000)
    assert rep.policy.sha256 == policy.sha256 is not None
    assert rep.policy.calendar_data is not None
    assert rep.policy == det.policy
