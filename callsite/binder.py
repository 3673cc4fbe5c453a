"""The C# runtime binder: which restrictions guard the rule it compiles.

Per argument, ``BinderHelper.DeduceArgumentRestriction`` (Microsoft.CSharp)
chooses:

* the value is null: an instance restriction on null (``arg == null``);
* argument 0 of a static call (``IsStaticType``, InvokeMember/Invoke only):
  an instance restriction on that ``Type`` object (stable, it never dies;
  Mono and CoreCLR compile it to a type token);
* the argument info says dynamic (not ``UseCompileTimeType``) and the value
  is a COM object: an instance restriction (``IsDynamicallyTypedRuntimeProxy``);
  ``Binder.Convert`` passes no argument infos, so a converted COM object is
  never instance-restricted;
* otherwise a type restriction on the value's runtime type. The delegate
  parameters are ``object``, so ``DynamicMetaObject.RuntimeType`` is the
  value's own type even with ``UseCompileTimeType`` (that flag changes
  overload resolution, not the guard);
* ``Constant`` argument infos add a value test (``IsNaN`` for NaN).

A runtime whose COM binder intercepts COM receivers (``com_receiver =
"com-binder"``, .NET Framework) guards the receiver with ``IsComObject``.

Binder *objects* matter because each one owns the L2 caches, one
``RuleCache<T>`` per delegate type ``T`` (``CallSiteBinder.Cache`` is a
dictionary keyed by the delegate type): two sites on one binder whose
delegate types differ (``d.M(1)`` and ``d.M(1L)``) share no rules.  On CoreCLR
``Binder.X(...)`` returns an existing equivalent binder (BinderEquivalence),
on Mono it always makes a new one; :class:`BinderFactory` reads that from the
profile.
"""

from __future__ import annotations

from callsite.profiles import RuntimeProfile
from callsite.restrictions import COM, INSTANCE, TYPE, TYPE_OBJECT, VALUE
from callsite.rule import Rule
from callsite.rulecache import RuleCache
from callsite.workload import BinderSpec

# Binders whose Fallback* asks ComBinder first when ENABLECOMBINDER is set.
COM_BINDER_KINDS = {"InvokeMember", "GetMember", "SetMember", "Invoke", "Convert", "GetIndex", "SetIndex"}

NULL_CLASS, COM_CLASS, OTHER_CLASS = 0, 1, 2


class CSharpBinder:
    """One binder object: its spec, its identity and its L2 rule cache."""

    __slots__ = ("id", "spec", "caches", "_plans", "_positions", "profile", "action", "type_guards",
                 "_instance_positions")

    def __init__(self, binder_id: int, spec: BinderSpec, profile: RuntimeProfile) -> None:
        self.id = binder_id
        self.spec = spec
        self.profile = profile
        self.caches: dict[tuple, RuleCache] = {}  # delegate signature -> its RuleCache<T>
        self._plans: dict[tuple, tuple] = {}
        self._instance_positions: dict[tuple, tuple] = {}
        # (position, type id) of every type guard this binder has compiled: the
        # only way a rule can accept an object it was not bound for.
        self.type_guards: set = set()
        self.action = _action(spec)
        self._positions = [self._position_rule(i, info) for i, info in enumerate(spec.args)]

    def _position_rule(self, pos: int, info) -> tuple[str, str, bool]:
        """(kind for a COM value, kind for other values, literal?) at one position."""
        spec, profile = self.spec, self.profile
        if pos == 0 and spec.static_call:
            return TYPE_OBJECT, TYPE_OBJECT, False
        com_receiver = (pos == 0 and profile.com_receiver == "com-binder"
                        and spec.kind in COM_BINDER_KINDS)
        if com_receiver:
            com_kind = COM
        elif info is not None and not info.use_compile_time_type and profile.com_argument_instance:
            com_kind = INSTANCE
        else:
            com_kind = TYPE
        return com_kind, TYPE, bool(info is not None and info.constant)

    def plan(self, classes: tuple) -> tuple:
        """The rule shape for arguments of these classes (null / COM / other)."""
        shape = self._plans.get(classes)
        if shape is None:
            guards = []
            for pos, cls in enumerate(classes):
                com_kind, other_kind, literal = self._positions[pos]
                if cls == NULL_CLASS:
                    guards.append((pos, INSTANCE))
                    continue
                guards.append((pos, com_kind if cls == COM_CLASS else other_kind))
                if literal:
                    guards.append((pos, VALUE))
            shape = self._plans[classes] = tuple(guards)
        return shape

    def instance_positions(self, classes: tuple) -> tuple:
        """Positions an instance restriction guards, for arguments of these classes."""
        pos = self._instance_positions.get(classes)
        if pos is None:
            pos = self._instance_positions[classes] = tuple(
                p for p, kind in self.plan(classes) if kind == INSTANCE and classes[p] != NULL_CLASS)
        return pos

    def cache_for(self, delegate: tuple) -> RuleCache:
        """``CallSiteBinder.GetRuleCache<T>``: this binder's L2 for one delegate type."""
        cache = self.caches.get(delegate)
        if cache is None:
            p = self.profile
            cache = self.caches[delegate] = RuleCache(p.l2_max_rules, p.l2_insert_position, p.l2_move_search)
        return cache

    def bind(self, rule_id: int, call_key, types: tuple, classes: tuple, space, cache: RuleCache) -> Rule:
        """BindCore: compile a rule for these arguments and add it to the site's L2."""
        shape = self.plan(classes)
        rule = Rule(rule_id, shape, call_key(shape), self.id, self.action, types, space)
        for p, kind in shape:
            if kind == TYPE:
                self.type_guards.add((p, types[p]))
        cache.add_rule(rule)
        return rule


def _action(spec: BinderSpec) -> str:
    if spec.kind == "InvokeMember":
        return f"call {spec.name}(...)"
    if spec.kind == "GetMember":
        return f"get .{spec.name}"
    if spec.kind == "SetMember":
        return f"set .{spec.name}"
    if spec.kind == "Convert":
        return f"convert to {spec.type}"
    if spec.kind in ("BinaryOperation", "UnaryOperation"):
        return f"operator {spec.operation}"
    if spec.kind == "GetIndex":
        return "get [...]"
    if spec.kind == "SetIndex":
        return "set [...]"
    return "invoke delegate"


class BinderFactory:
    """``Binder.X(...)``: a new binder, or on de-duplicating runtimes an equivalent one.

    Mirrors ``BinderEquivalence.TryGetExisting``: the process-wide cache is
    cleared (count reset) when adding a binder takes it past the limit.
    """

    def __init__(self, profile: RuntimeProfile) -> None:
        self.profile = profile
        self.created = 0
        self._cache: dict[tuple, CSharpBinder] = {}
        self._count = 0
        self.clears = 0

    def create(self, spec: BinderSpec) -> CSharpBinder:
        binder = CSharpBinder(self.created, spec, self.profile)
        self.created += 1
        if not self.profile.binder_dedup:
            return binder
        key = spec.equivalence_key()
        existing = self._cache.get(key)
        if existing is not None:
            self.created -= 1  # the new object is garbage at once; it owns no rules
            return existing
        self._cache[key] = binder
        self._count += 1
        if self._count > self.profile.binder_dedup_limit:
            self._cache.clear()
            self._count = 0
            self.clears += 1
        return binder

    @property
    def cached(self) -> list[CSharpBinder]:
        """Binders rooted by the process-wide equivalence cache (a static field)."""
        return list(self._cache.values())
