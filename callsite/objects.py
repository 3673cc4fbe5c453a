"""The simulated managed heap: types, objects, identities and lifetimes.

Objects are integers. ``0`` is null. Objects that live for the whole run
(static ``Type`` receivers, reused instances, reused COM objects) get small
fixed ids; every fresh object gets a new id that is never reused, so an
instance restriction on it can never match again: exactly the DLR's
WeakReference test, whether or not the GC has run yet.

Lifetime: a fresh object dies at the end of its iteration (nothing keeps it:
the loop variable is overwritten). Fixed objects never die. The GC step of a
sample clears the weak references whose target died.
"""

from __future__ import annotations

from typing import Any

from callsite.workload import (COM_TYPE, RUNTIME_TYPE, Boxed, ComObject, NewObject, Null,
                               Reused, StaticType, value_key)

NULL_TYPE = 0


class ObjectSpace:
    """Interned types and values, fixed objects, and the fresh-object counter."""

    def __init__(self) -> None:
        self._type_ids: dict[str, int] = {"<null>": NULL_TYPE}
        self._type_names: list[str] = ["<null>"]
        self._value_ids: dict[Any, int] = {}
        self._values: list[Any] = []
        self._fixed: dict[tuple, int] = {}
        self.fixed_types: dict[int, int] = {}   # fixed object id -> type id
        self.fixed_com: set[int] = set()
        self.next_fixed = 1
        self.fresh_base = 1 << 40  # fresh objects are numbered from here

    # types ---------------------------------------------------------------
    def type_id(self, name: str) -> int:
        tid = self._type_ids.get(name)
        if tid is None:
            tid = self._type_ids[name] = len(self._type_names)
            self._type_names.append(name)
        return tid

    def type_name(self, tid: int) -> str:
        return self._type_names[tid]

    @property
    def type_count(self) -> int:
        return len(self._type_names) - 1

    # values --------------------------------------------------------------
    def value_id(self, value: Any) -> int:
        k = value_key(value)
        vid = self._value_ids.get(k)
        if vid is None:
            vid = self._value_ids[k] = len(self._values) + 1
            self._values.append(value)
        return vid

    def value_of(self, vid: int) -> Any:
        return self._values[vid - 1] if vid else None

    # objects -------------------------------------------------------------
    def fixed_object(self, key: tuple, type_name: str, com: bool = False) -> int:
        oid = self._fixed.get(key)
        if oid is None:
            oid = self._fixed[key] = self.next_fixed
            self.next_fixed += 1
            self.fixed_types[oid] = self.type_id(type_name)
            if com:
                self.fixed_com.add(oid)
        return oid

    def object_type_name(self, oid: int) -> str:
        """For a Type object: the type it stands for; otherwise the object's own type."""
        for key, fixed in self._fixed.items():
            if fixed == oid:
                return key[1] if key[0] == "type" else self.type_name(self.fixed_types[oid])
        return "?"

    def is_fixed(self, oid: int) -> bool:
        return 0 < oid < self.fresh_base

    def describe(self, value) -> tuple[int, int | None, int, int]:
        """(type id, fixed object id or None for fresh, value id, is COM) of a value."""
        if isinstance(value, Null):
            return NULL_TYPE, 0, 0, 0
        if isinstance(value, StaticType):
            return self.type_id(RUNTIME_TYPE), self.fixed_object(("type", value.type_name), RUNTIME_TYPE), 0, 0
        if isinstance(value, Boxed):
            return self.type_id(value.type_name), None, self.value_id(value.value), 0
        if isinstance(value, NewObject):
            return self.type_id(value.type_name), None, 0, 0
        if isinstance(value, Reused):
            return self.type_id(value.type_name), self.fixed_object(("obj", value.id), value.type_name), 0, 0
        if isinstance(value, ComObject):
            tid = self.type_id(COM_TYPE)
            if value.id is None:
                return tid, None, 0, 1
            return tid, self.fixed_object(("com", value.id), COM_TYPE, com=True), 0, 1
        raise TypeError(f"not a workload value: {value!r}")
