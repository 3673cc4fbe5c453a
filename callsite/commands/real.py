"""`dlrsim real`: replay a workload on a real .NET runtime (Mono, CoreCLR 3.1 or .NET 8)."""

from __future__ import annotations

from callsite.commands._common import add_source, add_timeout, count, positive, runtime_names
from callsite.errors import DlrsimError
from callsite.output import format_table, print_json


def register(sub) -> None:
    p = sub.add_parser("real", help="replay a workload on a real runtime (mono, coreclr or net8)",
                       description="Replay a workload with real CallSite<T> objects and C# runtime binders in a "
                                   "worker process, observing per call which cache level answered.")
    add_source(p)
    p.add_argument("--runtime", choices=runtime_names(), default="mono", help="runtime (default mono)")
    p.add_argument("--calls", type=count, metavar="N", help="number of calls (default: the workload's)")
    p.add_argument("--sample-every", type=positive, metavar="K",
                   help="memory sample every K iterations (default: about 32 per run)")
    add_timeout(p, None)
    p.add_argument("--out", metavar="FILE.jsonl", help="the run file: its jobs, then every event as it happens (default: a new file in ./dlrsim-out/runs/)")
    p.add_argument("--levels", action="store_true", help="include the per-call levels in --json output")
    p.add_argument("--heapshots", metavar="FILE",
                   help="take heap shots named WORKLOAD:before, :during, :after and :reset into FILE (read them "
                        "with `dlrsim heap`): a .mlpd from Mono's log profiler, or on coreclr/net8 a .nettrace "
                        "from EventPipe heap dumps")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def source_of(args) -> tuple[str, dict]:
    from binders.host import source_for
    from callsite.scenarios import get_scenario
    from callsite.workload import load_workload

    if args.scenario:
        get_scenario(args.scenario)  # unknown names fail here, in one line
        return args.scenario, source_for(scenario=args.scenario)
    wl = load_workload(args.workload)
    return wl.name, source_for(workload_file=args.workload)


def run(args) -> int:
    from binders import host

    label, source = source_of(args)
    job = {"id": label, "source": source, "calls": args.calls, "sample_every": args.sample_every,
           "levels": True}
    env = None
    if args.heapshots:
        from callsite.output import output_file
        env = {"DLRSIM_HEAPSHOT": str(output_file(args.heapshots, "--heapshots"))}
    hello, (outcome,) = host.run_batch(args.runtime, [job], timeout=args.timeout, out=args.out, env=env)
    if outcome.status == "not_applicable":
        if args.json:
            print_json({"workload": label, "runtime": args.runtime, "runtime_version": hello.get("runtime_version"),
                        "status": "not_applicable", "reason": outcome.reason})
        else:
            print(f"{label} on {hello.get('runtime_version', args.runtime)}: not applicable: {outcome.reason}")
        return 0
    res = outcome.result
    if res is None:
        raise DlrsimError(f"{args.runtime}: no result for {label}")
    if args.json:
        if not args.levels:
            res = {k: v for k, v in res.items() if k != "levels"}
        print_json(res)
        return 0
    print(render(res))
    print(f"\nrun file (every event, as it happened): {hello['run_file']}")
    return 0


def render(d: dict) -> str:
    inst = d.get("instance_restricted_rules") or 0
    compiled = d.get("rules_compiled", d["binds"])
    head = (f"{d['workload']} on {d['runtime_version']}: {d['calls']} calls, {d['binds']} binds, "
            f"{compiled} rules compiled ({inst} of them restricted to one instance), "
            f"{d['rules_live']} still cached at the end, {d['seconds']:.2f} s")
    totals = format_table(
        ["l0_hits", "l1_hits", "l2_hits", "binds", "l1_rules", "l2_rules", "rules_live",
         "weak_handles_live", "strong_refs", "heap_growth"],
        [[d["l0_hits"], d["l1_hits"], d["l2_hits"], d["binds"], d["l1_rules"], d["l2_rules"],
          d["rules_live"], d["weak_handles_live"], d["strong_instance_refs_live"], d["approx_bytes"]]])
    sites = format_table(
        ["site", "lifetime", "operation", "calls", "binds", "l0", "l1", "l2", "L1", "L2", "ic_state", "identity_churn"],
        [[s["name"], s["lifetime"], s["operation"], s["calls"], s["binds"], s["l0_hits"], s["l1_hits"],
          s["l2_hits"], s["l1_rules"], s["l2_rules"], s["ic_state"], "yes" if s["identity_churn"] else "no"]
         for s in d["sites"]])
    samples = format_table(
        ["call", "binds", "rules_live", "weak_live", "strong_refs", "heap_bytes", "com_live", "us_per_call"],
        [[s["call"], s["binds"], s["rules_live"], s["weak_handles_live"], s["strong_instance_refs_live"],
          s["heap_bytes"], s["com_live"], s["us_per_call"]] for s in d["samples"]])
    extra = []
    if d.get("exceptions"):
        extra.append("exceptions thrown by rules: " + ", ".join(f"{k} x{v}" for k, v in d["exceptions"].items()))
    return "\n\n".join([head, totals, sites, "memory samples (after a forced full GC):\n" + samples] + extra)
