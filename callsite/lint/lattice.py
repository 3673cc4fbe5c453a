"""The abstract values the flow analysis computes, as small bit sets.

A value says whether an expression's static type is ``dynamic`` and where
its runtime value may come from. Bits only ever get added (join is ``|``), so
the per-file fixpoint terminates quickly and cheaply.
"""

from __future__ import annotations

DYN = 1        # static type is dynamic
ELEM = 2       # elements (foreach, indexer, LINQ) are dynamic
COM = 4        # may be a COM object or transparent proxy
COMTYPE = 8    # a System.Type for a COM class (GetTypeFromProgID/CLSID)
UNK = 16       # origin not known from the files given
WMI = 32       # (with COM) a WMI object: its properties are values, its methods give objects

ORIGIN = COM | COMTYPE | UNK | WMI
COMS = COM | WMI  # what a COM object's elements and method results inherit
DYNAMIC = DYN | ELEM
INTERESTING = DYN | ELEM | COM | COMTYPE  # bits that can ever lead to a finding


def member_of(receiver: int) -> int:
    """A member, element or result reached from a dynamic receiver."""
    return DYNAMIC | (receiver & COMS if receiver & COM else UNK)


# How a declared type treats what is stored into it.
K_VAR = "var"          # takes the initializer's value as is
K_DYNAMIC = "dynamic"  # dynamic, keeps the origin
K_OBJECT = "object"    # reference type: not dynamic, keeps the origin (a COM object stays one)
K_PRIMITIVE = "prim"   # string, int, bool, ...: never a COM object


def coerce(kind: str, tflags: int, value: int) -> int:
    """The value a storage location of this declared type holds after ``= value``."""
    if kind == K_VAR:
        return value
    if kind == K_DYNAMIC:
        return DYNAMIC | (value & ORIGIN)
    if kind == K_PRIMITIVE:
        return 0
    return tflags | (value & ORIGIN)
