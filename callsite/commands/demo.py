"""`dlrsim demo`: the flagship comparison, the README's main job.

A fresh COM object passed as a dynamic argument, against the same call with a
cast to object: binds, cache sizes, time per call and heap after GC, on the
simulator and, when they are installed, on the real runtimes.
"""

from __future__ import annotations

from binders import runtimes
from callsite.commands._common import count
from callsite.output import format_table, print_json

SCENARIOS = ("com-arg-fresh", "com-arg-cast")


def register(sub) -> None:
    p = sub.add_parser("demo", help="the flagship: COM argument leak vs the cast fix, side by side",
                       description="A fresh COM object passed as a dynamic argument versus the same call with a "
                                   "cast to object, on the simulator and on real Mono.")
    p.add_argument("--calls", type=count, default=2000, metavar="N", help="calls per scenario (default 2000)")
    p.add_argument("--runtime", action="append", choices=list(runtimes.RUNTIMES),
                   help="real runtime(s) to include (default: mono)")
    p.add_argument("--sim-only", action="store_true", help="skip the real runtimes")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds per real run (default 600)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def rows_for(calls: int, runtimes: list[str], timeout: float) -> list[dict]:
    from callsite.simulator import simulate

    rows = []
    for scenario in SCENARIOS:
        d = simulate(scenario, "mono", calls).to_dict()
        rows.append({"scenario": scenario, "runtime": "sim (mono profile)", "calls": calls, "binds": d["binds"],
                     "l1_rules": d["l1_rules"], "l2_rules": d["l2_rules"], "rules_live": d["rules_live"],
                     "objects_held_by_rules": d["strong_instance_refs_live"] + d["weak_handles_live"],
                     "us_per_call": None, "heap_after_gc": d["approx_bytes"],
                     "heap_metric": "modelled bytes of rules and what they hold"})
        for rt in runtimes:
            from binders.api import run_real
            real = run_real(scenario, rt, calls, timeout=timeout)
            if real.get("not_applicable"):
                rows.append({"scenario": scenario, "runtime": rt, "calls": calls,
                             "not_applicable": real["not_applicable"]})
                continue
            rows.append({"scenario": scenario, "runtime": f"{rt} ({real.get('runtime_version', '').split(' (')[0]})",
                         "calls": calls, "binds": real["binds"], "l1_rules": real["l1_rules"],
                         "l2_rules": real["l2_rules"], "rules_live": real["rules_live"],
                         "objects_held_by_rules": (real.get("strong_instance_refs_live") or 0)
                         + (real.get("weak_handles_live") or 0),
                         "us_per_call": round(real["call_seconds"] / max(1, calls) * 1e6, 1),
                         "heap_after_gc": real["approx_bytes"],
                         "heap_metric": "managed heap growth since the run started, after GC.Collect()"})
    return rows


def run(args) -> int:
    runtimes = [] if args.sim_only else (args.runtime or ["mono"])
    rows = rows_for(args.calls, runtimes, args.timeout)
    if args.json:
        print_json(rows)
        return 0
    print(f"A fresh COM object as a dynamic argument (com-arg-fresh) vs the cast to object (com-arg-cast), "
          f"{args.calls} calls each\n")
    print(format_table(
        ["scenario", "runtime", "binds", "L1", "L2", "rules live", "objects held by rules", "us/call",
         "heap growth after GC (bytes)"],
        [[r["scenario"], r["runtime"], r.get("binds", "n/a"), r.get("l1_rules", ""), r.get("l2_rules", ""),
          r.get("rules_live", ""), r.get("objects_held_by_rules", ""),
          "" if r.get("us_per_call") is None else r["us_per_call"],
          r.get("heap_after_gc", r.get("not_applicable", ""))] for r in rows]))
    print("\nsim: the model's prediction (heap = modelled bytes of live rules and the objects they hold); "
          "real: measured in the runtime (us/call = time in the call site; heap = managed heap growth "
          "after a forced GC, which also counts pythonnet's own caches).")
    return 0
