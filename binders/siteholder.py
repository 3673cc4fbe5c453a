"""Where a replay keeps its call sites: static fields of an emitted class, as compiled C# does.

The C# compiler turns each ``dynamic`` operation into a static field of a
nested static class (``<>o__0.<>p__1``, of type ``CallSite<Func<...>>``);
the site holds its binder, and the binder its L2 ``RuleCache``. A replay that
kept its sites only in Python would show heap paths starting at pythonnet's
GC handles; with the sites in static fields of a class emitted in the
replay's dynamic assembly, a heap shot of a replay reads like one of a C#
program: ``static field of Dlrsim.Replay.<>o__0 -> CallSite<...> -> ...``.
"""

from __future__ import annotations

import re

import clr  # noqa: F401  (pythonnet, loaded by the worker)

from System.Reflection import FieldAttributes, TypeAttributes  # noqa: E402

_SANE = re.compile(r"[^A-Za-z0-9_]")


class SiteHolder:
    """One emitted static class per replay run, one static field per site name."""

    def __init__(self, module, run_number: int, sites: dict[str, object]) -> None:
        """``sites``: site name -> the ``CallSite<T>`` type its field is declared with."""
        attrs = TypeAttributes.Public | TypeAttributes.Class | TypeAttributes.Abstract | TypeAttributes.Sealed
        tb = module.DefineType(f"Dlrsim.Replay.<>o__{run_number}", attrs)
        names = {}
        for i, (name, site_type) in enumerate(sites.items()):
            names[name] = f"<>p__{i}_{_SANE.sub('_', name)}"
            tb.DefineField(names[name], site_type, FieldAttributes.Public | FieldAttributes.Static)
        self.type = tb.CreateType()
        self.fields = {name: self.type.GetField(f) for name, f in names.items()}

    def store(self, name: str, site) -> None:
        """The program's field now holds ``site`` (the previous one, if any, is let go)."""
        self.fields[name].SetValue(None, site)

    def clear(self) -> None:
        """The program drops all its sites (a host resetting its scripts)."""
        for f in self.fields.values():
            f.SetValue(None, None)
