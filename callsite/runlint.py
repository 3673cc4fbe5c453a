"""Runtime findings next to the linter's: SARIF with the linter's rule IDs, and a three-way comparison.

A runtime finding becomes a SARIF result at its source line under the rule the linter would use
for the same cause, so CI shows static and runtime evidence together:

* ``identity-churn`` -> DLR002 (a COM object passed as a dynamic argument, rebinding on every
  new object: the linter's rule for that argument in a loop);
* ``dead-rule-retention`` -> DLR001 (the same cause, an instance restriction, seen in the caches);
* ``per-iteration-site`` -> DLR003 (a CallSite or binder created per execution).

``megamorphic`` has no lint rule (the linter cannot know how many types flow); it stays in the
JSON and text reports only.
"""

from __future__ import annotations

import hashlib
import json
import os

from callsite.lint.findings import RULES, Finding
from callsite.lint.sarif import to_sarif

RULE_OF = {"identity-churn": "DLR002", "dead-rule-retention": "DLR001", "per-iteration-site": "DLR003"}
LEAKS = frozenset(RULE_OF)


def runtime_findings(report) -> list[Finding]:
    """The report's findings as lint findings (file, line, rule), for SARIF."""
    out = []
    for s in report.sites:
        for f in s["findings"]:
            rule = RULE_OF.get(f["kind"])
            if rule is None:
                continue
            file = s["file"] or report.program
            line = s["line"] or 1
            col = s.get("column") or 1
            msg = (f"runtime ({report.runtime}): {f['kind']} in {s['method']} ({s['kind']} {s['member'] or ''}"
                   f"): {f['message']}; {s['calls']} calls, {s['binds']} binds. Fix: {f['fix']}")
            key = f"{rule}|{os.path.basename(file)}|{s['method']}|{s['kind']}|{s['member']}|{f['kind']}"
            out.append(Finding(file=file, line=line, column=col, end_line=line, end_column=col, rule=rule,
                               severity="error" if f["severity"] == "error" else
                               ("warning" if f["severity"] == "warning" else "info"),
                               message=msg, fingerprint=hashlib.sha256(key.encode()).hexdigest()[:32]))
    return out


def sarif_text(report) -> str:
    doc = to_sarif(runtime_findings(report))
    doc["runs"][0]["invocations"][0]["properties"] = {
        "program": report.program, "runtime": report.runtime_version or report.runtime,
        "programExitCode": report.outcome.get("exit_code"), "programStatus": report.outcome.get("status")}
    return json.dumps(doc, indent=2) + "\n"


def _same_file(a: str, b: str) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    return os.path.basename(a) == os.path.basename(b) and not (os.path.exists(a) and os.path.exists(b))


def _covers(lint: Finding, line: int) -> bool:
    return lint.line == line or lint.line <= line <= lint.end_line


def compare_with_lint(report, src: str) -> dict:
    """Which runtime-leaky sites the linter found, which it missed, which lint findings did not leak."""
    from callsite.lint import lint_paths

    lint = [f for f in lint_paths(src) if f.rule in RULES]
    leaky = [s for s in report.sites if s["file"] and any(f["kind"] in LEAKS for f in s["findings"])]

    def entry(s):
        return {"file": s["file"], "line": s["line"], "method": s["method"],
                "runtime": sorted({f["kind"] for f in s["findings"] if f["kind"] in LEAKS})}

    found, missed, matched = [], [], set()
    for s in leaky:
        hits = [k for k, f in enumerate(lint) if _same_file(f.file, s["file"]) and _covers(f, s["line"])]
        if hits:
            matched.update(hits)
            found.append(dict(entry(s), lint=sorted({lint[k].rule for k in hits})))
        else:
            missed.append(entry(s))
    ran = {(os.path.basename(s["file"]), s["line"]) for s in report.sites if s["file"]}
    not_leaked = [{"file": f.file, "line": f.line, "rule": f.rule,
                   "why": "ran without leaking" if (os.path.basename(f.file), f.line) in ran else "not run or not found"}
                  for k, f in enumerate(lint) if k not in matched]
    return {"source": src, "found": found, "missed": missed, "not_leaked": not_leaked}
