"""Reading a real call site's caches (runs inside a worker, runtime loaded).

Per call, the level that satisfied it is decided by the compiled *invoker*
(see :mod:`binders.replay`) from what the runtime itself changed:

* the ``CountingBinder`` total went up          -> ``bind``
* the site's ``Rules`` array was replaced       -> ``l2`` (an L2 hit copies the
  rule into L1 with ``AddRule``, which always allocates a new array)
* only the site's ``Target`` changed            -> ``l1`` (an L1 hit installs
  the rule as the new target; ``MoveRule`` reorders the array in place)
* nothing changed                               -> ``l0``

Rules are told apart by what the compiled delegate holds.  An instance
restriction appears in the rule's closure constants in one of two forms,
depending on the runtime's ``BindingRestrictions`` (measured in
``tests/real/test_runtime_facts.py``): a ``System.WeakReference`` to the object (.NET Framework
reference source) or the object itself as a plain constant
(Mono 6.8 and CoreCLR 3.1: ``$v = .Constant<System.Object>(obj); $v != null &&
$arg == $v``, a strong reference that keeps the object alive as long as the
rule lives).  A ``System.Type`` constant (the static receiver) is compiled to a
type token and appears in neither form.
:func:`rule_constants` returns both kinds; which constant restricts which
argument is decided at bind time by identity with the call's arguments.
"""

from __future__ import annotations

import clr  # noqa: F401

import System  # noqa: E402
from System import WeakReference, GC, Delegate  # noqa: E402
from System.Reflection import BindingFlags  # noqa: E402
from System.Runtime.CompilerServices import CallSite, CallSiteBinder, RuntimeHelpers  # noqa: E402

LEVELS = ("l0", "l1", "l2", "bind")
_NONPUB_INST = BindingFlags.NonPublic | BindingFlags.Instance
_ANY_INST = BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.Instance

_CALLSITE_GENERIC = clr.GetClrType(CallSite).Assembly.GetType("System.Runtime.CompilerServices.CallSite`1")
_CACHE_FIELD = clr.GetClrType(CallSiteBinder).GetField("Cache", _NONPUB_INST)
_WEAKREF_TYPE = clr.GetClrType(WeakReference)
_OBJARR_TYPE = clr.GetClrType(System.Array[System.Object])
_DELEGATE_TYPE = clr.GetClrType(Delegate)
_STRING_TYPE = clr.GetClrType(System.String)


def site_type(delegate_type):
    return _CALLSITE_GENERIC.MakeGenericType(System.Array[System.Type]([delegate_type]))


def rules_field(site_clr_type):
    return site_clr_type.GetField("Rules", _ANY_INST)


def l1_rules(site, rules_fi) -> list:
    rules = rules_fi.GetValue(site)
    return [] if rules is None else [r for r in rules if r is not None]


def l2_rules(binder, delegate_type) -> list:
    """The binder's RuleCache<T>._rules for this delegate type ([] if none yet)."""
    cache = _CACHE_FIELD.GetValue(binder)
    if cache is None:
        return []
    found, rule_cache = cache.TryGetValue(delegate_type, None)
    if not found or rule_cache is None:
        return []
    fi = rule_cache.GetType().GetField("_rules", _ANY_INST)
    rules = fi.GetValue(rule_cache)
    return [] if rules is None else [r for r in rules if r is not None]


def _constants(closure):
    t = closure.GetType()
    fi = t.GetField("Constants", _ANY_INST)
    if fi is None:
        return []
    values = fi.GetValue(closure)
    return [] if values is None else list(values)


def weak_references(rule, depth: int = 4) -> list:
    """WeakReference objects held (directly or in nested closures) by a compiled rule."""
    return rule_constants(rule, depth)[0]


def rule_constants(rule, depth: int = 4) -> tuple[list, list]:
    """(WeakReference constants, other object constants) held by a compiled rule."""
    out = []
    other = []
    seen = set()

    def walk(obj, d):
        if obj is None or d < 0 or isinstance(obj, (int, float, str, bool)):
            return  # boxed primitives and strings come back as Python values: not restrictions
        key = RuntimeHelpers.GetHashCode(obj)
        if key in seen:
            return
        seen.add(key)
        t = obj.GetType()
        if _WEAKREF_TYPE.IsAssignableFrom(t):
            out.append(obj)
        elif t == _OBJARR_TYPE:
            for item in obj:
                walk(item, d - 1)
        elif _DELEGATE_TYPE.IsAssignableFrom(t):
            walk(obj.Target, d - 1)
        elif t.Name == "Closure":
            for item in _constants(obj):
                walk(item, d - 1)
        elif not t.IsValueType and t != _STRING_TYPE:
            other.append(obj)

    walk(rule, depth)
    return out, other


class IdentitySet:
    """A set of CLR objects by reference identity."""

    def __init__(self) -> None:
        self._buckets: dict[int, list] = {}
        self.items: list = []

    def add(self, obj) -> bool:
        if obj is None:
            return False
        bucket = self._buckets.setdefault(RuntimeHelpers.GetHashCode(obj), [])
        for other in bucket:
            if System.Object.ReferenceEquals(other, obj):
                return False
        bucket.append(obj)
        self.items.append(obj)
        return True

    def __len__(self) -> int:
        return len(self.items)


def full_gc() -> int:
    """Managed heap bytes after a forced full collection (finalizers run twice over)."""
    GC.Collect()
    GC.WaitForPendingFinalizers()
    GC.Collect()
    return int(GC.GetTotalMemory(True))
