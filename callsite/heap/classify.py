"""Reference classifiers: which references own what they point to, which are weak, which to ignore.

A heap shot only says "A refers to B". Who *owns* B is knowledge about the
program: a rule cache owns its rules, pythonnet's handle table does not own
the objects a Python script touched. MemorySnapshotAnalyzer calls these
reference classifiers; dlrsim reads them from a small text file.

File format (``*.owners``; UTF-8, one rule per line)::

    # a comment; blank lines are ignored
    [dlr]                      # a named group; every rule below belongs to it
    [harness] off              # a group that is switched off unless enabled

    TYPE  WEIGHT  SELECTOR  ["OWNER NAME"]

* ``TYPE``: the referring object's class: a glob over the full name (or over
  the name without namespaces), or ``/REGEX/``; see :mod:`callsite.heap.names`.
  ``@KIND`` or ``@KIND:CLASS`` selects *roots* instead: ``@gc-handle-strong``,
  ``@static:Python.Runtime.*`` (static fields of those classes), ``@ephemeron``.
* ``WEIGHT``: ``owning`` / ``owning(N)`` (N >= 1, default 1), ``weak`` /
  ``weak(N)`` (N <= -1, default -1) or ``ignored``. References no rule matches
  weigh 0. For every object only its incoming references of the highest
  weight are kept, so an object a cache owns is the cache's even when a
  handle table also points at it; a weak reference is kept only when nothing
  better holds the object. ``ignored`` references are dropped altogether (an
  object held only through them shows as not reachable).
* ``SELECTOR``: which references of a ``TYPE`` object: ``*`` (all), a field
  name (``Rules``), a field-name prefix (``_rul*``), a byte offset
  (``+0x28``), ``[]`` (the elements of an array), or a dotted path through
  them (``Cache._entries[].value``, ``Rules[]``): the weight goes to the
  last step's references. Root rules take ``*``.
* ``OWNER NAME``: in double quotes, how owners found through this rule are
  named in every output (default: ``TYPE.SELECTOR``).

When two rules match one reference, the later one wins, so a user's file
loaded after the built-in groups refines them.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Iterable

from callsite.errors import DlrsimError

OWNING, WEAK, IGNORED = "owning", "weak", "ignored"
#: Weight of an ``ignored`` reference: below every real weight; such references are removed.
IGNORED_WEIGHT = -128
_WEIGHT = re.compile(r"^(owning|weak|ignored)(?:\((-?\d+)\))?$")
_GROUP = re.compile(r"^\[([^\]]+)\](?:\s+(on|off))?$")
_TOKEN = re.compile(r'"[^"]*"|\S+')


@dataclasses.dataclass(frozen=True)
class Rule:
    """One classifier line: references from ``type`` objects via ``selector`` weigh ``weight``."""

    type: str
    weight: int
    selector: tuple[str, ...]
    name: str
    group: str
    line: int = 0
    source: str = ""

    @property
    def is_root(self) -> bool:
        return self.type.startswith("@")

    @property
    def kind(self) -> str:
        return OWNING if self.weight > 0 else IGNORED if self.weight == IGNORED_WEIGHT else WEAK

    def format(self) -> str:
        w = {OWNING: f"owning({self.weight})", WEAK: f"weak({self.weight})", IGNORED: "ignored"}[self.kind]
        return f'{self.type}  {w}  {format_selector(self.selector)}  "{self.name}"'


@dataclasses.dataclass
class Classifier:
    """Rules in groups, each group on or off; :meth:`rules` gives the active ones in order."""

    groups: dict[str, list[Rule]] = dataclasses.field(default_factory=dict)
    enabled: dict[str, bool] = dataclasses.field(default_factory=dict)

    def add(self, other: "Classifier") -> "Classifier":
        for g, rules in other.groups.items():
            self.groups.setdefault(g, []).extend(rules)
            self.enabled[g] = other.enabled.get(g, True)
        return self

    def switch(self, names: Iterable[str], on: bool) -> "Classifier":
        """Turn groups on or off by name or glob (``harness``, ``dlr*``, ``*``)."""
        import fnmatch

        for pat in names:
            hits = [g for g in self.groups if fnmatch.fnmatchcase(g, pat)]
            if not hits:
                raise DlrsimError(f"no reference classifier group {pat!r} (groups: {', '.join(self.groups)})")
            for g in hits:
                self.enabled[g] = on
        return self

    def rules(self) -> list[Rule]:
        return [r for g, rs in self.groups.items() if self.enabled.get(g, True) for r in rs]

    def group_of(self, name: str) -> str | None:
        for g, rs in self.groups.items():
            if any(r.name == name for r in rs):
                return g
        return None

    def describe(self) -> list[dict]:
        return [{"group": g, "enabled": self.enabled.get(g, True), "rules": [r.format() for r in rs]}
                for g, rs in self.groups.items()]


def parse(text: str, source: str = "<rules>") -> Classifier:
    """Read the classifier format (module doc); a bad line raises with file and line number."""
    c = Classifier()
    group = "default"
    for no, raw in enumerate(text.splitlines(), 1):
        line = _strip_comment(raw).strip()
        if not line:
            continue
        m = _GROUP.match(line)
        if m:
            group = m.group(1).strip()
            c.groups.setdefault(group, [])
            c.enabled[group] = m.group(2) != "off"
            continue
        if line.count('"') % 2:
            raise DlrsimError(f"{source}:{no}: unbalanced double quote")
        parts = [t[1:-1] if t.startswith('"') else t for t in _TOKEN.findall(line)]
        if len(parts) not in (3, 4):
            raise DlrsimError(f"{source}:{no}: expected TYPE WEIGHT SELECTOR [\"NAME\"], got {line!r}")
        typ, weight, sel = parts[:3]
        wm = _WEIGHT.match(weight)
        if not wm:
            raise DlrsimError(f"{source}:{no}: weight must be owning, owning(N), weak, weak(N) or ignored, "
                              f"not {weight!r}")
        kind, num = wm.group(1), wm.group(2)
        if kind == IGNORED:
            w = IGNORED_WEIGHT
        else:
            w = int(num) if num is not None else (1 if kind == OWNING else -1)
            if (kind == OWNING and w < 1) or (kind == WEAK and not -100 <= w <= -1):
                raise DlrsimError(f"{source}:{no}: {kind} weight out of range: {w}")
        steps = tuple(_split_selector(sel))
        if typ.startswith("@") and steps != ("*",):
            raise DlrsimError(f"{source}:{no}: a root rule ({typ}) takes the selector '*'")
        name = parts[3] if len(parts) == 4 else f"{typ}.{sel}"
        c.groups.setdefault(group, []).append(Rule(typ, w, steps, name, group, no, source))
        c.enabled.setdefault(group, True)
    return c


def _strip_comment(line: str) -> str:
    out, quoted = [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == "#" and not quoted:
            break
        out.append(ch)
    return "".join(out)


def format_selector(steps: tuple[str, ...]) -> str:
    """The selector as written: ``("Rules", "[]")`` -> ``Rules[]``."""
    return ".".join(steps).replace(".[]", "[]")


def _split_selector(sel: str) -> list[str]:
    """``Cache._entries[].value`` -> ``["Cache", "_entries", "[]", "value"]``."""
    out: list[str] = []
    for part in sel.split("."):
        if not part:
            raise DlrsimError(f"empty step in selector {sel!r}")
        while part.endswith("[]") and part != "[]":
            out.append(part[:-2])
            part = "[]"
        out.append(part)
    return out


def load(path: str) -> Classifier:
    """A classifier file (format in the module doc)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise DlrsimError(f"cannot read reference classifiers {path}: {exc.strerror or exc}") from None
    return parse(text, path)


#: Built-in groups. ``harness``: what hosts a replay (pythonnet's handles, caches and
#: wrappers) never owns anything: it holds an object only when nothing else does.
#: ``gc-handles``: weak handles and ephemerons. ``delegates``: a delegate does not own
#: its target. ``dlr``: the DLR's caches, named as the DLR names them.
BUILTIN = r'''
[harness]
Python.Runtime.*                                  weak(-3)   *       "harness: pythonnet"
@static:Python.Runtime.*                          weak(-3)   *       "harness: pythonnet statics"

[gc-handles]
@gc-handle                                        weak(-2)   *       "weak GC handle"
@gc-handle-strong                                 weak(-1)   *       "strong GC handle"
@gc-handle-pinned                                 weak(-1)   *       "pinned GC handle"
@ephemeron                                        weak(-1)   *       "ephemeron (ConditionalWeakTable value, alive while its key is; Mono does not record the key)"
System.WeakReference*                             weak(-2)   *       "WeakReference"
System.Runtime.CompilerServices.ConditionalWeakTable*  weak(-1)  *   "ConditionalWeakTable"

[delegates]
*                                                 weak(-1)   m_target     "delegate target"
System.Runtime.CompilerServices.Closure           owning(1)  Constants[]  "delegate closure constants"

[dlr]
System.Runtime.CompilerServices.CallSite*         owning(3)  Target    "L0 Target"
System.Runtime.CompilerServices.CallSite*         owning(4)  Rules[]   "L1 Rules"
System.Runtime.CompilerServices.CallSite*         owning(2)  _binder   "call site binder"
System.Runtime.CompilerServices.RuleCache*        owning(4)  _rules[]  "L2 RuleCache rules"
*Binder                                           owning(2)  Cache     "binder Cache"
'''


def builtin() -> Classifier:
    """The built-in groups (all on)."""
    return parse(BUILTIN, "<built-in>")


def classifier(files: Iterable[str] = (), *, enable: Iterable[str] = (), disable: Iterable[str] = (),
               builtins: bool = True) -> Classifier:
    """Built-ins, then ``files`` in order, then groups switched on and off (globs allowed)."""
    c = builtin() if builtins else Classifier()
    for f in files:
        c.add(load(f))
    c.switch(list(disable), False)
    c.switch(list(enable), True)
    return c
