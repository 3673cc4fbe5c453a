"""The simulator one call at a time, with the caches as value objects.

:class:`Stepper` holds a process's call sites, binders and object space
and makes one call per :meth:`Stepper.call`, through the same
:class:`~callsite.site.CallSite`, :class:`~callsite.rulecache.RuleCache`
and binder classes the batch simulator uses (with none of its shortcuts).
After each call it returns a :class:`Step`: the level that answered, whether
the rule threw, and a :class:`SiteCaches` snapshot (``Target``, ``Rules``,
the binder's ``RuleCache`` for the site's delegate type, and every rule in
them as a :class:`RuleView`).  Snapshots are frozen: later calls never change
them, so they can be kept, compared and drawn (:mod:`callsite.draw`).

The calls made so far form an ordinary workload (:meth:`Stepper.workload`),
which ``simulate`` and the real runtimes run unchanged.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Mapping

from callsite.binder import COM_CLASS, NULL_CLASS, OTHER_CLASS, BinderFactory
from callsite.objects import ObjectSpace
from callsite.profiles import RuntimeProfile, get_profile
from callsite.rule import Rule
from callsite.semantics import World, arg_of
from callsite.site import LEVELS, CallSite
from callsite.stats import SiteStats
from callsite.workload import FORMAT, Cycle, load_workload


@dataclass(frozen=True)
class RuleView:
    """One compiled rule as a notebook shows it."""

    id: int
    restrictions: str       # e.g. ``$arg0 == typeof(GC) && $arg1 TypeEqual A``
    action: str
    instance_restricted: bool
    holds: str              # how the rule holds an instance-restricted object: "", "strong" or "weak"

    @property
    def label(self) -> str:
        """Short label for drawings: ``r3``."""
        return f"r{self.id}"

    def describe(self) -> str:
        """``if (restrictions) action``, plus how an instance-restricted object is held."""
        text = f"if ({self.restrictions}) {self.action}"
        if self.holds == "strong":
            text += "   [object held as a constant of the rule: strong]"
        elif self.holds == "weak":
            text += "   [object held through a WeakReference]"
        return text


@dataclass(frozen=True)
class SiteCaches:
    """One site's three cache levels at one moment (rule ids; a rule can sit in two L2 slots)."""

    site: str
    l0: int | None          # rule in Target (None: Target is still the update delegate)
    l1: tuple[int, ...]     # the site's Rules, front first
    l2: tuple[int, ...]     # the binder's RuleCache for this site's delegate type, front first
    rules: Mapping[int, RuleView] = field(repr=False, default_factory=dict)

    @property
    def l2_distinct(self) -> int:
        return len(set(self.l2))


@dataclass(frozen=True)
class Step:
    """One call and its outcome."""

    index: int              # 0-based call number in the run
    iteration: int
    site: str
    level: str              # "l0", "l1", "l2" or "bind"
    throws: bool            # the rule that ran threw (so an L1 hit did not move it)
    caches: SiteCaches
    ic_state: str


class Stepper:
    """A process running one workload's binders and sites, one call at a time.

    ``document`` is a workload mapping without calls (``binders``, ``sites``,
    optionally ``classes``); values in :meth:`call` use the workload format.
    """

    def __init__(self, document: Mapping[str, Any], profile: "str | RuntimeProfile" = "mono") -> None:
        self.document = {k: copy.deepcopy(v) for k, v in document.items()
                         if k not in ("body", "calls", "script", "iterations", "default_calls")}
        self.document.setdefault("format", FORMAT)
        self.profile = get_profile(profile)
        self.space = ObjectSpace()
        self.factory = BinderFactory(self.profile)
        self.world = World({})
        self.iterations: list[list[dict]] = [[]]
        self.steps: list[Step] = []
        self._run_binders: dict = {}
        self._static: dict[str, CallSite] = {}
        self._current: dict[str, CallSite] = {}
        self._stats: dict[str, SiteStats] = {}
        self._fresh = self.space.fresh_base
        self._rules = 0

    # ------------------------------------------------------------- the program
    def workload(self) -> dict:
        """The calls made so far as a workload mapping (runs unchanged on simulate and the runtimes)."""
        script = [it for it in self.iterations if it]
        return dict(copy.deepcopy(self.document), name=self.document.get("name", "stepper"),
                    script=copy.deepcopy(script))

    def end_iteration(self) -> None:
        """The loop goes round: per-iteration sites and this iteration's fresh objects die."""
        if self.iterations[-1]:
            self.iterations.append([])
            self._current = {}

    def call(self, site: str, args: list) -> Step:
        """Make one call at ``site`` with ``args`` (receiver first); returns what happened."""
        self.iterations[-1].append({"site": site, "args": copy.deepcopy(args)})
        try:
            wl = load_workload(self.workload())
        except Exception:
            self.iterations[-1].pop()
            raise
        self.world = World(wl.classes)
        iteration = len([it for it in self.iterations if it]) - 1
        values = [a.value.items[iteration % len(a.value.items)] if isinstance(a.value, Cycle) else a.value
                  for a in wl.script[-1][-1].args]
        spec = wl.sites[site]
        binder_spec = wl.binders[spec.binder]
        cs = self._site(spec, binder_spec)
        st = self._stats.setdefault(site, SiteStats(site, spec.lifetime, spec.binder, binder_spec.describe()))
        T, O, V, K = [], [], [], []
        for v in values:
            tid, oid, vid, com = self.space.describe(v)
            if oid is None:
                self._fresh += 1
                oid = self._fresh
            T.append(tid)
            O.append(oid)
            V.append(vid)
            K.append(com)
        T, O, V, K = tuple(T), tuple(O), tuple(V), tuple(K)
        from callsite.simulator import _getter

        def key(shape):
            return _getter(shape)(T, O, V, K)

        classes = tuple(NULL_CLASS if o == 0 else (COM_CLASS if k else OTHER_CLASS) for o, k in zip(O, K))
        index = len(self.steps)

        def bind() -> Rule:
            self._rules += 1
            inst = cs.binder.instance_positions(classes)
            st.record_bind(index, T, [p for p in inst if O[p] >= self.space.fresh_base])
            return cs.binder.bind(self._rules, key, T, classes, self.space, cs.cache)

        throws = self.world.throws(binder_spec, tuple(arg_of(v) for v in values))
        level = LEVELS[cs.call(key, bind, lambda: throws)]
        st.calls += 1
        step = Step(index, iteration, site, level, throws, self.caches(site), st.ic_state(self.profile.l1_max_rules))
        self.steps.append(step)
        return step

    def _site(self, spec, binder_spec) -> CallSite:
        if spec.lifetime == "static" and spec.name in self._static:
            return self._static[spec.name]
        if spec.lifetime != "static" and spec.name in self._current:
            return self._current[spec.name]
        if spec.binder_per_iteration:
            binder = self.factory.create(binder_spec)
        else:
            binder = self._run_binders.get(spec.binder)
            if binder is None:
                binder = self._run_binders[spec.binder] = self.factory.create(binder_spec)
        cs = CallSite(spec.name, 0, binder, self.profile.l1_max_rules, binder.cache_for(spec.delegate))
        (self._static if spec.lifetime == "static" else self._current)[spec.name] = cs
        return cs

    # ------------------------------------------------------------- snapshots
    def caches(self, site: str) -> SiteCaches:
        """A frozen snapshot of one site's caches (its current instance)."""
        cs = self._static.get(site) or self._current.get(site)
        if cs is None:
            return SiteCaches(site, None, (), ())
        rules: dict[int, RuleView] = {}
        for r in ([cs.target] if cs.target is not None else []) + list(cs.rules or []) + list(cs.cache.rules):
            if r.id not in rules:
                rules[r.id] = self._view(r)
        return SiteCaches(site, cs.target.id if cs.target is not None else None,
                          tuple(r.id for r in cs.rules or ()), tuple(r.id for r in cs.cache.rules), rules)

    def _view(self, rule: Rule) -> RuleView:
        holds = ""
        if rule.instance_restricted:
            holds = "weak" if self.profile.instance_reference == "weak" else "strong"
        text = rule.restrictions.describe()
        base = self.space.fresh_base
        for oid in rule.instance_targets:
            if oid >= base:
                text = text.replace(f"object #{oid}", f"fresh object #{oid - base}")
        return RuleView(rule.id, text, rule.action, rule.instance_restricted, holds)
