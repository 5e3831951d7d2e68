"""The policy features: each pack's rules, in the plan's own words (every features/*.feature).

The step definitions are generic and live in tests/steps.py.
"""

from __future__ import annotations

from pytest_bdd import scenarios
from steps import *  # noqa: F403

# Every *.feature under features/ is collected: a new file needs no Python change.
scenarios(".")
