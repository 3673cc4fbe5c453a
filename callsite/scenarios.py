"""Built-in scenarios: the seed article's cases as workloads.

Each is an ordinary workload mapping (the same format as a file), so it runs
unchanged on the simulator and on the real runtimes. Members are ones every
runtime has: ``Marshal.FinalReleaseComObject(object)`` (the article's call)
and ``GC.KeepAlive(object)`` (a static method that accepts anything and does
nothing) and ``object.Equals(object)``.
"""

from __future__ import annotations

import re

from callsite.errors import DlrsimError
from callsite.workload import Workload, load_workload

STATIC_CALL = [["UseCompileTimeType", "IsStaticType"], []]


def _static_call(name: str, member: str, type_name: str, arg: dict, description: str,
                 lifetime: str = "static", per_iteration_binder: bool = False) -> dict:
    site = {"binder": "b", "lifetime": lifetime}
    if per_iteration_binder:
        site["binder_per_iteration"] = True
    return {
        "format": "dlrsim-workload/1",
        "name": name,
        "description": description,
        "binders": {"b": {"kind": "InvokeMember", "name": member, "flags": ["ResultDiscarded"],
                          "args": STATIC_CALL}},
        "sites": {"s": site},
        "body": [{"site": "s", "args": [{"static": type_name}, arg]}],
        "iterations": 1000,
    }


def _scenarios() -> dict[str, dict]:
    rel = "System.Runtime.InteropServices.Marshal"
    return {
        "com-arg-fresh": _static_call(
            "com-arg-fresh", "FinalReleaseComObject", rel, {"com": "fresh"},
            "The article's leak: a fresh COM object each iteration passed as a dynamic argument "
            "to Marshal.FinalReleaseComObject; the argument is instance-restricted"),
        "com-arg-same": _static_call(
            "com-arg-same", "FinalReleaseComObject", rel, {"com": "keep"},
            "One COM object reused every iteration as the dynamic argument: instance-restricted, "
            "but always the same instance"),
        "com-arg-cast": _static_call(
            "com-arg-cast", "FinalReleaseComObject", rel,
            {"cast": "object", "value": {"com": "fresh"}},
            "The article's fix: the fresh COM object cast to object (UseCompileTimeType): "
            "a type restriction on System.__ComObject"),
        "int-arg": {
            "format": "dlrsim-workload/1", "name": "int-arg",
            "description": "A fresh boxed int passed as a dynamic argument to an instance method "
                           "of a reused object: type restrictions only",
            "binders": {"b": {"kind": "InvokeMember", "name": "Equals", "args": [["UseCompileTimeType"], []]}},
            "sites": {"s": {"binder": "b"}},
            "body": [{"site": "s", "args": [{"obj": "holder", "type": "Holder"}, {"box": "int", "value": 42}]}],
            "iterations": 1000,
        },
        "null-arg": _static_call(
            "null-arg", "KeepAlive", "System.GC", None,
            "A null dynamic argument: an instance restriction on null (a plain == null test)"),
        "static-type-arg": _static_call(
            "static-type-arg", "KeepAlive", "System.GC", {"box": "int", "value": 1},
            "A static call: the System.Type receiver is instance-restricted (stable), the int argument "
            "type-restricted"),
        "new-site-per-iteration": _static_call(
            "new-site-per-iteration", "KeepAlive", "System.GC", {"box": "int", "value": 1},
            "The article's second finding: Binder.InvokeMember and CallSite.Create inside the loop, "
            "with a managed int", lifetime="per-iteration", per_iteration_binder=True),
        "com-member-access": {
            "format": "dlrsim-workload/1", "name": "com-member-access",
            "description": "A property read on a fresh COM object (dynamic receiver): the article's "
                           "'bonus' case",
            "binders": {"b": {"kind": "GetMember", "name": "Foo", "args": [[]]}},
            "sites": {"s": {"binder": "b"}},
            "body": [{"site": "s", "args": [{"com": "fresh"}]}],
            "iterations": 1000,
        },
    }


def poly(n: int, calls_per_type: int = 100) -> dict:
    """``poly-N``: one site fed fresh objects of N classes round robin."""
    return {
        "format": "dlrsim-workload/1", "name": f"poly-{n}",
        "description": f"One static site fed fresh instances of {n} classes round robin",
        "binders": {"b": {"kind": "InvokeMember", "name": "KeepAlive", "flags": ["ResultDiscarded"],
                          "args": STATIC_CALL}},
        "sites": {"s": {"binder": "b"}},
        "body": [{"site": "s", "args": [{"static": "System.GC"}, {"poly": n}]}],
        "iterations": max(1000, n * 10),
    }


_POLY = re.compile(r"^poly-(\d+)$")


def names() -> list[str]:
    return list(_scenarios()) + ["poly-N"]


def get_scenario(name: str) -> Workload:
    table = _scenarios()
    if name in table:
        return load_workload(table[name])
    m = _POLY.match(name)
    if m:
        n = int(m.group(1))
        if n < 1:
            raise DlrsimError("poly-N needs N >= 1")
        return load_workload(poly(n))
    raise DlrsimError(f"unknown scenario {name!r} (choose from {', '.join(names())}; poly-N takes any N >= 1)")


def scenario_document(name: str) -> dict:
    """The workload mapping of a built-in scenario (what `dlrsim scenarios --show` prints)."""
    table = _scenarios()
    if name in table:
        return table[name]
    m = _POLY.match(name)
    if m and int(m.group(1)) >= 1:
        return poly(int(m.group(1)))
    raise DlrsimError(f"unknown scenario {name!r}")
