"""The only module that touches durable-rules.

One durable-rules ``Host`` serves the process. Each compiled policy is registered under its own
ruleset name (pack id, version and content hash), so two packs, or two versions of one pack,
live side by side. What the engine learned the hard way (see the project's durable-rules notes):

- the host's timer threads can run actions on their own thread, so they are switched off and
  every action runs inside the ``assert_fact`` call;
- results are collected in our own callbacks, keyed by a throw-away session id, never read
  from ``assert_fact``'s return value;
- each evaluation uses a fresh session that is deleted afterwards (a ruleset holds at most
  1024 live sessions); every stage has a sentinel rule that always fires, because when no rule
  matches durable-rules makes no session and deleting it then crashes the process;
- the C core never releases the GIL, so calls are serialised behind one lock: threads stay
  correct, and processes are the way to use more cores.

Because a ruleset is a pure function of the fact it is shown, each stage's fired rules are
memoised on the properties that stage reads (a bounded LRU cache per stage): the engine decides
each distinct input once.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from durable import engine as durable_engine

from grievance_rules.compiler import Stage
from grievance_rules.errors import EvaluationError

__all__ = ["EngineRejection", "RulesEngine"]

_FACT_ID = "grievance"
# Every stage gets a rule that always fires: durable-rules raises when no rule matches, makes no
# session then, and crashes (segfault) when that missing session is deleted.
_SEEN = "__seen__"


class _QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A durable Host without timer threads; actions resolve to our collectors by name."""

    def __init__(self) -> None:
        self.fired: dict[str, list[Any]] = {}
        self.joins: dict[str, int] = {}  # join rule -> how many facts it binds (c1..cN)
        super().__init__()

    def _run(self) -> None:  # no background dispatch: every action runs inside assert_fact
        return None

    def get_action(self, action_name: str) -> Callable[[Any], None]:
        fired = self.fired

        width = self.joins.get(action_name)
        if width is None:

            def record(c: Any) -> None:
                fired[c.s["sid"]].append(action_name)

            return record

        def record_join(c: Any) -> None:
            ids = tuple(getattr(c, f"c{i}")["id"] for i in range(1, width + 1))
            fired[c.s["sid"]].append((action_name, ids))

        return record_join


_LOCK = threading.RLock()
_HOST: _QuietHost | None = None
_SIDS = itertools.count(1)


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


class RulesEngine:
    """A compiled pipeline of rulesets registered with durable-rules, asked one fact at a time.

    Each stage is its own ruleset; the rules that fire in one stage set properties of the fact
    shown to the next (see :mod:`grievance_rules.compiler`).
    """

    def __init__(
        self,
        base_name: str,
        stages: Sequence[Stage],
        cache_size: int = 4096,
        casebook: Mapping[str, Any] | None = None,
        joins: Mapping[str, int] | None = None,
    ) -> None:
        self.base_name = base_name
        self.stages = tuple(st for st in stages if st.definition)
        self._names = tuple(f"{base_name}.{st.name}" for st in self.stages)
        self._inputs = tuple(st.inputs for st in self.stages)
        self._caches: tuple[OrderedDict[tuple[Any, ...], tuple[str, ...]], ...] = tuple(
            OrderedDict() for _ in self.stages
        )
        self._cache_size = cache_size
        with _LOCK:
            host = _host()
            for name, stage in zip(self._names, self.stages, strict=True):
                if name in host._ruleset_directory:  # same name = same content hash: already registered
                    continue
                definition = copy.deepcopy(dict(stage.definition))
                definition[_SEEN] = {"all": [{"m": {"kind": "grievance"}}], "run": _SEEN}
                try:
                    host.register_rulesets({name: definition})
                except Exception as exc:
                    raise EngineRejection(name, str(exc), _culprits(host, stage)) from None
            book_name = f"{base_name}.casebook"
            self._casebook_name = book_name if casebook else None
            if casebook and book_name not in host._ruleset_directory:
                host.joins.update(joins or {})
                definition = copy.deepcopy(dict(casebook))
                definition[_SEEN] = {"all": [{"m": {"kind": "case"}}], "run": _SEEN}
                try:
                    host.register_rulesets({book_name: definition})
                except Exception as exc:
                    raise EngineRejection(book_name, str(exc), list(casebook)) from None

    def fire(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """The names of the rules that fire, over all stages, for a grievance with these properties.

        Each stage's answer is memoised on the properties that stage reads, so the engine decides
        each distinct input of each stage once.
        """
        return self._pipeline(properties, cached=True)

    def fire_uncached(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """Ask the engine without the memo (for benchmarks of the raw rate)."""
        return self._pipeline(properties, cached=False)

    def _pipeline(self, properties: Mapping[str, Any], *, cached: bool) -> frozenset[str]:
        fact = dict(properties)
        fired: set[str] = set()
        with _LOCK:
            for name, stage, inputs, cache in zip(self._names, self.stages, self._inputs, self._caches, strict=True):
                key = tuple(map(fact.get, inputs))
                now = cache.get(key) if cached else None
                if now is None:
                    now = tuple(self._fire(name, {p: fact[p] for p in inputs if p in fact}))
                    if cached:
                        cache[key] = now
                        if len(cache) > self._cache_size:
                            cache.popitem(last=False)
                elif cached:
                    cache.move_to_end(key)
                fired.update(now)
                fact.update(stage.defaults)
                for rule in now:
                    emitted = stage.emits.get(rule)
                    if emitted is not None:
                        fact[emitted[0]] = emitted[1]
        return frozenset(fired)

    def match_cases(self, cases: Sequence[Mapping[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
        """Assert many case facts into one throw-away session; return each join's (rule, case ids).

        Each call is its own session, deleted afterwards: case books never see each other.
        """
        if self._casebook_name is None or not cases:
            return []
        host = _host()
        with _LOCK:
            sid = f"b{next(_SIDS)}"
            facts = [{**case, "sid": sid, "kind": "case"} for case in cases]
            host.fired[sid] = []
            try:
                try:
                    host.assert_facts(self._casebook_name, facts)
                except Exception as exc:
                    raise EvaluationError(f"durable-rules failed in the case book ({exc.__class__.__name__})") from None
                return [entry for entry in host.fired[sid] if entry != _SEEN]
            finally:
                host.fired.pop(sid, None)
                host.delete_state(self._casebook_name, sid)

    def _fire(self, ruleset: str, properties: Mapping[str, Any]) -> list[str]:
        host = _host()
        sid = f"e{next(_SIDS)}"
        fact = dict(properties)
        fact.update({"sid": sid, "id": _FACT_ID, "kind": "grievance"})
        host.fired[sid] = []
        created = True
        try:
            try:
                host.assert_fact(ruleset, fact)
            except durable_engine.MessageNotHandledException:
                # cannot happen while the sentinel rule is there; the session was never made, and
                # deleting a session that does not exist crashes durable-rules: do not touch it
                created = False
                raise EvaluationError(f"no rule of ruleset {ruleset!r} matched, not even its sentinel") from None
            except Exception as exc:
                raise EvaluationError(
                    f"durable-rules failed in ruleset {ruleset!r} ({exc.__class__.__name__})"
                ) from None
            names = host.fired[sid]
            if _SEEN not in names:  # the sentinel always fires; without it the actions did not all run
                raise EvaluationError(f"durable-rules did not run the actions of ruleset {ruleset!r}")
            return [name for name in names if name != _SEEN]
        finally:
            host.fired.pop(sid, None)
            if created:
                host.delete_state(ruleset, sid)


class EngineRejection(EvaluationError):
    """durable-rules refused a compiled ruleset; ``rules`` names the rules it refused alone."""

    def __init__(self, ruleset: str, reason: str, rules: Sequence[str]) -> None:
        self.ruleset = ruleset
        self.reason = reason
        self.rules = tuple(rules)
        self._init_args = (ruleset, reason, self.rules)
        hint = (
            " (error 113: a condition has more than durable-rules' 32 expressions; split the rule)"
            if "113" in reason
            else ""
        )
        super().__init__(f"durable-rules refused ruleset {ruleset!r}: {reason}{hint}; rules: {', '.join(rules)}")


_SCRATCH = itertools.count(1)


def _culprits(host: _QuietHost, stage: Stage) -> list[str]:
    """The rules of ``stage`` that durable-rules refuses on their own."""
    bad = []
    for rule, body in stage.definition.items():
        try:
            host.register_rulesets({f"scratch-{next(_SCRATCH)}": {rule: copy.deepcopy(body)}})
        except Exception:
            bad.append(rule)
    return bad
