"""Generated review pages: current with their packs, complete, and written by the command."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import FIXTURES, ROOT

import grievance_rules as gr
from grievance_rules.cli import main
from grievance_rules.docs import render_policy

BUNDLED = ("ctdhp", "liberty", "luxor")


@pytest.mark.parametrize("name", BUNDLED)
def test_review_page_is_current(name: str) -> None:
    page = ROOT / "docs" / "policies" / f"{name}.md"
    assert page.exists(), "generate it: grievance-rules docs"
    assert page.read_text(encoding="utf-8") == render_policy(gr.load_policy(name).spec), (
        f"{page} is stale; regenerate with: grievance-rules docs"
    )


@pytest.mark.parametrize("name", BUNDLED)
def test_review_page_names_every_rule_its_citation_and_reading(name: str) -> None:
    policy = gr.load_policy(name)
    page = render_policy(policy.spec)
    for rule in policy.compiled.rules:
        if rule.kind in ("record", "delegation"):
            continue  # listed by requirement and by matrix
        assert f"`{rule.name}`" in page, rule.name
        assert rule.citation is not None and rule.citation.section in page
        if rule.reading:
            assert " ".join(rule.reading.split())[:60] in page


def test_docs_command_writes_pages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["docs", str(FIXTURES / "mini.yaml"), "--out", str(tmp_path)]) == 0
    text = (tmp_path / "mini.md").read_text(encoding="utf-8")
    assert "### `mini.acknowledge`: Written acknowledgement (`acknowledge`)" in text
    assert "- **Due:** 5 business days after receipt" in text
    assert "action 'visit' (when it was done, else its due date)" in text
    assert "wrote" in capsys.readouterr().out
