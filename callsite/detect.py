"""The call-site leak detector: findings a user can act on, with evidence.

It reads a run's result (simulated or real: the same JSON fields) and flags,
per site:

* **identity churn** (error): binds forced by an instance restriction on a
  new object for an argument-type combination the site had already bound.
  The fix is to cast that argument to ``object`` (the binder then restricts
  on the type).
* **per-iteration site** (warning, error when most calls bind): a site (and
  binder) created inside the loop binds again for types it has seen. Keep
  the site in a static field, as the compiler does; on CoreCLR equivalent
  binders are shared so only the site's L1 is lost, on Mono every
  ``Binder.X(...)`` makes a binder with an empty L2.
* **megamorphic type churn** (warning): a static site sees more types than
  L1 holds and rebinds types it has seen because L2 evicted them: more than
  128 types, or just past 64 where the insert-at-64 policy evicts the newest
  rules in a cascade.
* **dead-rule retention** (warning from 8 rules): rules restricted to an
  object the program has dropped can never match again but occupy L1/L2
  until evicted, keeping their delegates and closures alive. Where the rule
  holds a ``WeakReference`` (.NET Framework) the object itself is freed;
  where it holds the object (Mono, CoreCLR: measured) the object, a COM RCW
  for instance, stays alive with the rule.

* **binder symbol table** (error, on a profile whose binder keeps state per
  bind: .NET Framework): every bind leaves a ``Scope``, locals and their
  expression trees in the C# runtime binder's process-wide symbol table, so a
  site that keeps binding grows memory without bound whatever its argument
  types. Any avoided bind avoids it (the cast, a static site, fewer types).

Besides findings, the report splits memory into its parts (``memory_parts``):
the DLR caches, bounded by L1 and L2, and the binder's own state, modelled from
the profile (simulator) or measured from heap-after-GC samples (real runs).

Thresholds: a pattern is flagged once it has repeated ``REPEATS`` times
(three identity or repeat binds), and ``flagged_at`` is the call at which
that happened, so "flagged within N calls" is measurable.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from callsite.bindermemory import per_bind
from callsite.profiles import PROFILES, RuntimeProfile
from callsite.verdict import MemoryVerdict, memory_verdict

REPEATS = 3
DEAD_RULES_WARNING = 8
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    site: str
    kind: str
    severity: str
    message: str
    fix: str
    calls: int
    binds: int
    bind_rate: float
    rules_retained: int
    weak_handles_retained: int
    flagged_at: int | None = None
    positions: tuple = ()
    restriction: str | None = None
    evidence: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["positions"] = list(self.positions)
        return d


@dataclass
class Report:
    workload: str
    runtime: str
    calls: int
    findings: list
    memory: MemoryVerdict | None
    extra: dict = field(default_factory=dict)

    @property
    def worst(self) -> str | None:
        if not self.findings:
            return None
        return max((f.severity for f in self.findings), key=SEVERITY_ORDER.__getitem__)

    @property
    def exit_code(self) -> int:
        """1 when anything at warning level or above was found."""
        return 1 if any(SEVERITY_ORDER[f.severity] >= 1 for f in self.findings) else 0

    def to_dict(self) -> dict:
        return {"workload": self.workload, "runtime": self.runtime, "calls": self.calls,
                "worst": self.worst, "findings": [f.to_dict() for f in self.findings],
                "memory": self.memory.to_dict() if self.memory else None, **self.extra}


def _nth(calls: list, n: int) -> int | None:
    return calls[n - 1] if len(calls) >= n else None


def _binder_state_note(profile: RuntimeProfile | None) -> str:
    """What a fix also does on this runtime, for the binder's own memory."""
    if profile is None or not profile.binder_state.grows:
        return ""
    return (f"; on {profile.name} every avoided bind also avoids a permanent entry in "
            f"{profile.binder_state.part}")


def detect(result: Any, *, l1_capacity: int = 10, l2_capacity: int = 128,
           runtime: str | None = None, profile: "RuntimeProfile | str | None" = None) -> Report:
    """Findings for a run result (a SimResult or a result dict with the JSON fields).

    ``profile`` (default: the result's own ``profile`` field) says what the
    runtime's binder keeps per bind; an unknown name means no binder-state finding.
    """
    d = result.to_dict() if hasattr(result, "to_dict") else dict(result)
    if not isinstance(profile, RuntimeProfile):
        profile = PROFILES.get(profile or d.get("profile") or "")
    note = _binder_state_note(profile)
    findings: list[Finding] = []
    for s in d["sites"]:
        common = dict(site=s["name"], calls=s["calls"], binds=s["binds"], bind_rate=s.get("bind_rate", 0.0),
                      rules_retained=s.get("rules_retained", 0),
                      weak_handles_retained=s.get("weak_handles_retained", 0))
        identity = s.get("identity_binds", 0)
        repeats = s.get("repeat_binds", 0)
        type_repeats = repeats - identity
        if identity >= REPEATS:
            positions = tuple(s.get("identity_positions", ()))
            args = ", ".join(f"argument {p}" for p in positions) or "an argument"
            findings.append(Finding(
                kind="identity-churn", severity="error",
                message=(f"site {s['name']} ({s.get('operation', '')}) binds on {s['binds']} of {s['calls']} calls, "
                         f"{identity} of them for a new object of a type it had already bound: "
                         f"{args} is instance-restricted (the rule accepts only the one object it was bound for: "
                         f"a COM object or proxy passed as dynamic), so every new object misses L0, L1 and L2"),
                fix=(f"cast {args} to object at the call (e.g. Marshal.FinalReleaseComObject((object)com)); "
                     "the binder then restricts on the type and binds once" + note),
                flagged_at=_nth(s.get("identity_bind_calls", []), REPEATS), positions=positions,
                restriction="instance",
                evidence={"identity_binds": identity, "types_seen": s.get("types_seen"),
                          "first_identity_binds": s.get("identity_bind_calls", [])[:REPEATS]},
                **common))
        if s.get("lifetime") == "per-iteration" and type_repeats >= REPEATS:
            severity = "error" if s.get("bind_rate", 0) >= 0.5 else "warning"
            findings.append(Finding(
                kind="per-iteration-site", severity=severity,
                message=(f"site {s['name']} is created anew each iteration ({s.get('site_instances')} sites, "
                         f"{s.get('binder_objects')} binder objects) and rebinds types it has already bound "
                         f"({type_repeats} repeat binds in {s['calls']} calls)"),
                fix=("create the binder and CallSite<T> once and keep them in a static field (what the C# "
                     "compiler does); a shared binder keeps its L2 rules across sites" + note),
                flagged_at=_nth(s.get("repeat_bind_calls", []), REPEATS),
                evidence={"repeat_binds": type_repeats, "site_instances": s.get("site_instances"),
                          "binder_objects": s.get("binder_objects")},
                **common))
        elif s.get("lifetime") != "per-iteration" and type_repeats >= REPEATS and s.get("types_seen", 0) > l1_capacity:
            types = s.get("types_seen", 0)
            why = (f"more than L2's {l2_capacity} rules" if types > l2_capacity else
                   f"past L2's insert position ({l2_capacity // 2}): rules inserted there push each other out")
            findings.append(Finding(
                kind="megamorphic", severity="warning",
                message=(f"site {s['name']} sees {types} argument types, {why}; it rebinds types it has "
                         f"already bound ({type_repeats} repeat binds in {s['calls']} calls)"),
                fix=("reduce the number of types flowing into this dynamic operation (dispatch on a common "
                     "interface or base type, or split the site per type family)" + note),
                flagged_at=_nth(s.get("repeat_bind_calls", []), REPEATS),
                evidence={"types_seen": types, "repeat_binds": type_repeats,
                          "l1_capacity": l1_capacity, "l2_capacity": l2_capacity},
                **common))
        l1_stale, l2_stale = s.get("stale_rules_l1", 0), s.get("stale_rules_l2", 0)
        if l1_stale + l2_stale:
            strong = s.get("strong_refs_retained", 0)
            held = (f"they hold {strong} such objects strongly (the object is a constant of the rule), "
                    "so the objects stay alive with the rules" if strong else
                    "their WeakReferences read null, but the rules, closures and handles stay")
            findings.append(Finding(
                kind="dead-rule-retention",
                severity="warning" if l1_stale + l2_stale >= DEAD_RULES_WARNING else "info",
                message=(f"site {s['name']}: {l1_stale} of its L1 slots and {l2_stale} of its L2 slots hold rules "
                         f"restricted to objects the program has dropped ({s.get('rules_retained', 0)} distinct rules "
                         "cached in all; a full L2 holds its newest rule twice); they can never match again and "
                         f"stay cached until evicted; {held}"),
                fix="remove the instance restriction (cast the argument to object); the caches then hold one live rule",
                evidence={"stale_rules_l1": l1_stale, "stale_rules_l2": l2_stale,
                          "strong_refs_retained": strong, "weak_handles_retained": s.get("weak_handles_retained", 0)},
                **common))
        if profile is not None and profile.binder_state.grows and repeats >= REPEATS:
            findings.append(_symbol_table_finding(s, profile, l1_capacity, l2_capacity, common))
    samples = d.get("samples") or []
    metric = "approx_bytes" if samples and "approx_bytes" in samples[0] else "managed_heap_bytes"
    measured = bool(samples) and "heap_bytes" in samples[0]   # a real run: approx_bytes is the heap's growth
    verdict = None
    pts = [(x["call"], x.get(metric)) for x in samples if x.get(metric) is not None]
    if pts:
        verdict = memory_verdict([p[0] for p in pts], [p[1] for p in pts],
                                 metric="modelled bytes (simulator)" if metric == "approx_bytes" and not measured
                                 else "managed heap after forced GC")
    report = Report(workload=d.get("workload", "?"), runtime=runtime or d.get("runtime") or d.get("profile", "?"),
                    calls=d["calls"], findings=findings, memory=verdict)
    parts = memory_parts(d, profile, l1_capacity, l2_capacity)
    if parts:
        report.extra["memory_parts"] = parts
        growing = [p["part"] for p in parts if p["verdict"] == "growing"]
        if verdict is not None and verdict.verdict == "growing" and growing:
            report.memory = replace(verdict, cause=" and ".join(growing))
    return report


def _symbol_table_finding(s: dict, profile: RuntimeProfile, l1: int, l2: int, common: dict) -> Finding:
    state = profile.binder_state
    args = s.get("arguments")
    per = s.get("binder_state_bytes_per_bind", state.bytes_per_bind(args) if args is not None else None)
    size = ("a Scope and its locals" if per is None else f"{per} bytes" if args is None
            else f"{per} bytes ({state.objects_per_bind(args)} objects)")
    return Finding(
        kind="binder-symbol-table", severity="error",
        message=(f"site {s['name']} binds {s['binds']} times in {s['calls']} calls ({s['repeat_binds']} of them "
                 f"for argument types it had bound before); on {profile.name} every bind leaves {size} in "
                 f"{state.part} (a new Scope, one LocalVariableSymbol per argument with its expression tree, "
                 "an AggregateDeclaration), never removed: memory grows without bound while the site keeps "
                 f"binding, whatever the argument types. The DLR caches stay bounded (L1 {l1}, L2 {l2} rules)"),
        fix=("avoid the binds: any bind avoided is a leak avoided (cast an instance-restricted argument to "
             "object; keep the site in a static field; feed fewer types); runtimes built after "
             "dotnet/corefx#15397 (.NET Core, .NET 5+, Mono) do not keep this state"),
        flagged_at=_nth(s.get("repeat_bind_calls", []), REPEATS),
        evidence={"binds": s["binds"], "bytes_per_bind": per, "census_per_bind":
                  state.census(args) if args is not None else None, "source": state.source},
        **common)


def memory_parts(d: dict, profile: RuntimeProfile | None, l1: int, l2: int) -> list[dict]:
    """Which part of the memory grows: the DLR caches, and the binder's own state.

    Simulated samples carry the modelled ``binder_state_bytes``; real samples
    carry the heap after a forced GC, from which the binder's own bytes per
    bind are measured (:func:`callsite.bindermemory.per_bind`).
    """
    samples = d.get("samples") or []
    bound = f"at most {l1} rules per site (L1) and {l2} per binder (L2)"
    if samples and "binder_state_bytes" in samples[0]:
        calls = [x["call"] for x in samples]
        state = [x["binder_state_bytes"] for x in samples]
        caches = memory_verdict(calls, [x["approx_bytes"] - b for x, b in zip(samples, state)],
                                metric="modelled bytes (simulator)")
        grows = profile is not None and profile.binder_state.grows
        binder = memory_verdict(calls, state, metric="modelled bytes (simulator)")
        return [
            {"part": "DLR caches (L0/L1/L2 rules and what they hold)", "bound": bound,
             "verdict": caches.verdict, "bytes_last": caches.bytes_last},
            {"part": profile.binder_state.part if profile else "the C# runtime binder's own state",
             "bound": ("none: every bind adds to it, nothing removes it" if grows
                       else "nothing kept per bind"),
             "verdict": binder.verdict, "bytes_last": binder.bytes_last,
             "source": profile.binder_state.source if profile else None},
        ]
    heap = [x for x in samples if x.get("heap_bytes") is not None]
    if len(heap) >= 12 and profile is not None and heap[-1]["binds"] - heap[len(heap) // 2]["binds"] >= 100:
        m = per_bind(d, profile.memory)
        return [{"part": "the C# runtime binder's own state", "bound": "measured on this run",
                 "verdict": m.verdict, "bytes_per_bind": m.bytes_per_bind,
                 "bytes_per_bind_ci": [m.low, m.high], "method": m.method}]
    return []
