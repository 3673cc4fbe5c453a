"""Workloads: which call sites exist and what each call passes them.

A workload is a JSON or YAML document (format ``dlrsim-workload/1``; see
README "Workload format"). It is the single input of the simulator and of
the real-runtime replays, so it describes only what the compiler and the
program decide: binders (``Binder.InvokeMember(...)`` and its argument
infos), sites (a compiler-generated static field, or ``CallSite<T>.Create``
inside the loop), and per-iteration calls with argument *values* (a boxed
int, a fresh object, a COM object...). It never says how a cache will react.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

FORMAT = "dlrsim-workload/1"

BINDER_KINDS = {
    # kind: (needs name, min args, max args or None)
    "InvokeMember": (True, 1, None),
    "GetMember": (True, 1, 1),
    "SetMember": (True, 2, 2),
    "Invoke": (False, 1, None),
    "Convert": (False, 1, 1),
    "BinaryOperation": (False, 2, 2),
    "UnaryOperation": (False, 1, 1),
    "GetIndex": (False, 2, None),      # receiver, index...
    "SetIndex": (False, 3, None),      # receiver, index..., value
}
# What each Binder.X(...) factory keeps of its CSharpBinderFlags (Microsoft.CSharp
# Binder.cs); ConvertExplicit and ConvertArrayIndex become the conversion kind.
KEPT_FLAGS = {
    "BinaryOperation": frozenset({"CheckedContext", "BinaryOperationLogical"}),
    "Convert": frozenset({"CheckedContext"}),
    "GetMember": frozenset({"ResultIndexed"}),
    "Invoke": frozenset({"ResultDiscarded"}),
    "InvokeMember": frozenset({"InvokeSimpleName", "InvokeSpecialName", "ResultDiscarded"}),
    "SetMember": frozenset({"ValueFromCompoundAssignment", "CheckedContext"}),
    "UnaryOperation": frozenset({"CheckedContext"}),
    "GetIndex": frozenset(),  # Binder.GetIndex ignores its flags
    "SetIndex": frozenset({"ValueFromCompoundAssignment", "CheckedContext"}),
}
BINDER_FLAGS = {"None", "CheckedContext", "InvokeSimpleName", "InvokeSpecialName",
                "BinaryOperationLogical", "ConvertExplicit", "ConvertArrayIndex",
                "ResultIndexed", "ValueFromCompoundAssignment", "ResultDiscarded"}
ARG_FLAGS = {"None", "UseCompileTimeType", "Constant", "NamedArgument", "IsRef", "IsOut",
             "IsStaticType"}
OPERATIONS = {"Add", "Subtract", "Multiply", "Divide", "Modulo", "And", "Or", "ExclusiveOr",
              "LeftShift", "RightShift", "Equal", "NotEqual", "LessThan", "LessThanOrEqual",
              "GreaterThan", "GreaterThanOrEqual", "AddAssign", "SubtractAssign",
              "Negate", "UnaryPlus", "Not", "OnesComplement", "IsTrue", "IsFalse",
              "Increment", "Decrement"}

PRIMITIVES = {
    "int": ("System.Int32", 0), "long": ("System.Int64", 0), "short": ("System.Int16", 0),
    "byte": ("System.Byte", 0), "sbyte": ("System.SByte", 0), "uint": ("System.UInt32", 0),
    "ulong": ("System.UInt64", 0), "ushort": ("System.UInt16", 0),
    "double": ("System.Double", 0.0), "float": ("System.Single", 0.0),
    "bool": ("System.Boolean", False), "char": ("System.Char", "c"),
    "string": ("System.String", "s"), "decimal": ("System.Decimal", 0),
}
STATIC_ALIASES = {
    "Marshal": "System.Runtime.InteropServices.Marshal",
    "GC": "System.GC", "Console": "System.Console", "Math": "System.Math",
    "Convert": "System.Convert", "String": "System.String", "Object": "System.Object",
    "object": "System.Object",
}
COM_TYPE = "System.__ComObject"
MAX_CALLS = 10 ** 15   # calls and fresh objects are numbered in 64 bits (callsite.program)
MAX_POLY = 100_000     # {poly: N} builds N classes up front; past L2's 128 every N behaves alike
MAX_PARAMETERS = 16    # a declared method's parameters or indexer's indexes (the delegate types go to 16)
MAX_ITEMS = 1_000_000  # calls, values and argument infos a document may hold (YAML aliases repeat them)
RUNTIME_TYPE = "System.RuntimeType"


# --------------------------------------------------------------------------- values

@dataclass(frozen=True)
class StaticType:
    """A ``System.Type`` object: the receiver of a static call like ``Marshal.X(d)``."""
    type_name: str


@dataclass(frozen=True)
class Boxed:
    """A boxed primitive or a string: a new object each call, compared by type."""
    type_name: str
    value: Any = None


@dataclass(frozen=True)
class NewObject:
    """A fresh instance of a managed class, made for this call."""
    type_name: str


@dataclass(frozen=True)
class Reused:
    """One managed instance per id, alive for the whole run."""
    id: str
    type_name: str


@dataclass(frozen=True)
class Null:
    """A null reference."""


@dataclass(frozen=True)
class ComObject:
    """A COM object (RCW): ``id=None`` is a fresh one per call, released after it."""
    id: str | None = None


Value = StaticType | Boxed | NewObject | Reused | Null | ComObject


@dataclass(frozen=True)
class Cycle:
    """Round robin over values: iteration ``k`` uses ``items[k % len(items)]``."""
    items: tuple


@dataclass(frozen=True)
class ArgTemplate:
    """One argument as written: a value (or cycle) and whether it was cast to object."""
    value: Any
    cast: bool = False

    def at(self, iteration: int) -> Value:
        v = self.value
        if isinstance(v, Cycle):
            return v.items[iteration % len(v.items)]
        return v


# --------------------------------------------------------------------------- specs

@dataclass(frozen=True)
class ArgInfo:
    """``CSharpArgumentInfo.Create(flags, name)``."""
    flags: frozenset = frozenset()
    name: str | None = None

    @property
    def use_compile_time_type(self) -> bool:
        return "UseCompileTimeType" in self.flags

    @property
    def is_static_type(self) -> bool:
        return "IsStaticType" in self.flags

    @property
    def constant(self) -> bool:
        return "Constant" in self.flags


@dataclass(frozen=True)
class BinderSpec:
    """The arguments of one ``Binder.X(...)`` call the compiler emits."""
    kind: str
    name: str | None = None
    flags: frozenset = frozenset()
    context: str = "Program"
    args: tuple = ()
    operation: str | None = None
    type: str | None = None
    explicit: bool = False
    type_args: tuple = ()

    @property
    def kept_flags(self) -> frozenset:
        """The CSharpBinderFlags the ``Binder.X`` factory stores; it drops the others."""
        return self.flags & KEPT_FLAGS[self.kind]

    @property
    def conversion_kind(self) -> str | None:
        """Convert only: ``explicit`` (ConvertExplicit), ``array`` (ConvertArrayIndex) or ``implicit``."""
        if self.kind != "Convert":
            return None
        if self.explicit:
            return "explicit"
        return "array" if "ConvertArrayIndex" in self.flags else "implicit"

    @property
    def checked(self) -> bool:
        """Whether the binder itself keeps CheckedContext (an InvokeMember drops it)."""
        return "CheckedContext" in self.kept_flags

    def equivalence_key(self) -> tuple:
        """What Microsoft.CSharp's ``IsEquivalentTo`` compares (BinderEquivalence).

        Each binder compares the fields its ``Binder.X`` factory stored: the
        flags it keeps (``KEPT_FLAGS``), the conversion kind, the calling
        context, the name or operation, type arguments and target type as
        resolved types (``int`` is ``System.Int32``) and each argument info's
        flags and name.
        """
        return (self.kind, self.name, self.kept_flags, self.conversion_kind, self.context,
                tuple(None if a is None else (a.flags, a.name) for a in self.args),
                self.operation, self.type, self.type_args)

    @property
    def static_call(self) -> bool:
        """ICSharpInvokeOrInvokeMemberBinder.StaticCall: argument 0 is a Type."""
        return self.kind in ("InvokeMember", "Invoke") and bool(self.args) and self.args[0].is_static_type

    @property
    def has_call_payload(self) -> bool:
        return self.kind in ("InvokeMember", "Invoke")

    def describe(self) -> str:
        what = self.name or self.operation or (f"to {self.type}" if self.type else "")
        return f"{self.kind} {what}".strip()


@dataclass(frozen=True)
class ClassDecl:
    """A class the workload declares: its public fields and methods (name -> parameter counts).

    Fields and parameters are typed ``object``; methods return null. What a
    class does not declare it does not have (beyond ``System.Object``'s
    members), so a member access on it binds a rule that throws.
    """
    name: str
    fields: frozenset = frozenset()
    methods: tuple = ()   # ((name, frozenset of parameter counts), ...), sorted
    indexers: frozenset = frozenset()  # parameter counts of its indexers (``this[object, ...]``)

    def method_arities(self, name: str) -> frozenset:
        for n, arities in self.methods:
            if n == name:
                return arities
        return frozenset()


@dataclass(frozen=True)
class SiteSpec:
    """A call site: a static field (the compiler's) or created per iteration."""
    name: str
    binder: str
    lifetime: str = "static"
    binder_per_iteration: bool = False
    delegate: tuple = ()


@dataclass(frozen=True)
class CallTemplate:
    site: str
    args: tuple


@dataclass(frozen=True)
class Call:
    """One call, as the simulator and the replays see it."""
    index: int
    iteration: int
    site: str
    args: tuple


@dataclass
class Workload:
    name: str
    binders: dict
    sites: dict
    script: list  # list of iterations, each a list of CallTemplate; repeated cyclically
    description: str = ""
    default_calls: int = 1000
    source: str = "<workload>"
    fixed_objects: tuple = field(default_factory=tuple)
    classes: dict = field(default_factory=dict)  # name -> ClassDecl: what the workload's own classes have

    @property
    def calls_per_cycle(self) -> int:
        return sum(len(it) for it in self.script)

    def iter_calls(self, calls: int | None = None) -> Iterator[Call]:
        """The calls of a run of ``calls`` calls, iterations repeated cyclically."""
        total = self.default_calls if calls is None else calls
        index = 0
        iteration = 0
        script = self.script
        while index < total:
            for tpl in script[iteration % len(script)]:
                if index >= total:
                    return
                yield Call(index, iteration, tpl.site, tuple(a.at(iteration) for a in tpl.args))
                index += 1
            iteration += 1

    def to_dict(self) -> dict:
        return {"format": FORMAT, "name": self.name, "description": self.description,
                "binders": sorted(self.binders), "sites": sorted(self.sites)}


# --------------------------------------------------------------------------- loading

def load_workload(source: "str | Path | Mapping[str, Any] | Workload") -> Workload:
    """Parse and validate a workload from a file path, a mapping or a Workload (reading and
    checking a document is :mod:`callsite.workloadfile`'s concept; this is the public door)."""
    from callsite.workloadfile import load

    return load(source)


def parse_document(text: str, where: str, *, json_syntax: bool = False) -> Any:
    """JSON or YAML text to plain data; any syntax problem is a one-line WorkloadError."""
    from callsite.workloadfile import parse_document as parse

    return parse(text, where, json_syntax=json_syntax)


def _delegate(spec: BinderSpec, literals: dict | None = None) -> tuple:
    """The site's delegate parameter types (after CallSite) and return type."""
    literals = literals or {}
    params = []
    for i, a in enumerate(spec.args):
        if i == 0 and a is not None and a.is_static_type:
            params.append("System.Type")
        else:
            params.append(literals.get(i, "object"))
    if spec.kind in ("InvokeMember", "Invoke") and "ResultDiscarded" in spec.flags:
        ret = "void"
    elif spec.kind == "Convert":
        ret = spec.type
    else:
        ret = "object"
    return tuple(params) + (ret,)


def value_key(value: Any) -> Any:
    """How a literal's value is compared: NaN equals NaN (IsNaN restriction)."""
    if isinstance(value, float) and math.isnan(value):
        return ("NaN",)
    return (type(value).__name__, value)
