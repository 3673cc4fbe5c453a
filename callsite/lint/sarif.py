"""SARIF 2.1.0 output that GitHub code scanning accepts.

GitHub wants relative URIs, stable ``partialFingerprints`` and a rule list
with levels; fixes are given as SARIF replacements so viewers can offer them.
"""

from __future__ import annotations

import json
import os
from typing import Any

from callsite.lint.findings import PROBLEM_RULE, RULES, Finding

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _uri(path: str) -> str:
    rel = path
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
        except ValueError:
            rel = path
        if rel.startswith(".."):
            return "file://" + path.replace(os.sep, "/")
    rel = rel.replace(os.sep, "/")
    while rel.startswith("./"):
        rel = rel[2:]
    return rel


def to_sarif(findings: list[Finding], version: str = "0.1.0") -> dict[str, Any]:
    rule_ids = list(RULES)
    rules = [{
        "id": r.id,
        "name": r.name,
        "shortDescription": {"text": r.short},
        "fullDescription": {"text": r.help},
        "help": {"text": r.help},
        "defaultConfiguration": {"level": _LEVEL[r.severity], "enabled": r.default},
        "properties": {"tags": ["performance", "memory", "dynamic", "com-interop"],
                       "precision": "medium" if r.id != "DLR004" else "low"},
    } for r in RULES.values()]
    results = []
    notifications = []
    for f in findings:
        if f.rule == PROBLEM_RULE:
            notifications.append({
                "level": "error",
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.file), "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": f.line, "startColumn": f.column}}}],
            })
            continue
        loc = {"physicalLocation": {
            "artifactLocation": {"uri": _uri(f.file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": f.line, "startColumn": f.column,
                       "endLine": f.end_line, "endColumn": f.end_column}}}
        res: dict[str, Any] = {
            "ruleId": f.rule,
            "ruleIndex": rule_ids.index(f.rule),
            "level": _LEVEL.get(f.severity, "warning"),
            "message": {"text": f.message},
            "locations": [loc],
            "partialFingerprints": {"dlrsimFingerprint/v1": f.fingerprint},
        }
        if f.fix:
            res["fixes"] = [{
                "description": {"text": f.fix.get("description") or "insert cast"},
                "artifactChanges": [{
                    "artifactLocation": {"uri": _uri(f.file), "uriBaseId": "%SRCROOT%"},
                    "replacements": [{
                        "deletedRegion": {"startLine": e["line"], "startColumn": e["column"],
                                          "endLine": e["line"], "endColumn": e["column"]},
                        "insertedContent": {"text": e["insert"]},
                    } for e in f.fix["edits"]],
                }],
            }]
        results.append(res)
    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": "dlrsim",
            "informationUri": "https://pypi.org/project/dlrsim/",
            "semanticVersion": version,
            "version": version,
            "rules": rules,
        }},
        "columnKind": "unicodeCodePoints",
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _srcroot()}},
        "invocations": [{
            "executionSuccessful": not notifications,
            "toolExecutionNotifications": notifications,
        }],
        "results": results,
    }
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def _srcroot() -> str:
    cwd = os.getcwd().replace(os.sep, "/")
    return "file://" + (cwd if cwd.startswith("/") else "/" + cwd) + "/"


def sarif_text(findings: list[Finding]) -> str:
    return json.dumps(to_sarif(findings), indent=2) + "\n"
