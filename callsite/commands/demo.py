"""`dlrsim demo`: the flagship comparison, the README's main job.

A fresh COM object passed as a dynamic argument, against the same call with a
cast to object: binds, cache sizes, time per call and the heap the DLR holds,
on the simulator and on the real runtimes, then one line saying what the cast
changed.

The heap column counts the DLR's objects only. The whole managed heap of a
replay also grows by pythonnet's own reflection caches (about 0.85 MB in both
rows), which would make the fix look as costly as the leak; so the demo runs
each scenario a second time taking heap shots (Mono's log profiler, EventPipe
on CoreCLR and .NET 8) and counts,
between the heap shots before and after the run, the bytes of the DLR's classes
(rule delegates, closures, DynamicMethods, call sites, rule caches and the RCWs
the rules hold). The simulator's figure is its modelled bytes of the same things.
"""

from __future__ import annotations

from callsite.commands._common import add_timeout, count, runtime_names
from callsite.output import format_table, print_json

SCENARIOS = ("com-arg-fresh", "com-arg-cast")
LEAK, FIX = SCENARIOS

COLUMNS = """\
What the columns are:
  binds        calls that missed every cache, so the C# binder ran and a new rule was compiled
  L1, L2       rules cached at the end: L1 in the call site itself (at most 10), L2 in the binder's
               rule cache shared by the sites using that binder (128 slots)
  rules live   distinct compiled rules still reachable from the caches
  held objects objects the cached rules keep (here: the COM objects they were bound for)
  us/call      measured time per call on the real runtime (the simulator does not model time)
  DLR heap     bytes of the DLR's objects after the run: modelled on the simulator; on a runtime, the
               DLR's classes in a heap shot after the run minus one before it (pythonnet's and the
               harness's own objects are left out; the whole managed heap grew
               {totals})"""


def register(sub) -> None:
    p = sub.add_parser("demo", help="the flagship: COM argument leak vs the cast fix, side by side",
                       description="A fresh COM object passed as a dynamic argument versus the same call with a "
                                   "cast to object, on the simulator and on real Mono.")
    p.add_argument("--calls", type=count, default=2000, metavar="N", help="calls per scenario (default 2000)")
    p.add_argument("--runtime", action="append", choices=runtime_names(),
                   help="real runtime(s) to include (default: mono)")
    p.add_argument("--sim-only", action="store_true", help="skip the real runtimes")
    add_timeout(p, 600.0, "a real run")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def dlr_heap_bytes(scenario: str, calls: int, timeout: float, runtime: str = "mono") -> int | None:
    """Bytes of the DLR's classes that a run of ``scenario`` added (heap shots ``before``/``after``:
    Mono's log profiler, EventPipe elsewhere; the runtime module names its file suffix)."""
    from binders import runtimes
    from binders.api import run_real
    from callsite.heap import Snapshot
    from callsite.output import output_file, output_folder
    from experiments.common import DLR_CLASSES

    # One file per scenario and runtime, replaced by each demo (read it with `dlrsim heap ...`).
    suffix = getattr(runtimes.get(runtime), "HEAPSHOT_SUFFIX", ".nettrace")
    path = output_file(output_folder("demo") / f"{scenario}.{runtime}{suffix}", "the demo's heap shots")
    for old in (path, path.with_name(path.name + ".points.json")):
        old.unlink(missing_ok=True)
    run_real(scenario, runtime, calls, timeout=timeout, env={"DLRSIM_HEAPSHOT": str(path)})
    before = Snapshot.load(f"{path}@{scenario}:before")
    after = Snapshot.load(f"{path}@{scenario}:after")
    return sum(d.size_diff for d in after.compare_to(before)
               if "Python.Runtime" not in d.key and any(k in d.key for k in DLR_CLASSES))


def rows_for(calls: int, runtimes: list[str], timeout: float) -> list[dict]:
    from callsite.simulator import simulate

    rows = []
    for scenario in SCENARIOS:
        d = simulate(scenario, "mono", calls).to_dict()
        rows.append({"scenario": scenario, "runtime": "sim (mono profile)", "calls": calls, "binds": d["binds"],
                     "l1_rules": d["l1_rules"], "l2_rules": d["l2_rules"], "rules_live": d["rules_live"],
                     "objects_held_by_rules": d["strong_instance_refs_live"] + d["weak_handles_live"],
                     "us_per_call": None, "dlr_heap_bytes": d["approx_bytes"],
                     "heap_metric": "modelled bytes of live rules and what they hold"})
        for rt in runtimes:
            from binders.api import run_real
            real = run_real(scenario, rt, calls, timeout=timeout)
            if real.get("not_applicable"):
                rows.append({"scenario": scenario, "runtime": rt, "calls": calls,
                             "not_applicable": real["not_applicable"]})
                continue
            row = {"scenario": scenario, "runtime": f"{rt} ({real.get('runtime_version', '').split(' (')[0]})",
                   "calls": calls, "binds": real["binds"], "l1_rules": real["l1_rules"],
                   "l2_rules": real["l2_rules"], "rules_live": real["rules_live"],
                   "objects_held_by_rules": (real.get("strong_instance_refs_live") or 0)
                   + (real.get("weak_handles_live") or 0),
                   "us_per_call": round(real["call_seconds"] / max(1, calls) * 1e6, 1),
                   "managed_heap_growth": real["approx_bytes"],
                   "dlr_heap_bytes": dlr_heap_bytes(scenario, calls, timeout, rt),
                   "heap_metric": "bytes of the DLR's classes, heap shot after the run minus before it "
                                  "(a second run taking heap shots)"}
            rows.append(row)
    return rows


def conclusion(rows: list[dict]) -> str:
    """One line: what the cast changed, on the most real runtime measured."""
    def pick(scenario):
        cands = [r for r in rows if r["scenario"] == scenario and "binds" in r]
        real = [r for r in cands if r.get("us_per_call") is not None]
        return (real or cands)[0] if cands else None
    leak, fix = pick(LEAK), pick(FIX)
    if leak is None or fix is None:
        return "Conclusion: no runtime ran both scenarios."
    parts = [f"Conclusion ({leak['runtime']}): with the cast the call binds {fix['binds']} time"
             f"{'s' if fix['binds'] != 1 else ''} instead of {leak['binds']}"]
    if leak.get("us_per_call") and fix.get("us_per_call"):
        parts.append(f"each call is {leak['us_per_call'] / fix['us_per_call']:.1f}x faster "
                     f"({fix['us_per_call']} vs {leak['us_per_call']} us)")
    parts.append(f"the caches hold {fix['rules_live']} rule(s) and {fix['objects_held_by_rules']} object(s) "
                 f"instead of {leak['rules_live']} and {leak['objects_held_by_rules']}")
    if leak.get("dlr_heap_bytes") is not None and fix.get("dlr_heap_bytes") is not None:
        parts.append(f"{(leak['dlr_heap_bytes'] - fix['dlr_heap_bytes']) / 1024:,.1f} KiB less DLR heap")
    return ", ".join(parts) + "."


def run(args) -> int:
    runtimes = [] if args.sim_only else list(dict.fromkeys(args.runtime or ["mono"]))
    rows = rows_for(args.calls, runtimes, args.timeout)
    if args.json:
        print_json({"rows": rows, "conclusion": conclusion(rows)})
        return 0
    print(f"A fresh COM object as a dynamic argument ({LEAK}) vs the cast to object ({FIX}), "
          f"{args.calls} calls each\n")
    print(format_table(
        ["scenario", "runtime", "binds", "L1", "L2", "rules live", "held objects", "us/call", "DLR heap (bytes)"],
        [[r["scenario"], r["runtime"], r.get("binds", "n/a"), r.get("l1_rules", ""), r.get("l2_rules", ""),
          r.get("rules_live", ""), r.get("objects_held_by_rules", ""),
          "" if r.get("us_per_call") is None else r["us_per_call"],
          r.get("not_applicable") or ("n/a" if r.get("dlr_heap_bytes") is None else r["dlr_heap_bytes"])]
         for r in rows]))
    totals = [f"{r['managed_heap_growth']:,} bytes in {r['scenario']} on {r['runtime'].split(' (')[0]}"
              for r in rows if r.get("managed_heap_growth") is not None]
    print()
    print(COLUMNS.format(totals=", ".join(totals) if totals else "(no real runtime ran)"))
    print()
    print(conclusion(rows))
    return 0
