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
  correct, and processes are the way to use more cores. A process that forks while another
  thread holds that lock would hand its child a lock nobody releases: the child starts with a
  fresh lock and a fresh host, and each engine registers its rulesets again there on first use;
- durable-rules cannot unregister a ruleset, so registrations are kept for the life of the
  process, one per distinct compiled content (a hash of the stage's rules): loading the same
  rules again, under any pack name or version, reuses them instead of leaking a copy.

Because a ruleset is a pure function of the fact it is shown, each stage's fired rules are
memoised on what that stage's rules read (a bounded LRU cache per stage): the engine decides each
distinct input once. A text property compared only for equality is keyed by the value when a
rule names it and by one "other" token when none does, so free text (a group name, say) never
sits in the memo and distinct texts no rule tests share one entry.

For batches (:mod:`grievance_rules.table`) each stage is also split into *rule groups*: the
rules that read the same properties, each group registered as its own ruleset (lazily, once per
process). Every compiled rule matches a single fact, so within a stage a rule fires or not on its
own properties whatever the others do; asking a group on just its properties
(:meth:`RulesEngine.fire_group`) gives the same firings as asking the whole stage, and a batch
asks durable-rules once per distinct tuple of each group's few properties instead of once per
distinct tuple of everything the pack reads. The per-record path does the same for a stage input
its memo has not seen (:meth:`RulesEngine._stage_by_groups`), so with realistic variety a new
grievance mostly costs group memo lookups, not a durable-rules session.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import operator
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from durable import engine as durable_engine

from grievance_rules.compiler import Stage, rule_reads
from grievance_rules.errors import EvaluationError

__all__ = ["EngineRejection", "RulesEngine"]

_FACT_ID = "grievance"
FACT_KIND = "grievance"
CASE_KIND = "case"
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
# content hash of a registered ruleset's definition -> the name it is registered under
_REGISTERED: dict[str, str] = {}
_GENERATION = 0  # bumped in a forked child: every engine registers again with the child's host


def _host() -> _QuietHost:
    global _HOST
    if _HOST is None:
        _HOST = _QuietHost()
    return _HOST


def _after_fork_in_child() -> None:
    """A fresh lock and host in a forked child (the parent's lock may be held by a thread it lost)."""
    global _LOCK, _HOST, _GENERATION
    _LOCK = threading.RLock()
    _HOST = None
    _REGISTERED.clear()
    _GENERATION += 1


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def _content_hash(definition: Mapping[str, Any], extra: Any = None) -> str:
    body = json.dumps([definition, extra], sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _register(kind: str, definition: Mapping[str, Any], joins: Mapping[str, int] | None = None) -> str:
    """The name of a ruleset with this definition, registering it once per process (call under the lock)."""
    digest = _content_hash(definition, sorted((joins or {}).items()))
    name = _REGISTERED.get(digest)
    if name is not None:
        return name
    host = _host()
    name = f"{kind}-{digest[:24]}"
    body = copy.deepcopy(dict(definition))  # register_rulesets deletes 'run' from what it is given
    body[_SEEN] = {"all": [{"m": {"kind": kind}}], "run": _SEEN}
    host.joins.update(joins or {})
    host.register_rulesets({name: body})
    _REGISTERED[digest] = name
    return name


def _equality_constants(definition: Mapping[str, Any]) -> dict[str, tuple[frozenset[Any], str]]:
    """Text properties a stage only compares for (in)equality: their constants and an 'other' token.

    A value that is none of the constants behaves like any other such value in every rule, so the
    memo keys it (and the engine is shown it) as the token.
    """
    constants: dict[str, set[Any]] = {}
    ordered: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("$and", "$or"):
                    walk(value)
                elif key == "$neq" and isinstance(value, dict):
                    for prop, const in value.items():
                        constants.setdefault(prop, set()).add(const)
                elif key.startswith("$") and isinstance(value, dict):
                    ordered.update(value)
                elif key != "kind":
                    constants.setdefault(key, set()).add(value)

    for rule in definition.values():
        for matcher in rule["all"]:
            walk(matcher["m"])
    out: dict[str, tuple[frozenset[Any], str]] = {}
    for prop, consts in constants.items():
        if prop in ordered or not all(isinstance(c, str) for c in consts):
            continue
        other = "#other"
        while other in consts:
            other += "#"
        out[prop] = (frozenset(consts), other)
    return out


_UNNAMED = object()  # stands for any text value no rule names, in the whole-pipeline memo key


def _reader(inputs: Sequence[str]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """Reads ``inputs`` from a fact as a tuple (KeyError when one is missing)."""
    if not inputs:
        return lambda fact: ()
    if len(inputs) == 1:
        only = inputs[0]
        return lambda fact: (fact[only],)
    return operator.itemgetter(*inputs)


def _folds(
    inputs: Sequence[str], tokens: Sequence[tuple[str, frozenset[Any], Any]]
) -> tuple[tuple[int, frozenset[Any], Any], ...]:
    """(position in ``inputs``, the constants rules name, the placeholder) of each text property."""
    return tuple((inputs.index(prop), constants, other) for prop, constants, other in tokens if prop in inputs)


def _folded(values: tuple[Any, ...], folds: Sequence[tuple[int, frozenset[Any], Any]]) -> tuple[Any, ...]:
    """``values`` with each text no rule names replaced by its placeholder (never kept, never shown)."""
    if not folds:
        return values
    out: list[Any] | None = None
    for position, constants, other in folds:
        value = values[position]
        if isinstance(value, str) and value not in constants:
            if out is None:
                out = list(values)
            out[position] = other
    return values if out is None else tuple(out)


def _shown(
    inputs: Sequence[str], tokens: Sequence[tuple[str, frozenset[Any], str]], fact: Mapping[str, Any]
) -> dict[str, Any]:
    """What a ruleset reading ``inputs`` is shown of ``fact`` (the inputs it has), each text no
    rule names replaced by its placeholder (free text: never kept, never shown)."""
    shown = {p: fact[p] for p in inputs if p in fact}
    for prop, constants, other in tokens:
        value = shown.get(prop)
        if isinstance(value, str) and value not in constants:
            shown[prop] = other
    return shown


def _may_clash(stage: Stage) -> bool:
    """Whether two rules of ``stage`` set one property (to different values): then the order of
    firings could decide it, and the stage is asked whole (see :meth:`RulesEngine._stage_by_groups`)."""
    seen: dict[str, Any] = {}
    return any(seen.setdefault(prop, value) != value for prop, value in stage.emits.values())


def _rule_groups(definition: Mapping[str, Any]) -> list[tuple[tuple[str, ...], dict[str, Any]]]:
    """A stage's rules grouped by the properties they read: (inputs, sub-definition) per group.

    Every compiled rule matches one fact (a single ``m`` in ``all``), so within a stage a rule
    fires or not on its own properties alone, whatever the others do: asking each group's
    ruleset on just its properties gives the same firings as asking the whole stage.
    """
    if any(len(rule["all"]) != 1 or set(rule) - {"all", "run"} for rule in definition.values()):
        # a rule joining several facts (or with more than a condition) is not independent of the
        # others: such a stage stays one group, shown everything any of its rules reads
        everything = tuple(sorted({p for rule in definition.values() for p in rule_reads(rule["all"])}))
        return [(everything, dict(definition))]
    groups: dict[tuple[str, ...], dict[str, Any]] = {}
    for name, rule in definition.items():
        groups.setdefault(rule_reads(rule["all"]), {})[name] = rule
    return sorted(groups.items())


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
        self._inputs = tuple(st.inputs for st in self.stages)
        self._tokens = tuple(
            tuple((p, c, o) for p, (c, o) in _equality_constants(st.definition).items()) for st in self.stages
        )
        self._caches: tuple[OrderedDict[tuple[Any, ...], tuple[str, ...]], ...] = tuple(
            OrderedDict() for _ in self.stages
        )
        # whole-pipeline memo: one lookup per grievance on all its properties, free text that no
        # stage names folded into one placeholder first (so it is never kept either)
        named: dict[str, set[Any]] = {}
        for stage_tokens in self._tokens:
            for prop, constants, _other in stage_tokens:
                named.setdefault(prop, set()).update(constants)
        self._named = {prop: frozenset(values) for prop, values in named.items()}
        # (property, the constants rules name, the placeholder) for the whole-pipeline memo key
        self._unnamed = tuple((prop, constants, _UNNAMED) for prop, constants in self._named.items())
        self._memo: dict[tuple[Any, ...], frozenset[str]] = {}
        self._canon: tuple[str, ...] | None = None  # the property names of the usual fact, in order (see fire)
        self._canon_folds: tuple[tuple[int, frozenset[Any], Any], ...] = ()
        self._fired_sets: dict[frozenset[str], frozenset[str]] = {}  # see _interned
        self._cache_size = cache_size
        # the stages split into rule groups for the columnar path (asked per group, see fire_group)
        self._groups = tuple(tuple(_rule_groups(st.definition)) for st in self.stages)
        self._group_tokens = tuple(
            tuple(tuple((p, c, o) for p, (c, o) in _equality_constants(body).items()) for _i, body in stage)
            for stage in self._groups
        )
        self._group_memo: dict[tuple[int, int], dict[tuple[Any, ...], tuple[str, ...]]] = {
            (s, g): {} for s, stage in enumerate(self._groups) for g in range(len(stage))
        }
        self._group_names: dict[tuple[int, int], str] = {}
        # per stage, what a memoised evaluation reads (see _pipeline_cached): the stage's key reader
        # with the positions of its text properties to fold, and the same for each of its groups
        self._plans = tuple(
            (
                _reader(inputs),
                _folds(inputs, tokens),
                tuple(
                    (_reader(g_inputs), _folds(g_inputs, g_tokens), self._group_memo[(s, g)])
                    for g, ((g_inputs, _body), g_tokens) in enumerate(zip(groups, group_tokens, strict=True))
                ),
                _may_clash(stage),
            )
            for s, (inputs, tokens, groups, group_tokens, stage) in enumerate(
                zip(self._inputs, self._tokens, self._groups, self._group_tokens, self.stages, strict=True)
            )
        )
        self._casebook = dict(casebook or {})
        self._joins = dict(joins or {})
        self._names: tuple[str, ...] = ()
        self._shown_as: dict[str, str] = {}
        self._casebook_name: str | None = None
        self._generation = -1
        with _LOCK:
            self._ensure_registered()

    def _ensure_registered(self) -> None:
        """Register this pipeline's rulesets with the current host (again after a fork); under the lock."""
        if self._generation == _GENERATION:
            return
        names = []
        for stage in self.stages:
            try:
                names.append(_register(FACT_KIND, stage.definition))
            except Exception as exc:
                raise EngineRejection(f"{self.base_name}.{stage.name}", str(exc), list(stage.definition)) from None
        self._names = tuple(names)
        self._shown_as = {n: f"{self.base_name}.{st.name}" for n, st in zip(names, self.stages, strict=True)}
        if self._casebook:
            try:
                self._casebook_name = _register(CASE_KIND, self._casebook, self._joins)
            except Exception as exc:
                raise EngineRejection(f"{self.base_name}.casebook", str(exc), list(self._casebook)) from None
        self._group_names = {}  # groups register lazily, on first use in this host
        self._generation = _GENERATION

    def rule_groups(self) -> tuple[tuple[tuple[tuple[str, ...], tuple[str, ...]], ...], ...]:
        """Per stage, its rule groups as (properties read, rule names): the units of :meth:`fire_group`."""
        return tuple(tuple((inputs, tuple(body)) for inputs, body in stage) for stage in self._groups)

    def fire_group(self, stage: int, group: int, values: Sequence[Any]) -> tuple[str, ...]:
        """The rules of one rule group that fire on a fact whose group inputs have ``values``.

        Each group is its own durable-rules ruleset (registered once per process, on first use),
        shown only the properties its rules read, so a batch asks the engine once per distinct
        tuple of *those* properties rather than once per distinct tuple of everything the pack
        reads. Answers are memoised like :meth:`fire`'s.
        """
        inputs, body = self._groups[stage][group]
        shown = _shown(inputs, self._group_tokens[stage][group], dict(zip(inputs, values, strict=True)))
        key = tuple(shown[p] for p in inputs)
        memo = self._group_memo[(stage, group)]
        found = memo.get(key)
        if found is not None:
            return found
        with _LOCK:
            self._ensure_registered()
            name = self._group_names.get((stage, group))
            if name is None:
                try:
                    name = _register(FACT_KIND, body)
                except Exception as exc:
                    raise EngineRejection(f"{self.base_name}.{self.stages[stage].name}", str(exc), list(body)) from None
                self._group_names[(stage, group)] = name
                self._shown_as[name] = f"{self.base_name}.{self.stages[stage].name}"
            found = tuple(self._fire(name, shown))
        if len(memo) >= self._cache_size * 4:
            memo.clear()  # bounded, as the other memos
        memo[key] = found
        return found

    def fire(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """The names of the rules that fire, over all stages, for a grievance with these properties.

        Each stage's answer is memoised on the properties that stage reads, so the engine decides
        each distinct input of each stage once.
        """
        key = self._memo_key(properties)
        found = self._memo.get(key)
        if found is None:
            found = self._pipeline_cached(properties)
            if len(self._memo) >= self._cache_size * 4:
                self._memo.clear()  # bounded: a burst of new inputs costs a refill, never memory
            self._memo[key] = found
        return found

    def _memo_key(self, properties: Mapping[str, Any]) -> tuple[Any, ...]:
        """The whole-pipeline memo key: the values, text that no rule names folded into one
        placeholder (never kept). A policy shows every grievance the same properties in one
        order, the first order seen: for it the key is one flat tuple of values (fewer objects
        kept for the garbage collector, a cheaper key); any other order keys by (name, value)
        pairs, which a flat tuple of values never equals."""
        names = tuple(properties)
        if self._canon is None:
            self._canon = names
            self._canon_folds = _folds(names, self._unnamed)
        if names == self._canon:
            return _folded(tuple(properties.values()), self._canon_folds)
        values = _folded(tuple(properties.values()), _folds(names, self._unnamed))
        return tuple(zip(names, values, strict=True))

    def fire_uncached(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """Ask the engine without the memo (for benchmarks of the raw rate)."""
        return self._pipeline(properties)

    def _pipeline(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """Every stage asked whole, without any memo (what :meth:`fire_uncached` measures)."""
        fact = dict(properties)
        fired: set[str] = set()
        with _LOCK:
            self._ensure_registered()
            for name, stage, inputs, tokens in zip(self._names, self.stages, self._inputs, self._tokens, strict=True):
                now = self._fire(name, _shown(inputs, tokens, fact))
                fired.update(now)
                fact.update(stage.defaults)
                for rule in now:
                    emitted = stage.emits.get(rule)
                    if emitted is not None:
                        fact[emitted[0]] = emitted[1]
        return frozenset(fired)

    def _interned(self, fired: frozenset[str]) -> frozenset[str]:
        """``fired``, or the equal set already answered: memo entries share one set per distinct
        outcome (fewer objects kept; the set's hash, cached in it, serves every later lookup)."""
        found = self._fired_sets.get(fired)
        if found is None:
            if len(self._fired_sets) >= self._cache_size * 4:
                self._fired_sets.clear()
            found = self._fired_sets[fired] = fired
        return found

    def _pipeline_cached(self, properties: Mapping[str, Any]) -> frozenset[str]:
        """The stages asked in order with their memos, for a fact :meth:`fire` has not seen whole.

        Per stage: the stage's memo on its inputs, else each rule group's memo (durable-rules is
        asked only for a group input it has not answered), else the whole stage (a property a
        group reads is missing, or two fired rules set one property differently). Keys are read
        with precomputed readers: a new grievance is mostly new in one or two properties, and this
        path is what a batch of varied grievances pays per record.
        """
        fact = dict(properties)
        fired: set[str] = set()
        with _LOCK:
            self._ensure_registered()
            for index, (stage, cache, (read, folds, groups, may_clash)) in enumerate(
                zip(self.stages, self._caches, self._plans, strict=True)
            ):
                try:
                    key = _folded(read(fact), folds)
                except KeyError:  # a property the stage reads is missing: the full path shows it as null
                    now = self._stage_whole(index, stage, fact, cache)
                else:
                    now = cache.get(key)  # type: ignore[assignment]
                    if now is None:
                        now = self._stage_groups(index, groups, fact) if not may_clash else None
                        if now is None:
                            now = self._stage_whole(index, stage, fact, cache)
                        else:
                            cache[key] = now
                            if len(cache) > self._cache_size:
                                cache.popitem(last=False)
                fired.update(now)
                if stage.defaults:
                    fact.update(stage.defaults)
                for rule in now:
                    emitted = stage.emits.get(rule)
                    if emitted is not None:
                        fact[emitted[0]] = emitted[1]
        return self._interned(frozenset(fired))

    def _stage_groups(
        self,
        index: int,
        groups: Sequence[tuple[Any, tuple[tuple[int, frozenset[Any], str], ...], dict[Any, Any]]],
        fact: Mapping[str, Any],
    ) -> tuple[str, ...] | None:
        """A stage's firings from its groups' memos (asking durable-rules for new group inputs),
        or None when a property a group reads is missing."""
        out: list[str] = []
        for g, (read, folds, memo) in enumerate(groups):
            try:
                raw = read(fact)
            except KeyError:
                return None
            found = memo.get(_folded(raw, folds))
            if found is None:
                found = self.fire_group(index, g, raw)
            out.extend(found)
        return tuple(out)

    def _stage_whole(
        self, index: int, stage: Stage, fact: Mapping[str, Any], cache: OrderedDict[tuple[Any, ...], tuple[str, ...]]
    ) -> tuple[str, ...]:
        """One stage as :meth:`_pipeline` asks it (memoised on the stage's inputs)."""
        inputs = self._inputs[index]
        shown = _shown(inputs, self._tokens[index], fact)
        key = tuple(map(shown.get, inputs))
        now = cache.get(key)
        if now is None:
            found = self._stage_by_groups(index, stage, fact)
            now = cache[key] = tuple(self._fire(self._names[index], shown)) if found is None else found
            if len(cache) > self._cache_size:
                cache.popitem(last=False)
        return now

    def _stage_by_groups(self, index: int, stage: Stage, fact: Mapping[str, Any]) -> tuple[str, ...] | None:
        """A stage's firings for ``fact`` asked group by group (:meth:`fire_group`, memoised per
        group), or None when the whole stage must be asked.

        A new input of a stage is mostly new in one or two of its groups' few properties: the
        other groups answer from their memos, so durable-rules is asked about far fewer inputs.
        The whole stage is asked instead when a property a group reads is missing from the fact
        (a group would show it as null), and when two of the rules that fired set one property to
        different values (the order of firings would decide it), as the columnar path does.
        """
        fired: list[str] = []
        for group, (inputs, _body) in enumerate(self._groups[index]):
            if not all(p in fact for p in inputs):
                return None
            fired.extend(self.fire_group(index, group, [fact[p] for p in inputs]))
        setting: dict[str, Any] = {}
        for rule in fired:
            emitted = stage.emits.get(rule)
            if emitted is not None and setting.setdefault(emitted[0], emitted[1]) != emitted[1]:
                return None
        return tuple(fired)

    def match_cases(self, cases: Sequence[Mapping[str, Any]]) -> list[tuple[str, tuple[str, ...]]]:
        """Assert many case facts into one throw-away session; return each join's (rule, case ids).

        Each call is its own session, deleted afterwards: case books never see each other.
        """
        if not self._casebook or not cases:
            return []
        with _LOCK:
            self._ensure_registered()
            assert self._casebook_name is not None
            host = _host()
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
        shown_as = self._shown_as.get(ruleset, ruleset)  # the pack's stage, for messages
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
                raise EvaluationError(f"no rule of ruleset {shown_as!r} matched, not even its sentinel") from None
            except Exception as exc:
                # the session may be half made: deleting it has crashed the process; leave it
                created = False
                raise EvaluationError(
                    f"durable-rules failed in ruleset {shown_as!r} ({exc.__class__.__name__})"
                ) from None
            names = host.fired[sid]
            if _SEEN not in names:  # the sentinel always fires; without it the actions did not all run
                raise EvaluationError(f"durable-rules did not run the actions of ruleset {shown_as!r}")
            return [name for name in names if name != _SEEN]
        finally:
            host.fired.pop(sid, None)
            if created:
                host.delete_state(ruleset, sid)


class EngineRejection(EvaluationError):
    """durable-rules refused a compiled ruleset; ``rules`` names the rules of that ruleset.

    The compiler checks the engine's known limits first, so this is the engine refusing something
    unforeseen; no scratch ruleset is registered to find the culprit (each would stay for the life
    of the process).
    """

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
