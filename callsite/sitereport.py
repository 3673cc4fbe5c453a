"""The per-site report of a real program run (``dlrsim run``): V8's ``--trace-ic`` for C# ``dynamic``.

:func:`site_report` turns the worker's last state (see :mod:`binders.program.state`) into rows
with stable fields — ``file``, ``line``, ``method``, ``kind``, ``member``, ``calls``, ``binds``,
``l1_rules``, ``l2_rules`` (distinct), ``instance_rules``, ``ic_state``, ``findings[]`` — whose
findings come from the same detector as simulated and replayed runs (:func:`callsite.detect.detect`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from callsite.detect import SEVERITY_ORDER, detect

SITE_FIELDS = ("file", "line", "method", "kind", "member", "calls", "binds", "l1_rules", "l2_rules",
               "instance_rules", "ic_state", "findings")
_GENERATED = re.compile(r"<([^>]*)>([a-z])?(?:__)?([A-Za-z]*)")


def display_method(type_name: str, method: str) -> str:
    """``Program.Main``, ``Program.Main (lambda)``, ``Program.Run (async)``... from compiler names
    (mcs ``<Main>m__0``, ``<Run>c__async0``; Roslyn ``<Main>b__0_0``, ``<Run>d__1``, ``<Main>g__Local|0_0``)."""
    parts = type_name.replace("+", "/").split("/")
    outer = []
    generated = []
    for p in parts:
        (generated if p.startswith("<") else outer).append(p)
    owner = ".".join(re.sub(r"`\d+$", "", p) for p in outer) or type_name
    what = ""
    name = method
    for p in generated:
        m = _GENERATED.match(p)
        if m and m.group(1):
            name = m.group(1)
            tail = p[m.end(1) + 1:]
            if tail.startswith("c__async"):
                what = "async"
            elif tail.startswith("c__Iterator"):
                what = "iterator"
            elif tail.startswith("d__"):
                what = "state machine"
            elif tail.startswith("c__AnonStorey") or tail.startswith("c__DisplayClass"):
                what = "lambda"
    m = _GENERATED.match(method)
    if m:
        if m.group(1):
            name = m.group(1)
        rest = method[m.end(1) + 1:]
        local = re.match(r"g__([^|]+)\|", rest)
        if local:
            name, what = f"{name}.{local.group(1)}", "local function"
        elif rest.startswith(("m__", "b__")) or method.startswith("<>m__"):
            what = "lambda"
    elif method == "MoveNext" and generated and not what:
        what = "state machine"
    return f"{owner}.{name}" + (f" ({what})" if what else "")


def _spec(text: str | None) -> dict:
    keys = ("kind", "name", "flags", "context", "args", "operation", "type", "type_args")
    values = (text or "").split("\t")
    d = dict(zip(keys, values + [""] * (len(keys) - len(values))))
    return d


def _member(spec: dict) -> str:
    return spec.get("name") or spec.get("operation") or (spec.get("type") and f"to {spec['type']}") or ""


def _lifetime(row: dict) -> str:
    """What the detector calls it: a static field's site lives for the run; anything stored
    elsewhere and made more than once is a site made per execution."""
    if row["storage"] == "static" or row["instances"] <= 1:
        return "static"
    return "per-iteration"


@dataclass
class SiteReport:
    """A program run, per site: what to print, to serialize and to turn into SARIF."""
    program: str
    runtime: str
    runtime_version: str | None
    symbols: str
    outcome: dict
    sites: list
    complete: bool
    extra: dict = field(default_factory=dict)

    @property
    def findings(self) -> list[dict]:
        return [dict(f, file=s["file"], line=s["line"], method=s["method"]) for s in self.sites for f in s["findings"]]

    @property
    def worst(self) -> str | None:
        sev = [f["severity"] for f in self.findings]
        return max(sev, key=SEVERITY_ORDER.__getitem__) if sev else None

    @property
    def exit_code(self) -> int:
        """Ours, not the program's: 1 when a finding at warning or above came out, else 0."""
        return 1 if any(SEVERITY_ORDER[f["severity"]] >= 1 for f in self.findings) else 0

    def to_dict(self) -> dict[str, Any]:
        return {"program": self.program, "runtime": self.runtime, "runtime_version": self.runtime_version,
                "symbols": self.symbols, "complete": self.complete, "outcome": self.outcome,
                "worst": self.worst, "sites": self.sites, **self.extra}


def site_rows(state: dict) -> list[dict]:
    """Report rows (stable fields first) from one worker state, findings from the detector."""
    rows = []
    detector_sites = []
    for raw in state["sites"]:
        st = raw["stats"]
        spec = _spec(raw.get("binder_spec"))
        name = f"site{raw['id']}"
        calls = st["calls"]
        detector_sites.append(dict(st, name=name, calls=calls, lifetime=_lifetime(raw),
                                   operation=f"{spec['kind']} {_member(spec)}".strip(),
                                   site_instances=raw["instances"], binder_objects=raw["binder_calls"],
                                   stale_rules_l1=raw["stale_rules_l1"], stale_rules_l2=raw["stale_rules_l2"],
                                   strong_refs_retained=raw["strong_refs_retained"],
                                   weak_handles_retained=raw["weak_handles_retained"],
                                   rules_retained=raw["rules_retained"],
                                   bind_rate=round(st["binds"] / calls, 6) if calls else 0.0))
        rows.append({
            "file": raw["file"] or None, "line": raw["line"] or None,
            "method": display_method(raw["type"], raw["il_method"]), "kind": spec["kind"] or None,
            "member": _member(spec) or None, "calls": calls, "binds": st["binds"],
            "l1_rules": raw["l1_rules"], "l2_rules": raw["l2_rules"], "instance_rules": raw["instance_rules"],
            "ic_state": st["ic_state"], "findings": [],
            "column": raw["column"] or None, "il_method": f"{raw['type']}::{raw['il_method']}",
            "storage": raw["storage"], "lifetime": "per-execution" if _lifetime(raw) != "static" else "static",
            "site_instances": raw["instances"], "binder_objects": raw["binder_calls"],
            "types_seen": st["types_seen"], "identity_binds": st["identity_binds"],
            "repeat_binds": st["repeat_binds"],
            "restricted": [{"position": int(p), "types": ts} for p, ts in raw["restricted"].items()],
            "stale_rules": raw["stale_rules_l1"] + raw["stale_rules_l2"],
            "strong_refs_retained": raw["strong_refs_retained"],
            "_name": name,
        })
    total = sum(r["calls"] for r in rows)
    report = detect({"sites": detector_sites, "calls": total, "samples": []})
    by_name = {r["_name"]: r for r in rows}
    for f in report.findings:
        by_name[f.site]["findings"].append({"kind": f.kind, "severity": f.severity, "fix": f.fix,
                                            "message": f.message.replace(f"site {f.site}", "this site", 1),
                                            "flagged_at_call": f.flagged_at, "positions": list(f.positions)})
    for r in rows:
        del r["_name"]
    return rows


def build(run) -> SiteReport:
    """The report of a :class:`binders.program.runner.ProgramRun` (partial when it timed out)."""
    hello = run.first("hello") or {}
    loaded = run.first("loaded") or {}
    state = run.last("state") or {"sites": []}
    outcome = dict(run.last("outcome") or {})
    outcome.pop("event", None)
    if not outcome:
        if run.timed_out:
            outcome = {"status": "timed-out", "exit_code": None}
        else:
            outcome = {"status": "worker-died", "exit_code": None, "worker_exit": run.worker_exit}
    outcome["stdout"] = run.stdout
    outcome["stderr"] = run.stderr
    extra = {"out_dir": str(run.out_dir), "args": run.args,
             "rewrite_seconds": loaded.get("rewrite_seconds"),
             "unattributed_binds": state.get("unattributed_binds", 0),
             "sites_in_program": state.get("sites_in_program", len(state["sites"]))}
    return SiteReport(program=run.program, runtime=run.runtime, runtime_version=hello.get("runtime_version"),
                      symbols=loaded.get("symbols", "none"), outcome=outcome, sites=site_rows(state),
                      complete=bool(state.get("final")), extra=extra)
