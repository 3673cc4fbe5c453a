"""`dlrsim compare`: the simulator against a real runtime, call by call."""

from __future__ import annotations

from binders import runtimes
from callsite.commands._common import add_source, count
from callsite.output import format_table, print_json
from callsite.profiles import PROFILES


def register(sub) -> None:
    p = sub.add_parser("compare", help="compare the simulator with a real runtime, call by call",
                       description="Replay workloads on a real runtime and simulate them with that runtime's "
                                   "profile; report per-call level agreement and final-state differences. "
                                   "Exits 1 on any disagreement.")
    add_source(p, allow_all=True)
    p.add_argument("--runtime", choices=list(runtimes.RUNTIMES), default="mono", help="runtime (default mono)")
    p.add_argument("--calls", type=count, metavar="N", help="calls per workload (default: each workload's)")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="kill a run (one workload) that takes longer than this (default 900)")
    p.add_argument("--out", metavar="FILE.jsonl", help="stream the real runs' events here")
    p.add_argument("--profile", choices=sorted(PROFILES),
                   help="simulate with this profile instead of the runtime's own (to see a runtime difference)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from binders.compare import all_scenarios, compare
    from callsite.commands.real import source_of

    if args.all:
        items = [(n, {"scenario": n}) for n in all_scenarios()]
    else:
        items = [source_of(args)]
    hello, reports = compare(args.runtime, items, args.calls, timeout=args.timeout, out=args.out,
                             profile=args.profile)
    bad = [r for r in reports if r["status"] in ("disagree", "error")]
    if args.json:
        print_json({"runtime": args.runtime, "runtime_version": hello.get("runtime_version"),
                    "agreement": min((r["agreement"] for r in reports if r["agreement"] is not None), default=None),
                    "scenarios": reports})
    else:
        print(f"simulator (profile {args.profile or args.runtime}) vs {hello.get('runtime_version', args.runtime)}")
        rows = []
        for r in reports:
            fd = r["first_divergence"]
            rows.append([r["scenario"], r["calls"], "n/a" if r["agreement"] is None else f"{r['agreement']:.4f}",
                         "" if fd is None else f"call {fd['call']}: expected {fd['expected']}, got {fd['actual']}",
                         ", ".join(f"{k} {v['expected']}->{v['actual']}" for k, v in r["final_differences"].items())
                         or (f"{r['status'].replace('_', ' ')}: {r['reason']}" if r.get("reason") else "")])
        print(format_table(["scenario", "calls", "agreement", "first_divergence", "final differences / note"], rows))
    return 1 if bad else 0
