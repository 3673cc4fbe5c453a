"""Text and JSON output.

Text follows the compiler's ``file(line,col): warning ID: message`` shape so
IDEs and CI log parsers that understand MSBuild output pick findings up.
"""

from __future__ import annotations

import json

from callsite.lint.findings import Finding

_WORD = {"error": "error", "warning": "warning", "info": "info"}


def text(findings: list[Finding]) -> str:
    lines = [f"{f.file}({f.line},{f.column}): {_WORD.get(f.severity, f.severity)} {f.rule}: {f.message}"
             for f in findings]
    return "\n".join(lines) + ("\n" if lines else "")


def json_text(findings: list[Finding]) -> str:
    return json.dumps([f.to_json() for f in findings], indent=2) + "\n"


def summary(findings: list[Finding], nfiles: int, unparsed: int = 0) -> str:
    """One line for stderr; says how many files --quick left unparsed, since their syntax
    errors (if any) are then not among the findings."""
    by: dict[str, int] = {}
    for f in findings:
        by[f.rule] = by.get(f.rule, 0) + 1
    parts = ", ".join(f"{k}: {v}" for k, v in sorted(by.items()))
    skipped = f", {unparsed} without dynamic code not parsed (--quick)" if unparsed else ""
    return f"dlrsim lint: {len(findings)} finding(s) in {nfiles} file(s){skipped}{' (' + parts + ')' if parts else ''}"
