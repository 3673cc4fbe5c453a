"""Class names: the filters every listing command takes, and names short enough for a terminal.

A class filter is one string, chosen by its shape:

* ``re:PATTERN`` or ``/PATTERN/``: a regular expression searched in the full name;
* with ``*`` or ``?``: a glob matched against the full name *and* against the
  name without namespaces (so ``Action<*`` matches
  ``System.Action<System.Runtime.CompilerServices.CallSite,System.Object>``);
  ``[]`` stays literal (array classes), other brackets are glob classes;
* otherwise: the exact full or short name if some class has it, else a substring.

Shortened names drop every namespace (``System.Action<System.Runtime.CompilerServices.CallSite>``
becomes ``Action<CallSite>``) and are cut in the middle to a width; JSON keeps the full name.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Callable, Sequence

from callsite.errors import DlrsimError

_NS = re.compile(r"(?<![\w`])(?:[A-Za-z_][\w`]*\.)+(?=[A-Za-z_<])")
#: Width a class name gets in a table row before it is cut in the middle.
NAME_WIDTH = 60


def strip_namespaces(name: str) -> str:
    """Every dotted namespace prefix removed, outer and inside generic arguments."""
    return _NS.sub("", name)


def short_name(name: str, width: int = NAME_WIDTH) -> str:
    """``strip_namespaces`` then cut in the middle with ``…`` when longer than ``width``."""
    s = strip_namespaces(name)
    if width and len(s) > width:
        keep = width - 1
        head = (keep + 1) // 2
        s = s[:head] + "…" + s[len(s) - (keep - head):]
    return s


def _glob_regex(pattern: str) -> re.Pattern:
    parts = pattern.split("[]")
    return re.compile("(?s:" + r"\[\]".join(fnmatch.translate(p)[4:-3] for p in parts) + r")\Z")


def class_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate on full class names for one filter string (see the module doc)."""
    if pattern.startswith("re:") or (len(pattern) > 1 and pattern.startswith("/") and pattern.endswith("/")):
        body = pattern[3:] if pattern.startswith("re:") else pattern[1:-1]
        try:
            rx = re.compile(body)
        except re.error as exc:
            raise DlrsimError(f"bad class regex {body!r}: {exc}") from None
        return lambda nm: rx.search(nm) is not None
    if any(c in pattern for c in "*?"):
        rx = _glob_regex(pattern)
        return lambda nm: rx.match(nm) is not None or rx.match(strip_namespaces(nm)) is not None
    return lambda nm: nm == pattern or strip_namespaces(nm) == pattern or pattern in nm


def matching_classes(pattern: str, names: Sequence[str]) -> list[int]:
    """Indices of ``names`` the filter selects; a plain word prefers exact (full or short) names."""
    plain = not (pattern.startswith(("re:", "/")) or any(c in pattern for c in "*?"))
    if plain:
        exact = [i for i, nm in enumerate(names) if nm == pattern or strip_namespaces(nm) == pattern
                 or _outer_short(nm) == pattern]
        if exact:
            return exact
    pred = class_matcher(pattern)
    return [i for i, nm in enumerate(names) if pred(nm)]


def _outer_short(name: str) -> str:
    base, lt, rest = name.partition("<")
    return base.rsplit(".", 1)[-1] + lt + rest


def fold_runs(labels: Sequence[str]) -> list[tuple[str, int]]:
    """Consecutive equal labels as (label, run length): a linked chain of one class reads as one step."""
    out: list[tuple[str, int]] = []
    for lab in labels:
        if out and out[-1][0] == lab:
            out[-1] = (lab, out[-1][1] + 1)
        else:
            out.append((lab, 1))
    return out


def folded(labels: Sequence[str], sep: str = " -> ") -> str:
    """``A -> B -> B -> B -> C`` as ``A -> B ×3 -> C``."""
    return sep.join(lab if k == 1 else f"{lab} ×{k}" for lab, k in fold_runs(labels))
