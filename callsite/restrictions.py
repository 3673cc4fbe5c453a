"""Binding restrictions: the tests that guard a compiled rule.

A rule is reused only while its restrictions hold for the new arguments
(``BindingRestrictions.cs``). The kinds:

* **type**: ``TypeEqual(arg, T)``: any object of exactly that runtime type;
* **instance**: that very object, so it fails for every other object. How
  the rule holds the object is runtime data (``RuntimeProfile``): .NET
  Framework bakes in a ``WeakReference`` (``(tmp = wr.Target) != null &&
  arg == tmp``, dead once the object is collected); Mono 6.8 and CoreCLR 3.1
  bake in the object itself as a constant (measured), keeping it alive for
  as long as the rule is cached;
* **type object**: the instance restriction on the ``Type`` receiver of a
  static call; Mono and CoreCLR compile it to a type token (no reference);
* **null**: an instance restriction on null, compiled to ``arg == null``
  with no ``WeakReference``;
* **value**: a literal constant (``CSharpArgumentInfoFlags.Constant``), an
  equality test on the value (``IsNaN`` for NaN);
* **expression**: an opaque predicate such as "is a COM object";
* **merged**: the conjunction of the above (``BindingRestrictions.Merge``).

Each restriction also compiles to a *guard* ``(position, kind, key)`` so the
simulator can test a rule by comparing keys instead of calling predicates:
an object's identity, a type's identity or an interned value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

# Guard kinds, one letter each because they are part of every rule's shape.
TYPE = "T"
INSTANCE = "I"
VALUE = "V"
COM = "C"  # expression restriction: Marshal.IsComObject(arg)
TYPE_OBJECT = "R"  # instance restriction on a static call's Type receiver


@dataclass(frozen=True)
class Restriction:
    """One test on one argument position."""

    position: int

    kind = "?"

    def guard(self) -> tuple[int, str, object]:
        raise NotImplementedError

    def describe(self, param: str) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class TypeRestriction(Restriction):
    type_id: int
    type_name: str

    kind = TYPE

    def guard(self):
        return (self.position, TYPE, self.type_id)

    def describe(self, param: str) -> str:
        return f"{param} TypeEqual {self.type_name}"


@dataclass(frozen=True)
class InstanceRestriction(Restriction):
    """Object identity (never used for null); how the rule holds the object is profile data."""

    object_id: int
    type_name: str

    kind = INSTANCE

    def guard(self):
        return (self.position, INSTANCE, self.object_id)

    def describe(self, param: str) -> str:
        return f"{param} == (object #{self.object_id} {self.type_name})"


@dataclass(frozen=True)
class TypeObjectRestriction(Restriction):
    """The ``Type`` receiver of a static call, compared by identity."""

    object_id: int
    type_name: str

    kind = TYPE_OBJECT

    def guard(self):
        return (self.position, TYPE_OBJECT, self.object_id)

    def describe(self, param: str) -> str:
        return f"{param} == typeof({self.type_name.rsplit('.', 1)[-1]})"


@dataclass(frozen=True)
class NullRestriction(Restriction):
    """``GetInstanceRestriction(expr, null)``: a plain null test, no handle."""

    kind = INSTANCE

    def guard(self):
        return (self.position, INSTANCE, 0)

    def describe(self, param: str) -> str:
        return f"{param} == null"


@dataclass(frozen=True)
class ValueRestriction(Restriction):
    """A literal constant's value; the key is the interned value id."""

    value_id: int
    value: object

    kind = VALUE

    def guard(self):
        return (self.position, VALUE, self.value_id)

    def describe(self, param: str) -> str:
        if isinstance(self.value, float) and self.value != self.value:
            return f"IsNaN({param})"
        return f"{param} == {self.value!r}"


@dataclass(frozen=True)
class ExpressionRestriction(Restriction):
    """An opaque predicate; the only one the binders here emit is IsComObject."""

    predicate: str = "IsComObject"

    kind = COM

    def guard(self):
        return (self.position, COM, True)

    def describe(self, param: str) -> str:
        return f"{self.predicate}({param})"


@dataclass(frozen=True)
class MergedRestriction:
    """The conjunction a rule is guarded by, duplicates removed as the DLR does."""

    parts: tuple[Restriction, ...]

    @classmethod
    def merge(cls, parts: Iterable[Restriction]) -> "MergedRestriction":
        seen: list[Restriction] = []
        for p in parts:
            if p not in seen:
                seen.append(p)
        return cls(tuple(seen))

    def guards(self) -> tuple[tuple[int, str, object], ...]:
        return tuple(p.guard() for p in self.parts)

    def describe(self) -> str:
        return " && ".join(p.describe(f"$arg{p.position}") for p in self.parts) or "true"

    def __str__(self) -> str:
        return self.describe()
