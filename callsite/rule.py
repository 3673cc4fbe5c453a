"""A compiled rule: restrictions, what it does, and what it keeps alive.

In the DLR a rule is a delegate compiled from ``if (restrictions) return
action; else goto UpdateLabel``. The simulator keeps the restrictions as a
*shape* (which test, on which argument position) and a *key* (the type,
object or value each test compares against), so a rule matches a call when
the call's key for the rule's shape equals the rule's key. The readable
:class:`~callsite.restrictions.MergedRestriction` is built on demand.
"""

from __future__ import annotations

from callsite.restrictions import (COM, INSTANCE, TYPE, TYPE_OBJECT, VALUE, ExpressionRestriction,
                                   InstanceRestriction, MergedRestriction, NullRestriction,
                                   TypeObjectRestriction, TypeRestriction, ValueRestriction)


INSTANCE_IN: dict = {}


def _has_instance(shape: tuple) -> bool:
    has = INSTANCE_IN[shape] = any(kind == INSTANCE for _, kind in shape)
    return has


class Rule:
    """One compiled rule (a ``T`` delegate in ``CallSite<T>``)."""

    __slots__ = ("id", "shape", "key", "binder_id", "action", "instance_targets",
                 "type_signature", "space")

    def __init__(self, rule_id: int, shape: tuple, key: tuple, binder_id: int, action: str,
                 type_signature: tuple, space) -> None:
        self.id = rule_id
        self.shape = shape
        self.key = key
        self.binder_id = binder_id
        self.action = action
        # Objects an instance restriction compares against (never null, never a
        # static call's Type receiver): held weakly or strongly per profile.
        has = INSTANCE_IN.get(shape)
        if has is None:
            has = _has_instance(shape)
        self.instance_targets: tuple = (tuple([k for (pos, kind), k in zip(shape, key)
                                               if kind == INSTANCE and k != 0]) if has else ())
        self.type_signature = type_signature
        self.space = space

    @property
    def instance_restricted(self) -> bool:
        return bool(self.instance_targets)

    @property
    def type_objects(self) -> tuple:
        return tuple(k for (pos, kind), k in zip(self.shape, self.key) if kind == TYPE_OBJECT)

    @property
    def restrictions(self) -> MergedRestriction:
        space = self.space
        parts = []
        for (pos, kind), k in zip(self.shape, self.key):
            if kind == TYPE:
                parts.append(TypeRestriction(pos, k, space.type_name(k)))
            elif kind == INSTANCE:
                parts.append(NullRestriction(pos) if k == 0 else
                             InstanceRestriction(pos, k, space.type_name(self.type_signature[pos])))
            elif kind == TYPE_OBJECT:
                parts.append(TypeObjectRestriction(pos, k, space.object_type_name(k)))
            elif kind == VALUE:
                parts.append(ValueRestriction(pos, k, space.value_of(k)))
            elif kind == COM:
                parts.append(ExpressionRestriction(pos))
        return MergedRestriction.merge(parts)

    def describe(self) -> str:
        return f"if ({self.restrictions.describe()}) {self.action}"

    def __repr__(self) -> str:
        return f"<Rule #{self.id} {self.describe()}>"
