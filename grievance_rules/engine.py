"""The only module that touches durable-rules.

One durable-rules ``Host`` serves the process. Each compiled policy is registered under its own
ruleset name (pack id, version and content hash), so two packs, or two versions of one pack,
live side by side. What the engine learned the hard way (see the project's durable-rules notes):

- the host's timer threads can run actions on their own thread, so they are switched off and
  every action runs inside the ``assert_fact`` call;
- results are collected in our own callbacks, keyed by a throw-away session id, never read
  from ``assert_fact``'s return value;
- each evaluation uses a fresh session that is deleted afterwards (a ruleset holds at most
  1024 live sessions);
- the C core never releases the GIL, so calls are serialised behind one lock: threads stay
  correct, and processes are the way to use more cores.

Because a ruleset is a pure function of the fact it is shown, the fired-rule set is memoised
per distinct fact (a bounded LRU cache): the engine decides each distinct input once.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from durable import engine as durable_engine

from grievance_rules.errors import EvaluationError

__all__ = ["RulesEngine"]

_FACT_ID = "grievance"


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A durable Host without timer threads; actions resolve to our collectors by name."""

    def __init__(self) -> None:
        self.fired: dict[str, list[str]] = {}
        super().__init__()

    def _run(self) -> None:  # no background dispatch: every action runs inside assert_fact
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        fired = self.fired

        def record(c: Any) -> None:
            fired[c.s["sid"]].append(action_name)

        return record


_LOCK = threading.RLock()
_HOST: _QuietHost | None = None
_SIDS = itertools.count(1)


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


class RulesEngine:
    """A compiled ruleset registered with durable-rules, asked one fact at a time."""

    def __init__(self, ruleset_name: str, definition: Mapping[str, Any], cache_size: int = 4096) -> None:
        self.ruleset_name = ruleset_name
        self._cache: OrderedDict[tuple[Any, ...], frozenset[str]] = OrderedDict()
        self._cache_size = cache_size
        with _LOCK:
            host = _host()
            try:
                host.get_ruleset(ruleset_name)
            except Exception:  # not registered yet: durable raises a bare Exception
                try:
                    host.register_rulesets({ruleset_name: copy.deepcopy(dict(definition))})
                except Exception as exc:
                    raise EvaluationError(
                        f"durable-rules rejected ruleset {ruleset_name!r} ({exc}); this is a bug in "
                        "grievance-rules' compiler: please report it with the policy file"
                    ) from None

    def fire(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """The names of the rules that fire for a grievance with these (flat, typed) properties."""
        key = tuple(sorted(properties.items()))
        with _LOCK:
            cached = self._cache.get(key)
            if cached is not None:
                self._cache.move_to_end(key)
                return cached
            result = self._fire(properties)
            self._cache[key] = result
            if len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
            return result

    def fire_uncached(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """Ask the engine without the memo (for benchmarks of the raw rate)."""
        with _LOCK:
            return self._fire(properties)

    def _fire(self, properties: Mapping[str, Any]) -> frozenset[str]:
        host = _host()
        sid = f"e{next(_SIDS)}"
        fact = dict(properties)
        fact.update({"sid": sid, "id": _FACT_ID, "kind": "grievance"})
        host.fired[sid] = []
        try:
            try:
                host.assert_fact(self.ruleset_name, fact)
            except durable_engine.MessageNotHandledException:
                raise EvaluationError(
                    f"no rule of ruleset {self.ruleset_name!r} matched; a policy needs a classification "
                    "default so that every grievance is classified"
                ) from None
            except Exception as exc:
                raise EvaluationError(f"durable-rules failed ({exc.__class__.__name__})") from None
            state = host.get_state(self.ruleset_name, sid)
            if state and "exception" in state:
                raise EvaluationError("a rule action failed inside durable-rules")
            return frozenset(host.fired[sid])
        finally:
            host.fired.pop(sid, None)
            with contextlib.suppress(Exception):  # the session may not exist if the assert failed early
                host.delete_state(self.ruleset_name, sid)
