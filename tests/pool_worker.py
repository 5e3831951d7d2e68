"""Worker functions for the multiprocessing tests: importable by a spawned process (no closures)."""

from __future__ import annotations

from typing import Any

import grievance_rules as gr


def evaluate_or_error(job: tuple[gr.Policy, dict[str, Any]]) -> gr.Determination | gr.FactsError:
    """Evaluate one record; a bad record returns its FactsError (which must survive pickling back)."""
    policy, record = job
    try:
        return policy.evaluate(record)
    except gr.FactsError as exc:
        return exc


def evaluate_or_raise(job: tuple[gr.Policy, dict[str, Any]]) -> gr.Determination:
    """Evaluate one record; a bad record raises in the worker (the pool must carry it back, not hang)."""
    policy, record = job
    return policy.evaluate(record)
