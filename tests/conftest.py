"""Shared fixtures: paths and a tiny plan-independent pack."""

from __future__ import annotations

import os

import pytest
from helpers import FIXTURES
from hypothesis import settings

import grievance_rules as gr

# CI runs the property tests derandomized so a run's outcome does not depend on the seed drawn;
# locally they keep exploring new examples.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session")
def mini() -> gr.Policy:
    """The made-up test pack in tests/fixtures/mini.yaml."""
    return gr.load_policy(FIXTURES / "mini.yaml")
