"""What exists, and so which calls throw: derived from one declaration.

Whether a bound rule throws is decided by the C# runtime binder and by the
code the rule runs, for the *call* at hand: a ``GetMember`` binder binds a
working rule for a type that has the member and a throwing rule (``throw
new RuntimeBinderException``) for one that has not; a checked conversion's
rule throws ``OverflowException`` for one value and not for another.  A
throwing rule is not moved up on an L1 hit (``CallSite.UpdateAndExecute``
calls ``UpdateRules`` only after the rule returned), so the simulator needs
the answer per call.

The answer comes from what the workload declares (``classes``: each class's
fields and methods; anything undeclared does not exist beyond
``System.Object``'s members), from the arguments' types and values, and
from the C# rules for predefined conversions and operators (ECMA-334
§10.2.3, §10.3.2, §12.4.7).  Framework types other than the primitives,
``string`` and ``System.__ComObject`` are not modelled: their members are
taken to exist.  The replay emits the declared classes, so the runtime and
the simulator read the same declaration.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, localcontext

from callsite.clrvalues import DECIMAL_MAX, FLOATING, INTEGRAL_RANGES, NUMERIC
from callsite.workload import COM_TYPE, PRIMITIVES, RUNTIME_TYPE, BinderSpec

OBJECT_METHODS = {"Equals": {1}, "GetHashCode": {0}, "ToString": {0}, "GetType": {0}}
# Instance members of the primitives and string beyond System.Object's that workloads use.
PRIMITIVE_METHODS = {"CompareTo": {1}, "GetTypeCode": {0}, "ToString": {0, 1}}
STRING_METHODS = {"CompareTo": {1}, "GetTypeCode": {0}, "ToString": {0, 1}, "Contains": {1},
                  "StartsWith": {1}, "EndsWith": {1}, "IndexOf": {1, 2}, "Substring": {1, 2},
                  "ToUpper": {0}, "ToLower": {0}, "Trim": {0}, "Clone": {0}}
STRING_PROPERTIES = {"Length"}
# Static methods whose behaviour a workload relies on: arity, returns void, throws for these arguments.
STATIC_METHODS = {
    ("System.GC", "KeepAlive"): (1, True, None),
    ("System.Runtime.InteropServices.Marshal", "FinalReleaseComObject"):
        (1, False, lambda args: not args[1].com),  # ArgumentException unless a COM object
    ("System.Object", "ReferenceEquals"): (2, False, None),
    ("System.Object", "Equals"): (2, False, None),
}
PARAMETER_NAMES = {"Equals": ("obj",), "CompareTo": ("obj",)}

INTEGRAL = tuple(t for t in INTEGRAL_RANGES if t != "System.Char")
SIGNED = ("System.SByte", "System.Int16", "System.Int32", "System.Int64")
IMPLICIT = {  # implicit numeric conversions, ECMA-334 §10.2.3
    "System.SByte": {"System.Int16", "System.Int32", "System.Int64", "System.Single", "System.Double", "System.Decimal"},
    "System.Byte": {"System.Int16", "System.UInt16", "System.Int32", "System.UInt32", "System.Int64", "System.UInt64",
                    "System.Single", "System.Double", "System.Decimal"},
    "System.Int16": {"System.Int32", "System.Int64", "System.Single", "System.Double", "System.Decimal"},
    "System.UInt16": {"System.Int32", "System.UInt32", "System.Int64", "System.UInt64", "System.Single",
                      "System.Double", "System.Decimal"},
    "System.Int32": {"System.Int64", "System.Single", "System.Double", "System.Decimal"},
    "System.UInt32": {"System.Int64", "System.UInt64", "System.Single", "System.Double", "System.Decimal"},
    "System.Int64": {"System.Single", "System.Double", "System.Decimal"},
    "System.UInt64": {"System.Single", "System.Double", "System.Decimal"},
    "System.Char": {"System.UInt16", "System.Int32", "System.UInt32", "System.Int64", "System.UInt64",
                    "System.Single", "System.Double", "System.Decimal"},
    "System.Single": {"System.Double"},
}
ARITHMETIC = {"Add", "Subtract", "Multiply", "Divide", "Modulo", "AddAssign", "SubtractAssign"}
COMPARISON = {"LessThan", "LessThanOrEqual", "GreaterThan", "GreaterThanOrEqual"}
BITWISE = {"And", "Or", "ExclusiveOr"}
SHIFT = {"LeftShift", "RightShift"}
SHIFT_COUNT = {"System.SByte", "System.Byte", "System.Int16", "System.UInt16", "System.Int32", "System.Char"}


@dataclass(frozen=True)
class Arg:
    """One argument as the binder sees it: runtime type (None for null), literal value, Type receiver, COM."""
    type: str | None
    value: object = None
    static: str | None = None   # the type a Type object stands for
    com: bool = False


def is_framework(type_name: str) -> bool:
    return type_name.startswith(("System.", "Microsoft.")) or type_name == COM_TYPE


def _promote(a: str, b: str) -> str | None:
    """Binary numeric promotion (§12.4.7.3); None when no predefined operator applies."""
    if a == "System.Decimal" or b == "System.Decimal":
        return None if (a in FLOATING or b in FLOATING) else "System.Decimal"
    if "System.Double" in (a, b):
        return "System.Double"
    if "System.Single" in (a, b):
        return "System.Single"
    if "System.UInt64" in (a, b):
        other = b if a == "System.UInt64" else a
        return None if other in SIGNED else "System.UInt64"
    if "System.Int64" in (a, b):
        return "System.Int64"
    if "System.UInt32" in (a, b):
        other = b if a == "System.UInt32" else a
        return "System.Int64" if other in SIGNED else "System.UInt32"
    return "System.Int32"


def _overflows(result_type: str, x) -> bool:
    if result_type == "System.Decimal":
        return Decimal(x).copy_abs() > DECIMAL_MAX
    lo, hi = INTEGRAL_RANGES[result_type]
    return not lo <= x <= hi


def _exact(v):
    """A numeric literal as an exact number (char as its code)."""
    if isinstance(v, str):
        return ord(v)
    if isinstance(v, float):
        return v
    return Decimal(v) if isinstance(v, Decimal) else int(v)


class World:
    """The declaration a workload makes about what exists, answering "does this call throw?"."""

    def __init__(self, classes: dict) -> None:
        self.classes = classes

    # ------------------------------------------------------------ members
    def _methods(self, type_name: str) -> dict | None:
        """Method name -> parameter counts, or None when the type is not modelled (assume present)."""
        decl = self.classes.get(type_name)
        out = {k: set(v) for k, v in OBJECT_METHODS.items()}
        if decl is not None:
            for name, arities in decl.methods:
                out.setdefault(name, set()).update(arities)
            return out
        if type_name == "System.String":
            for k, v in STRING_METHODS.items():
                out.setdefault(k, set()).update(v)
            return out
        if type_name in NUMERIC or type_name == "System.Boolean":
            for k, v in PRIMITIVE_METHODS.items():
                out.setdefault(k, set()).update(v)
            return out
        if type_name == COM_TYPE or not is_framework(type_name):
            return out
        return None

    def _fields(self, type_name: str) -> set | None:
        decl = self.classes.get(type_name)
        if decl is not None:
            return set(decl.fields)
        if type_name == "System.String":
            return set(STRING_PROPERTIES)
        if type_name in NUMERIC or type_name in ("System.Boolean", COM_TYPE) or not is_framework(type_name):
            return set()
        return None

    def _invoke_member(self, spec: BinderSpec, args: tuple) -> bool:
        recv, rest = args[0], args[1:]
        name = spec.name
        if spec.static_call:
            known = STATIC_METHODS.get((recv.static, name))
            decl = self.classes.get(recv.static)
            if known is not None:
                arity, void, throws_for = known
                if len(rest) != arity or (void and "ResultDiscarded" not in spec.flags) or spec.type_args:
                    return True
                return bool(throws_for and throws_for(args))
            if decl is None and is_framework(recv.static):
                return False  # not modelled: taken to exist
            return True  # the workload's classes declare instance methods only
        if recv.type is None:
            return True  # a member of a null reference
        methods = self._methods(recv.type)
        if methods is None:
            return False
        if len(rest) not in methods.get(name, ()) or spec.type_args:
            return True
        for i, (info, a) in enumerate(zip(spec.args[1:], rest)):
            if info is not None and "NamedArgument" in info.flags:
                names = PARAMETER_NAMES.get(name) or tuple(f"a{k}" for k in range(len(rest)))
                if info.name not in names:
                    return True
        if name == "CompareTo" and recv.type in NUMERIC + ("System.Boolean", "System.String"):
            other = rest[0].type
            ok = other is None or other == recv.type or recv.type in IMPLICIT.get(other, ())
            return not ok  # CompareTo(object) throws ArgumentException for another type
        return False

    def _get_member(self, spec: BinderSpec, args: tuple) -> bool:
        recv = args[0]
        if recv.type is None:
            return True
        fields = self._fields(recv.type)
        return False if fields is None else spec.name not in fields

    def _set_member(self, spec: BinderSpec, args: tuple) -> bool:
        recv = args[0]
        if recv.type is None:
            return True
        if recv.type == "System.String" or recv.type in NUMERIC:
            return True  # read-only or no such member
        fields = self._fields(recv.type)
        return False if fields is None else spec.name not in fields

    def _indexers(self, type_name: str) -> set | None:
        """Index counts of the type's indexers, or None when not modelled (assume present)."""
        decl = self.classes.get(type_name)
        if decl is not None:
            return set(decl.indexers)
        if type_name == "System.String":
            return {1}  # this[int] (read-only)
        if type_name in NUMERIC or type_name in ("System.Boolean", COM_TYPE) or not is_framework(type_name):
            return set()
        return None

    def _get_index(self, spec: BinderSpec, args: tuple) -> bool:
        recv, index = args[0], args[1:]
        if recv.type is None:
            return True
        counts = self._indexers(recv.type)
        if counts is None:
            return False
        if len(index) not in counts:
            return True
        if recv.type == "System.String":  # this[int]: an int-convertible index within the string
            i = index[0]
            if i.type is None or (i.type != "System.Int32" and "System.Int32" not in IMPLICIT.get(i.type, ())):
                return True
            text = recv.value if isinstance(recv.value, str) else PRIMITIVES["string"][1]  # a fresh box's default
            return i.value is not None and not 0 <= _exact(i.value) < len(text)
        return False

    def _set_index(self, spec: BinderSpec, args: tuple) -> bool:
        recv, index = args[0], args[1:-1]
        if recv.type is None or recv.type == "System.String":
            return True  # a null receiver; a string's indexer is read-only
        counts = self._indexers(recv.type)
        return False if counts is None else len(index) not in counts

    # ------------------------------------------------------------ conversions
    def _convert(self, spec: BinderSpec, args: tuple) -> bool:
        src, target = args[0], spec.type
        if target == "System.Object":
            return False
        if src.type is None:
            return target in NUMERIC or target == "System.Boolean"
        if src.type == target:
            return False
        if src.com:
            return True
        if src.type in NUMERIC and target in NUMERIC:
            if target in IMPLICIT.get(src.type, ()):
                return False
            if spec.conversion_kind != "explicit":
                return True
            return self._conversion_overflows(src, target, spec.checked)
        return True  # no predefined conversion (bool, string, classes) and none declared

    @staticmethod
    def _conversion_overflows(src: Arg, target: str, checked: bool) -> bool:
        v = src.value
        if v is None:
            return False  # a fresh box without a literal value: the type's default, in range
        x = _exact(v)
        if target == "System.Decimal":  # from float/double: always checked
            return isinstance(x, float) and (not math.isfinite(x) or abs(x) >= float(DECIMAL_MAX) + 1)
        if target in FLOATING:
            return False
        if isinstance(x, float):
            if not math.isfinite(x):
                return checked
            x = math.trunc(x)
        elif isinstance(x, Decimal):
            return _overflows(target, int(x))  # decimal to integral: always checked
        return checked and _overflows(target, x)

    # ------------------------------------------------------------ operators
    def _binary(self, spec: BinderSpec, args: tuple) -> bool:
        a, b = args[0], args[1]
        op = spec.operation
        if op in ("Add", "AddAssign") and "System.String" in (a.type, b.type):
            return False  # string concatenation
        if op in ("Equal", "NotEqual"):
            if a.type is None or b.type is None:
                return False
            num = (a.type in NUMERIC, b.type in NUMERIC)
            if all(num):
                return _promote(a.type, b.type) is None
            if any(num) or "System.Boolean" in (a.type, b.type):
                return a.type != b.type
            return a.type != b.type  # reference equality needs related types (no inheritance here)
        if a.type is None and b.type is None:
            return True
        if a.type is None or b.type is None:  # a lifted operator: null op number is null
            other = a.type or b.type
            if op in ("Add", "AddAssign"):
                return False  # and x + null is also string concatenation (null converts to string)
            return not (other in NUMERIC or (other == "System.Boolean" and op in BITWISE))
        if a.type == b.type == "System.Boolean":
            return op not in BITWISE
        if a.type not in NUMERIC or b.type not in NUMERIC:
            return True
        if op in SHIFT:
            left = _promote(a.type, "System.Int32")
            return left not in ("System.Int32", "System.UInt32", "System.Int64", "System.UInt64") \
                or b.type not in SHIFT_COUNT
        result = _promote(a.type, b.type)
        if result is None:
            return True
        if op in BITWISE:
            return result in FLOATING or result == "System.Decimal"
        if op in COMPARISON:
            return False
        if op not in ARITHMETIC or a.value is None or b.value is None:
            return False
        return self._arithmetic_throws(op, result, _exact(a.value), _exact(b.value), spec.checked)

    @staticmethod
    def _arithmetic_throws(op: str, result: str, x, y, checked: bool) -> bool:
        if result in FLOATING:
            return False
        if op in ("Divide", "Modulo") and y == 0:
            return True
        with localcontext() as exact:
            exact.prec = 200  # C#'s decimal overflow, not Python's 28-digit rounding
            return World._arithmetic_result_throws(op, result, x, y, checked)

    @staticmethod
    def _arithmetic_result_throws(op: str, result: str, x, y, checked: bool) -> bool:
        if result == "System.Decimal":
            x, y = Decimal(x), Decimal(y)
        if op in ("Add", "AddAssign"):
            r = x + y
        elif op in ("Subtract", "SubtractAssign"):
            r = x - y
        elif op == "Multiply":
            r = x * y
        elif result == "System.Decimal":
            r = x / y if op == "Divide" else Decimal(0)
        else:  # integral / and %: only MinValue / -1 overflows, and it throws even unchecked
            q = abs(x) // abs(y)
            return op == "Divide" and _overflows(result, q if (x < 0) == (y < 0) else -q) or \
                (op == "Modulo" and y == -1 and x == INTEGRAL_RANGES[result][0])
        return (checked or result == "System.Decimal") and _overflows(result, r)

    def _unary(self, spec: BinderSpec, args: tuple) -> bool:
        a, op = args[0], spec.operation
        if a.type is None:
            return True
        if op in ("Not", "IsTrue", "IsFalse"):
            return a.type != "System.Boolean"
        if a.type not in NUMERIC:
            return True
        promoted = a.type if a.type in ("System.UInt32", "System.Int64", "System.UInt64", "System.Decimal") \
            or a.type in FLOATING else "System.Int32"
        if op == "OnesComplement":
            return promoted in FLOATING or promoted == "System.Decimal"
        if op == "Negate":
            if a.type == "System.UInt64":
                return True
            if promoted == "System.UInt32":
                promoted = "System.Int64"
            if a.value is None or promoted in FLOATING:
                return False
            return (spec.checked or promoted == "System.Decimal") and _overflows(promoted, -_exact(a.value))
        if op in ("Increment", "Decrement"):
            if a.value is None or a.type in FLOATING:
                return False
            r = _exact(a.value) + (1 if op == "Increment" else -1)
            return (spec.checked or a.type == "System.Decimal") and _overflows(a.type, r)
        return False  # UnaryPlus

    # ------------------------------------------------------------ entry point
    def throws(self, spec: BinderSpec, args: tuple) -> bool:
        """Whether the rule bound for these arguments throws when it runs them."""
        rule = _BY_KIND.get(spec.kind)
        return True if rule is None else rule(self, spec, args)  # Invoke: no workload value is a delegate


_BY_KIND = {"InvokeMember": World._invoke_member, "GetMember": World._get_member,
            "SetMember": World._set_member, "Convert": World._convert,
            "BinaryOperation": World._binary, "UnaryOperation": World._unary,
            "GetIndex": World._get_index, "SetIndex": World._set_index}


def arg_of(value) -> Arg:
    """The :class:`Arg` of a workload value (see :mod:`callsite.workload`)."""
    kind = type(value).__name__
    if kind == "Null":
        return Arg(None)
    if kind == "StaticType":
        return Arg(RUNTIME_TYPE, static=value.type_name)
    if kind == "Boxed":
        return Arg(value.type_name, value.value)
    if kind == "ComObject":
        return Arg(COM_TYPE, com=True)
    return Arg(value.type_name)


def throw_counts(workload, calls: int | None = None) -> dict[str, int]:
    """Per site, how many of the run's calls run a rule that throws (what a replay counts)."""
    world = World(workload.classes)
    memo: dict = {}
    out = {name: 0 for name in workload.sites}
    for call in workload.iter_calls(calls):
        key = (call.site, tuple(v if type(v).__name__ != "NewObject" else ("new", v.type_name) for v in call.args))
        hit = memo.get(key)
        if hit is None:
            spec = workload.binders[workload.sites[call.site].binder]
            hit = memo[key] = world.throws(spec, tuple(arg_of(v) for v in call.args))
        out[call.site] += hit
    return out
