"""`dlrsim detect`: leak findings for a workload, simulated or on a real runtime."""

from __future__ import annotations

from binders import runtimes
from callsite.commands._common import add_source, count, load_source
from callsite.output import format_table, print_json, progress
from callsite.profiles import PROFILES, get_profile


def register(sub) -> None:
    p = sub.add_parser("detect", help="flag leaky dynamic call sites, with evidence",
                       description="Run a workload (simulated, or on a real runtime) and flag identity churn, "
                                   "per-iteration sites, megamorphic type churn and dead-rule retention. "
                                   "Exit code 1 when anything at warning level or above is found.")
    add_source(p)
    p.add_argument("--runtime", choices=["sim", *runtimes.RUNTIMES], default="sim",
                   help="sim (the model), or a real runtime (default sim)")
    p.add_argument("--profile", choices=sorted(PROFILES), default=None,
                   help="with --runtime sim: the runtime profile to model (default mono)")
    p.add_argument("--calls", type=count, metavar="N", help="number of calls (default: the workload's)")
    p.add_argument("--python-memory", action="store_true",
                   help="with --runtime sim: also report the simulator's own Python memory (tracemalloc, objgraph)")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds before a real run is stopped (default 600)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=run)


def run_workload(args, wl):
    """The run's result dict and the profile limits, for sim or a real runtime."""
    calls = wl.default_calls if args.calls is None else args.calls
    if args.runtime == "sim":
        from callsite.simulator import simulate
        prof = get_profile(args.profile or "mono")
        pymem = None
        with progress(calls, f"simulate {wl.name}") as bar:
            if args.python_memory:
                from callsite.pymem import measure
                result, pymem = measure(lambda: simulate(wl, prof, calls, progress=bar.update))
            else:
                result = simulate(wl, prof, calls, progress=bar.update)
        d = result.to_dict()
        if pymem is not None:
            d["python_memory"] = pymem
        return d, prof, f"sim ({prof.name} profile)"
    from binders.api import run_real  # imported lazily: pythonnet is only needed here
    prof = get_profile(args.runtime)
    d = run_real(wl, args.runtime, calls, timeout=args.timeout)
    return d, prof, args.runtime


def run(args) -> int:
    from callsite.detect import detect

    wl = load_source(args)
    d, prof, label = run_workload(args, wl)
    report = detect(d, l1_capacity=prof.l1_max_rules, l2_capacity=prof.l2_max_rules, runtime=label)
    if "python_memory" in d:
        report.extra["python_memory"] = d["python_memory"]
    if "not_applicable" in d:
        report.extra["not_applicable"] = d["not_applicable"]
    if args.json:
        print_json(report.to_dict())
    else:
        print(render(report))
    return report.exit_code


def render(report) -> str:
    lines = [f"{report.workload} on {report.runtime}: {report.calls} calls"]
    if report.extra.get("not_applicable"):
        lines.append(f"not applicable: {report.extra['not_applicable']}")
    if not report.findings:
        lines.append("no findings")
    else:
        lines.append(format_table(
            ["severity", "finding", "site", "calls", "binds", "bind_rate", "flagged_at", "rules_kept", "weak_handles"],
            [[f.severity, f.kind, f.site, f.calls, f.binds, f"{f.bind_rate:.3f}",
              "-" if f.flagged_at is None else f.flagged_at, f.rules_retained, f.weak_handles_retained]
             for f in report.findings]))
        for f in report.findings:
            lines.append(f"\n{f.severity}: {f.message}\n  fix: {f.fix}")
    m = report.memory
    if m is not None:
        lines.append(f"\nmemory ({m.metric}, {m.samples} samples): {m.verdict}; "
                     f"{m.bytes_first} -> {m.bytes_last} bytes, slope {m.slope_bytes_per_1000_calls:+.1f} B/1000 calls "
                     f"(95% CI {m.slope_ci_per_1000_calls[0]:+.1f}..{m.slope_ci_per_1000_calls[1]:+.1f}); {m.explanation}")
    pm = report.extra.get("python_memory")
    if pm:
        lines.append(f"\nsimulator's own Python memory: peak {pm['traced_bytes_peak']} bytes traced; "
                     f"model objects alive after the run: {pm['model_objects_alive_after_run']}")
    return "\n".join(lines)
