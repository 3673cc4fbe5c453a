"""Applying fixes: insert casts without touching anything else.

Edits are insertions at byte offsets computed on the original text, applied
from the end so earlier offsets stay valid. A fixed argument is a cast, which
the analysis no longer flags, so fixing twice changes nothing.
"""

from __future__ import annotations

import difflib

from callsite.lint.findings import Finding


def apply_fixes(data: bytes, findings: list[Finding]) -> bytes:
    edits: dict[int, list[str]] = {}
    seen: set[tuple[int, str]] = set()
    for f in findings:
        for off, text in f.edits:
            if (off, text) in seen:
                continue
            seen.add((off, text))
            edits.setdefault(off, []).append(text)
    out = data
    for off in sorted(edits, reverse=True):
        # at one offset, closing parens come before opening casts
        texts = sorted(edits[off], key=lambda t: 0 if t == ")" else 1)
        out = out[:off] + "".join(texts).encode("utf-8") + out[off:]
    return out


def unified_diff(path: str, before: bytes, after: bytes) -> str:
    a = before.decode("utf-8", "replace").splitlines(keepends=True)
    b = after.decode("utf-8", "replace").splitlines(keepends=True)
    lines = list(difflib.unified_diff(a, b, fromfile=f"a/{path}", tofile=f"b/{path}"))
    return "".join(l if l.endswith("\n") else l + "\n\\ No newline at end of file\n" for l in lines)
