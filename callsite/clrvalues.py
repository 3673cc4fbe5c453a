"""CLR primitive values: what a workload's scalar is as a value of its declared type.

A literal's guard compares values of the delegate parameter's type
(``Expression.Equal(arg, Constant(value, paramType))`` in Microsoft.CSharp's
``BinderHelper.Bind``), so ``3`` and ``3.0`` as a ``double`` or ``1`` and
``"1"`` as a ``string`` are one value.  :func:`to_clr` turns a YAML/JSON
scalar into that value (or says why it cannot be one); :func:`invariant_text`
is the culture-invariant text the replay parses back on the runtime.  The
ranges are also what a checked conversion tests (:mod:`callsite.semantics`).
"""

from __future__ import annotations

import math
import struct
from decimal import Decimal, InvalidOperation

INTEGRAL_RANGES = {
    "System.SByte": (-2 ** 7, 2 ** 7 - 1), "System.Byte": (0, 2 ** 8 - 1),
    "System.Int16": (-2 ** 15, 2 ** 15 - 1), "System.UInt16": (0, 2 ** 16 - 1),
    "System.Int32": (-2 ** 31, 2 ** 31 - 1), "System.UInt32": (0, 2 ** 32 - 1),
    "System.Int64": (-2 ** 63, 2 ** 63 - 1), "System.UInt64": (0, 2 ** 64 - 1),
    "System.Char": (0, 2 ** 16 - 1),
}
FLOATING = ("System.Single", "System.Double")
DECIMAL_MAX = Decimal("79228162514264337593543950335")
NUMERIC = tuple(INTEGRAL_RANGES) + FLOATING + ("System.Decimal",)


class NotConvertible(ValueError):
    """The scalar is not a value of the declared type (the message says why)."""


def to_single(x: float) -> float:
    """Round to the nearest float32 (a ``float`` literal's value)."""
    try:
        y = struct.unpack("f", struct.pack("f", x))[0]
    except OverflowError:
        y = math.inf
    if math.isfinite(x) and not math.isfinite(y):
        raise NotConvertible(f"{x!r} is out of range for float")
    return y


def _number(value, what: str):
    if isinstance(value, bool):
        raise NotConvertible(f"{value!r} is not {what}")
    if isinstance(value, (int, float, Decimal)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            raise NotConvertible(f"{value!r} is not {what}") from None
    raise NotConvertible(f"{value!r} is not {what}")


def to_clr(clr_type: str, value):
    """The value of ``clr_type`` a workload scalar stands for; raises NotConvertible."""
    if clr_type == "System.String":
        if isinstance(value, bool):
            return "True" if value else "False"  # bool.ToString()
        if isinstance(value, (str, int, float)):
            return value if isinstance(value, str) else str(value)
        raise NotConvertible(f"{value!r} is not a string")
    if clr_type == "System.Boolean":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        raise NotConvertible(f"{value!r} is not true or false")
    if clr_type == "System.Char":
        if isinstance(value, str) and len(value) == 1 and ord(value) < 2 ** 16:
            return value
        raise NotConvertible(f"{value!r} is not a single character")
    name = clr_type.rsplit(".", 1)[-1]
    if clr_type in INTEGRAL_RANGES:
        n = _number(value, f"a whole number ({name})")
        if isinstance(n, float):
            if not (math.isfinite(n) and n.is_integer()):
                raise NotConvertible(f"{value!r} is not a whole number ({name})")
            n = int(n)
        n = int(n) if isinstance(n, Decimal) and n == n.to_integral_value() else n
        if isinstance(n, Decimal):
            raise NotConvertible(f"{value!r} is not a whole number ({name})")
        lo, hi = INTEGRAL_RANGES[clr_type]
        if not lo <= n <= hi:
            raise NotConvertible(f"{value!r} is out of range for {name} ({lo} to {hi})")
        return n
    if clr_type in FLOATING:
        x = float(_number(value, f"a number ({name})"))
        return to_single(x) if clr_type == "System.Single" else x
    if clr_type == "System.Decimal":
        n = _number(value, "a number (Decimal)")
        try:
            d = Decimal(str(n))
        except InvalidOperation:
            raise NotConvertible(f"{value!r} is not a number (Decimal)") from None
        if not d.is_finite() or d.copy_abs() > DECIMAL_MAX:
            raise NotConvertible(f"{value!r} is out of range for Decimal")
        return d
    raise NotConvertible(f"no literal values of type {clr_type}")


def invariant_text(value) -> str:
    """The text ``T.Parse(text, CultureInfo.InvariantCulture)`` reads back as ``value``."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return repr(value)
    return str(value)
