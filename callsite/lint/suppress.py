"""In-source suppressions, so a team can accept a finding where it stands.

``// dlrsim: ignore[DLR001]`` and ``/* dlrsim: ignore[DLR001] */`` silence the line
they are on, and the line below when the comment stands alone on its line;
``#pragma warning disable DLR001`` ... ``#pragma warning restore DLR001`` silences a
region, as for compiler warnings, and ``#pragma warning suppress DLR001`` the next line.

A suppression of DLR001 also covers DLR002 at the same place: DLR002 is DLR001 found
inside a loop (or a handler, or recursion), the same problem, so accepting one accepts
the other. ``ignore[DLR002]`` covers only DLR002.
"""

from __future__ import annotations

import re

from callsite.lint.findings import FAMILY, Finding

_IGNORE = re.compile(r"//\s*dlrsim\s*:\s*ignore(?:\[([^\]]*)\])?", re.IGNORECASE)
_BLOCK = re.compile(r"/\*\s*dlrsim\s*:\s*ignore(?:\[([^\]]*)\])?\s*\*/", re.IGNORECASE)
_PRAGMA = re.compile(r"^\s*#\s*pragma\s+warning\s+(disable|restore|suppress)\b([^/\n]*)")
ALL = "*"


def _ids(text: str | None) -> set[str]:
    if not text or not text.strip():
        return {ALL}
    return {p.strip().upper() for p in re.split(r"[,\s]+", text) if p.strip()}


class Suppressions:
    def __init__(self, text: str) -> None:
        self.by_line: dict[int, set[str]] = {}
        # per rule (or ALL): sorted list of (line, disabled?) switch points
        self.switches: list[tuple[int, str, set[str]]] = []
        if "dlrsim" not in text and "pragma" not in text:
            return
        for no, line in enumerate(text.splitlines(), start=1):
            m = _IGNORE.search(line)
            if m:
                ids = _ids(m.group(1))
                code_before = line[: m.start()].strip()
                self.by_line.setdefault(no, set()).update(ids)
                if not code_before:  # a comment on its own line covers the next line
                    self.by_line.setdefault(no + 1, set()).update(ids)
            p = _PRAGMA.match(line)
            if p and p.group(1) == "suppress":
                self.by_line.setdefault(no + 1, set()).update(_ids(p.group(2)))
            elif p:
                self.switches.append((no, p.group(1), _ids(p.group(2))))
        if "/*" in text:
            self._blocks(text)

    def _blocks(self, text: str) -> None:
        for m in _BLOCK.finditer(text):
            ids = _ids(m.group(1))
            first = text.count("\n", 0, m.start()) + 1
            last = first + m.group(0).count("\n")
            line_start = text.rfind("\n", 0, m.start()) + 1
            line_end = text.find("\n", m.end())
            alone = not text[line_start:m.start()].strip() and \
                not text[m.end():line_end if line_end >= 0 else len(text)].strip()
            for no in range(first, last + 1 + (1 if alone else 0)):
                self.by_line.setdefault(no, set()).update(ids)

    def suppressed(self, f: Finding) -> bool:
        ids = {f.rule}
        if f.rule in FAMILY:
            ids.add(FAMILY[f.rule])
        here = self.by_line.get(f.line)
        if here and (ALL in here or ids & here):
            return True
        if not self.switches:
            return False
        all_off = False
        per: dict[str, bool] = {}
        for line, action, which in self.switches:
            if line > f.line:
                break
            off = action == "disable"
            if ALL in which:
                all_off = off
                per.clear()
            else:
                for w in which:
                    per[w] = off
        return any(per.get(i, all_off) for i in ids)


def apply(findings: list[Finding], text: str) -> list[Finding]:
    s = Suppressions(text)
    if not s.by_line and not s.switches:
        return findings
    return [f for f in findings if not s.suppressed(f)]
