"""What the linter reports: rules, severities and findings.

Rule IDs are stable: they appear in suppressions, baselines and SARIF, so
they never change meaning once published.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: str  # "error" | "warning" | "info"
    default: bool
    short: str
    help: str


RULES: dict[str, Rule] = {r.id: r for r in [
    Rule("DLR001", "ComArgumentToDynamicCall", "warning", True,
         "COM object or transparent proxy passed as a dynamic argument",
         "A dynamic argument that may hold a COM object or a transparent proxy makes the C# runtime "
         "binder put an instance restriction on the rule it compiles, so the call site rebinds, "
         "compiles a new rule and grows its caches for every new object. Cast the argument to "
         "object (or to the parameter's static type) so the call is bound statically."),
    Rule("DLR002", "ComArgumentToDynamicCallInLoop", "error", True,
         "COM object passed as a dynamic argument inside a loop",
         "DLR001 inside a loop, a LINQ lambda, a recursive method or a repeated handler: every "
         "iteration brings a new object, so the site rebinds and leaks on every iteration."),
    Rule("DLR003", "CallSiteNotCached", "warning", True,
         "CallSite or runtime binder created per execution",
         "CallSite<T>.Create(...) or a Microsoft.CSharp.RuntimeBinder.Binder call whose result is "
         "not kept in a field that is initialized once: each execution creates a new site whose "
         "caches start empty and rebinds on runtimes that do not share binders."),
    Rule("DLR004", "UnknownDynamicArgumentInLoop", "info", False,
         "dynamic argument of unknown origin passed inside a loop",
         "The origin of this dynamic argument cannot be determined from the files given; if it can "
         "be a COM object or transparent proxy, the call site leaks as in DLR002. Off by default "
         "(use --all)."),
    Rule("DLR005", "ComValueAssignedThroughDynamic", "warning", True,
         "COM object assigned to a member or element of a dynamic receiver",
         "Assigning a dynamic value that may be a COM object to a member or indexer of another "
         "dynamic (non-COM) object passes it as the value argument of a SetMember/SetIndex "
         "binder, which restricts on the instance like DLR001. Cast the value to object."),
]}

FAMILY = {"DLR002": "DLR001"}  # a suppression of the parent rule also silences the refinement

PROBLEM_RULE = "DLR000"  # a file that could not be read, decoded or parsed


@dataclass
class Finding:
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    rule: str
    severity: str
    message: str
    fix: dict[str, Any] | None = None
    fingerprint: str = ""
    edits: list[tuple[int, str]] = field(default_factory=list, repr=False, compare=False)
    offset: int = field(default=-1, repr=False, compare=False)  # byte where it starts, if known

    def sort_key(self) -> tuple:
        return (self.file, self.line, self.column, self.rule)

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column,
                "end": {"line": self.end_line, "column": self.end_column},
                "rule": self.rule, "severity": self.severity, "message": self.message,
                "fix": self.fix, "fingerprint": self.fingerprint}
