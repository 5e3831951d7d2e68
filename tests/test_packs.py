"""Pack discovery (bundled and entry points), the contract's example, and citations of the bundled packs."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.loader import load_spec

SEEDS = ROOT.parent / "shared" / "seeds"
BUNDLED = ("ctdhp", "liberty", "luxor")


def test_bundled_packs_are_available() -> None:
    assert set(BUNDLED) <= set(gr.available_policies())
    for name in BUNDLED:
        policy = gr.load_policy(name)
        assert policy.id == name
        assert Path(policy.file).name == f"{name}.yaml"


def test_unknown_pack_suggests_a_near_miss() -> None:
    with pytest.raises(gr.PolicyNotFoundError, match="did you mean 'luxor'"):
        gr.load_policy("luxr")


def test_contract_section_3_example_is_reproduced() -> None:
    policy = gr.load_policy("luxor")
    det = policy.evaluate(
        {
            "id": "G-1",
            "received_at": "2024-11-22T10:00:00-06:00",
            "channel": "mail",
            "incident_date": "2024-11-22",
            # every record item Luxor's policy requires, so the example has no warnings
            "narrative": "billing dispute",
            "representative_name": "Rep",
            "member": {"id": "M1", "name": "Enrollee", "address": "1 Main St", "phone": "555", "patient_name": "P"},
            "provider": {"name": "Dr D", "location": "Houston"},
        }
    )
    data = det.model_dump(mode="json")
    assert data["grievance_id"] == "G-1"
    assert data["policy"]["id"] == "luxor"
    assert data["received_at"] == "2024-11-22T10:00:00-06:00"
    assert data["as_of"] is None
    assert data["timely_filed"] is True
    assert data["filing_deadline"] == "2025-05-21"
    assert (data["classification"], data["level"], data["type"], data["handled_by"]) == ("formal", None, None, "plan")
    ack = next(a for a in data["actions"] if a["code"] == "acknowledge")
    assert {
        k: ack[k] for k in ("code", "title", "due_date", "due_at", "basis", "responsible", "status", "rule", "citation")
    } == {
        "code": "acknowledge",
        "title": "Written acknowledgement to the enrollee",
        "due_date": "2024-12-02",
        "due_at": "2024-12-02T23:59:59-06:00",
        "basis": "5 business days after receipt",
        "responsible": "quality_assurance",
        "status": "pending",
        "rule": "luxor.acknowledge",
        "citation": "004_ef56c9d8f10067a0.txt, Response & Resolution 1",
    }
    assert data["warnings"] == []
    assert any(t["rule"] == "luxor.acknowledge" and t["fired"] for t in data["trace"])


def _write_dist(tmp_path: Path, entries: str) -> None:
    dist = tmp_path / "thirdparty_plan-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: thirdparty-plan\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(f"[grievance_rules.policies]\n{entries}\n")


def test_third_party_pack_by_entry_point_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_dist(tmp_path, f"thirdplan = {FIXTURES / 'mini.yaml'}")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "thirdplan" in gr.available_policies()
    assert gr.load_policy("thirdplan").id == "mini"


def test_third_party_pack_by_entry_point_callable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "thirdplan_mod.py").write_text(
        f"from pathlib import Path\n\ndef pack():\n    return Path({str(FIXTURES / 'mini.yaml')!r}).read_text()\n"
    )
    _write_dist(tmp_path, "textplan = thirdplan_mod:pack")
    monkeypatch.syspath_prepend(str(tmp_path))
    policy = gr.load_policy("textplan")
    assert policy.id == "mini" and policy.file == "<entry point textplan>"
    sys.modules.pop("thirdplan_mod", None)


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u2019", "'")).strip()


@pytest.mark.parametrize("name", BUNDLED)
def test_every_rule_cites_an_existing_seed_passage(name: str) -> None:
    spec = gr.load_policy(name).spec
    seeds = {p.name: _norm(p.read_text(encoding="utf-8")) for p in SEEDS.glob("*.txt")} if SEEDS.is_dir() else {}
    rules = gr.load_policy(name).compiled.rules
    assert rules
    for rule in rules:
        assert rule.citation is not None, f"{rule.name} has no citation"
        assert rule.citation.file.endswith(".txt") and rule.citation.section
        if seeds:
            assert rule.citation.file in seeds, f"{rule.name} cites unknown file {rule.citation.file}"
            quote = rule.citation.quote
            if quote:
                parts = [_norm(p) for p in quote.split("...")]
                assert all(p in seeds[rule.citation.file] for p in parts), f"{rule.name}: quote not in the seed"
    assert spec.source


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_pack_calendar_follows_the_contract(name: str) -> None:
    cal = load_spec(ROOT / "policies" / f"{name}.yaml").spec.calendar
    expected = {"ctdhp": "America/New_York", "liberty": "America/Los_Angeles", "luxor": "America/Chicago"}[name]
    assert cal.timezone == expected
    assert cal.workweek == ["mon", "tue", "wed", "thu", "fri"]
    assert cal.close_of_business == "17:00"
    assert cal.holidays is not None and cal.holidays.country == "US" and cal.holidays.observed
