"""`dlrsim simulate`: run a workload on the cache model of one runtime."""

from __future__ import annotations

from callsite.commands._common import add_source, count, load_source, positive
from callsite.output import format_table, print_json, progress
from callsite.profiles import PROFILES


def register(sub) -> None:
    p = sub.add_parser("simulate", help="simulate a workload's call-site caches",
                       description="Simulate L0/L1/L2 call-site caches for a workload on a runtime profile.")
    add_source(p)
    p.add_argument("--calls", type=count, metavar="N", help="number of calls (default: the workload's)")
    p.add_argument("--profile", choices=sorted(PROFILES), default="mono", help="runtime profile (default mono)")
    p.add_argument("--sample-every", type=positive, metavar="K",
                   help="take a memory sample every K iterations (default: about 32 samples per run)")
    p.add_argument("--trace", metavar="OUT.jsonl", help="write one line per call with the level that satisfied it")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run(args) -> int:
    from callsite.simulator import simulate

    wl = load_source(args)
    calls = wl.default_calls if args.calls is None else args.calls
    if args.trace:  # fail before a long run, not after it
        from callsite.output import output_file
        args.trace = output_file(args.trace, "--trace")
    with progress(calls, f"simulate {wl.name} ({args.profile})") as bar:
        result = simulate(wl, args.profile, calls, sample_every=args.sample_every, progress=bar.update)
    if args.trace:
        result.write_trace(args.trace)
    if args.json:
        print_json(dict(result.to_dict(), memory=memory_summary(result)))
        return 0
    print(render(result))
    return 0


def render(result) -> str:
    d = result.to_dict()
    head = (f"{d['workload']} on profile {d['profile']}: {d['calls']} calls, {d['binds']} binds "
            f"({d['rules_compiled']} rules compiled)")
    totals = format_table(
        ["l0_hits", "l1_hits", "l2_hits", "binds", "l1_rules", "l2_rules", "rules_live",
         "weak_handles_live", "approx_bytes"],
        [[d["l0_hits"], d["l1_hits"], d["l2_hits"], d["binds"], d["l1_rules"], d["l2_rules"],
          d["rules_live"], d["weak_handles_live"], d["approx_bytes"]]])
    sites = format_table(
        ["site", "lifetime", "operation", "calls", "binds", "l0", "l1", "l2", "L1", "L2", "ic_state", "identity_churn"],
        [[s["name"], s["lifetime"], s["operation"], s["calls"], s["binds"], s["l0_hits"], s["l1_hits"],
          s["l2_hits"], s["l1_rules"], s["l2_rules"], s["ic_state"], "yes" if s["identity_churn"] else "no"]
         for s in d["sites"]])
    mem = memory_summary(result)
    lines = [f"memory ({mem['metric']}): {mem['verdict']}" + (f"; what grows: {mem['cause']}" if mem["cause"] else "")]
    lines += [f"  {p['part']}: {p['verdict']} ({p['bound']})" for p in mem["parts"]]
    return "\n\n".join([head, totals, sites, "\n".join(lines)])


def memory_summary(result) -> dict:
    """The detector's memory verdict and its parts (which part grows), for the simulate output."""
    from callsite.detect import detect

    rep = detect(result)
    m = rep.memory
    return {"verdict": m.verdict if m else "insufficient data", "metric": m.metric if m else "",
            "cause": m.cause if m else "", "parts": rep.extra.get("memory_parts", [])}
