"""Shared fixtures: paths and a tiny plan-independent pack."""

from __future__ import annotations

import pytest
from helpers import FIXTURES

import grievance_rules as gr


@pytest.fixture(scope="session")
def mini() -> gr.Policy:
    """The made-up test pack in tests/fixtures/mini.yaml."""
    return gr.load_policy(FIXTURES / "mini.yaml")
